"""Run by test_pretrain_ddp.py: a 2-process CPU DDP pretraining (Lightning relaunches this file
for rank 1). Usage: ``python ddp_worker.py OUT_DIR [ok|die]``. Each rank saves what it saw and
its final weights to ``OUT_DIR/rank{R}.pt``; checkpoint writes are logged per rank."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssl_kit import SMALL_HEADS, TinyEncoder, blobs, quick_config, state_of, views

from randquant.engine import checkpoint as ckpt_mod
from randquant.engine import pretrain

torch.set_num_threads(1)
OUT = Path(".")
MODE = "ok"


class Record(pl.Callback):
    def __init__(self) -> None:
        self.seen: dict[int, list[int]] = {}
        self.rank = -1

    def on_train_batch_start(self, trainer: pl.Trainer, module: Any, batch: Any, idx: int) -> None:
        self.rank = trainer.global_rank
        if MODE == "die" and trainer.global_rank == 1 and trainer.current_epoch == 1:
            os._exit(3)  # a rank that dies in the middle of the run
        self.seen.setdefault(trainer.current_epoch, []).extend(batch[-1].tolist())


real_save = ckpt_mod.AtomicCheckpointIO.save_checkpoint


def logged_save(self: Any, checkpoint: Any, path: Any, storage_options: Any = None) -> None:
    with open(OUT / f"writes-{os.environ.get('LOCAL_RANK', '0')}.txt", "a") as fh:
        fh.write(f"{path}\n")
    real_save(self, checkpoint, path, storage_options)


if __name__ == "__main__":
    OUT = Path(sys.argv[1])
    MODE = sys.argv[2] if len(sys.argv) > 2 else "ok"
    ckpt_mod.AtomicCheckpointIO.save_checkpoint = logged_save  # type: ignore[method-assign]
    record = Record()
    torch.manual_seed(int(os.environ.get("LOCAL_RANK", "0")))  # ranks start from different weights
    cfg = quick_config(
        method="moco_v3",  # momentum target + keys gathered over ranks
        epochs=2,
        batch_size=8,
        strategy="ddp",
        devices=2,
        checkpoint_dir=OUT / "ckpt",
        ddp_timeout_s=30,
    )
    result = pretrain(
        blobs(n=48),
        views("noise+mixup"),
        TinyEncoder(),
        cfg,
        callbacks=[record],
        method_options=SMALL_HEADS,
    )
    torch.save(
        {
            "rank": record.rank,
            "seen": record.seen,
            "state": state_of(result.encoder),
            "is_global_zero": result.is_global_zero,
            "losses": result.epoch_losses,
        },
        OUT / f"rank{record.rank}.pt",
    )
