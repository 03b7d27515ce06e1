"""The momentum (target) network shared by MoCo v3 and BYOL.

:class:`MomentumMethod` keeps an exponential moving average of the online encoder and projector.
After every optimizer step the target is updated as ``t = m * t + (1 - m) * online``, with
``m`` rising from ``base_momentum`` to 1 on a cosine over the run (BYOL; MoCo v3's
``--moco-m-cos``). The target gets no gradient and is never seen by the optimiser.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor

from randquant.methods.base import SSLMethod, Views
from randquant.methods.optim import cosine_momentum
from randquant.models.heads import prediction_head, projection_head

if TYPE_CHECKING:
    pass


class MomentumMethod(SSLMethod):
    """An :class:`SSLMethod` with a projector, a predictor, and a momentum copy of ``encoder``
    and ``projector``.

    A subclass's ``build`` calls :meth:`build_momentum` with:

        hidden_dim: hidden width of projector and predictor.
        proj_dim: projection size.
        projector_last_bn: end the projector with a BN without affine (MoCo v3).
        bias: whether the head's linear layers have biases (MoCo v3: no).
    """

    #: Momentum at step 0 (set by each method).
    base_momentum: ClassVar[float] = 0.99

    def build_momentum(
        self,
        *,
        hidden_dim: int,
        proj_dim: int,
        projector_last_bn: bool = False,
        bias: bool = True,
    ) -> None:
        """Add the projector, the predictor and the momentum copies (called by ``build``)."""
        self.projector = projection_head(
            self.feature_dim,
            hidden_dim=hidden_dim,
            out_dim=proj_dim,
            last_bn=projector_last_bn,
            bias=bias,
        )
        self.predictor = prediction_head(proj_dim, hidden_dim=hidden_dim, bias=bias)
        self.target_encoder = copy.deepcopy(self.encoder)
        self.target_projector = copy.deepcopy(self.projector)
        for p in [*self.target_encoder.parameters(), *self.target_projector.parameters()]:
            p.requires_grad_(False)
        self._last_update_step = -1

    def target_embed(self, x: Tensor) -> Tensor:
        """Target projections of ``x`` (no gradient)."""
        with torch.no_grad():
            out: Tensor = self.target_projector(self.encode(self.target_encoder, x))
        return out

    def branches(self, views: Views) -> tuple[Tensor, tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
        """``(h2, (p1, p2), (t1, t2))``: the online features of view 2, the online predictions of
        both views (view 1 mixed under e-Mix) and the target projections of the clean views."""
        h1 = self.encode_query(self.encoder, views)
        h2 = self.encode(self.encoder, views.x2)
        p1 = self.predictor(self.projector(h1))
        p2 = self.predictor(self.projector(h2))
        return h2, (p1, p2), (self.target_embed(views.x1), self.target_embed(views.x2))

    def current_momentum(self) -> float:
        """Momentum for the current optimizer step."""
        return cosine_momentum(
            int(self.global_step), total_steps=self.total_steps(), base=self.base_momentum
        )

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        """``target = momentum * target + (1 - momentum) * online`` for weights and buffers."""
        pairs = ((self.encoder, self.target_encoder), (self.projector, self.target_projector))
        for online, target in pairs:
            for po, pt in zip(online.parameters(), target.parameters(), strict=True):
                pt.mul_(momentum).add_(po.detach(), alpha=1.0 - momentum)
            for bo, bt in zip(online.buffers(), target.buffers(), strict=True):
                bt.copy_(bo)

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        # Update once per optimizer step (gradient accumulation skips steps).
        step = int(self.global_step)
        if step != self._last_update_step:
            self._last_update_step = step
            if step > 0:
                self.update_target(self.current_momentum())
