"""Optimisers and the learning-rate schedule shared by the SSL methods.

* :class:`LARS` (You et al. 2017) as used by SimCLR, BYOL and MoCo v3: SGD with momentum whose
  update of each weight matrix is scaled by the trust ratio ``eta * ||w|| / ||g + wd * w||``.
  Biases and BatchNorm parameters (1-D tensors) get neither weight decay nor the trust ratio.
* :func:`param_groups` splits a model into those groups (plus a plain group for the online
  classifier) and :func:`build_optimizer` makes LARS or AdamW over them.
* :func:`warmup_cosine` is the schedule: linear warm-up, then cosine decay to zero, per step.

Example::

    >>> import torch
    >>> net = torch.nn.Linear(4, 2)
    >>> opt = build_optimizer("lars", param_groups(net), lr=0.1, weight_decay=1e-6)
    >>> round(warmup_cosine(0, total_steps=10, warmup_steps=2), 2)
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor, nn

from randquant.config import OPTIMIZER_NAMES

OPTIMIZERS: tuple[str, ...] = OPTIMIZER_NAMES
#: Trust coefficient of LARS (MoCo v3 and BYOL use 0.001).
LARS_TRUST_COEFFICIENT = 0.001
#: Momentum of LARS' SGD.
LARS_MOMENTUM = 0.9


class LARS(torch.optim.Optimizer):
    """LARS: SGD + momentum with a layer-wise trust ratio on groups where ``lars=True``.

    Args:
        params: parameters or parameter groups; a group may set ``lars`` (default ``True``)
            and its own ``weight_decay``.
        lr: learning rate.
        weight_decay: L2 weight decay added to the gradient before the trust ratio.
        momentum: SGD momentum.
        trust_coefficient: ``eta`` of the trust ratio.
    """

    def __init__(
        self,
        params: Iterable[Any],
        *,
        lr: float,
        weight_decay: float = 0.0,
        momentum: float = LARS_MOMENTUM,
        trust_coefficient: float = LARS_TRUST_COEFFICIENT,
    ) -> None:
        if not lr >= 0:
            raise ValueError(f"LARS: lr must be >= 0, got {lr!r}")
        if not weight_decay >= 0:
            raise ValueError(f"LARS: weight_decay must be >= 0, got {weight_decay!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"LARS: momentum must lie in [0, 1), got {momentum!r}")
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "trust_coefficient": trust_coefficient,
            "lars": True,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Do one update; ``closure`` re-evaluates the loss (as in :class:`torch.optim.SGD`)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p: Tensor = p.grad
                if group["lars"]:
                    d_p = d_p.add(p, alpha=group["weight_decay"])
                    p_norm, u_norm = torch.norm(p), torch.norm(d_p)
                    one = torch.ones_like(p_norm)
                    ratio = group["trust_coefficient"] * p_norm / u_norm
                    q = torch.where(p_norm > 0, torch.where(u_norm > 0, ratio, one), one)
                    d_p = d_p.mul(q)
                elif group["weight_decay"]:
                    d_p = d_p.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu: Tensor = state["mu"]
                mu.mul_(group["momentum"]).add_(d_p)
                p.add_(mu, alpha=-group["lr"])
        return loss


def param_groups(
    model: nn.Module, *, classifier: nn.Module | None = None, classifier_lr: float | None = None
) -> list[dict[str, Any]]:
    """Trainable parameters of ``model`` split into ``decay`` (>= 2-D) and ``no_decay`` (1-D).

    ``classifier`` (the online linear probe) gets its own group: no weight decay, no LARS,
    and ``classifier_lr`` when given. Its parameters are left out of the other groups.
    """
    skip = {id(p) for p in classifier.parameters()} if classifier is not None else set()
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for p in model.parameters():
        if not p.requires_grad or id(p) in skip:
            continue
        (decay if p.ndim >= 2 else no_decay).append(p)
    groups: list[dict[str, Any]] = [{"params": decay, "name": "decay"}]
    if no_decay:
        groups.append({"params": no_decay, "name": "no_decay", "weight_decay": 0.0, "lars": False})
    if classifier is not None:
        group: dict[str, Any] = {
            "params": [p for p in classifier.parameters() if p.requires_grad],
            "name": "classifier",
            "weight_decay": 0.0,
            "lars": False,
        }
        if classifier_lr is not None:
            group["lr"] = classifier_lr
        groups.append(group)
    return groups


def build_optimizer(
    name: str, groups: list[dict[str, Any]], *, lr: float, weight_decay: float
) -> torch.optim.Optimizer:
    """LARS or AdamW over ``groups`` (from :func:`param_groups`)."""
    if name == "lars":
        return LARS(groups, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        adam_groups = [{k: v for k, v in g.items() if k != "lars"} for g in groups]
        return torch.optim.AdamW(adam_groups, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


def warmup_cosine(step: int, *, total_steps: int, warmup_steps: int) -> float:
    """LR factor at optimizer step ``step``: linear warm-up to 1, then cosine decay to 0."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def cosine_momentum(step: int, *, total_steps: int, base: float) -> float:
    """Momentum of the target encoder: ``base`` at step 0, rising to 1 on a cosine (BYOL)."""
    progress = min(1.0, step / max(1, total_steps))
    return 1.0 - (1.0 - base) * (math.cos(math.pi * progress) + 1.0) / 2.0
