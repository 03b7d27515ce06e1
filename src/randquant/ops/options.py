"""Validation of RQ options and the mapping from a tensor to its groups.

A *group* is one channel of one sample. Internally every input is looked at as a
``(B, C, M)`` view: sample axis first, channel axis second, every other axis flattened.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

Spacing = Literal["random", "uniform"]
Proxy = Literal["random", "middle"]
Backend = Literal["auto", "numba", "torch"]
SPACINGS: tuple[str, ...] = ("random", "uniform")
PROXIES: tuple[str, ...] = ("random", "middle")
BACKENDS: tuple[str, ...] = ("auto", "numba", "torch")

# Small integers and half types are computed in float32 (exact for their values); 32/64-bit
# integers need float64 to keep their values (exact up to 2**53).
_COMPUTE_DTYPE: dict[torch.dtype, torch.dtype] = {
    torch.bool: torch.float32,
    torch.uint8: torch.float32,
    torch.int8: torch.float32,
    torch.int16: torch.float32,
    torch.int32: torch.float64,
    torch.int64: torch.float64,
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
    torch.float32: torch.float32,
    torch.float64: torch.float64,
}


def check_options(*, num_bins: int, p: float, spacing: str, proxy: str) -> None:
    """Raise ``ValueError`` naming the first bad option."""
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ValueError(f"num_bins must be an integer >= 1, got {num_bins!r}")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    if spacing not in SPACINGS:
        raise ValueError(f"spacing must be one of {SPACINGS}, got {spacing!r}")
    if proxy not in PROXIES:
        raise ValueError(f"proxy must be one of {PROXIES}, got {proxy!r}")


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")


def check_dim_options(channel_dim: int, batch_dim: int | None) -> None:
    """Type checks that need no tensor (done in ``__init__``)."""
    if isinstance(channel_dim, bool) or not isinstance(channel_dim, int):
        raise ValueError(f"channel_dim must be an int, got {channel_dim!r}")
    if batch_dim is not None and (isinstance(batch_dim, bool) or not isinstance(batch_dim, int)):
        raise ValueError(f"batch_dim must be an int or None, got {batch_dim!r}")
    if batch_dim is not None and channel_dim == batch_dim:
        raise ValueError(f"channel_dim and batch_dim must differ, both are {channel_dim}")


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The float dtype RQ computes in for an input of ``dtype``."""
    try:
        return _COMPUTE_DTYPE[dtype]
    except KeyError:
        supported = ", ".join(str(d).removeprefix("torch.") for d in _COMPUTE_DTYPE)
        raise TypeError(
            f"randomized_quantization does not support dtype {dtype}; supported: {supported}"
        ) from None


def check_input(x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    compute_dtype(x.dtype)
    return x


def resolve_dims(ndim: int, channel_dim: int, batch_dim: int | None) -> tuple[int, int | None]:
    """Normalise negative axes; ``ValueError`` when out of range or equal."""
    check_dim_options(channel_dim, batch_dim)
    need = 1 if batch_dim is None else 2
    if ndim < need:
        raise ValueError(
            f"x has {ndim} dims but needs at least {need} "
            f"(channel_dim={channel_dim}, batch_dim={batch_dim})"
        )
    if not -ndim <= channel_dim < ndim:
        raise ValueError(f"channel_dim={channel_dim} is out of range for a {ndim}-d input")
    c = channel_dim % ndim
    if batch_dim is None:
        return c, None
    if not -ndim <= batch_dim < ndim:
        raise ValueError(f"batch_dim={batch_dim} is out of range for a {ndim}-d input")
    b = batch_dim % ndim
    if b == c:
        raise ValueError(
            f"channel_dim={channel_dim} and batch_dim={batch_dim} name the same axis of a "
            f"{ndim}-d input"
        )
    return c, b


def group_view(x: torch.Tensor, channel_dim: int, batch_dim: int | None) -> torch.Tensor:
    """``x`` as ``(B, C, M)``: a view whenever the layout allows, else a copy."""
    c, b = resolve_dims(x.ndim, channel_dim, batch_dim)
    if b is None:
        x, c, b = x.unsqueeze(0), c + 1, 0
    moved = x.movedim((b, c), (0, 1))
    return moved.reshape(moved.shape[0], moved.shape[1], math.prod(moved.shape[2:]))


def group_shape(x: torch.Tensor, channel_dim: int, batch_dim: int | None) -> tuple[int, ...]:
    """``(B, C)``, or ``(C,)`` for a single sample."""
    c, b = resolve_dims(x.ndim, channel_dim, batch_dim)
    return (x.shape[c],) if b is None else (x.shape[b], x.shape[c])
