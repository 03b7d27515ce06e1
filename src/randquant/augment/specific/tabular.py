"""Fallback "specific" sets for modalities without a canonical augmentation family.

* tabular: ``tab_scarf`` (SCARF, Bahri et al. 2022): replace a fraction ``ratio`` (0.6) of
  each row's features by the same features of other random rows of the batch (a draw from
  the empirical marginal of each feature).
* text: ``crop+mask:ratio=0.15`` (a random span of the tokens, then 15% of them hidden).
"""

from __future__ import annotations

import torch
from torch import Tensor

from randquant.augment.base import BatchAugmentation, Compose, check_probability
from randquant.augment.crop import RandomCrop
from randquant.augment.draws import random_subset, uniform
from randquant.augment.generic import RandomMask


class Scarf(BatchAugmentation):
    """``tab_scarf``: SCARF feature corruption from the batch's marginals."""

    name = "tab_scarf"
    layouts = ("vector",)

    def __init__(self, *, layout: str = "vector", ratio: float = 0.6) -> None:
        super().__init__(layout=layout)
        self.ratio = check_probability("ratio", ratio)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, f = x.shape
        corrupt = random_subset(n, f, round(self.ratio * f), generator, x)
        donor = (uniform((n, f), generator, x) * n).long().clamp_max(n - 1)
        return torch.where(corrupt, x.gather(0, donor), x)


def tabular_specific(*, layout: str = "vector") -> Compose:
    """``tab_scarf``."""
    return Compose([Scarf(layout=layout)])


def text_specific(*, layout: str = "tokens") -> Compose:
    """``crop+mask:ratio=0.15`` on token ids."""
    return Compose([RandomCrop(layout=layout), RandomMask(layout=layout, ratio=0.15)])
