"""``pretrain``: self-supervised pretraining of an encoder with Lightning.

The trainer knows nothing about the modality: it takes a :class:`~randquant.data.base.Dataset`,
a view pipeline and an encoder, builds the method from ``randquant.methods`` and runs it on the
CPU, one GPU, or many through DDP. Checkpoints are written atomically at every epoch end to
``checkpoint_dir/last.ckpt``; ``resume=True`` continues from there and ends where an
uninterrupted run ends.

Example::

    >>> from randquant.engine import PretrainConfig, pretrain
    >>> # result = pretrain(dataset, build_views("rq", dataset.layout), encoder,
    >>> #                   PretrainConfig(method="simclr", epochs=10, batch_size=64))
"""

from __future__ import annotations

import importlib.util
import logging
import signal
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, RichProgressBar
from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger
from lightning.pytorch.strategies import DDPStrategy, Strategy
from torch import nn

from randquant.config import PretrainConfig, PretrainResult
from randquant.engine.checkpoint import (
    LAST_CHECKPOINT,
    AtomicCheckpointIO,
    check_checkpoint,
    remove_stale_temps,
)
from randquant.engine.datamodule import RQDataModule
from randquant.methods.base import derive_seed, seed_everything
from randquant.methods.registry import build_method

if TYPE_CHECKING:
    from randquant.augment import ViewAugmentation
    from randquant.data.base import Dataset

log = logging.getLogger("randquant.engine")

#: What ``pretrain(logger=...)`` takes: a Lightning logger, several, False (none) or None
#: (the default loggers in the run folder).
Loggers = Logger | Iterable[Logger] | bool | None

_DDP_STRATEGIES = {"ddp": "popen", "ddp_spawn": "spawn", "ddp_fork": "fork"}


def _strategy(cfg: PretrainConfig) -> str | Strategy:
    name = cfg.strategy
    if name == "auto" and (cfg.devices > 1 or cfg.num_nodes > 1):
        name = "ddp"  # what Lightning would pick, but with our timeout and checkpoint IO
    if name in _DDP_STRATEGIES:
        return DDPStrategy(
            start_method=_DDP_STRATEGIES[name],  # type: ignore[arg-type]
            timeout=timedelta(seconds=cfg.ddp_timeout_s),
            checkpoint_io=AtomicCheckpointIO(),
        )
    return cfg.strategy


def default_loggers(folder: Path) -> list[Logger]:
    """The loggers ``pretrain`` uses by default: a CSV logger (``folder/logs/version_N/``:
    ``metrics.csv`` and ``hparams.yaml``), and TensorBoard (``folder/tensorboard/``) when
    ``tensorboard`` or ``tensorboardX`` is installed."""
    loggers: list[Logger] = [CSVLogger(folder, name="logs")]
    if any(importlib.util.find_spec(name) for name in ("tensorboard", "tensorboardX")):
        loggers.append(TensorBoardLogger(folder, name="tensorboard"))
    return loggers


def _loggers(cfg: PretrainConfig, logger: Loggers) -> Logger | Iterable[Logger] | bool:
    if logger is not None:
        return logger
    folder = cfg.log_dir or cfg.checkpoint_dir
    return default_loggers(folder) if folder is not None else False


def _build_trainer(
    cfg: PretrainConfig, callbacks: Sequence[Callback], logger: Loggers = None
) -> pl.Trainer:
    all_callbacks: list[Callback] = []
    if cfg.progress:
        all_callbacks.append(RichProgressBar())
    if cfg.checkpoint_dir is not None:
        # One checkpoint, last.ckpt, replaced at every epoch end (written through
        # AtomicCheckpointIO). Not save_last=True: Lightning 2.6 writes `last` only after a
        # top-k save, so each epoch would be written twice.
        all_callbacks.append(
            ModelCheckpoint(
                dirpath=cfg.checkpoint_dir,
                filename=LAST_CHECKPOINT.removesuffix(".ckpt"),
                save_top_k=1,
                every_n_epochs=1,
                save_on_train_epoch_end=True,
                enable_version_counter=False,
            )
        )
    all_callbacks.extend(callbacks)
    strategy = _strategy(cfg)
    plugins: list[Any] = [] if isinstance(strategy, Strategy) else [AtomicCheckpointIO()]
    return pl.Trainer(
        max_epochs=cfg.epochs,
        accelerator=cfg.accelerator,
        devices=cfg.devices,
        num_nodes=cfg.num_nodes,
        strategy=strategy,
        precision=cfg.precision,  # type: ignore[arg-type]
        accumulate_grad_batches=cfg.accumulate_grad_batches,
        callbacks=all_callbacks,
        plugins=plugins,
        logger=_loggers(cfg, logger),
        enable_checkpointing=cfg.checkpoint_dir is not None,
        enable_progress_bar=cfg.progress,
        enable_model_summary=False,
        use_distributed_sampler=False,
        log_every_n_steps=1,
        default_root_dir=str(cfg.checkpoint_dir) if cfg.checkpoint_dir else None,
    )


@contextmanager
def _quiet_lightning() -> Iterator[None]:
    """Hide Lightning's banner lines ("GPU available", tips) and a torch-internal deprecation;
    our progress bar and log messages say what matters."""
    names = ("lightning.pytorch", "lightning.fabric")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
            # the run folder holds last.ckpt and logs/ by design (resume)
            warnings.filterwarnings("ignore", message=r"Checkpoint directory .* not empty")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class _CtrlC(Callback):
    """Remembers a Ctrl-C, which Lightning turns into ``sys.exit(1)``."""

    def __init__(self) -> None:
        self.seen = False

    def on_exception(self, trainer: pl.Trainer, pl_module: Any, exception: BaseException) -> None:
        self.seen = self.seen or isinstance(exception, KeyboardInterrupt)


def _resume_path(
    cfg: PretrainConfig, trainer: pl.Trainer, run: dict[str, Any], settings: Any = None
) -> Path | None:
    if cfg.checkpoint_dir is None:
        return None
    if trainer.is_global_zero:
        for stray in remove_stale_temps(cfg.checkpoint_dir):
            log.warning("removed a partial checkpoint left by a killed run: %s", stray)
    path = cfg.checkpoint_dir / LAST_CHECKPOINT
    if not cfg.resume:
        return None
    if not path.exists():
        log.warning("resume: no checkpoint at %s; starting a fresh run", path)
        return None
    check_checkpoint(path, run=run, settings=settings)
    log.warning("resuming from %s", path)
    return path


def pretrain(
    dataset: Dataset,
    views: ViewAugmentation,
    encoder: nn.Module,
    cfg: PretrainConfig,
    *,
    callbacks: Sequence[Callback] = (),
    method_options: dict[str, Any] | None = None,
    logger: Loggers = None,
) -> PretrainResult:
    """Pretrain ``encoder`` on ``dataset.train`` with ``cfg.method`` and the two-view ``views``.

    ``callbacks`` are extra Lightning callbacks; ``method_options`` go to the method's
    constructor (e.g. ``{"temperature": 0.2}``). ``logger`` is any Lightning logger (or a
    list, or ``False`` for none); by default (``None``) a CSV logger writes the metrics into
    the run folder (``cfg.log_dir``, else ``cfg.checkpoint_dir``; no folder, no logger), with
    TensorBoard beside it when installed (:func:`default_loggers`). Under DDP every rank
    calls this and gets a result; only the one with ``result.is_global_zero`` should write
    files.
    """
    if len(dataset.train) < 2:
        raise ValueError(
            f"dataset {dataset.name!r}: the train split has {len(dataset.train)} sample(s); "
            "too few for pretraining (each batch needs at least 2)"
        )
    seed_everything(derive_seed(cfg.seed, 0))
    batch = min(cfg.batch_size, len(dataset.train))
    method = build_method(
        cfg.method,
        encoder,
        views,
        dataset.num_classes,
        replace(cfg, batch_size=batch),
        **(method_options or {}),
    )
    method.augment_on_device = not cfg.augment_in_workers
    with _quiet_lightning():
        watcher = _CtrlC()
        trainer = _build_trainer(cfg, [*callbacks, watcher], logger)
        run = {"method": method.name, "seed": cfg.seed}
        ckpt = _resume_path(cfg, trainer, run, dict(method.hparams))
        start = time.perf_counter()
        sigint = signal.getsignal(signal.SIGINT)
        try:
            trainer.fit(
                method,
                datamodule=RQDataModule(
                    dataset,
                    batch_size=cfg.batch_size,
                    num_workers=cfg.num_workers,
                    seed=cfg.seed,
                    views=views if cfg.augment_in_workers else None,
                ),
                ckpt_path=ckpt,
                weights_only=True,  # a checkpoint never unpickles arbitrary objects
            )
        except SystemExit:
            if watcher.seen:  # Lightning's sys.exit(1) after a Ctrl-C: say what it was
                raise KeyboardInterrupt("pretraining stopped by Ctrl-C") from None
            raise
        except (RuntimeError, torch.distributed.DistError) as err:
            if trainer.world_size > 1:
                raise RuntimeError(
                    f"distributed pretraining failed on rank {trainer.global_rank} of "
                    f"{trainer.world_size} ({type(err).__name__}: {err}); when a rank dies or "
                    f"stops answering, the others give up after ddp_timeout_s="
                    f"{cfg.ddp_timeout_s:g}s"
                ) from err
            raise
        finally:
            if sigint is not None and threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, sigint)  # Lightning leaves Ctrl-C ignored
    # the earlier attempts of a resumed run count too (up to their last checkpoint)
    seconds = method.train_seconds_before + (time.perf_counter() - start)
    losses = tuple(method.epoch_losses)
    epochs = int(trainer.current_epoch)
    metrics = trainer.callback_metrics
    if not losses and "train/epoch_loss" in metrics:  # ddp_spawn: only metrics come back
        losses = (float(metrics["train/epoch_loss"]),)
        epochs = int(metrics.get("train/epochs_done", epochs))
    final = losses[-1] if losses else float("nan")
    saved = cfg.checkpoint_dir / LAST_CHECKPOINT if cfg.checkpoint_dir is not None else None
    return PretrainResult(
        encoder=method.encoder.cpu().eval(),
        final_loss=final,
        train_seconds=seconds,
        epochs_run=epochs,
        checkpoint_path=saved if saved is not None and saved.exists() else None,
        epoch_losses=losses,
        is_global_zero=bool(trainer.is_global_zero),
    )
