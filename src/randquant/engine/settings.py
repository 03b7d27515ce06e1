"""What one run is: its settings, its id, and the spec a sweep runs (plain data).

:class:`CompareSettings` is everything about a run except the augmentation and the seed;
:func:`run_id` names a run by what changes its result; :class:`RunSpec` is one run of a
sweep. Training itself is :mod:`randquant.engine.run`.

>>> CompareSettings(method="byol", epochs=5, batch_size=64).model().rq_on
'auto'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.config import ModelOptions, PretrainConfig
from randquant.device import resolve_device
from randquant.engine.provenance import code_version, command_line

if TYPE_CHECKING:
    from torch import nn

    from randquant.data.base import Dataset

#: The PretrainConfig fields CompareSettings holds itself (the rest: ``pretrain_options``).
_TRAIN_FIELDS = ("method", "epochs", "batch_size", "lr", "weight_decay")


@dataclass(frozen=True)
class CompareSettings:
    """Everything about a run except the augmentation and the seed.

    The fields are those of :class:`~randquant.config.PretrainConfig` and
    :class:`~randquant.config.ModelOptions`, with their defaults and their checks; the
    others of ``PretrainConfig`` travel in ``pretrain_options``. The fields are flat because
    :func:`run_id` hashes them: a run keeps its id across versions.
    """

    method: str = PretrainConfig.method
    epochs: int = PretrainConfig.epochs
    encoder: str = ModelOptions.encoder
    width: int = ModelOptions.width
    batch_size: int = PretrainConfig.batch_size
    rq_on: str = ModelOptions.rq_on
    lr: float | None = PretrainConfig.lr
    weight_decay: float | None = PretrainConfig.weight_decay
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


def with_recipe(
    settings: CompareSettings, recipe: str, n_train: int, batch_size: int | None = None
) -> CompareSettings:
    """``settings`` with the batch size, lr, weight decay, optimizer and warm-up that were
    left unset filled by ``recipe`` for ``n_train`` training samples
    (:func:`randquant.engine.recipe.resolve`); ``batch_size=None`` takes the recipe's."""
    from randquant.engine.recipe import resolve

    chosen = resolve(
        recipe,
        n_train,
        settings.epochs,
        batch_size=batch_size,
        lr=settings.lr,
        weight_decay=settings.weight_decay,
        pretrain_options=settings.pretrain_options,
    )
    return dataclasses.replace(
        settings,
        batch_size=chosen.batch_size,
        lr=chosen.lr,
        weight_decay=chosen.weight_decay,
        pretrain_options=chosen.pretrain_options,
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
    """What a trainer (:func:`randquant.engine.run.pretrain_one`) hands to the probes."""

    encoder: nn.Module
    final_loss: float
    train_seconds: float


#: ``trainer(dataset, augment, seed, settings, *, checkpoint_dir, progress) -> TrainedRun``.
Trainer = Callable[..., TrainedRun]


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what to train, where its files go, and how it was asked for.

    ``data`` names the (standardised) dataset the sweep's ``load`` returns; ``output`` is
    the folder of its ``runs/``, ``failed/``, ``checkpoints/`` and index; ``command`` the
    command line recorded in the record's provenance; ``trainer`` replaces
    :func:`~randquant.engine.run.pretrain_one` (tests, custom loops).
    """

    data: str
    augment: str
    seed: int
    settings: CompareSettings
    output: Path
    run_id: str
    probe_max_iter: int = 500
    keep_checkpoints: bool = False
    trainer: Trainer | None = None
    progress: bool = False
    command: str = field(default_factory=command_line)
    #: The code the run starts from (:func:`~randquant.engine.provenance.code_version`), read
    #: when the spec is made: before the sweep, in the driver, so a worker records what the
    #: run was asked to run, not what the tree holds when it saves.
    code: dict[str, Any] = field(default_factory=code_version)

    @property
    def label(self) -> str:
        """``dataset/augment seed N``, how a failure or a progress line names the run."""
        return f"{self.data} {self.augment} seed {self.seed} ({self.output / self.run_id})"
