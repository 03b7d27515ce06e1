"""Which axis is the channel axis, per layout, and views that put it second.

A *channel* is what RQ quantises independently (see :mod:`randquant.data.base`):
``sequence``/``image`` -> dim 1, ``points`` -> the last dim (xyz), ``vector`` -> the whole sample
is one group, ``embedding`` (``(N, L, D)`` tokens inside a transformer) -> the last dim.
"""

from __future__ import annotations

from torch import Tensor

#: The layout's default modality when the dataset does not name one.
DEFAULT_MODALITY: dict[str, str] = {
    "sequence": "sensor",
    "image": "image",
    "points": "points",
    "vector": "tabular",
    "tokens": "text",
}


def to_ncm(x: Tensor, layout: str) -> Tensor:
    """View ``x`` as ``(N, C, M)``: channels second, every other axis flattened into ``M``.

    ``vector`` batches become ``(N, 1, F)`` (the whole sample is one channel).
    """
    n = x.shape[0]
    if layout in ("sequence", "image"):
        return x.reshape(n, x.shape[1], -1)
    if layout in ("points", "embedding"):
        return x.transpose(1, 2)
    if layout == "vector":
        return x.reshape(n, 1, -1)
    raise ValueError(f"layout {layout!r} has no channel axis (tokens are integer ids)")


def from_ncm(y: Tensor, layout: str, shape: tuple[int, ...]) -> Tensor:
    """Undo :func:`to_ncm`: turn an ``(N, C, M)`` tensor back into a batch of ``shape``."""
    if layout in ("points", "embedding"):
        return y.transpose(1, 2).reshape(shape)
    return y.reshape(shape)


def channel_dim(layout: str) -> int:
    """The RQ channel axis of a batch of ``layout`` (vector batches are viewed ``(N, 1, F)``)."""
    if layout in ("sequence", "image", "vector"):
        return 1
    if layout in ("points", "embedding"):
        return -1
    if layout == "tokens":
        raise ValueError(
            "RQ cannot run on layout 'tokens': token ids are discrete; apply it to the "
            "embedded tokens with `--rq-on embedding` (rq_on='embedding')"
        )
    raise ValueError(
        f"layout must be one of sequence, image, points, vector, embedding, got {layout!r}"
    )
