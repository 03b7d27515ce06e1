"""``crop``: the one crop for every layout with a sequential axis.

=========  ================================================================================
layout     what ``crop`` does (``scale`` is drawn per sample from ``[scale_min, scale_max]``)
=========  ================================================================================
image      random resized crop: area ``scale`` of the image (default 0.2-1.0), aspect ratio
           log-uniform in [3/4, 4/3], resized back with bilinear interpolation
sequence   a random span of ``scale * L`` steps (default 0.5-1.0) resized back to ``L`` by
           linear interpolation; all channels share the span
points     a random local patch: the ``scale * P`` points nearest to a random point of the
           cloud (default 0.5-1.0), resampled to ``P`` by repeating random patch points
tokens     a random contiguous span of ``scale`` of the real (non-padding, id != 0) tokens
           (default 0.5-1.0), moved to the start and padded with 0
vector     error: a flat vector has no sequential axis
=========  ================================================================================
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from randquant.augment.base import BatchAugmentation, check_range
from randquant.augment.draws import uniform
from randquant.augment.kernels import crop_positions, interp_time, resized_crop_2d

_DEFAULT_SCALE: dict[str, tuple[float, float]] = {
    "image": (0.2, 1.0),
    "sequence": (0.5, 1.0),
    "points": (0.5, 1.0),
    "tokens": (0.5, 1.0),
}
_LOG_RATIO = (math.log(3 / 4), math.log(4 / 3))


def sample_image_boxes(
    n: int,
    scale: tuple[float, float],
    generator: torch.Generator | None,
    like: Tensor,
    ratio: tuple[float, float] = _LOG_RATIO,
    aspect: float = 1.0,
) -> Tensor:
    """Random-resized-crop boxes ``(N, 4)`` as ``(cx, cy, w, h)`` for :func:`resized_crop_2d`.

    Area fraction ``~ U[scale]``; log aspect ratio ``~ U[ratio]``, in pixels of an image whose
    width/height is ``aspect``. A side that would exceed the image is clipped to it (instead
    of torchvision's rejection loop); the box lies inside the image at a uniform position.
    """
    area = uniform((n,), generator, like, *scale)
    log_r = uniform((n,), generator, like, *ratio)
    w = torch.sqrt(area * torch.exp(log_r) / aspect).clamp(max=1.0)
    h = torch.sqrt(area / torch.exp(log_r) * aspect).clamp(max=1.0)
    cx = (uniform((n,), generator, like) * 2.0 - 1.0) * (1.0 - w)
    cy = (uniform((n,), generator, like) * 2.0 - 1.0) * (1.0 - h)
    return torch.stack([cx, cy, w, h], dim=1)


class RandomCrop(BatchAugmentation):
    """``crop``: a random resized crop along the sequential axis of any layout but vector.

    Images: random resized crop; sequences: a span of time resized back; points: a local
    patch resampled to the same count; tokens: a contiguous span, left-aligned (module table).
    """

    name = "crop"
    layouts = ("image", "sequence", "points", "tokens")

    def __init__(
        self, *, layout: str, scale_min: float | None = None, scale_max: float | None = None
    ) -> None:
        if layout == "vector":
            raise ValueError(
                "crop: layout 'vector' has no sequential axis to crop; "
                "use mask, channel_mask, noise or rq"
            )
        super().__init__(layout=layout)
        lo, hi = _DEFAULT_SCALE[layout]
        self.scale = (
            lo if scale_min is None else scale_min,
            hi if scale_max is None else scale_max,
        )
        check_range("scale_min", self.scale[0], "scale_max", self.scale[1])

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        if self.layout == "image":
            aspect = x.shape[3] / x.shape[2]
            boxes = sample_image_boxes(x.shape[0], self.scale, generator, x, aspect=aspect)
            return resized_crop_2d(x.float(), boxes.float())
        if self.layout == "sequence":
            return self._crop_sequence(x.float(), generator)
        if self.layout == "points":
            return self._crop_points(x, generator)
        return self._crop_tokens(x, generator)

    def _crop_sequence(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, _, length = x.shape
        span = uniform((n,), generator, x, *self.scale) * length
        span = span.clamp(min=1.0)
        start = uniform((n,), generator, x) * (length - span)
        return interp_time(x, crop_positions(start, span, length))

    def _crop_points(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, pts, dims = x.shape
        keep = (uniform((n,), generator, x, *self.scale) * pts).round().long().clamp(1, pts)
        centre_idx = (uniform((n,), generator, x) * pts).long().clamp_max(pts - 1)
        centre = x.gather(1, centre_idx[:, None, None].expand(n, 1, dims))
        order = ((x - centre) ** 2).sum(dim=2).argsort(dim=1)  # nearest first
        slot = torch.arange(pts, device=x.device).expand(n, pts)
        refill = (uniform((n, pts), generator, x) * keep[:, None]).long()
        refill = torch.minimum(refill, keep[:, None] - 1)
        src = order.gather(1, torch.where(slot < keep[:, None], slot, refill))
        return x.gather(1, src[:, :, None].expand(n, pts, dims))

    def _crop_tokens(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, length = x.shape
        real = (x != 0).long()
        # a sequence's real length: up to its last non-padding token
        pos = torch.arange(1, length + 1, device=x.device)
        real_len = (real * pos).amax(dim=1)
        span = (uniform((n,), generator, x, *self.scale) * real_len).round().long()
        span = torch.maximum(span, (real_len > 0).long())
        start = (uniform((n,), generator, x) * (real_len - span + 1)).long()
        start = torch.minimum(start, real_len - span)
        idx = (start[:, None] + torch.arange(length, device=x.device)).clamp_max(length - 1)
        out = x.gather(1, idx)
        return out.masked_fill(torch.arange(length, device=x.device) >= span[:, None], 0)
