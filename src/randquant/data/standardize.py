"""Per-channel standardisation with statistics from the training split only."""

from __future__ import annotations

import dataclasses

import torch

from randquant.data.base import Dataset, SplitData

# Axes reduced to get one mean/std per channel, for each float layout.
_REDUCE: dict[str, tuple[int, ...]] = {
    "sequence": (0, 2),  # (N, C, L): channel axis 1
    "image": (0, 2, 3),  # (N, C, H, W): channel axis 1
    "points": (0, 1),  # (N, P, 3): x, y, z are the channels
    "vector": (0,),  # (N, F): each feature is a channel
}


def channel_stats(x: torch.Tensor, layout: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std per channel of ``x`` in float64, shaped to broadcast against ``x``.

    A channel counts as constant (std 1, so it only loses its mean) when its spread is below
    ``1e-12`` of its largest magnitude: the test is relative, so data at any scale (``x *
    1e-10`` or ``x * 1e300``) keeps its variation. The statistics are taken on the channel
    divided by that magnitude, so sums of values near the float64 limit do not overflow.
    """
    dims = _REDUCE[layout]
    x64 = x.double()
    scale = x64.abs().amax(dim=dims, keepdim=True) if x64.numel() else x64.new_ones(1)
    scale = torch.where((scale > 0) & torch.isfinite(scale), scale, torch.ones_like(scale))
    unit = x64 / scale
    mean = unit.mean(dim=dims, keepdim=True)
    std = unit.std(dim=dims, keepdim=True, unbiased=False)
    std = torch.where(std > _CONSTANT, std * scale, torch.ones_like(std))
    return mean * scale, std


_CONSTANT = 1e-12  # spread / magnitude below which a channel is constant


def standardize(ds: Dataset) -> Dataset:
    """Return ``ds`` with every split scaled to zero mean and unit std per channel of *train*.

    The statistics come from ``ds.train`` only, so no test information leaks. Channels are
    axis 1 for ``sequence``/``image``, the xyz axis for ``points`` (no per-sample centring
    here) and each feature for ``vector``; ``tokens`` datasets are returned unchanged. It is
    computed in float64 and returns each split in its own dtype. The
    result's ``meta`` records ``standardized=True`` and the per-channel ``channel_mean`` /
    ``channel_std``; standardising twice is a no-op.

    >>> ds2 = standardize(ds)  # doctest: +SKIP
    >>> float(ds2.train.x.mean())  # doctest: +SKIP
    0.0
    """
    if ds.layout == "tokens" or ds.meta.get("standardized"):
        return ds
    mean, std = channel_stats(ds.train.x, ds.layout)

    def scale(split: SplitData) -> SplitData:  # in float64, then back to the split's dtype
        return SplitData(((split.x.double() - mean) / std).to(split.x.dtype), split.y)

    meta = dict(ds.meta)
    meta.update(
        standardized=True,
        channel_mean=mean.flatten().tolist(),
        channel_std=std.flatten().tolist(),
    )
    return dataclasses.replace(
        ds,
        train=scale(ds.train),
        test=scale(ds.test),
        val=scale(ds.val) if ds.val is not None else None,
        meta=meta,
    )
