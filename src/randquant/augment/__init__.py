"""Batched augmentations, the ``name:k=v+...`` spec language and the view pipeline.

    >>> import torch
    >>> from randquant.augment import build_views
    >>> views = build_views("crop+rq", "sequence")
    >>> x = torch.randn(8, 6, 100)
    >>> v = views.input_transform(x, generator=torch.Generator().manual_seed(0))
    >>> v.shape
    torch.Size([8, 6, 100])

See :func:`available_augmentations` (or ``randquant augment list``) for every name.
"""

from randquant.augment.base import BatchAugmentation, Compose, Identity
from randquant.augment.crop import RandomCrop
from randquant.augment.generic import (
    ChannelMask,
    GaussianNoise,
    MixupMarker,
    RandomMask,
    RandQuant,
    Scarf,
)
from randquant.augment.registry import REGISTRY, available_augmentations
from randquant.augment.spec import AugSpec, build_augmentation, format_spec, parse_spec
from randquant.augment.specific import Specific
from randquant.augment.views import (
    MixupConfig,
    ViewAugmentation,
    build_views,
    mix_batch,
)

__all__ = [
    "REGISTRY",
    "AugSpec",
    "BatchAugmentation",
    "ChannelMask",
    "Compose",
    "GaussianNoise",
    "Identity",
    "MixupConfig",
    "MixupMarker",
    "RandQuant",
    "RandomCrop",
    "RandomMask",
    "Scarf",
    "Specific",
    "ViewAugmentation",
    "available_augmentations",
    "build_augmentation",
    "build_views",
    "format_spec",
    "mix_batch",
    "parse_spec",
]
