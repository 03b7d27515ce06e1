"""From a spec string to what the engine applies to each view, and e-Mix batch mixing.

>>> views = build_views("crop+rq:bins=16", "sequence")
>>> views.input_transform.to_spec()
'crop+rq:bins=16'
>>> build_views("rq", "tokens", rq_on="embedding").embedding_transform is not None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from randquant.augment.base import BatchAugmentation, Compose, Identity
from randquant.augment.draws import beta, randperm
from randquant.augment.layout import DEFAULT_MODALITY
from randquant.augment.registry import REGISTRY
from randquant.augment.spec import AugSpec, build_augmentation, parse_spec
from randquant.data.base import LAYOUTS, Layout

MODALITIES: tuple[str, ...] = ("image", "audio", "points", "sensor", "text", "tabular")
RQ_ON: tuple[str, ...] = ("input", "embedding")
#: What ``--rq-on`` takes: a place, or ``auto`` (:func:`resolve_rq_on`).
RQ_ON_CHOICES: tuple[str, ...] = ("auto", *RQ_ON)


def resolve_rq_on(rq_on: str, layout: str) -> Literal["input", "embedding"]:
    """Where RQ runs: ``auto`` is ``embedding`` for token ids (RQ cannot touch ids) and
    ``input`` for every other layout; ``input``/``embedding`` stay as given.

    >>> resolve_rq_on("auto", "tokens"), resolve_rq_on("auto", "image")
    ('embedding', 'input')
    """
    if rq_on not in RQ_ON_CHOICES:
        raise ValueError(f"rq_on must be one of {', '.join(RQ_ON_CHOICES)}, got {rq_on!r}")
    if rq_on == "auto":
        return "embedding" if layout == "tokens" else "input"
    return "embedding" if rq_on == "embedding" else "input"


@dataclass(frozen=True)
class MixupConfig:
    """e-Mix options: the mixing weight ``lam ~ Beta(alpha, alpha)`` per sample."""

    alpha: float = 1.0

    def __post_init__(self) -> None:
        if not self.alpha > 0:
            raise ValueError(f"mixup alpha must be > 0, got {self.alpha!r}")


@dataclass(frozen=True)
class ViewAugmentation:
    """What the engine does to make one view of a batch.

    ``input_transform`` runs on each view's raw batch (independently per view);
    ``embedding_transform`` (when ``rq_on="embedding"``) runs on the embedded tokens
    ``(N, L, D)`` inside a transformer encoder; ``mixup`` asks the engine for e-Mix.
    """

    spec: str
    layout: Layout
    modality: str
    input_transform: BatchAugmentation
    embedding_transform: BatchAugmentation | None
    mixup: MixupConfig | None
    rq_on: Literal["input", "embedding"] = "input"

    def options(self) -> dict[str, str]:
        """The :func:`build_views` arguments that rebuild these views (plain strings)."""
        return {
            "spec": self.spec,
            "layout": self.layout,
            "modality": self.modality,
            "rq_on": self.rq_on,
        }


def _on_embedding(name: str, layout: str) -> bool:
    """Whether ``name`` runs on the embedded tokens under ``rq_on="embedding"``.

    ``rq`` always does; on token data so do the float-only parts that accept embeddings
    (``noise``, ``channel_mask``), since token ids cannot take them.
    """
    if name == "rq":
        return True
    layouts = REGISTRY[name].layouts
    return layout == "tokens" and "tokens" not in layouts and "embedding" in layouts


def _one(parts: list[BatchAugmentation], layout: str) -> BatchAugmentation:
    if not parts:
        return Identity(layout=layout)
    return parts[0] if len(parts) == 1 else Compose(parts)


def build_views(
    spec: str,
    layout: Layout,
    *,
    modality: str | None = None,
    rq_on: str = "input",
) -> ViewAugmentation:
    """Parse ``spec`` and build the view pipeline for data of ``layout`` and ``modality``.

    ``modality`` defaults from the layout (sequence -> sensor, image -> image, points -> points,
    vector -> tabular, tokens -> text). ``rq_on="auto"`` is resolved by :func:`resolve_rq_on`
    (the views record the place it chose). With ``rq_on="embedding"`` every ``rq`` part leaves the
    input pipeline and becomes ``embedding_transform`` (RQ with the embedding dimension as the
    channel), in spec order; on token data ``noise`` and ``channel_mask`` go there too.
    ``mixup`` parts set ``mixup``; ``none`` parts are dropped.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    place = resolve_rq_on(rq_on, layout)
    modality = DEFAULT_MODALITY[layout] if modality is None else modality
    if modality not in MODALITIES:
        raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
    inputs: list[BatchAugmentation] = []
    embedding: list[BatchAugmentation] = []
    mixup: MixupConfig | None = None
    for part in parse_spec(spec):
        if part.name == "mixup":
            if mixup is not None:
                raise ValueError(f"mixup appears twice in spec {spec!r}")
            mixup = MixupConfig(**part.options)
        elif place == "embedding" and _on_embedding(part.name, layout):
            if part.name == "rq" and "ste" not in part.options:
                # on embeddings RQ would pass gradient only through each channel's min and max,
                # starving the embedding layer: straight-through unless the spec says otherwise
                part = AugSpec(part.name, {**part.options, "ste": True})
            embedding.append(build_augmentation(part, "embedding"))
        elif part.name != "none":
            inputs.append(build_augmentation(part, layout, modality=modality))
    return ViewAugmentation(
        spec=spec,
        layout=layout,
        modality=modality,
        input_transform=_one(inputs, layout),
        embedding_transform=_one(embedding, "embedding") if embedding else None,
        mixup=mixup,
        rq_on=place,
    )


def mix_batch(
    x: Tensor, cfg: MixupConfig, generator: torch.Generator | None
) -> tuple[Tensor, Tensor, Tensor]:
    """e-Mix: mix every sample with a random partner of the batch.

    Returns ``(x_mixed, perm, lam)`` with ``perm`` a random permutation ``(N,)`` (int64),
    ``lam ~ Beta(alpha, alpha)`` of shape ``(N,)`` (float32) and
    ``x_mixed[i] = lam[i] * x[i] + (1 - lam[i]) * x[perm[i]]`` in ``x``'s dtype.
    """
    if not isinstance(x, Tensor) or not x.dtype.is_floating_point or x.ndim < 1:
        what = f"dtype {x.dtype}" if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(
            f"mix_batch needs a floating-point batch (N, ...), got {what}; "
            "token ids cannot be mixed, mix their embeddings instead"
        )
    n = x.shape[0]
    lam = beta(cfg.alpha, cfg.alpha, (n,), generator, x)
    perm = randperm(n, generator, x)
    w = lam.reshape(-1, *([1] * (x.ndim - 1))).to(x.dtype)
    mixed = w * x + (1.0 - w) * x[perm]
    return mixed, perm, lam
