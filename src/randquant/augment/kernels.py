"""Functional kernels: deterministic maths on batches, given already-drawn parameters.

The augmentation modules draw parameters from a generator and call these; the kernels hold no
randomness, so the same parameters can be re-applied and inspected.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def resized_crop_2d(
    x: Tensor, boxes: Tensor, *, mode: str = "bilinear", padding: str = "border"
) -> Tensor:
    """Crop a box from each image and resize it back to the image size.

    ``x`` is ``(N, C, H, W)``; ``boxes`` is ``(N, 4)`` holding ``(cx, cy, w, h)`` in normalised
    coordinates: the centre in ``[-1, 1]`` and the size as a fraction of the image (``w = 1``
    is the full width). Outside the image reads as the nearest border value
    (``padding="border"``) or as zeros (``padding="zeros"``, for boxes that reach past it).
    """
    n = x.shape[0]
    theta = torch.zeros(n, 2, 3, dtype=x.dtype, device=x.device)
    theta[:, 0, 0] = boxes[:, 2]
    theta[:, 0, 2] = boxes[:, 0]
    theta[:, 1, 1] = boxes[:, 3]
    theta[:, 1, 2] = boxes[:, 1]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=False)


def interp_time(x: Tensor, t: Tensor) -> Tensor:
    """Linear interpolation of ``x`` (``(N, C, L)``) at fractional positions ``t`` (``(N, L')``).

    Positions are clamped to ``[0, L - 1]``; the result is ``(N, C, L')``.
    """
    length = x.shape[2]
    t = t.clamp(0.0, float(length - 1)).to(x.dtype)
    lo = t.floor().long().clamp_max(length - 1)
    hi = (lo + 1).clamp_max(length - 1)
    frac = (t - lo.to(x.dtype))[:, None, :]
    c = x.shape[1]
    x_lo = x.gather(2, lo[:, None, :].expand(-1, c, -1))
    x_hi = x.gather(2, hi[:, None, :].expand(-1, c, -1))
    return x_lo + frac * (x_hi - x_lo)


def crop_positions(start: Tensor, span: Tensor, length: int) -> Tensor:
    """``length`` evenly spaced positions from ``start`` covering ``span`` samples, per row.

    ``start`` and ``span`` are ``(N,)``; the result ``(N, length)`` goes to :func:`interp_time`.
    """
    steps = torch.linspace(0.0, 1.0, length, device=start.device, dtype=start.dtype)
    return start[:, None] + steps[None, :] * (span[:, None] - 1.0)


def rotation_matrices(angle: Tensor, axis: int) -> Tensor:
    """``(N, 3, 3)`` rotations by ``angle`` about ``axis``, for row-vector points ``p @ R``."""
    c, s = torch.cos(angle), torch.sin(angle)
    r = torch.zeros(angle.shape[0], 3, 3, dtype=angle.dtype, device=angle.device)
    i, j = [a for a in range(3) if a != axis]
    r[:, axis, axis] = 1.0
    r[:, i, i] = c
    r[:, j, j] = c
    r[:, i, j] = s
    r[:, j, i] = -s
    return r


def log_mixup_exp(x: Tensor, background: Tensor, lam: Tensor) -> Tensor:
    """BYOL-A mixing of log spectrograms in the linear domain, per sample.

    ``log((1 - lam) * exp(x) + lam * exp(background))`` with ``lam`` of shape ``(N,)``,
    computed stably with ``logaddexp``.
    """
    w = lam.reshape(-1, *([1] * (x.ndim - 1)))
    return torch.logaddexp(x + torch.log1p(-w), background + torch.log(w.clamp_min(1e-12)))
