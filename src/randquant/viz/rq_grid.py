"""An image before and after RQ at several bin counts (the README's picture)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from randquant.io import write_bytes_atomic
from randquant.ops import randomized_quantization
from randquant.viz.image_file import encode_as


def sample_photo() -> np.ndarray:  # type: ignore[type-arg]
    """A real colour photo shipped inside scikit-learn (``china.jpg``), ``(H, W, 3)`` uint8."""
    try:
        from sklearn.datasets import load_sample_image
    except ImportError as e:
        raise RuntimeError(
            "the default photo comes from scikit-learn: pip install scikit-learn, "
            "or pass --image PATH"
        ) from e
    return np.asarray(load_sample_image("china.jpg"))


def load_image(path: Path) -> np.ndarray:  # type: ignore[type-arg]
    """An image file as ``(H, W, 3)`` uint8, read at its bit depth (16-bit and float images
    scaled, not saturated; see :mod:`randquant.data.image_file`); ``ValueError`` naming the
    file if unreadable, too large or of an unsupported mode."""
    from randquant.data.image_file import read_image

    rgb = read_image(path)
    lo, hi = float(rgb.min()), float(rgb.max())
    if lo < 0.0 or hi > 1.0:  # a float image beyond [0, 1]: shown over its own range
        rgb = (rgb - lo) / (hi - lo) if hi > lo else np.zeros_like(rgb)
    return np.round(rgb * 255.0).astype(np.uint8)


def quantized_versions(
    image: np.ndarray,  # type: ignore[type-arg]
    bins: Sequence[int],
    *,
    seed: int = 0,
    proxy: str = "random",
) -> list[np.ndarray]:  # type: ignore[type-arg]
    """RQ of a ``(H, W, 3)`` uint8 image at each bin count (channels = RGB), same dtype."""
    x = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).permute(2, 0, 1)
    out = []
    for n in bins:
        g = torch.Generator().manual_seed(seed)
        y = randomized_quantization(x, n, channel_dim=0, batch_dim=None, proxy=proxy, generator=g)
        out.append(y.permute(1, 2, 0).numpy())
    return out


def save_rq_grid(
    image: np.ndarray,  # type: ignore[type-arg]
    output: Path,
    *,
    bins: Sequence[int] = (2, 4, 8, 16),
    seed: int = 0,
    title: str | None = None,
) -> Path:
    """Write a picture (format from the suffix: PNG, JPEG, ...): the original beside RQ at
    each bin count."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    versions = quantized_versions(image, bins, seed=seed)
    fig, axes = plt.subplots(1, len(bins) + 1, figsize=(3.2 * (len(bins) + 1), 3.0))
    for ax, img, label in zip(
        axes, [image, *versions], ["original", *[f"RQ, {n} bins" for n in bins]], strict=True
    ):
        ax.imshow(img)
        ax.set_title(label)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(output, encode_as(buf.getvalue(), output))  # the suffix's format
    return output
