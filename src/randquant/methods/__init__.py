"""SSL methods (SimCLR, MoCo v3, BYOL) on a shared Lightning base, and their losses.

``randquant.methods.losses`` needs only torch; the methods need ``lightning``.
"""

from randquant.methods.base import SSLMethod, Views
from randquant.methods.byol import BYOL
from randquant.methods.moco_v3 import MoCoV3
from randquant.methods.registry import METHODS, build_method
from randquant.methods.simclr import SimCLR

__all__ = ["BYOL", "METHODS", "MoCoV3", "SSLMethod", "SimCLR", "Views", "build_method"]
