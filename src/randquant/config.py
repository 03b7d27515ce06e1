"""The training and model options, and the rules every command shares (no heavy imports).

The options and result of :func:`randquant.engine.pretrain`, the encoder options, and the
checks of seeds and threads: each rule is stated here once and read by the engine, the
methods and the CLI.

Example::

    >>> cfg = PretrainConfig(method="byol", epochs=5, batch_size=64)
    >>> cfg.warmup_epochs
    10
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

#: Kept equal to ``randquant.methods.METHODS`` (a test checks), without importing Lightning here.
METHOD_NAMES: tuple[str, ...] = ("simclr", "moco_v3", "byol", "shed")
OPTIMIZER_NAMES: tuple[str, ...] = ("lars", "adamw")
#: The largest seed: torch's generators take 64-bit seeds, signed where they are stored.
MAX_SEED = 2**63 - 1


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` if it is an integer in ``[0, MAX_SEED]``, else ``ValueError`` naming ``name``
    and the bound."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be an integer in [0, 2**63 - 1], got {seed!r}")
    return seed


def parse_seeds(seeds: str | Sequence[int], name: str = "seeds") -> list[int]:
    """The seeds of ``"0,1,2"`` (or a list): at least one, each in ``[0, 2**63 - 1]``, none
    repeated; ``ValueError`` naming ``name`` otherwise.

    >>> parse_seeds("0, 1,2")
    [0, 1, 2]
    """
    if isinstance(seeds, str):
        try:
            found = [int(s) for s in seeds.split(",") if s.strip()]
        except ValueError:
            raise ValueError(
                f"{name} must be comma-separated integers like 0,1,2, got {seeds!r}"
            ) from None
    else:
        found = list(seeds)
    if not found:
        raise ValueError(f"{name} must hold at least one seed")
    if any(isinstance(s, int) and s < 0 for s in found):
        raise ValueError(f"{name} must be >= 0, got {seeds!r}")
    for s in found:
        check_seed(s, name)  # the bound, 2**63 - 1, in the message
    if len(set(found)) != len(found):
        raise ValueError(f"{name} must not repeat, got {seeds!r}")
    return found


def _count(value: object, name: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


def check_threads(threads: object) -> int:
    """``threads`` if it is an integer >= 1 (CPU threads of torch and the RQ kernel)."""
    return _count(threads, "threads", 1)


def check_workers(workers: object) -> int | None:
    """``workers`` if it is ``None`` (the default) or an integer >= 1 (runs at once)."""
    return None if workers is None else _count(workers, "workers", 1)


def check_method(method: str) -> str:
    """The method's registry key (``moco-v3`` is ``moco_v3``); ``ValueError`` listing them."""
    key = method.lower().replace("-", "_") if isinstance(method, str) else method
    if key not in METHOD_NAMES:
        raise ValueError(f"method must be one of {METHOD_NAMES}, got {method!r}")
    return str(key)


def check_optimizer(optimizer: str | None) -> str | None:
    """``optimizer`` if it is ``None`` (the method's) or one of :data:`OPTIMIZER_NAMES`."""
    if optimizer is not None and optimizer not in OPTIMIZER_NAMES:
        raise ValueError(f"optimizer must be one of {OPTIMIZER_NAMES}, got {optimizer!r}")
    return optimizer


def set_threads(threads: int) -> None:
    """Set torch's and numba's CPU threads (on a busy 2-core box, 1 of each is fastest);
    ``ValueError`` unless ``threads >= 1``."""
    check_threads(threads)
    import torch

    torch.set_num_threads(threads)
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


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
    """simclr, moco_v3, byol or shed."""
    epochs: int = 100
    """Pretraining epochs."""
    batch_size: int = 256
    """Batch size per device and step (>= 2)."""
    lr: float | None = None
    """Learning rate (default: the method's, scaled by global batch / 256)."""
    weight_decay: float | None = None
    """Weight decay (default: the method's)."""
    optimizer: str | None = None
    """lars or adamw (default: the method's)."""
    warmup_epochs: int = 10
    """Linear warm-up epochs (clipped to epochs), then a cosine to 0."""
    seed: int = 0
    """Seed of views, sample order and (in the CLI) the encoder's weights."""
    accelerator: str = "auto"
    """Lightning accelerator: auto, cpu, gpu or mps."""
    devices: int = 1
    """Devices per node (more than 1: DDP)."""
    num_nodes: int = 1
    """Nodes (DDP)."""
    strategy: str = "auto"
    """Lightning strategy: auto, ddp, ddp_spawn or ddp_fork."""
    precision: str = "32-true"
    """Lightning precision, e.g. 32-true, bf16-mixed or 16-mixed."""
    accumulate_grad_batches: int = 1
    """Batches per optimiser step."""
    num_workers: int = 0
    """DataLoader worker processes."""
    checkpoint_dir: Path | None = None
    """Where last.ckpt is written every epoch (and the logs go)."""
    log_dir: Path | None = None
    """Where the CSV/TensorBoard logs go (default: checkpoint_dir)."""
    resume: bool = False
    """Continue from checkpoint_dir/last.ckpt."""
    progress: bool = True
    """Show a progress bar."""
    augment_in_workers: bool = False
    """Make the views per sample in the DataLoader workers."""
    ddp_timeout_s: float = 1800.0
    """Seconds a rank waits for the others before the run fails."""

    def __post_init__(self) -> None:
        check_method(self.method)
        check_optimizer(self.optimizer)
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
        check_seed(self.seed)
        if self.lr is not None and not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be > 0 and finite, got {self.lr!r}")
        if self.weight_decay is not None and not 0 <= self.weight_decay < math.inf:
            raise ValueError(f"weight_decay must be >= 0 and finite, got {self.weight_decay!r}")
        if not self.ddp_timeout_s > 0:
            raise ValueError(f"ddp_timeout_s must be > 0, got {self.ddp_timeout_s!r}")
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs checkpoint_dir (where last.ckpt lives)")
        for name in ("checkpoint_dir", "log_dir"):
            folder = getattr(self, name)
            if folder is not None and not isinstance(folder, Path):
                object.__setattr__(self, name, Path(folder))


@dataclass(frozen=True)
class ModelOptions:
    """The encoder: which one, how wide, and where RQ runs."""

    encoder: str = "auto"
    """auto, resnet, convnet, cnn1d, spec_cnn, pointnet, mlp or transformer (`randquant.models`)."""
    width: int = 64
    """Encoder feature size (a multiple of 8)."""
    rq_on: str = "auto"
    """input (the views), embedding (transformer tokens, as in DABS) or auto (embedding
    for token ids, input otherwise)."""

    def __post_init__(self) -> None:
        from randquant.models.base import check_width
        from randquant.models.registry import available_encoders

        names = available_encoders()
        if self.encoder not in names:
            raise ValueError(f"encoder must be one of {', '.join(names)}, got {self.encoder!r}")
        check_width(self.width)  # "width must be a positive multiple of 8, got ..."
        from randquant.augment.views import RQ_ON_CHOICES

        if self.rq_on not in RQ_ON_CHOICES:
            raise ValueError(f"rq_on must be one of {', '.join(RQ_ON_CHOICES)}, got {self.rq_on!r}")


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
