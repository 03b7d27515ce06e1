"""Frozen feature extraction: run an encoder over a tensor in batches, without gradients."""

from __future__ import annotations

import torch
from torch import nn


def extract_features(
    encoder: nn.Module,
    x: torch.Tensor,
    *,
    batch_size: int = 512,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Return ``encoder(x)`` as a float32 CPU tensor ``(N, D)``, computed in eval mode.

    The encoder is moved to ``device`` for the pass and its train/eval mode is restored
    afterwards; ``x`` is sent to ``device`` one batch at a time.

    >>> extract_features(nn.Flatten(), torch.zeros(3, 2, 2), batch_size=2).shape
    torch.Size([3, 4])
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and at least one more, got {tuple(x.shape)}")
    dev = torch.device(device)
    was_training = encoder.training
    encoder.to(dev).eval()
    out: list[torch.Tensor] = []
    try:
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                feats = encoder(x[start : start + batch_size].to(dev))
                out.append(feats.reshape(feats.shape[0], -1).float().cpu())
    finally:
        encoder.train(was_training)
    if not out:
        raise ValueError("x is empty: nothing to extract features from")
    return torch.cat(out)
