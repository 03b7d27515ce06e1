"""BYOL (Grill et al. 2020): an online network predicts a momentum target network's projection.

Defaults follow the paper (LARS, lr = 0.2 x batch / 256, weight decay 1.5e-6, target momentum
0.996 rising to 1 on a cosine, projector and predictor Linear-BN-ReLU-Linear with hidden width
4096 and output 256).

The loss is symmetric: ``l(p1, z2') + l(p2, z1')`` with ``l = 2 - 2 cos``. e-Mix: the online
network sees the mixed first view and regresses both targets weighted by ``lam``; the target
network sees the clean view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from torch import Tensor

from randquant.methods.base import Views
from randquant.methods.losses import byol_loss
from randquant.methods.momentum import MomentumMethod

if TYPE_CHECKING:
    pass

#: Default optimiser.
OPTIMIZER = "lars"
#: Learning rate per 256 samples of global batch.
BASE_LR = 0.2
#: Weight decay.
WEIGHT_DECAY = 1.5e-6
#: Momentum of the target network at step 0 (cosine schedule to 1).
MOMENTUM = 0.996
#: Hidden width of projector and predictor, and the projection size.
MLP_HIDDEN_DIM = 4096
PROJ_OUT_DIM = 256


class BYOL(MomentumMethod):
    """BYOL over any encoder."""

    name: ClassVar[str] = "byol"
    default_optimizer: ClassVar[str] = OPTIMIZER
    base_lr: ClassVar[float] = BASE_LR
    default_weight_decay: ClassVar[float] = WEIGHT_DECAY
    base_momentum: ClassVar[float] = MOMENTUM

    def build(self, *, hidden_dim: int = MLP_HIDDEN_DIM, proj_dim: int = PROJ_OUT_DIM) -> None:
        self.build_momentum(hidden_dim=hidden_dim, proj_dim=proj_dim)

    def ssl_loss(self, views: Views) -> tuple[Tensor, Tensor]:
        h2, (p1, p2), (z1, z2) = self.branches(views)
        loss = byol_loss(p1, z2, perm=views.perm, lam=views.lam) + byol_loss(p2, z1)
        return loss, h2
