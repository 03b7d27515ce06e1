"""MoCo v3 (Chen, Xie, He 2021): a query network with a predictor against a momentum key network.

Defaults follow the paper's ResNet recipe (LARS, lr = 0.6 x batch / 256, weight decay 1e-6,
temperature 1.0, momentum 0.99 rising to 1 on a cosine, projector and predictor 2-layer MLPs
with hidden width 4096 and output 256, the projector ending in a BN without affine). For
transformer encoders the paper's ViT recipe is ``optimizer="adamw"``, ``lr=1.5e-4 x batch/256``,
``weight_decay=0.1``, temperature 0.2: pass those through the config.

The loss is symmetric, ``ctr(q1, k2) + ctr(q2, k1)`` scaled by ``2 T``, with the keys of all
DDP ranks as negatives. e-Mix: the online network sees the mixed first view (soft target over
``k2``), the momentum network the clean one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from torch import Tensor

from randquant.methods.base import Views, check_temperature
from randquant.methods.losses import moco_v3_loss
from randquant.methods.momentum import MomentumMethod

if TYPE_CHECKING:
    pass

#: Default optimiser.
OPTIMIZER = "lars"
#: Learning rate per 256 samples of global batch.
BASE_LR = 0.6
#: Weight decay.
WEIGHT_DECAY = 1e-6
#: Softmax temperature of the contrastive loss.
TEMPERATURE = 1.0
#: Momentum of the key network at step 0 (cosine schedule to 1).
MOMENTUM = 0.99
#: Hidden width of projector and predictor, and the output size.
MLP_HIDDEN_DIM = 4096
PROJ_OUT_DIM = 256


class MoCoV3(MomentumMethod):
    """MoCo v3 over any encoder."""

    name: ClassVar[str] = "moco_v3"
    default_optimizer: ClassVar[str] = OPTIMIZER
    base_lr: ClassVar[float] = BASE_LR
    default_weight_decay: ClassVar[float] = WEIGHT_DECAY
    base_momentum: ClassVar[float] = MOMENTUM

    def build(
        self,
        *,
        temperature: float = TEMPERATURE,
        hidden_dim: int = MLP_HIDDEN_DIM,
        proj_dim: int = PROJ_OUT_DIM,
    ) -> None:
        self.temperature = check_temperature(temperature)
        self.build_momentum(
            hidden_dim=hidden_dim, proj_dim=proj_dim, projector_last_bn=True, bias=False
        )

    def ssl_loss(self, views: Views) -> tuple[Tensor, Tensor]:
        h2, (q1, q2), (k1, k2) = self.branches(views)
        loss = moco_v3_loss(
            q1, q2, k1, k2, temperature=self.temperature, perm=views.perm, lam=views.lam
        )
        return loss, h2
