"""Run by test_pretrain_kill.py: a pretraining run that SIGKILLs itself.

Usage: ``python kill_worker.py CKPT_DIR mid-epoch|mid-write``. ``mid-epoch`` dies at the second
batch of epoch 2 (0-based); ``mid-write`` dies half-way through writing the second checkpoint.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssl_kit import SMALL_HEADS, TinyEncoder, blobs, quick_config, views

from randquant.engine import pretrain

EPOCHS = 4


def config(ckpt_dir: Path | None, resume: bool = False) -> Any:
    """The run every kill test repeats (also used in-process by the test)."""
    return quick_config(method="byol", epochs=EPOCHS, checkpoint_dir=ckpt_dir, resume=resume)


def run(ckpt_dir: Path | None, resume: bool = False, **kw: Any) -> Any:
    torch.set_num_threads(1)
    torch.manual_seed(123)
    return pretrain(
        blobs(), views(), TinyEncoder(), config(ckpt_dir, resume), method_options=SMALL_HEADS, **kw
    )


class KillMidEpoch(pl.Callback):
    def on_train_batch_start(self, trainer: pl.Trainer, module: Any, batch: Any, idx: int) -> None:
        if trainer.current_epoch == 2 and idx == 1:
            os.kill(os.getpid(), signal.SIGKILL)


def kill_on_second_write() -> None:
    """At the second checkpoint's fsync, cut the temp file short and die before the rename."""
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            os.ftruncate(fd, 64)
            os.kill(os.getpid(), signal.SIGKILL)
        real_fsync(fd)

    os.fsync = fsync


if __name__ == "__main__":
    target, mode = Path(sys.argv[1]), sys.argv[2]
    if mode == "mid-write":
        kill_on_second_write()
    run(target, callbacks=[KillMidEpoch()] if mode == "mid-epoch" else [])
    sys.exit(0)  # not reached: the process kills itself
