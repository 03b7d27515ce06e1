"""Train and probe one run: the encoder every run of a seed starts from, pretraining, probes.

:func:`train_and_probe` turns a :class:`~randquant.engine.settings.RunSpec` into a
:class:`~randquant.engine.records.RunRecord`, in this process or in a Ray worker; it writes
no file (the sweep does). Training is :func:`randquant.engine.pretrain`, the probes are
:func:`randquant.evaluate.probe.evaluate_encoder`.

>>> record = train_and_probe(spec, dataset)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from randquant.engine.provenance import provenance
from randquant.engine.records import RunRecord
from randquant.engine.settings import CompareSettings, RunSpec, TrainedRun

if TYPE_CHECKING:
    from randquant.data.base import Dataset


def seeded_encoder(dataset: Dataset, seed: int, settings: CompareSettings) -> nn.Module:
    """The encoder every run of ``seed`` starts from (its initial weights depend on the seed
    only; the global RNG is left as it was). The untrained reference probes this very model."""
    from randquant.models import build_encoder

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_encoder(
            settings.encoder,
            layout=dataset.layout,
            sample_shape=dataset.sample_shape,
            meta=dataset.meta,
            width=settings.width,
        )


def encoder_label(name: str, model: nn.Module) -> str:
    """``name``, or ``auto:<ClassName>`` so a table says which encoder ``auto`` picked."""
    return f"auto:{type(model).__name__}" if name == "auto" else name


def pretrain_one(
    dataset: Dataset,
    augment: str,
    seed: int,
    settings: CompareSettings,
    *,
    checkpoint_dir: Path | None = None,
    resume: bool | None = None,
    progress: bool = True,
) -> TrainedRun:
    """Build views and a freshly seeded encoder, then run the engine's ``pretrain``.

    ``resume=None`` continues from ``checkpoint_dir/last.ckpt`` when that file exists.
    """
    from randquant.augment import build_views
    from randquant.engine.checkpoint import LAST_CHECKPOINT
    from randquant.engine.training import pretrain

    modality = dataset.meta.get("modality")
    views = build_views(augment, dataset.layout, modality=modality, rq_on=settings.rq_on)
    encoder = seeded_encoder(dataset, seed, settings)
    if resume is None:
        resume = checkpoint_dir is not None and (checkpoint_dir / LAST_CHECKPOINT).is_file()
    cfg = settings.train_config(
        seed, checkpoint_dir=checkpoint_dir, resume=resume, progress=progress
    )
    try:
        result = pretrain(dataset, views, encoder, cfg)
    except SystemExit as stop:
        # Lightning turns SIGTERM into SystemExit() whose exit status is 0: not a success.
        if stop.code in (None, 0):
            where = f"; run again to resume from {checkpoint_dir}" if checkpoint_dir else ""
            raise SystemExit(f"pretraining ({augment}, seed {seed}) was stopped{where}") from stop
        raise
    return TrainedRun(result.encoder, float(result.final_loss), float(result.train_seconds))


#: What a record keeps of the linear probe's fit (see :func:`randquant.evaluate.linear_probe`).
PROBE_DETAIL: tuple[str, ...] = ("C", "converged", "n_iter", "cv_accuracy", "cv_unconverged")


def train_and_probe(spec: RunSpec, data: Dataset) -> RunRecord:
    """Pretrain (resuming from the run's checkpoint if one is there), probe, and build the
    record. The checkpoint stays: the driver removes it once the record is saved (unless
    ``keep_checkpoints``), so a driver that dies in between loses no finished training."""
    from randquant.device import resolve_device
    from randquant.engine.store import checkpoint_dir
    from randquant.evaluate.probe import evaluate_encoder

    started = time.time()
    settings = spec.settings
    trainer = spec.trainer or pretrain_one
    trained = trainer(
        data,
        spec.augment,
        spec.seed,
        settings,
        checkpoint_dir=checkpoint_dir(spec.output, spec.run_id),
        progress=spec.progress,
    )
    _, probe_device = resolve_device(settings.device)
    probes = evaluate_encoder(
        trained.encoder,
        data,
        device=probe_device,
        seed=spec.seed,
        linear_max_iter=spec.probe_max_iter,
    )
    linear = probes["linear"]
    return RunRecord(
        augment=spec.augment,
        method=settings.method,
        seed=spec.seed,
        epochs=settings.epochs,
        linear_acc=linear.accuracy,
        knn_acc=probes["knn"].accuracy,
        linear_f1=linear.macro_f1,
        knn_f1=probes["knn"].macro_f1,
        train_seconds=trained.train_seconds,
        final_loss=trained.final_loss,
        dataset=data.name,
        encoder=encoder_label(settings.encoder, trained.encoder),
        batch_size=settings.batch_size,
        rq_on=settings.rq_on,
        linear_weight_decay=linear.detail["weight_decay"],
        run_id=spec.run_id,
        provenance=provenance(
            spec.command, str(probe_device), started, time.time(), code=spec.code
        ),
        probe={k: linear.detail[k] for k in PROBE_DETAIL if k in linear.detail},
        predictions={name: list(res.predictions) for name, res in probes.items()},
    )
