"""Compare augmentations: pretrain one encoder per (augmentation, seed), probe it, tabulate.

An interrupted comparison resumes: each finished run leaves ``runs/<run_id>.json`` and is
skipped next time; the run in progress continues from its last epoch checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from randquant.data.base import Dataset
from randquant.data.standardize import standardize
from randquant.device import resolve_device
from randquant.engine.config import ModelOptions, PretrainConfig
from randquant.engine.executor import Executor
from randquant.engine.results import RunRecord
from randquant.engine.sweep import RunSpec, run_sweep


def split_specs(text: str) -> list[str]:
    """Split ``"rq:bins=16,proxy=middle,noise"`` into specs, keeping ``k=v`` options attached.

    >>> split_specs("rq:bins=16,proxy=middle,noise, mask")
    ['rq:bins=16,proxy=middle', 'noise', 'mask']
    """
    specs: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if specs and "=" in part and ":" not in part.split("=", 1)[0]:
            specs[-1] += "," + part
        elif part:
            specs.append(part)
    return specs


#: The PretrainConfig fields CompareSettings holds itself (the rest: ``pretrain_options``).
_TRAIN_FIELDS = ("method", "epochs", "batch_size", "lr", "weight_decay")


@dataclass(frozen=True)
class CompareSettings:
    """Everything about a run except the augmentation and the seed."""

    method: str = "simclr"
    epochs: int = 100
    encoder: str = "auto"
    width: int = 64
    batch_size: int = 256
    rq_on: str = "input"
    lr: float | None = None
    weight_decay: float | None = None
    device: str = "auto"
    pretrain_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Each rule has one home: the model options, the training config, the device resolver.
        self.model()
        self.train_config(seed=0)
        resolve_device(self.device)

    @classmethod
    def from_config(
        cls, model: ModelOptions, train: PretrainConfig, device: str = "auto"
    ) -> CompareSettings:
        """The settings of ``model`` and ``train`` (the CLI's config tree). The fields of
        ``train`` that differ from their defaults, other than the per-run ones, travel in
        ``pretrain_options`` (so they reach every run and its id)."""
        per_run = {"seed", "accelerator", "checkpoint_dir", "resume", "progress"}
        defaults = PretrainConfig()
        options = {
            f.name: getattr(train, f.name)
            for f in dataclasses.fields(train)
            if f.name not in {*_TRAIN_FIELDS, *per_run}
            and getattr(train, f.name) != getattr(defaults, f.name)
        }
        own = {name: getattr(train, name) for name in _TRAIN_FIELDS}
        return cls(**own, **vars(model), device=device, pretrain_options=options)

    def model(self) -> ModelOptions:
        """The encoder options (validated)."""
        return ModelOptions(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(ModelOptions)}
        )

    def train_config(self, seed: int, **run: Any) -> PretrainConfig:
        """The engine's config of the run with ``seed``; ``run`` sets per-run fields
        (``checkpoint_dir``, ``resume``, ``progress``)."""
        accelerator, _ = resolve_device(self.device)
        own = {name: getattr(self, name) for name in _TRAIN_FIELDS}
        return PretrainConfig(
            **own, seed=seed, accelerator=accelerator, **run, **dict(self.pretrain_options)
        )


def run_id(
    dataset: Dataset,
    augment: str,
    seed: int,
    settings: CompareSettings,
    *,
    probe: Mapping[str, Any] | None = None,
) -> str:
    """A file-safe id naming the run, plus a hash of everything that changes its result.

    The hash covers the data's content (:func:`~randquant.data.fingerprint.fingerprint`), the
    augmentation, every setting but ``device``, and ``probe`` (the probe's options, e.g.
    ``{"max_iter": 500}``); the seed is in the readable part, so runs that differ only in
    their seed share the hash (``summarize`` groups by it). The readable part of a long spec
    is cut; the hash keeps the full spec apart, so the id stays a legal file name.
    """
    from randquant.data.fingerprint import fingerprint

    config = dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else vars(settings)
    key = {
        "dataset": [dataset.name, fingerprint(dataset)],
        "augment": augment,
        "settings": {k: v for k, v in config.items() if k != "device"},
        "probe": dict(probe or {}),
    }
    text = json.dumps(key, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9._=-]+", "_", augment)[:_SLUG_MAX]
    return f"{slug}__{settings.method}__e{settings.epochs}__s{seed}__{digest}"


_SLUG_MAX = 80  # characters of the spec kept in a run id; file names stop at 255 bytes


@dataclass(frozen=True)
class TrainedRun:
    """What :func:`pretrain_one` hands to the probes."""

    encoder: nn.Module
    final_loss: float
    train_seconds: float


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
    from randquant.engine import pretrain
    from randquant.engine.checkpoint import LAST_CHECKPOINT

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


Trainer = Callable[..., TrainedRun]


def run_compare(
    dataset: Dataset,
    augments: Sequence[str],
    method: str,
    epochs: int,
    seeds: Sequence[int],
    output_dir: Path | str,
    *,
    encoder: str = "auto",
    width: int = 64,
    batch_size: int | None = None,
    rq_on: str = "auto",
    lr: float | None = None,
    weight_decay: float | None = None,
    device: str = "auto",
    pretrain_options: Mapping[str, Any] | None = None,
    recipe: str = "auto",
    keep_checkpoints: bool = False,
    progress: bool = True,
    trainer: Trainer = pretrain_one,
    probe_max_iter: int = 500,
    executor: Executor | None = None,
    contrasts: Sequence[str | tuple[str, str]] | None = None,
    references: bool = True,
) -> list[RunRecord]:
    """Pretrain and probe every (augmentation, seed) pair; write results under ``output_dir``.

    The dataset is standardised per channel (train statistics) first. After every run,
    ``runs/<run_id>.json`` and the summaries ``results.json``, ``results.csv`` and
    ``results.md`` (mean ± std per augmentation, over every record in ``runs/``) are written
    atomically. Finished runs are skipped, so calling this again after an interruption
    resumes. ``trainer`` replaces :func:`pretrain_one` (for tests and custom loops);
    ``probe_max_iter`` caps the linear probe's L-BFGS iterations (part of the run id).
    ``executor`` runs the runs in this process (default) or on Ray
    (:class:`~randquant.engine.executor.Executor`). Returns the records of this call's plan,
    in plan order; when runs failed, the others finish first, then
    :class:`~randquant.engine.sweep.SweepFailed` names the failed ones.

    ``contrasts`` (``"A:B"`` or ``(A, B)``; default: each RQ arm against the arms that differ
    from it in the last step, :func:`~randquant.engine.contrasts.default_contrasts`) are
    declared in ``contrasts.json`` with the seeds before any run, and the index tests exactly
    those on those seeds (:mod:`randquant.engine.declaration`: seeds added by a later call are
    a separate, post hoc analysis). Arms whose views equal another's on this data are not run
    (:func:`randquant.engine.planning.arms_to_run`; ``channel_mask`` on one channel is
    ``none``) and the declaration names them. With ``references`` the raw-input and
    untrained-encoder probes of every seed are recorded first (``references/``).
    ``recipe`` (``auto``, ``paper``, ``small``; :mod:`randquant.engine.recipe`) fills the
    batch size, lr, weight decay, optimizer and warm-up that are left ``None``/unset, by
    the size of the training split.

    >>> run_compare(ds, ["none", "rq"], "simclr", 50, [0, 1, 2], "out/")  # doctest: +SKIP
    """
    if not augments:
        raise ValueError("augments must name at least one augmentation")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(set(augments)) != len(augments) or len(set(seeds)) != len(seeds):
        raise ValueError(f"augments and seeds must not repeat, got {augments} and {seeds}")
    from randquant.augment.views import resolve_rq_on
    from randquant.engine.recipe import resolve

    chosen = resolve(
        recipe,
        len(dataset.train),
        epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        pretrain_options=pretrain_options,
    )
    settings = CompareSettings(
        method=method,
        epochs=epochs,
        encoder=encoder,
        width=width,
        batch_size=chosen.batch_size,
        rq_on=resolve_rq_on(rq_on, dataset.layout),
        lr=chosen.lr,
        weight_decay=chosen.weight_decay,
        device=device,
        pretrain_options=chosen.pretrain_options,
    )
    from randquant.engine.contrasts import default_contrasts, parse_contrast
    from randquant.engine.declaration import declare
    from randquant.engine.planning import arms_to_run
    from randquant.engine.references import ensure_references
    from randquant.engine.sweep import code_version, command_line

    code = code_version()  # read once, before the first run: what every run starts from
    pairs = [
        parse_contrast(c, augments) if isinstance(c, str) else parse_contrast(":".join(c), augments)
        for c in contrasts or []
    ] or default_contrasts(augments)
    out = Path(output_dir)
    data = standardize(dataset)
    plan = arms_to_run(data, augments, pairs, rq_on=settings.rq_on)
    declare(
        out,
        plan.pairs,
        seeds,
        dataset=data.name,
        runs=len(list((out / "runs").glob("*.json"))),
        not_run=plan.not_run,
    )
    if references:
        ensure_references(
            out,
            data,
            seeds,
            settings,
            probe_max_iter=probe_max_iter,
            command=command_line(),
            code=code,
        )
    specs = [
        RunSpec(
            data=data.name,
            augment=augment,
            seed=seed,
            settings=settings,
            output=out,
            run_id=run_id(data, augment, seed, settings, probe={"max_iter": probe_max_iter}),
            probe_max_iter=probe_max_iter,
            keep_checkpoints=keep_checkpoints,
            trainer=trainer,
            progress=progress,
            code=code,
        )
        for augment in plan.arms
        for seed in seeds
    ]
    outcome = run_sweep(
        specs,
        lambda name: data,
        executor=executor,
        progress=progress,
        title=f"compare on {data.name}",
    )
    outcome.raise_if_failed()
    return outcome.records


def encoder_label(name: str, model: nn.Module) -> str:
    """``name``, or ``auto:<ClassName>`` so a table says which encoder ``auto`` picked."""
    return f"auto:{type(model).__name__}" if name == "auto" else name
