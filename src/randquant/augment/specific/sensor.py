"""Wearable-sensor augmentations (Um et al. 2017) on ``(N, C, L)`` batches.

* ``ts_jitter``: additive Gaussian noise, ``sigma`` 0.05 (in the data's units; inputs are
  standardised per channel, so this is 5% of a channel's spread).
* ``ts_scale``: multiply each channel by a factor ``N(1, sigma^2)``, ``sigma`` 0.1.
* ``ts_warp``: smooth time warp: a speed curve through ``knots + 2`` values ``N(1, sigma^2)``
  (sigma 0.2, 4 knots) interpolated to every step, integrated to a monotone new time axis and
  read back by linear interpolation; all channels share the warp.
* ``ts_permute``: cut the series into ``U{1..max_segments}`` (5) segments at random points and
  put them back in a random order.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from randquant.augment.base import (
    BatchAugmentation,
    Compose,
    check_int,
    check_positive,
    check_probability,
)
from randquant.augment.draws import keep_with_prob, normal, uniform
from randquant.augment.kernels import interp_time


class SensorJitter(BatchAugmentation):
    """``ts_jitter``: add ``sigma * N(0, 1)`` to every value."""

    name = "ts_jitter"
    layouts = ("sequence",)

    def __init__(self, *, layout: str = "sequence", sigma: float = 0.05) -> None:
        super().__init__(layout=layout)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        return x.float() + self.sigma * normal(x.shape, generator, x)


class SensorScale(BatchAugmentation):
    """``ts_scale``: multiply each channel of each sample by ``N(1, sigma^2)``."""

    name = "ts_scale"
    layouts = ("sequence",)

    def __init__(self, *, layout: str = "sequence", sigma: float = 0.1) -> None:
        super().__init__(layout=layout)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        factors = 1.0 + self.sigma * normal((x.shape[0], x.shape[1], 1), generator, x)
        return x.float() * factors


class TimeWarp(BatchAugmentation):
    """``ts_warp``: a smooth monotone random warp of the time axis, with probability ``p``."""

    name = "ts_warp"
    layouts = ("sequence",)

    def __init__(
        self, *, layout: str = "sequence", sigma: float = 0.2, knots: int = 4, p: float = 1.0
    ) -> None:
        super().__init__(layout=layout)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)
        self.knots = check_int("knots", knots)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, _, length = x.shape
        xf = x.float()
        speed = 1.0 + self.sigma * normal((n, 1, self.knots + 2), generator, x)
        speed = F.interpolate(speed, size=length, mode="linear", align_corners=True)[:, 0]
        speed = speed.clamp_min(1e-3)  # keeps the warp monotone
        t = torch.cumsum(speed, dim=1) - speed[:, :1]
        t = t / t[:, -1:].clamp_min(1e-12) * (length - 1)
        return keep_with_prob(self.p, interp_time(xf, t), xf, generator)


class SegmentPermutation(BatchAugmentation):
    """``ts_permute``: split into random segments and shuffle them, with probability ``p``."""

    name = "ts_permute"
    layouts = ("sequence",)

    def __init__(self, *, layout: str = "sequence", max_segments: int = 5, p: float = 1.0) -> None:
        super().__init__(layout=layout)
        self.max_segments = check_int("max_segments", max_segments, minimum=1)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, c, length = x.shape
        m = self.max_segments
        count = (uniform((n, 1), generator, x) * m).long() + 1  # segments per sample, 1..m
        cuts = (uniform((n, m - 1), generator, x) * (length - 1)).long() + 1  # in [1, L-1]
        cuts = cuts.masked_fill(torch.arange(m - 1, device=x.device) >= count - 1, length)
        pos = torch.arange(length, device=x.device)
        segment = (cuts[:, None, :] <= pos[None, :, None]).sum(dim=2)  # (N, L) in 0..m-1
        rank = uniform((n, m), generator, x).argsort(dim=1).argsort(dim=1)
        key = rank.gather(1, segment) * length + pos  # new order: by segment rank, then time
        order = key.argsort(dim=1)
        out = x.float().gather(2, order[:, None, :].expand(n, c, length))
        return keep_with_prob(self.p, out, x.float(), generator)


def sensor_specific(*, layout: str = "sequence") -> Compose:
    """``ts_jitter+ts_scale+ts_warp:p=0.5+ts_permute:p=0.5``."""
    return Compose(
        [
            SensorJitter(layout=layout),
            SensorScale(layout=layout),
            TimeWarp(layout=layout, p=0.5),
            SegmentPermutation(layout=layout, p=0.5),
        ]
    )
