"""Helpers shared by the engine and methods tests: an easy dataset, a tiny encoder, views.

The encoder is a local MLP (it has ``out_dim`` like :class:`randquant.models.Encoder`) so these
tests stay fast on 1-2 CPU cores; the views are the real ``build_views``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from randquant.augment import ViewAugmentation, build_views
from randquant.data.base import Dataset, Layout, SplitData
from randquant.engine import PretrainConfig

SMALL_HEADS: dict[str, Any] = {"hidden_dim": 32, "proj_dim": 16}


class TinyEncoder(nn.Module):
    """An MLP encoder ``(N, F) -> (N, out_dim)``."""

    def __init__(self, in_dim: int = 8, out_dim: int = 16) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.net = nn.Sequential(nn.Linear(in_dim, 32), nn.ReLU(), nn.Linear(32, out_dim))

    def forward(
        self, x: Tensor, embedding_transform: Callable[[Tensor], Tensor] | None = None
    ) -> Tensor:
        if embedding_transform is not None:
            raise ValueError("TinyEncoder does not accept embedding_transform")
        out: Tensor = self.net(x)
        return out


def views(spec: str = "noise:sigma=0.3", layout: Layout = "vector", **kw: Any) -> ViewAugmentation:
    """The real view pipeline for ``spec``."""
    return build_views(spec, layout, **kw)


def blobs(n: int = 48, features: int = 8, classes: int = 3, seed: int = 0) -> Dataset:
    """An easy vector dataset: ``classes`` well separated Gaussian blobs."""
    g = torch.Generator().manual_seed(seed)
    centers = 3.0 * torch.randn(classes, features, generator=g)

    def split(m: int) -> SplitData:
        y = torch.arange(m) % classes
        x = centers[y] + 0.5 * torch.randn(m, features, generator=g)
        return SplitData(x.float(), y.long())

    return Dataset(
        name="blobs",
        layout="vector",
        train=split(n),
        test=split(n // 2),
        num_classes=classes,
        class_names=tuple(f"c{i}" for i in range(classes)),
    )


def quick_config(**overrides: Any) -> PretrainConfig:
    """A CPU config for tests: tiny batches, no progress bar, 1 warm-up epoch."""
    base: dict[str, Any] = {
        "epochs": 2,
        "batch_size": 16,
        "warmup_epochs": 1,
        "accelerator": "cpu",
        "progress": False,
        "seed": 0,
    }
    base.update(overrides)
    return PretrainConfig(**base)


def state_of(module: nn.Module) -> dict[str, Tensor]:
    """A detached CPU copy of ``module``'s state dict."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def same_state(a: dict[str, Tensor], b: dict[str, Tensor]) -> bool:
    """Bit-identical state dicts."""
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
