"""Compare augmentations: pretrain one encoder per (augmentation, seed), probe it, tabulate.

An interrupted comparison resumes: each finished run leaves ``runs/<run_id>.json`` and is
skipped next time; the run in progress continues from its last epoch checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from randquant.data.base import Dataset
from randquant.data.standardize import standardize
from randquant.engine.results import RunRecord, load_run, load_runs, save_run, write_results
from randquant.evaluate.probe import evaluate_encoder

_DEVICES = ("auto", "cpu", "cuda", "gpu", "mps")


def resolve_device(device: str) -> tuple[str, torch.device]:
    """Map ``auto | cpu | cuda | gpu | mps`` to (Lightning accelerator, torch device).

    ``auto`` picks the GPU when one is present, else the CPU.

    >>> resolve_device("cpu")
    ('cpu', device(type='cpu'))
    """
    if device not in _DEVICES:
        raise ValueError(f"device must be one of {', '.join(_DEVICES)}, got {device!r}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device in ("cuda", "gpu"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asked for a GPU but torch sees no CUDA device")
        return "gpu", torch.device("cuda")
    if device == "mps":
        return "mps", torch.device("mps")
    return "cpu", torch.device("cpu")


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
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.width < 1:
            raise ValueError(f"width must be >= 1, got {self.width}")
        if self.rq_on not in ("input", "embedding"):
            raise ValueError(f"rq_on must be 'input' or 'embedding', got {self.rq_on!r}")
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.weight_decay is not None and self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        resolve_device(self.device)


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
    from randquant.engine import PretrainConfig, pretrain
    from randquant.engine.checkpoint import LAST_CHECKPOINT
    from randquant.models import build_encoder

    accelerator, _ = resolve_device(settings.device)
    modality = dataset.meta.get("modality")
    views = build_views(augment, dataset.layout, modality=modality, rq_on=settings.rq_on)  # type: ignore[arg-type]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the encoder's initial weights depend on the run seed only
        encoder = build_encoder(
            settings.encoder,
            layout=dataset.layout,
            sample_shape=dataset.sample_shape,
            meta=dataset.meta,
            width=settings.width,
        )
    if resume is None:
        resume = checkpoint_dir is not None and (checkpoint_dir / LAST_CHECKPOINT).is_file()
    cfg = PretrainConfig(
        method=settings.method,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        weight_decay=settings.weight_decay,
        seed=seed,
        accelerator=accelerator,
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=progress,
        **dict(settings.pretrain_options),
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
    batch_size: int = 256,
    rq_on: str = "input",
    lr: float | None = None,
    weight_decay: float | None = None,
    device: str = "auto",
    pretrain_options: Mapping[str, Any] | None = None,
    keep_checkpoints: bool = False,
    progress: bool = True,
    trainer: Trainer = pretrain_one,
    probe_max_iter: int = 500,
) -> list[RunRecord]:
    """Pretrain and probe every (augmentation, seed) pair; write results under ``output_dir``.

    The dataset is standardised per channel (train statistics) first. After every run,
    ``runs/<run_id>.json`` and the summaries ``results.json``, ``results.csv`` and
    ``results.md`` (mean ± std per augmentation, over every record in ``runs/``) are written
    atomically. Finished runs are skipped, so calling this again after an interruption
    resumes. ``trainer`` replaces :func:`pretrain_one` (for tests and custom loops);
    ``probe_max_iter`` caps the linear probe's L-BFGS iterations (part of the run id).
    Returns the records of this call's plan, in plan order.

    >>> run_compare(ds, ["none", "rq"], "simclr", 50, [0, 1, 2], "out/")  # doctest: +SKIP
    """
    if not augments:
        raise ValueError("augments must name at least one augmentation")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(set(augments)) != len(augments) or len(set(seeds)) != len(seeds):
        raise ValueError(f"augments and seeds must not repeat, got {augments} and {seeds}")
    settings = CompareSettings(
        method=method,
        epochs=epochs,
        encoder=encoder,
        width=width,
        batch_size=batch_size,
        rq_on=rq_on,
        lr=lr,
        weight_decay=weight_decay,
        device=device,
        pretrain_options=dict(pretrain_options or {}),
    )
    out = Path(output_dir)
    runs_dir = out / "runs"
    data = standardize(dataset)
    _, probe_device = resolve_device(device)
    plan = [(a, s) for a in augments for s in seeds]
    records: list[RunRecord] = []

    from rich.progress import Progress

    with Progress(disable=not progress, transient=False) as bar:
        task = bar.add_task(f"compare on {data.name}", total=len(plan))
        for augment, seed in plan:
            rid = run_id(data, augment, seed, settings, probe={"max_iter": probe_max_iter})
            done = load_run(runs_dir / f"{rid}.json")
            if done is None:
                ckpt = out / "checkpoints" / rid
                # The per-run bar of ``pretrain`` needs the console to itself: pause ours
                # (stopping prints its current state, so the log shows overall progress).
                bar.stop()
                try:
                    trained = trainer(
                        data, augment, seed, settings, checkpoint_dir=ckpt, progress=progress
                    )
                finally:
                    bar.start()
                probes = evaluate_encoder(
                    trained.encoder,
                    data,
                    device=probe_device,
                    seed=seed,
                    linear_max_iter=probe_max_iter,
                )
                done = RunRecord(
                    augment=augment,
                    method=method,
                    seed=seed,
                    epochs=epochs,
                    linear_acc=probes["linear"].accuracy,
                    knn_acc=probes["knn"].accuracy,
                    linear_f1=probes["linear"].macro_f1,
                    knn_f1=probes["knn"].macro_f1,
                    train_seconds=trained.train_seconds,
                    final_loss=trained.final_loss,
                    dataset=data.name,
                    encoder=_encoder_label(encoder, trained.encoder),
                    batch_size=batch_size,
                    rq_on=rq_on,
                    linear_weight_decay=probes["linear"].detail["weight_decay"],
                    run_id=rid,
                )
                save_run(runs_dir, done)
                if not keep_checkpoints:
                    shutil.rmtree(ckpt, ignore_errors=True)
                write_results(out, _ordered(runs_dir, plan))
            records.append(done)
            bar.advance(task)
    write_results(out, _ordered(runs_dir, plan))
    if not keep_checkpoints and (out / "checkpoints").is_dir():
        with contextlib.suppress(OSError):
            (out / "checkpoints").rmdir()  # only when empty
    return records


def _ordered(runs_dir: Path, plan: Sequence[tuple[str, int]]) -> list[RunRecord]:
    """Every record in ``runs_dir``: this plan's in plan order first, then the others."""
    rank = {key: i for i, key in enumerate(plan)}
    found = load_runs(runs_dir)
    return sorted(found, key=lambda r: (rank.get((r.augment, r.seed), len(rank)), r.run_id))


def _encoder_label(name: str, model: nn.Module) -> str:
    """``name``, or ``auto:<ClassName>`` so a table says which encoder ``auto`` picked."""
    return f"auto:{type(model).__name__}" if name == "auto" else name
