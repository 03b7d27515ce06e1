"""Small batches of every layout for the augmentation tests."""

from __future__ import annotations

import torch

LAYOUT_SHAPES: dict[str, tuple[int, ...]] = {
    "sequence": (6, 4, 40),
    "image": (6, 3, 16, 16),
    "points": (6, 64, 3),
    "vector": (6, 12),
    "tokens": (6, 20),
}


def make_batch(layout: str, *, dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    """A random batch of ``layout``; tokens have a padded tail of zeros."""
    g = torch.Generator().manual_seed(1000 + seed)
    shape = LAYOUT_SHAPES[layout]
    if layout == "tokens":
        x = torch.randint(1, 50, shape, generator=g)
        lengths = torch.tensor([20, 15, 10, 8, 5, 20])
        return x.masked_fill(torch.arange(shape[1]) >= lengths[:, None], 0)
    x = torch.randn(shape, generator=g)
    if layout == "image":
        x = torch.rand(shape, generator=g)
    return x.to(dtype)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
