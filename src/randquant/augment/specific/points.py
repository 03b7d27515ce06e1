"""The PointNet++ point-cloud set on ``(N, P, 3)`` batches.

* ``pc_rotate``: rotation by ``U[0, 2*pi)`` about the up axis; ``up="y"`` by default (OBJ/
  ShapeNet/Sweet Home 3D models are y-up; pass ``up=z`` for z-up data such as ModelNet OFF).
* ``pc_scale``: anisotropic scaling, one factor ``U[0.8, 1.25]`` per axis per cloud.
* ``pc_jitter``: per-point Gaussian noise, ``sigma`` 0.01, clipped to ``+-clip`` (0.05).
* ``pc_dropout``: drop a fraction ``U[0, max_ratio]`` (0.875) of the points of each cloud,
  replacing each dropped point by the cloud's first point (PointNet++'s trick: the set keeps its
  size and a max-pool sees no new point).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

from randquant.augment.base import (
    BatchAugmentation,
    Compose,
    check_positive,
    check_probability,
    check_range,
)
from randquant.augment.draws import normal, uniform
from randquant.augment.kernels import rotation_matrices

_AXES = {"x": 0, "y": 1, "z": 2}


class UpAxisRotation(BatchAugmentation):
    """``pc_rotate``: rotate each cloud by a uniform angle about the ``up`` axis (default y)."""

    name = "pc_rotate"
    layouts = ("points",)

    def __init__(self, *, layout: str = "points", up: Literal["x", "y", "z"] = "y") -> None:
        super().__init__(layout=layout)
        if up not in _AXES:
            raise ValueError(f"up must be one of {tuple(_AXES)}, got {up!r}")
        self.axis = _AXES[up]

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        angle = uniform((x.shape[0],), generator, x, 0.0, 2.0 * math.pi)
        xf = x.float()
        return xf @ rotation_matrices(angle, self.axis).to(xf.dtype)


class AnisotropicScale(BatchAugmentation):
    """``pc_scale``: multiply each axis by its own factor ``U[scale_min, scale_max]``."""

    name = "pc_scale"
    layouts = ("points",)

    def __init__(
        self, *, layout: str = "points", scale_min: float = 0.8, scale_max: float = 1.25
    ) -> None:
        super().__init__(layout=layout)
        check_range("scale_min", scale_min, "scale_max", scale_max, upper=math.inf)
        self.scale = (scale_min, scale_max)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        factors = uniform((x.shape[0], 1, x.shape[2]), generator, x, *self.scale)
        return x.float() * factors


class PointJitter(BatchAugmentation):
    """``pc_jitter``: add ``clip(sigma * N(0, 1), -clip, clip)`` to every coordinate."""

    name = "pc_jitter"
    layouts = ("points",)

    def __init__(self, *, layout: str = "points", sigma: float = 0.01, clip: float = 0.05) -> None:
        super().__init__(layout=layout)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)
        self.clip = check_positive("clip", clip)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        noise = (self.sigma * normal(x.shape, generator, x)).clamp(-self.clip, self.clip)
        return x.float() + noise


class PointDropout(BatchAugmentation):
    """``pc_dropout``: replace a fraction ``U[0, max_ratio]`` of points by the first point."""

    name = "pc_dropout"
    layouts = ("points",)

    def __init__(self, *, layout: str = "points", max_ratio: float = 0.875) -> None:
        super().__init__(layout=layout)
        self.max_ratio = check_probability("max_ratio", max_ratio)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, pts, _ = x.shape
        ratio = uniform((n, 1), generator, x, 0.0, self.max_ratio)
        drop = uniform((n, pts), generator, x) < ratio
        drop[:, 0] = False
        first = x[:, :1].float().expand(n, pts, x.shape[2])
        return torch.where(drop[:, :, None], first, x.float())


def points_specific(*, layout: str = "points", up: Literal["x", "y", "z"] = "y") -> Compose:
    """``pc_rotate+pc_scale+pc_jitter+pc_dropout``."""
    return Compose(
        [
            UpAxisRotation(layout=layout, up=up),
            AnisotropicScale(layout=layout),
            PointJitter(layout=layout),
            PointDropout(layout=layout),
        ]
    )
