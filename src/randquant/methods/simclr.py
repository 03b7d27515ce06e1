"""SimCLR (Chen et al. 2020): NT-Xent between the projections of two views.

Defaults follow the paper (LARS, lr = 0.3 x batch / 256, weight decay 1e-6, temperature 0.1,
projector Linear-BN-ReLU-Linear to 128 dims); the hidden width is 2048 (the paper uses the
encoder width, 2048 for ResNet-50).

e-Mix: the mixed first view is contrasted against the second view's projections with the soft
target (``lam`` on the sample, ``1 - lam`` on its mixing partner), i-Mix's N-pair form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from torch import Tensor

from randquant.methods.base import SSLMethod, Views, check_temperature
from randquant.methods.losses import info_nce, nt_xent
from randquant.models.heads import projection_head

if TYPE_CHECKING:
    pass

#: Default optimiser.
OPTIMIZER = "lars"
#: Learning rate per 256 samples of global batch.
BASE_LR = 0.3
#: Weight decay.
WEIGHT_DECAY = 1e-6
#: Softmax temperature of NT-Xent.
TEMPERATURE = 0.1
#: Projector hidden width and output size.
PROJ_HIDDEN_DIM = 2048
PROJ_OUT_DIM = 128


class SimCLR(SSLMethod):
    """SimCLR over any encoder: ``projector(encoder(view))`` compared with NT-Xent."""

    name: ClassVar[str] = "simclr"
    default_optimizer: ClassVar[str] = OPTIMIZER
    base_lr: ClassVar[float] = BASE_LR
    default_weight_decay: ClassVar[float] = WEIGHT_DECAY

    def build(
        self,
        *,
        temperature: float = TEMPERATURE,
        hidden_dim: int = PROJ_HIDDEN_DIM,
        proj_dim: int = PROJ_OUT_DIM,
    ) -> None:
        self.temperature = check_temperature(temperature)
        self.projector = projection_head(self.feature_dim, hidden_dim=hidden_dim, out_dim=proj_dim)

    def ssl_loss(self, views: Views) -> tuple[Tensor, Tensor]:
        h1 = self.encode_query(self.encoder, views)
        h2 = self.encode(self.encoder, views.x2)
        z1, z2 = self.projector(h1), self.projector(h2)
        if views.perm is None:
            loss = nt_xent(z1, z2, temperature=self.temperature)
        else:
            loss = info_nce(z1, z2, temperature=self.temperature, perm=views.perm, lam=views.lam)
        return loss, h2
