"""Helpers of the sweep tests: a tiny dataset, tiny settings, and trainers that fail on cue.

Faults are injected at a chosen point, never by timing: a trainer SIGKILLs its own process
(a Ray worker, or the driver) when a marker file says so. Ray pickles these functions by
value (``register_pickle_by_value``), so its workers need not import the tests package.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import torch

from randquant.data.base import Dataset, SplitData
from randquant.engine.run import pretrain_one
from randquant.engine.settings import CompareSettings, TrainedRun

AUGMENTS = ["none", "rq"]
SEEDS = [0, 1]


def tiny() -> Dataset:
    """A 3-class sequence set, 24 train / 12 test samples of 2 x 16."""
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat_interleave(8)
    x = torch.randn(24, 2, 16, generator=gen) + y[:, None, None] * 1.5
    yt = torch.arange(3).repeat_interleave(4)
    xt = torch.randn(12, 2, 16, generator=gen) + yt[:, None, None] * 1.5
    return Dataset("tiny", "sequence", SplitData(x, y), SplitData(xt, yt), 3, ("a", "b", "c"))


#: run_compare keyword arguments of one cheap real run (1 epoch of 3 batches, width 8).
TINY_RUN: dict[str, Any] = {
    "width": 8,
    "batch_size": 8,
    "device": "cpu",
    "probe_max_iter": 20,
    "progress": False,
}


def log_call(log: Path, augment: str, seed: int) -> int:
    """Append ``augment seed`` to ``log``; return how many lines it holds now."""
    with log.open("a") as f:
        f.write(f"{augment} {seed}\n")
    return len(log.read_text().splitlines())


def calls(log: Path) -> list[str]:
    """The lines of a call log (empty when missing)."""
    return log.read_text().splitlines() if log.exists() else []


def kill_first_attempt(
    data: Dataset,
    augment: str,
    seed: int,
    settings: CompareSettings,
    *,
    folder: str,
    victim: tuple[str, int],
    always: bool = False,
    **kw: Any,
) -> TrainedRun:
    """Train for real, except that the run ``victim`` SIGKILLs its own process on its first
    attempt (on every attempt with ``always``). Every call is logged in ``folder/calls``."""
    marker = Path(folder) / f"killed-{augment}-{seed}"
    log_call(Path(folder) / "calls", augment, seed)
    if (augment, seed) == victim and (always or not marker.exists()):
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return pretrain_one(data, augment, seed, settings, **kw)


def kill_at_call(
    data: Dataset,
    augment: str,
    seed: int,
    settings: CompareSettings,
    *,
    folder: str,
    at: int,
    pid: int | None = None,
    **kw: Any,
) -> TrainedRun:
    """Train for real, except that the ``at``-th call (1-based, counted in ``folder/calls``)
    SIGKILLs process ``pid`` (default: its own) once; later sweeps run normally."""
    marker = Path(folder) / "killed"
    n = log_call(Path(folder) / "calls", augment, seed)
    if n == at and not marker.exists():
        marker.touch()
        os.kill(pid or os.getpid(), signal.SIGKILL)
    return pretrain_one(data, augment, seed, settings, **kw)


_MODEL_FIELDS = frozenset({"encoder", "width", "rq_on"})
_OWN_FIELDS = frozenset(
    {"batch_size", "recipe", "device", "contrasts", "references", "probe_max_iter",
     "keep_checkpoints", "progress"}
)  # fmt: skip


def compare_options(method: str = "simclr", epochs: int = 1, **flat: Any) -> Any:
    """The tests' short form of :class:`~randquant.engine.compare.CompareOptions`: the model
    fields go to ``model``, run-level ones stay, every other one (lr, ...) goes to ``train``."""
    from randquant.config import ModelOptions, PretrainConfig
    from randquant.engine.compare import CompareOptions

    model = {k: flat.pop(k) for k in list(flat) if k in _MODEL_FIELDS}
    own = {k: flat.pop(k) for k in list(flat) if k in _OWN_FIELDS}
    train = PretrainConfig(method=method, epochs=epochs, **flat)
    return CompareOptions(model=ModelOptions(**model), train=train, **own)


def compare(
    dataset: Dataset,
    augments: Any,
    method: str,
    epochs: int,
    seeds: Any,
    output: Any,
    *,
    trainer: Any = None,
    executor: Any = None,
    **flat: Any,
) -> Any:
    """``run_compare`` with the options spelled flat (see :func:`compare_options`)."""
    from randquant.engine.compare import run_compare

    options = compare_options(method, epochs, **flat)
    extra = {"trainer": trainer} if trainer is not None else {}
    return run_compare(dataset, augments, seeds, output, options, executor=executor, **extra)
