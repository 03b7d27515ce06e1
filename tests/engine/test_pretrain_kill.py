"""SIGKILL a pretraining process mid-epoch or mid-checkpoint-write, resume, and get the result
of an uninterrupted run."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kill_worker import run
from ssl_kit import same_state, state_of

WORKER = Path(__file__).resolve().parent / "kill_worker.py"


@pytest.fixture(scope="module")
def straight() -> tuple[tuple[float, ...], dict[str, torch.Tensor]]:
    result = run(None)
    return result.epoch_losses, state_of(result.encoder)


@pytest.mark.parametrize(("mode", "epochs_saved"), [("mid-epoch", 2), ("mid-write", 1)])
def test_sigkill_then_resume_matches_uninterrupted_run(
    tmp_path: Path,
    mode: str,
    epochs_saved: int,
    straight: tuple[tuple[float, ...], dict[str, torch.Tensor]],
) -> None:
    proc = subprocess.run(
        [sys.executable, str(WORKER), str(tmp_path), mode],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    saved = torch.load(tmp_path / "last.ckpt", weights_only=True)  # never a corrupt file
    assert len(saved["randquant_epoch_losses"]) == epochs_saved
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("last.ckpt", "logs")]
    assert len(leftovers) == (mode == "mid-write")  # a killed write leaves only its temp file
    assert all(n.startswith(".last.ckpt.") and n.endswith(".tmp") for n in leftovers)
    resumed = run(tmp_path, resume=True)
    # the stray temp is gone (logs/ holds the CSV metrics of each attempt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt", "logs"]
    losses, weights = straight
    assert resumed.epoch_losses == losses and resumed.epochs_run == 4
    assert same_state(state_of(resumed.encoder), weights)
