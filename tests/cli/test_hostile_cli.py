"""Hostile command lines (issue 14): each gets exit code 2 (130 for Ctrl-C) and one line
naming the cause, never a traceback; nothing already written is lost."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app
from randquant.data import registry
from randquant.data.sources import Advance, Source, SourceIndex
from randquant.engine import checkpoint
from randquant.engine.checkpoint import CheckpointError, check_checkpoint
from randquant.methods.base import SSLMethod

torch.set_num_threads(1)
runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
TINY = ["--epochs", "1", "--batch-size", "8", "--width", "8", "--device", "cpu", "--quiet"]
HUGE = "99999999999999999999"


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, " ".join(result.output.split())


def pretrain(npz: Path, out: Path, *extra: str) -> tuple[int, str]:
    return invoke("pretrain", "--data", str(npz), "--augment", "none", "--output", str(out), *TINY,
                  *extra)  # fmt: skip


class Toy(Source):
    name, modality, layout, description = "toy", "sensor", "sequence", "toy"
    apt = ("toy-data-package",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def source_files(self) -> list[Path]:
        return self.require_files(self.path)

    def index(self) -> SourceIndex:
        text = self.source_files()[0].read_text()
        if not text.strip():
            raise EOFError("no numbers")
        values = np.array([float(v) for v in text.split()])
        return SourceIndex(list(values), (np.arange(len(values)) % 2).astype(np.int64), ("a", "b"))

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        advance(len(items))
        return torch.tensor(list(items), dtype=torch.float32).reshape(-1, 1, 1).repeat(1, 1, 8)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Toy:
    source = Toy(tmp_path / "not-installed" / "toy.txt")
    monkeypatch.setattr(registry, "_sources", lambda: {"toy": source})
    monkeypatch.setenv("RANDQUANT_CACHE", str(tmp_path / "cache"))
    return source


@pytest.mark.parametrize("command", ["compare", "pretrain", "show"])
def test_a_missing_data_package_is_named(toy: Toy, tmp_path: Path, command: str) -> None:
    args = {
        "compare": ["compare", "--output", str(tmp_path / "o"), *TINY],
        "pretrain": ["pretrain", "--output", str(tmp_path / "e.pt"), *TINY],
        "show": ["show", "--output", str(tmp_path / "g.png")],
    }[command]
    code, text = invoke(*args, "--dataset", "toy")
    assert code == 2, text
    assert "apt-get install -y toy-data-package" in text


def test_an_empty_source_file_is_named_by_data_prepare(toy: Toy, tmp_path: Path) -> None:
    toy.path.parent.mkdir()
    toy.path.write_text("")
    code, text = invoke("data", "prepare", "toy", "--cache-dir", str(tmp_path / "c"))
    assert code == 2, text
    assert "toy.txt) cannot be read" in text


def test_diverging_training_stops_with_a_message_and_saves_no_encoder(
    npz: Path, tmp_path: Path
) -> None:
    out = tmp_path / "e.pt"
    code, text = pretrain(npz, out, "--lr", "1e8", "--epochs", "3")
    assert code == 2, text
    assert "training diverged: the loss is nan" in text
    assert not out.exists()


def test_a_nan_checkpoint_is_not_resumed(tmp_path: Path) -> None:
    path = tmp_path / "last.ckpt"
    torch.save({"state_dict": {"w": torch.tensor([1.0, float("nan")])}, "epoch": 0}, path)
    with pytest.raises(CheckpointError, match="NaN or infinite weights"):
        check_checkpoint(path)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["compare", "--seeds", HUGE, "--output", "o"], "seeds"),
        (["pretrain", "--seed", HUGE, "--output", "e.pt"], "seed"),
        (["compare", "--weight-decay", "nan", "--output", "o"], "weight"),
        (["pretrain", "--weight-decay", "nan", "--output", "e.pt"], "weight"),
        (["pretrain", "--lr", "inf", "--output", "e.pt"], "lr"),
    ],
)
def test_bad_numbers_are_rejected_before_work(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], option: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, text = invoke(*args, "--data", str(npz), *TINY)
    assert code == 2, text
    assert option in text.lower()
    if "seed" in option:
        assert "2**63 - 1" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_huge_seeds_in_probe_and_show(npz: Path, tmp_path: Path) -> None:
    code, text = invoke("show", "--seed", HUGE, "--output", str(tmp_path / "x.png"))
    assert code == 2 and "2**63 - 1" in text, text
    enc = tmp_path / "e.pt"
    assert pretrain(npz, enc)[0] == 0
    code, text = invoke("probe", "--checkpoint", str(enc), "--data", str(npz), "--seed", HUGE)
    assert code == 2 and "2**63 - 1" in text, text


def test_resume_refuses_other_settings_and_fewer_epochs(npz: Path, tmp_path: Path) -> None:
    out, ck = tmp_path / "e.pt", tmp_path / "ck"
    assert pretrain(npz, out, "--checkpoint-dir", str(ck), "--epochs", "2")[0] == 0
    code, text = pretrain(npz, out, "--checkpoint-dir", str(ck), "--resume", "--epochs", "1")
    assert code == 2 and "already trained 2 epochs, more than the 1" in text, text
    code, text = pretrain(npz, out, "--checkpoint-dir", str(ck), "--resume", "--epochs", "2",
                          "--lr", "0.01")  # fmt: skip
    assert code == 2 and "other settings" in text and "lr" in text, text
    again = ["--epochs", "2", "--checkpoint-dir", str(ck), "--resume"]
    code, text = invoke("pretrain", "--data", str(npz), "--augment", "noise", "--output",
                        str(out), *TINY, *again)  # fmt: skip
    assert code == 2 and "other settings" in text and "views" in text, text


def test_an_unwritable_output_folder_is_found_before_work(npz: Path) -> None:
    code, text = pretrain(npz, Path("/sys/randquant-test/e.pt"))
    assert code == 2 and "cannot write in /sys" in text, text
    code, text = invoke("compare", "--data", str(npz), "--output", "/sys/randquant-test", *TINY)
    assert code == 2 and "cannot write in /sys" in text, text


def test_a_full_disk_at_the_end_keeps_the_checkpoint(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, ck = tmp_path / "e.pt", tmp_path / "ck"
    real = checkpoint.write_bytes_atomic

    def full(path: Path | str, data: bytes) -> None:
        if Path(path).name == "e.pt":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(checkpoint, "write_bytes_atomic", full)  # what encoder files use
    code, text = pretrain(npz, out, "--checkpoint-dir", str(ck))
    assert code == 2 and "e.pt: No space left on device" in text, text
    assert not out.exists() and (ck / "last.ckpt").is_file()
    check_checkpoint(ck / "last.ckpt")


def test_show_writes_the_format_its_suffix_names(tmp_path: Path) -> None:
    jpg = tmp_path / "x.jpg"
    code, text = invoke("show", "--output", str(jpg), "--bins", "2")
    assert code == 0, text
    assert jpg.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG, not PNG bytes
    code, text = invoke("show", "--output", str(tmp_path / "x.xyz"), "--bins", "2")
    assert code == 2 and "cannot write a .xyz picture" in text, text


def test_single_class_data_is_refused_naming_the_split(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(8, 1, 8)).astype(np.float32)
    path = tmp_path / "one.npz"
    np.savez(path, x_train=x, y_train=np.array([0, 1] * 4), x_test=x, y_test=np.zeros(8, int))
    code, text = invoke("compare", "--data", str(path), "--output", str(tmp_path / "o"), *TINY)
    assert code == 2 and "split 'test'" in text, text
    assert not (tmp_path / "o").exists()


def test_ctrl_c_exits_130_saying_what_was_kept(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, ck = tmp_path / "e.pt", tmp_path / "ck"
    step = SSLMethod.training_step

    def interrupted(self: SSLMethod, batch: Any, idx: int) -> torch.Tensor:
        if self.current_epoch == 1:  # Ctrl-C in the second epoch (an injected failure)
            raise KeyboardInterrupt
        return step(self, batch, idx)

    monkeypatch.setattr(SSLMethod, "training_step", interrupted)
    code, text = pretrain(npz, out, "--checkpoint-dir", str(ck), "--epochs", "2")
    assert code == 130, text
    assert "Interrupted (Ctrl-C)" in text and "--resume" in text
    assert not out.exists() and (ck / "last.ckpt").is_file()
