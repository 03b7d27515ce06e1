"""Fallback "specific" sets for modalities without a canonical augmentation family.

* tabular: SCARF (Bahri et al. 2022), the generic ``scarf`` augmentation
  (:class:`randquant.augment.generic.Scarf`, ``p=0.6``): each feature, with probability 0.6,
  takes its value in another random row of the batch (a draw from the feature's empirical
  marginal). One implementation: on tabular data the ``specific`` arm and the ``scarf`` arm
  make the same views, so a comparison runs one of them (:mod:`randquant.augment.equivalence`).
* text: ``crop+mask:ratio=0.15`` (a random span of the tokens, then 15% of them hidden).
"""

from __future__ import annotations

from randquant.augment.base import Compose
from randquant.augment.crop import RandomCrop
from randquant.augment.generic import RandomMask, Scarf


def tabular_specific(*, layout: str = "vector") -> Compose:
    """``scarf`` (p 0.6)."""
    return Compose([Scarf(layout=layout, p=0.6)])


def text_specific(*, layout: str = "tokens") -> Compose:
    """``crop+mask:ratio=0.15`` on token ids."""
    return Compose([RandomCrop(layout=layout), RandomMask(layout=layout, ratio=0.15)])
