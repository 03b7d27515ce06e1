"""Arms that make the same views on this data: a comparison runs only one of them.

Two arms whose views are equal teach the same thing, so a contrast between them (or an arm
reported as if it were something else) tests nothing: ``channel_mask`` on single-channel
data is ``none``, on every seed, bit for bit. :func:`identical_arms` finds such arms in two
ways, and every planner that turns arms into runs calls it before any run:

- *by construction*: a spec step that cannot change this data (``none``; any step with
  ``p=0``; ``channel_mask`` when a sample has one channel, since one channel is always kept)
  is dropped; two arms whose remaining steps are the same are the same arm;
- *by applying them*: both arms' view pipelines run on a real batch of the data with the
  same generator (twice, from two seeds); equal outputs on both draws, with the same
  embedding-side transform and the same mixing, make them the same arm.

>>> import torch
>>> x = torch.randn(8, 1, 12, 12)
>>> identical_arms(["none", "rq", "channel_mask", "crop+channel_mask", "crop"], x, "image")
{'channel_mask': 'none', 'crop+channel_mask': 'crop'}
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from randquant.augment.spec import AugSpec, parse_spec
from randquant.augment.views import ViewAugmentation, build_views


def channels(x: Tensor, layout: str) -> int:
    """How many channels a sample of the batch ``x`` has (features of a ``vector`` count as
    channels, as ``channel_mask`` counts them; token ids have none: 0)."""
    if layout == "tokens":
        return 0
    if layout == "vector":
        return int(x[0].numel())
    if layout in ("sequence", "image"):
        return int(x.shape[1])
    return int(x.shape[-1])  # points: the coordinates


def _no_op(part: AugSpec, n_channels: int) -> bool:
    """Does this step leave every batch of this data unchanged, by construction?"""
    if part.name == "none" or part.options.get("p") in (0, 0.0):
        return True
    return part.name == "channel_mask" and n_channels == 1


def canonical(spec: str, n_channels: int) -> str:
    """``spec`` without the steps that cannot change this data (``"none"`` if nothing is
    left), options in name order.

    >>> canonical("crop+channel_mask:p=0.5", 1), canonical("rq:bins=16+noise:p=0", 3)
    ('crop', 'rq:bins=16')
    """
    kept = [p for p in parse_spec(spec) if not _no_op(p, n_channels)]
    text = [p.name + "".join(f":{k}={v}" for k, v in sorted(p.options.items())) for p in kept]
    return "+".join(text) or "none"


def _apply(views: ViewAugmentation, x: Tensor, seed: int) -> Tensor:
    gen = torch.Generator(device=x.device).manual_seed(seed)
    out: Tensor = views.input_transform(x.clone(), generator=gen)
    return out


def _same_views(a: ViewAugmentation, b: ViewAugmentation, x: Tensor) -> bool:
    if a.mixup != b.mixup or a.rq_on != b.rq_on:
        return False
    ea, eb = a.embedding_transform, b.embedding_transform
    if (ea is None) != (eb is None) or (ea is not None and eb is not None and repr(ea) != repr(eb)):
        return False
    if x.dtype.is_floating_point is False and a.layout != "tokens":
        return False
    return all(torch.equal(_apply(a, x, s), _apply(b, x, s)) for s in (0, 1))


def identical_arms(
    arms: Sequence[str],
    batch: Tensor,
    layout: str,
    *,
    modality: str | None = None,
    rq_on: str = "input",
) -> dict[str, str]:
    """``{arm: kept}`` for every arm whose views equal those of another arm ``kept``, on
    ``batch`` (a few real samples of the data, in the layout's shape) — by construction or
    by applying both pipelines with the same generator. Of equal arms the one with the
    fewest steps is kept (``crop`` rather than ``crop+channel_mask``), then the first listed.

    ``ValueError`` names an arm whose spec cannot be built for this layout.
    """
    n_channels = channels(batch, layout)
    first: dict[str, str] = {}  # canonical spec -> first arm
    built: dict[str, ViewAugmentation] = {}
    out: dict[str, str] = {}
    for arm in sorted(arms, key=lambda a: (len(parse_spec(a)), list(arms).index(a))):
        key = canonical(arm, n_channels)
        if key in first:
            out[arm] = first[key]
            continue
        views = build_views(arm, layout, modality=modality, rq_on=rq_on)  # type: ignore[arg-type]
        twin = next((b for b, v in built.items() if _same_views(v, views, batch)), None)
        if twin is not None:
            out[arm] = twin
            continue
        first[key] = arm
        built[arm] = views
    return {arm: out[arm] for arm in arms if arm in out}
