"""The numpy twin of the RQ op: same semantics, randomness from a ``numpy.random.Generator``.

Use it where a pipeline is numpy end to end (e.g. inside a DataLoader worker)::

    from randquant import numpy as rqnp
    y = rqnp.randomized_quantization(a, num_bins=8, channel_dim=1, batch_dim=0, rng=rng)

Given the same :class:`QuantizationParams` (as arrays), :func:`apply` gives bit-identical
results to the torch op.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from randquant.ops.options import check_options, resolve_dims

Array = np.ndarray[Any, Any]

__all__ = ["QuantizationParams", "apply", "randomized_quantization", "sample_params"]

_COMPUTE: dict[np.dtype[Any], Any] = {
    np.dtype(np.bool_): np.float32,
    np.dtype(np.uint8): np.float32,
    np.dtype(np.int8): np.float32,
    np.dtype(np.int16): np.float32,
    np.dtype(np.int32): np.float64,
    np.dtype(np.int64): np.float64,
    np.dtype(np.float16): np.float32,
    np.dtype(np.float32): np.float32,
    np.dtype(np.float64): np.float64,
}


@dataclass(frozen=True)
class QuantizationParams:
    """Numpy counterpart of :class:`randquant.QuantizationParams` (same fields and shapes)."""

    edges: Array
    proxies: Array
    applied: Array


def _check_array(a: object) -> Array:
    if not isinstance(a, np.ndarray):
        raise TypeError(f"a must be a numpy.ndarray, got {type(a).__name__}")
    if a.dtype not in _COMPUTE:
        raise TypeError(f"randquant.numpy does not support dtype {a.dtype}")
    return a


def _group_view(a: Array, channel_dim: int, batch_dim: int | None) -> Array:
    c, b = resolve_dims(a.ndim, channel_dim, batch_dim)
    if b is None:
        a, c, b = a[None], c + 1, 0
    moved = np.moveaxis(a, (b, c), (0, 1))
    return moved.reshape(moved.shape[0], moved.shape[1], math.prod(moved.shape[2:]))


def _range(a3: Array, cdtype: Any) -> tuple[Array, Array]:
    n_b, n_c, m = a3.shape
    if m == 0:
        nan = np.full((n_b, n_c), np.nan, dtype=cdtype)
        return nan, nan.copy()
    v = a3.astype(cdtype)
    if not np.issubdtype(a3.dtype, np.floating):
        return v.min(-1), v.max(-1)
    finite = np.isfinite(v)
    none = ~finite.any(-1)
    lo = np.where(finite, v, np.inf).min(-1).astype(cdtype)
    hi = np.where(finite, v, -np.inf).max(-1).astype(cdtype)
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi


def _lerp_inside(lo: Array, hi: Array, u: Array) -> Array:
    with np.errstate(over="ignore", invalid="ignore"):
        width = hi - lo
        t = np.where(np.isfinite(width), lo + u * width, lo * (1 - u) + hi * u)
        out: Array = np.minimum(np.maximum(t, lo), hi)
        return out


def sample_params(
    a: Array,
    num_bins: int = 8,
    *,
    channel_dim: int = 1,
    batch_dim: int | None = 0,
    p: float = 1.0,
    spacing: str = "random",
    proxy: str = "random",
    same_on_batch: bool = False,
    rng: np.random.Generator | None = None,
) -> QuantizationParams:
    """Draw edges, proxies and the apply mask for ``a`` (same order of draws as torch)."""
    check_options(num_bins=num_bins, p=p, spacing=spacing, proxy=proxy)
    a = _check_array(a)
    rng = np.random.default_rng() if rng is None else rng
    cdtype = _COMPUTE[a.dtype]
    a3 = _group_view(a, channel_dim, batch_dim)
    n_b, n_c, _ = a3.shape
    lo, hi = _range(a3, cdtype)
    lo, hi = lo[..., None], hi[..., None]
    draw = (1 if same_on_batch else n_b, n_c)
    if spacing == "random":
        u = np.sort(rng.random((*draw, num_bins - 1), dtype=cdtype), axis=-1)
    else:
        u = (np.arange(1, num_bins, dtype=cdtype) / cdtype(num_bins)).astype(cdtype)
    inner = np.sort(_lerp_inside(lo, hi, u), axis=-1)
    inner = np.broadcast_to(inner, (n_b, n_c, num_bins - 1))
    edges = np.concatenate([lo, inner, hi], axis=-1).astype(cdtype)
    if proxy == "random":
        w = rng.random((*draw, num_bins), dtype=cdtype)
    else:
        w = np.full(num_bins, 0.5, dtype=cdtype)
    proxies = _lerp_inside(edges[..., :-1], edges[..., 1:], w).astype(cdtype)
    if p >= 1.0:
        applied = np.ones((n_b, 1), dtype=bool)
    elif p <= 0.0:
        applied = np.zeros((n_b, 1), dtype=bool)
    else:
        applied = rng.random((n_b, 1)) < p
    if batch_dim is None:
        return QuantizationParams(edges[0], proxies[0], applied.reshape(()))
    return QuantizationParams(edges, proxies, applied)


def apply(
    a: Array,
    params: QuantizationParams,
    *,
    channel_dim: int = 1,
    batch_dim: int | None = 0,
) -> Array:
    """Quantize ``a`` with ``params``; deterministic, output dtype and shape equal ``a``'s."""
    a = _check_array(a)
    if a.dtype == np.bool_:
        return apply(
            a.astype(np.uint8), params, channel_dim=channel_dim, batch_dim=batch_dim
        ).astype(np.bool_)
    a3 = _group_view(a, channel_dim, batch_dim)
    n_b, n_c, m = a3.shape
    expect = (n_c,) if batch_dim is None else (n_b, n_c)
    if params.proxies.shape[:-1] != expect:
        raise ValueError(
            f"params were drawn for groups {params.proxies.shape[:-1]} but a has groups {expect}"
        )
    if a.size == 0:
        return a.copy()
    cdtype = _COMPUTE[a.dtype]
    edges = np.asarray(params.edges, dtype=cdtype).reshape(n_b * n_c, -1)
    proxies = np.asarray(params.proxies, dtype=cdtype).reshape(n_b * n_c, -1)
    applied = np.broadcast_to(np.asarray(params.applied).reshape(-1, 1), (n_b, 1))
    v = a3.astype(cdtype).reshape(n_b * n_c, m)
    q = np.empty_like(v)
    for g in range(n_b * n_c):
        q[g] = proxies[g][np.searchsorted(edges[g, 1:-1], v[g], side="right")]
    q3, v3 = q.reshape(n_b, n_c, m), v.reshape(n_b, n_c, m)
    if np.issubdtype(a.dtype, np.floating):
        result = np.where(np.isfinite(v3), q3, v3).astype(a.dtype)
    else:
        result = _integer_output(q3, a3)
    y3 = np.where(applied[:, :, None], result, a3)
    return _ungroup(y3, a, channel_dim, batch_dim)


def _integer_output(q: Array, a3: Array) -> Array:
    r = np.rint(q)
    lo_i, hi_i = a3.min(-1, keepdims=True), a3.max(-1, keepdims=True)
    lo_f, hi_f = lo_i.astype(q.dtype), hi_i.astype(q.dtype)
    inside = (r > lo_f) & (r < hi_f)
    as_int = np.where(inside, r, 0).astype(np.int64)
    out = np.where(r >= hi_f, hi_i, np.where(inside, as_int, lo_i))
    return out.astype(a3.dtype)


def _ungroup(y3: Array, a: Array, channel_dim: int, batch_dim: int | None) -> Array:
    c, b = resolve_dims(a.ndim, channel_dim, batch_dim)
    if b is None:
        moved = np.moveaxis(a[None], (0, c + 1), (0, 1))
        single: Array = np.moveaxis(y3.reshape(moved.shape), (0, 1), (0, c + 1))[0]
        return single
    moved = np.moveaxis(a, (b, c), (0, 1))
    return np.moveaxis(y3.reshape(moved.shape), (0, 1), (b, c))


def randomized_quantization(
    a: Array,
    num_bins: int = 8,
    *,
    channel_dim: int = 1,
    batch_dim: int | None = 0,
    p: float = 1.0,
    spacing: str = "random",
    proxy: str = "random",
    same_on_batch: bool = False,
    rng: np.random.Generator | None = None,
) -> Array:
    """Randomized Quantization of ``a``; see :func:`randquant.randomized_quantization`."""
    params = sample_params(
        a,
        num_bins,
        channel_dim=channel_dim,
        batch_dim=batch_dim,
        p=p,
        spacing=spacing,
        proxy=proxy,
        same_on_batch=same_on_batch,
        rng=rng,
    )
    return apply(a, params, channel_dim=channel_dim, batch_dim=batch_dim)
