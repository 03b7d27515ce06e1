"""The momentum (target) network shared by MoCo v3 and BYOL.

:class:`MomentumMethod` keeps an exponential moving average of the online encoder and projector.
After every optimizer step the target is updated as ``t = m * t + (1 - m) * online``, with
``m`` rising from ``base_momentum`` to 1 on a cosine over the run (BYOL; MoCo v3's
``--moco-m-cos``). The target gets no gradient and is never seen by the optimiser.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from randquant.methods.base import SSLMethod
from randquant.methods.optim import cosine_momentum


class MomentumMethod(SSLMethod):
    """An :class:`SSLMethod` with a momentum copy of ``encoder`` and ``projector``.

    Subclasses build ``self.projector`` and then call :meth:`init_target`.
    """

    #: Momentum at step 0 (set by each method).
    base_momentum: ClassVar[float] = 0.99
    projector: nn.Module

    def init_target(self) -> None:
        """Create the target encoder and projector as frozen copies of the online ones."""
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
