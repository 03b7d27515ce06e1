"""Options and result of :func:`randquant.engine.pretrain` (no heavy imports here).

Example::

    >>> cfg = PretrainConfig(method="byol", epochs=5, batch_size=64)
    >>> cfg.warmup_epochs
    10
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

#: Kept equal to ``randquant.methods.METHODS`` (a test checks), without importing Lightning here.
METHOD_NAMES: tuple[str, ...] = ("simclr", "moco_v3", "byol", "shed")
OPTIMIZER_NAMES: tuple[str, ...] = ("lars", "adamw")


@dataclass(frozen=True)
class PretrainConfig:
    """How to pretrain. ``None`` for ``lr``/``weight_decay``/``optimizer`` means the method's
    default (see the constants in ``randquant.methods.<method>``); a default ``lr`` is scaled by
    the global batch size / 256, an explicit ``lr`` is used as given.

    ``augment_in_workers`` makes the views per sample inside DataLoader workers (each sample's
    generator seeded from ``(seed, epoch, sample index)``) instead of on whole batches on the
    training device. ``ddp_timeout_s`` bounds how long a rank waits for the others before the
    run fails with an error.
    """

    method: str = "simclr"
    epochs: int = 100
    batch_size: int = 256
    lr: float | None = None
    weight_decay: float | None = None
    optimizer: str | None = None
    warmup_epochs: int = 10
    seed: int = 0
    accelerator: str = "auto"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    accumulate_grad_batches: int = 1
    num_workers: int = 0
    checkpoint_dir: Path | None = None
    log_dir: Path | None = None
    resume: bool = False
    progress: bool = True
    augment_in_workers: bool = False
    ddp_timeout_s: float = 1800.0

    def __post_init__(self) -> None:
        if self.method.lower().replace("-", "_") not in METHOD_NAMES:
            raise ValueError(f"method must be one of {METHOD_NAMES}, got {self.method!r}")
        if self.optimizer is not None and self.optimizer not in OPTIMIZER_NAMES:
            raise ValueError(f"optimizer must be one of {OPTIMIZER_NAMES}, got {self.optimizer!r}")
        positive = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "devices": self.devices,
            "num_nodes": self.num_nodes,
            "accumulate_grad_batches": self.accumulate_grad_batches,
        }
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be >= 2 (contrastive losses), got {self.batch_size}")
        for name, number in (
            ("warmup_epochs", self.warmup_epochs),
            ("num_workers", self.num_workers),
        ):
            if not isinstance(number, int) or number < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {number!r}")
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if self.weight_decay is not None and not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not self.ddp_timeout_s > 0:
            raise ValueError(f"ddp_timeout_s must be > 0, got {self.ddp_timeout_s!r}")
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir (where last.ckpt lives)")
        for name in ("checkpoint_dir", "log_dir"):
            folder = getattr(self, name)
            if folder is not None and not isinstance(folder, Path):
                object.__setattr__(self, name, Path(folder))


@dataclass(frozen=True)
class PretrainResult:
    """What :func:`pretrain` returns.

    ``encoder`` is the trained online encoder (on the CPU, in eval mode); ``final_loss`` the
    mean SSL loss of the last epoch over all ranks; ``epochs_run`` the epochs completed in total
    (a resumed run counts the epochs done before it); ``train_seconds`` the training wall
    time of the whole run, earlier attempts of a resumed run included (each up to its last
    checkpoint); ``epoch_losses`` the mean loss of every epoch (under ``ddp_spawn``, whose
    workers send back only the last metrics, just the last one). Under DDP every rank returns a
    result; only the one with ``is_global_zero`` should write files.
    """

    encoder: nn.Module
    final_loss: float
    train_seconds: float
    epochs_run: int
    checkpoint_path: Path | None
    epoch_losses: tuple[float, ...] = field(default=())
    is_global_zero: bool = True
