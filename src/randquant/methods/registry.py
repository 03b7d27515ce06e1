"""Method registry: ``build_method(name, encoder, views, num_classes, cfg)``.

Example::

    >>> sorted(METHODS)
    ['byol', 'moco_v3', 'shed', 'simclr']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import nn

from randquant.config import check_method
from randquant.methods.base import HParams, SSLMethod
from randquant.methods.byol import BYOL
from randquant.methods.moco_v3 import MoCoV3
from randquant.methods.shed import ShED
from randquant.methods.simclr import SimCLR

if TYPE_CHECKING:
    from randquant.augment import ViewAugmentation

METHODS: dict[str, type[SSLMethod]] = {
    "simclr": SimCLR,
    "moco_v3": MoCoV3,
    "byol": BYOL,
    "shed": ShED,
}


def build_method(
    name: str,
    encoder: nn.Module,
    views: ViewAugmentation,
    num_classes: int,
    cfg: HParams,
    **options: Any,
) -> SSLMethod:
    """Build the SSL method ``name`` over ``encoder``; ``options`` go to its constructor
    (e.g. ``temperature=0.2`` or ``hidden_dim=512``)."""
    return METHODS[check_method(name)](encoder, views, num_classes, cfg, **options)
