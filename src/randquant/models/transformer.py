"""The domain-agnostic transformer (DABS style): a per-modality embedding, one shared encoder.

``x -> embedding (N, L, D) -> embedding_transform -> + positions -> [CLS] + tokens ->
pre-norm blocks -> final LayerNorm -> CLS``.

``embedding_transform`` (e.g. RQ with ``channel_dim=-1``: the embedding dimensions are the
channels) is applied to the embedded tokens *before* positional embeddings are added and before
the CLS token is prepended: the augmentation perturbs the content of each token, never its
position or the learned CLS vector. Padding tokens (``tokens`` layout, id 0) are embedded as
zero vectors; the transform sees them, but attention ignores them.

Parameter counts at width 64 (depth 4, 4 heads, MLP ratio 4): 200,128 for CLS, blocks and final
norm, plus the embedding: 204,352 in all for 1x28x28 images, 204,160 for (6, 100) sequences,
208,960 for point sets, 202,688 for 20 tabular features, 220,800 for 64 byte tokens
(vocabulary 259). Width 128: about 0.80-0.83 M.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from randquant.models.base import EmbeddingTransform, Encoder, transform_tokens
from randquant.models.embeddings import TokenEmbedding, build_embedding


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim)
        )

    def forward(self, x: Tensor, attend: Tensor | None = None) -> Tensor:
        """``x`` ``(N, L, D)``; ``attend`` ``(N, 1, 1, L)`` bool, True where a key is visible."""
        n, length, dim = x.shape
        qkv = self.qkv(self.norm1(x)).view(n, length, 3, self.heads, dim // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
        x = x + self.proj(att.transpose(1, 2).reshape(n, length, dim))
        out: Tensor = x + self.mlp(self.norm2(x))
        return out


@dataclass(frozen=True)
class TransformerOutput:
    """``cls`` ``(N, D)`` features; ``tokens`` ``(N, L, D)`` final-norm outputs of the embedded
    tokens (CLS excluded, in input order); ``pad_mask`` ``(N, L)`` True at padding, or None."""

    cls: Tensor
    tokens: Tensor
    pad_mask: Tensor | None


class TransformerEncoder(Encoder):
    """Embedding module + shared pre-norm transformer; output = final-norm CLS token.

    >>> from randquant.models.embeddings import FeatureEmbedding
    >>> enc = TransformerEncoder(embedding=FeatureEmbedding(num_features=5, dim=32), dim=32)
    >>> enc(torch.randn(3, 5), embedding_transform=lambda t: t * 2).shape
    torch.Size([3, 32])
    """

    name = "transformer"

    def __init__(
        self,
        *,
        embedding: TokenEmbedding,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_ratio: int = 4,
    ) -> None:
        if dim < 1 or heads < 1 or dim % heads:
            raise ValueError(
                f"dim must be a positive multiple of heads, got dim={dim}, heads={heads}"
            )
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        if mlp_ratio < 1:
            raise ValueError(f"mlp_ratio must be >= 1, got {mlp_ratio}")
        super().__init__(out_dim=dim)
        self.embedding = embedding
        self.cls_token = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, 1, dim), std=0.02))
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    @classmethod
    def for_layout(
        cls,
        layout: str,
        sample_shape: tuple[int, ...],
        meta: Mapping[str, Any] | None = None,
        *,
        width: int = 64,
        depth: int = 4,
        heads: int = 4,
    ) -> TransformerEncoder:
        """The transformer with the embedding module of ``layout`` (see ``embeddings``)."""
        embedding = build_embedding(layout, sample_shape, meta or {}, width)
        return cls(embedding=embedding, dim=width, depth=depth, heads=heads)

    def check_input(self, x: Tensor) -> None:
        """Delegated to the embedding module (it knows the layout)."""
        self.embedding.check_input(x)

    def encode(self, x: Tensor) -> Tensor:
        """CLS features of a checked input, without an embedding transform."""
        return self.forward_features(x).cls

    def forward(self, x: Tensor, embedding_transform: EmbeddingTransform | None = None) -> Tensor:
        """CLS features ``(N, out_dim)``; ``embedding_transform`` acts on tokens ``(N, L, D)``."""
        return self.forward_features(x, embedding_transform).cls

    def forward_features(
        self, x: Tensor, embedding_transform: EmbeddingTransform | None = None
    ) -> TransformerOutput:
        """CLS and per-token outputs (per-token heads such as ShED read ``tokens``)."""
        self.check_input(x)
        emb = self.embedding(x)
        tokens = emb.tokens
        if embedding_transform is not None:
            tokens = transform_tokens(embedding_transform, tokens)
        if emb.pos is not None:
            tokens = tokens + emb.pos
        n = tokens.shape[0]
        h = torch.cat([self.cls_token.expand(n, -1, -1).to(tokens.dtype), tokens], dim=1)
        attend = None
        if emb.pad_mask is not None:
            keep = torch.cat([emb.pad_mask.new_zeros(n, 1), emb.pad_mask], dim=1).logical_not()
            attend = keep[:, None, None, :]
        for block in self.blocks:
            h = block(h, attend)
        h = self.norm(h)
        return TransformerOutput(cls=h[:, 0], tokens=h[:, 1:], pad_mask=emb.pad_mask)

    def extra_repr(self) -> str:
        return f"out_dim={self.out_dim}, depth={len(self.blocks)}"
