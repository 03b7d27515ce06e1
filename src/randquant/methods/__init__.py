"""SSL methods (SimCLR, MoCo v3, BYOL, ShED) on a shared Lightning base, and their losses.

The names below load lazily: ``randquant.methods.losses`` and ``randquant.methods.optim`` need
only torch, and importing them does not import Lightning; the methods themselves do.

>>> from randquant.methods import build_method  # imports Lightning here
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from randquant.methods.base import SSLMethod, Views
    from randquant.methods.byol import BYOL
    from randquant.methods.moco_v3 import MoCoV3
    from randquant.methods.registry import METHODS, build_method
    from randquant.methods.simclr import SimCLR

_HOMES = {
    "SSLMethod": "base",
    "Views": "base",
    "BYOL": "byol",
    "MoCoV3": "moco_v3",
    "SimCLR": "simclr",
    "METHODS": "registry",
    "build_method": "registry",
}

__all__ = ["BYOL", "METHODS", "MoCoV3", "SSLMethod", "SimCLR", "Views", "build_method"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"randquant.methods.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'randquant.methods' has no attribute {name!r}")
