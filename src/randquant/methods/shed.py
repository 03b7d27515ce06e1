"""ShED: shuffled-embedding detection (DABS, Tamkin et al. 2021), the transformer path's
second pretraining objective.

A fraction of each sample's embedded tokens swap places (a random cycle among the chosen
positions, so every chosen token really moves); the transformer, through a per-token binary
head, learns which tokens moved. Tokens are shuffled *before* positions are added (see
:mod:`randquant.models.transformer`), so a moved token sits at a position it does not fit.

One view is used (``views.x1``); RQ on embeddings, when the views ask for it, is applied to the
tokens before the shuffle. e-Mix (mixup) is not defined for ShED and is rejected. The features
given to the online classifier are the CLS features of the clean second view (no gradient).

Defaults: AdamW, lr 1e-3 x batch / 256, weight decay 0.05, 15 % of tokens shuffled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from randquant.methods.base import SSLMethod, Views
from randquant.models.transformer import TransformerEncoder

if TYPE_CHECKING:
    pass

#: Default optimiser, learning rate per 256 samples, weight decay.
OPTIMIZER = "adamw"
BASE_LR = 1e-3
WEIGHT_DECAY = 0.05
#: Fraction of the (non-padding) tokens of each sample that are shuffled.
SHUFFLE_FRACTION = 0.15


def shuffle_tokens(
    tokens: Tensor,
    *,
    fraction: float,
    generator: torch.Generator | None = None,
    pad_mask: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Move ``round(fraction * valid)`` tokens of each sample (at least 2) along a random cycle.

    Args:
        tokens: ``(N, L, D)`` embedded tokens.
        fraction: share of each sample's non-padding tokens to move, in ``(0, 1]``.
        generator: source of randomness (on ``tokens``' device).
        pad_mask: ``(N, L)`` bool, True at padding; padding never moves.

    Returns:
        ``(shuffled, moved)``: the tokens and an ``(N, L)`` bool mask of the positions that
        received another position's token. Samples with fewer than 2 valid tokens are unchanged.

    >>> t = torch.arange(10.0).view(1, 10, 1)
    >>> out, moved = shuffle_tokens(t, fraction=0.3, generator=torch.Generator().manual_seed(0))
    >>> int(moved.sum()), sorted(out.flatten().tolist()) == list(range(10))
    (3, True)
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction!r}")
    if tokens.ndim != 3:
        raise ValueError(f"tokens must have shape (N, L, D), got {tuple(tokens.shape)}")
    n, length, dim = tokens.shape
    valid = torch.ones(n, length, dtype=torch.bool, device=tokens.device)
    if pad_mask is not None:
        valid = pad_mask.logical_not()
    n_valid = valid.sum(dim=1, keepdim=True)
    k = (fraction * n_valid).round().long().clamp(min=2).minimum(n_valid)
    k = torch.where(n_valid >= 2, k, torch.zeros_like(k))  # (N, 1)
    scores = torch.rand(n, length, generator=generator, device=tokens.device)
    order = scores.masked_fill(~valid, 2.0).argsort(dim=1)  # valid positions first, random order
    rank = torch.arange(length, device=tokens.device).expand(n, length)
    chosen = rank < k
    nxt = torch.where(rank + 1 < k, rank + 1, torch.zeros_like(rank))
    src_in_order = torch.where(chosen, order.gather(1, nxt), order)
    src = torch.empty_like(order).scatter_(1, order, src_in_order)  # position <- source position
    shuffled = tokens.gather(1, src.unsqueeze(-1).expand(n, length, dim))
    moved = src != torch.arange(length, device=tokens.device)
    return shuffled, moved


@dataclass(frozen=True)
class ShuffleDetection:
    """Per-token ``logits`` ``(N, L)``, targets ``moved`` and ``valid`` (non-padding) masks."""

    logits: Tensor
    moved: Tensor
    valid: Tensor


class ShED(SSLMethod):
    """Shuffled-embedding detection over the transformer encoder (any layout)."""

    name: ClassVar[str] = "shed"
    default_optimizer: ClassVar[str] = OPTIMIZER
    base_lr: ClassVar[float] = BASE_LR
    default_weight_decay: ClassVar[float] = WEIGHT_DECAY

    def build(self, *, shuffle_fraction: float = SHUFFLE_FRACTION) -> None:
        if not isinstance(self.encoder, TransformerEncoder):
            raise ValueError(
                "method 'shed' needs the transformer encoder (--encoder transformer), "
                f"got {type(self.encoder).__name__}"
            )
        if not 0.0 < shuffle_fraction <= 1.0:
            raise ValueError(f"shuffle_fraction must lie in (0, 1], got {shuffle_fraction!r}")
        if self.view_aug.mixup is not None:
            raise ValueError("method 'shed' does not combine with mixup; drop it from the spec")
        self.shuffle_fraction = shuffle_fraction
        dim = self.encoder.out_dim
        self.detector = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, 1))

    @property
    def transformer(self) -> TransformerEncoder:
        """The encoder, typed as the transformer it was checked to be."""
        assert isinstance(self.encoder, TransformerEncoder)
        return self.encoder

    def detect(self, x: Tensor, generator: torch.Generator | None = None) -> ShuffleDetection:
        """Shuffle the embedded tokens of ``x`` and predict, per token, whether it moved."""
        gen = self.generator if generator is None else generator
        rq = self.view_aug.embedding_transform
        # Token ids use 0 for padding (randquant.data.base); padding never moves.
        pad = (x == 0) if not x.dtype.is_floating_point else None
        moved: list[Tensor] = []

        def transform(t: Tensor) -> Tensor:
            if rq is not None:
                t = rq(t, generator=gen)
            out, mask = shuffle_tokens(
                t, fraction=self.shuffle_fraction, generator=gen, pad_mask=pad
            )
            moved.append(mask)
            return out

        feats = self.transformer.forward_features(x, embedding_transform=transform)
        logits = self.detector(feats.tokens).squeeze(-1)
        valid = torch.ones_like(moved[0]) if pad is None else pad.logical_not()
        return ShuffleDetection(logits=logits, moved=moved[0], valid=valid)

    def ssl_loss(self, views: Views) -> tuple[Tensor, Tensor]:
        det = self.detect(views.x1)
        loss = F.binary_cross_entropy_with_logits(
            det.logits[det.valid], det.moved[det.valid].float()
        )
        with torch.no_grad():
            feats = self.encode(self.encoder, views.x2)
        return loss, feats
