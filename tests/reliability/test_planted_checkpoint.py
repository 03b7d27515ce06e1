"""Security: a pickle planted as ``last.ckpt`` never runs (issue 14).

Run ids are predictable, so anyone who can write under a comparison's output folder can plant
``OUT/checkpoints/<run_id>/last.ckpt``. Loading it with ``weights_only=False`` would run
whatever its pickle names. Here the pickle creates a marker file when unpickled; after
``compare`` and ``pretrain --resume`` the marker must not exist and the command must stop with
a one-line error naming the checkpoint.
"""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app

torch.set_num_threads(1)
runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
TINY = ["--epochs", "1", "--batch-size", "8", "--width", "8", "--device", "cpu", "--quiet"]


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: a stand-in for ``os.system``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (builtins.open, (str(self.marker), "w"))


def _plant(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {}, "epoch": 0, "x": _Payload(marker)}, path)


def test_planted_checkpoint_does_not_run_through_compare(npz: Path, tmp_path: Path) -> None:
    out, marker = tmp_path / "cmp", tmp_path / "PWNED"
    args = ["compare", "--data", str(npz), "--augment", "none", "--seeds", "0"]
    # A first run with kept checkpoints shows where the run's checkpoint lives (its run id).
    first = runner.invoke(app, [*args, "--output", str(out), "--keep-checkpoints", *TINY])
    assert first.exit_code == 0, first.output
    (ckpt,) = (out / "checkpoints").glob("*/last.ckpt")
    for record in (out / "runs").glob("*.json"):
        record.unlink()  # the run is to be done again, so its checkpoint is loaded
    _plant(ckpt, marker)
    result = runner.invoke(app, [*args, "--output", str(out), *TINY])
    assert not marker.exists(), "the planted pickle ran"
    assert result.exit_code == 2, result.output
    assert str(ckpt) in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_planted_checkpoint_does_not_run_through_pretrain_resume(npz: Path, tmp_path: Path) -> None:
    ckdir, marker = tmp_path / "ck", tmp_path / "PWNED"
    _plant(ckdir / "last.ckpt", marker)
    result = runner.invoke(
        app,
        [
            "pretrain", "--data", str(npz), "--augment", "none", "--output", str(tmp_path / "e.pt"),
            "--checkpoint-dir", str(ckdir), "--resume", *TINY,
        ],
    )  # fmt: skip
    assert not marker.exists(), "the planted pickle ran"
    assert result.exit_code == 2, result.output
    assert "last.ckpt" in result.output
    assert not (tmp_path / "e.pt").exists()


def test_a_planted_object_npy_does_not_run(tmp_path: Path) -> None:
    """The one object-array file randquant reads (seglearn's watch data) goes through an
    unpickler that builds numpy arrays only."""
    from randquant.data.cifar import read_npy_pickle

    marker, path = tmp_path / "PWNED", tmp_path / "watch_dataset.npy"
    np.save(path, np.array({"X": [], "x": _Payload(marker)}, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"watch_dataset\.npy"):
        read_npy_pickle(path)
    assert not marker.exists(), "the planted pickle ran"
