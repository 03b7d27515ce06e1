"""The SimCLR/BYOL image set, batched: resized crop, flip, colour jitter, grayscale, blur.

Parameters are drawn per sample from the explicit generator (kornia's own augmentation classes
draw from torch's global RNG, so we use kornia's functional kernels under our sampler).

Colour operations (``img_color``, ``img_gray``) work on each image rescaled to ``[0, 1]`` by its
own min and max and then mapped back, so they behave the same on ``[0, 1]`` images and on
standardised ones. Images with one channel skip saturation, hue and grayscale (brightness and
contrast still apply); images with other channel counts than 1 or 3 skip all colour operations.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from randquant.augment.base import (
    BatchAugmentation,
    Compose,
    check_positive,
    check_probability,
    check_range,
)
from randquant.augment.crop import sample_image_boxes
from randquant.augment.draws import bernoulli, keep_with_prob, randperm, uniform, where_samples
from randquant.augment.kernels import resized_crop_2d


def _to_unit(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Per-sample min-max rescale to ``[0, 1]``; returns ``(u, lo, span)``."""
    flat = x.reshape(x.shape[0], -1)
    lo = flat.amin(dim=1).reshape(-1, 1, 1, 1)
    span = (flat.amax(dim=1).reshape(-1, 1, 1, 1) - lo).clamp_min(1e-12)
    return (x - lo) / span, lo, span


def _from_unit(u: Tensor, lo: Tensor, span: Tensor) -> Tensor:
    return u * span + lo


class ImageResizedCrop(BatchAugmentation):
    """``img_rrc``: SimCLR's random resized crop (area 0.08-1.0, ratio 3/4-4/3), bilinear."""

    name = "img_rrc"
    layouts = ("image",)

    def __init__(self, *, layout: str = "image", scale_min: float = 0.08, scale_max: float = 1.0):
        super().__init__(layout=layout)
        check_range("scale_min", scale_min, "scale_max", scale_max)
        self.scale = (scale_min, scale_max)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        aspect = x.shape[3] / x.shape[2]
        boxes = sample_image_boxes(x.shape[0], self.scale, generator, x, aspect=aspect)
        return resized_crop_2d(x.float(), boxes.float())


class HorizontalFlip(BatchAugmentation):
    """``img_flip``: mirror each image left-right with probability ``p`` (0.5)."""

    name = "img_flip"
    layouts = ("image",)

    def __init__(self, *, layout: str = "image", p: float = 0.5) -> None:
        super().__init__(layout=layout)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        return keep_with_prob(self.p, x.flip(-1), x, generator)


class ColorJitter(BatchAugmentation):
    """``img_color``: brightness, contrast, saturation, hue jitter with probability ``p``.

    Factors are ``U[1 - s, 1 + s]`` per sample (hue: a shift ``U[-hue, hue]`` of a full turn),
    applied in one random order per batch, as in torchvision's ``ColorJitter``.
    """

    name = "img_color"
    layouts = ("image",)

    def __init__(
        self,
        *,
        layout: str = "image",
        brightness: float = 0.4,
        contrast: float = 0.4,
        saturation: float = 0.4,
        hue: float = 0.1,
        p: float = 0.8,
    ) -> None:
        super().__init__(layout=layout)
        for opt, v in (
            ("brightness", brightness),
            ("contrast", contrast),
            ("saturation", saturation),
        ):
            check_positive(opt, v, allow_zero=True)
            if v > 1.0:
                raise ValueError(f"{opt} must lie in [0, 1], got {v!r}")
        if not 0.0 <= hue <= 0.5:
            raise ValueError(f"hue must lie in [0, 0.5], got {hue!r}")
        self.strengths = (brightness, contrast, saturation)
        self.hue = hue
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        import kornia.enhance as ke

        n, c = x.shape[:2]
        if c not in (1, 3):
            return x.clone()
        u, lo, span = _to_unit(x.float())
        factors = [uniform((n,), generator, x, 1.0 - s, 1.0 + s) for s in self.strengths]
        shift = uniform((n,), generator, x, -self.hue, self.hue) * 2.0 * math.pi
        for op in randperm(4, generator, x).tolist():
            if op == 0:
                u = ke.adjust_brightness_accumulative(u, factors[0])
            elif op == 1:
                u = ke.adjust_contrast_with_mean_subtraction(u, factors[1]).clamp(0.0, 1.0)
            elif op == 2 and c == 3:
                u = ke.adjust_saturation_with_gray_subtraction(u, factors[2]).clamp(0.0, 1.0)
            elif op == 3 and c == 3:
                u = ke.adjust_hue(u, shift)
        return keep_with_prob(self.p, _from_unit(u, lo, span), x.float(), generator)


class RandomGrayscale(BatchAugmentation):
    """``img_gray``: turn each RGB image to grey (kept 3 channels) with probability ``p`` (0.2)."""

    name = "img_gray"
    layouts = ("image",)

    def __init__(self, *, layout: str = "image", p: float = 0.2) -> None:
        super().__init__(layout=layout)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        from kornia.color import rgb_to_grayscale

        if x.shape[1] != 3:
            return x.clone()
        u, lo, span = _to_unit(x.float())
        grey = rgb_to_grayscale(u).expand_as(u)
        return keep_with_prob(self.p, _from_unit(grey, lo, span), x.float(), generator)


class GaussianBlur(BatchAugmentation):
    """``img_blur``: Gaussian blur with ``sigma ~ U[sigma_min, sigma_max]`` per sample.

    The kernel side is about 10% of the image side, odd and at least 3 (SimCLR); applied with
    probability ``p`` (0.5).
    """

    name = "img_blur"
    layouts = ("image",)

    def __init__(
        self,
        *,
        layout: str = "image",
        sigma_min: float = 0.1,
        sigma_max: float = 2.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(layout=layout)
        check_range("sigma_min", sigma_min, "sigma_max", sigma_max, upper=math.inf)
        self.sigma = (sigma_min, sigma_max)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        from kornia.filters import gaussian_blur2d

        n, _, h, w = x.shape
        k = max(3, int(0.1 * min(h, w)) // 2 * 2 + 1)
        sigma = uniform((n,), generator, x, *self.sigma)
        apply = bernoulli((n,), self.p, generator, x)
        xf = x.float()
        if min(h, w) < k // 2 + 1 or not bool(apply.any()):
            return xf.clone()
        blurred = gaussian_blur2d(xf, (k, k), torch.stack([sigma, sigma], dim=1))
        return where_samples(apply, blurred, xf)


def image_specific(*, layout: str = "image") -> Compose:
    """The full SimCLR set: ``img_rrc+img_flip+img_color+img_gray+img_blur``."""
    return Compose(
        [
            ImageResizedCrop(layout=layout),
            HorizontalFlip(layout=layout),
            ColorJitter(layout=layout),
            RandomGrayscale(layout=layout),
            GaussianBlur(layout=layout),
        ]
    )
