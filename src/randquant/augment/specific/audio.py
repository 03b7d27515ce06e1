"""The BYOL-A audio set on log-mel spectrograms ``(N, n_mels, T)``, plus SpecAugment masking.

* ``spec_mixup``: mix each spectrogram with another one of the batch (a random permutation stands
  in for BYOL-A's memory of past clips) in the linear-power domain,
  ``log((1 - lam) exp(x) + lam exp(x_bg))`` with ``lam ~ U[0, ratio]`` per sample (ratio 0.4).
* ``spec_rrc``: BYOL-A's random resize crop: the spectrogram sits in the centre of a virtual
  canvas ``virtual_scale`` (1.5) times longer in time, padded with zeros; a crop of
  ``U[0.6, 1.5]`` times the frequency and time sizes (clipped to the canvas) is taken at a
  uniform position and resized back with bilinear interpolation.
* ``spec_mask``: SpecAugment; ``freq_masks`` bands of up to ``freq_width`` of the mel bands and
  ``time_masks`` spans of up to ``time_width`` of the frames, filled with the sample's mean.
"""

from __future__ import annotations

import torch
from torch import Tensor

from randquant.augment.base import (
    BatchAugmentation,
    Compose,
    check_int,
    check_probability,
    check_range,
)
from randquant.augment.draws import keep_with_prob, randperm, uniform
from randquant.augment.kernels import log_mixup_exp, resized_crop_2d


class BackgroundMixup(BatchAugmentation):
    """``spec_mixup``: BYOL-A log-mixup-exp with another clip of the batch (``ratio`` 0.4)."""

    name = "spec_mixup"
    layouts = ("sequence",)

    def __init__(self, *, layout: str = "sequence", ratio: float = 0.4) -> None:
        super().__init__(layout=layout)
        self.ratio = check_probability("ratio", ratio)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        xf = x.float()
        lam = uniform((x.shape[0],), generator, x, 0.0, self.ratio)
        background = xf[randperm(x.shape[0], generator, x)]
        return log_mixup_exp(xf, background, lam)


class SpectrogramResizedCrop(BatchAugmentation):
    """``spec_rrc``: BYOL-A's random resize crop on a zero-padded virtual canvas."""

    name = "spec_rrc"
    layouts = ("sequence",)

    def __init__(
        self,
        *,
        layout: str = "sequence",
        virtual_scale: float = 1.5,
        scale_min: float = 0.6,
        scale_max: float = 1.5,
    ) -> None:
        super().__init__(layout=layout)
        if virtual_scale < 1.0:
            raise ValueError(f"virtual_scale must be >= 1, got {virtual_scale!r}")
        check_range("scale_min", scale_min, "scale_max", scale_max, upper=virtual_scale)
        self.virtual_scale = virtual_scale
        self.scale = (scale_min, scale_max)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n = x.shape[0]
        # sizes as fractions of the original; the canvas is 1 x virtual_scale of it
        h = uniform((n,), generator, x, *self.scale).clamp(max=1.0)
        w = uniform((n,), generator, x, *self.scale).clamp(max=self.virtual_scale)
        cy = (uniform((n,), generator, x) * 2.0 - 1.0) * (1.0 - h)
        cx = (uniform((n,), generator, x) * 2.0 - 1.0) * (self.virtual_scale - w)
        boxes = torch.stack([cx, cy, w, h], dim=1)
        return resized_crop_2d(x.float()[:, None], boxes, padding="zeros")[:, 0]


def _band_masks(
    n: int, size: int, count: int, width: float, generator: torch.Generator | None, like: Tensor
) -> Tensor:
    """``(N, size)`` booleans: ``count`` random bands of up to ``width * size`` positions each."""
    pos = torch.arange(size, device=like.device)
    hidden = torch.zeros(n, size, dtype=torch.bool, device=like.device)
    for _ in range(count):
        w = (uniform((n,), generator, like) * (width * size + 1)).long()
        start = (uniform((n,), generator, like) * (size - w + 1)).long()
        hidden |= (pos >= start[:, None]) & (pos < (start + w)[:, None])
    return hidden


class SpecAugmentMask(BatchAugmentation):
    """``spec_mask``: SpecAugment frequency and time masking, filled with the sample mean."""

    name = "spec_mask"
    layouts = ("sequence",)

    def __init__(
        self,
        *,
        layout: str = "sequence",
        freq_masks: int = 2,
        freq_width: float = 0.15,
        time_masks: int = 2,
        time_width: float = 0.15,
        p: float = 1.0,
    ) -> None:
        super().__init__(layout=layout)
        self.freq = (
            check_int("freq_masks", freq_masks),
            check_probability("freq_width", freq_width),
        )
        self.time = (
            check_int("time_masks", time_masks),
            check_probability("time_width", time_width),
        )
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, f, t = x.shape
        xf = x.float()
        hidden = _band_masks(n, f, *self.freq, generator, x)[:, :, None]
        hidden = hidden | _band_masks(n, t, *self.time, generator, x)[:, None, :]
        fill = xf.mean(dim=(1, 2), keepdim=True).expand_as(xf)
        return keep_with_prob(self.p, torch.where(hidden, fill, xf), xf, generator)


def audio_specific(*, layout: str = "sequence") -> Compose:
    """BYOL-A's set plus SpecAugment: ``spec_mixup+spec_rrc+spec_mask``."""
    return Compose(
        [
            BackgroundMixup(layout=layout),
            SpectrogramResizedCrop(layout=layout),
            SpecAugmentMask(layout=layout),
        ]
    )
