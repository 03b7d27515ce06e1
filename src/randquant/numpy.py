"""The numpy twin of the RQ op: numpy arrays in and out, randomness from numpy.

Use it where a pipeline is numpy end to end (e.g. inside a DataLoader worker)::

    from randquant import numpy as rqnp
    y = rqnp.randomized_quantization(a, num_bins=8, rng=0)   # a: (C, H, W) or (N, C, H, W)

It runs the same kernels as the torch op (the array is shared with torch through
``torch.from_numpy``, no copy) and takes the same options (:class:`RQOptions`); only the random
fractions come from a ``numpy.random.Generator``, drawn in the torch sampler's order. Given the
same params, results are bit-identical to the torch op.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from randquant.ops import functional
from randquant.ops import params as torch_params
from randquant.ops.options import RQOptions, compute_dtype
from randquant.ops.sampler import draw_params

Array = np.ndarray[Any, Any]

__all__ = ["QuantizationParams", "RQOptions", "apply", "randomized_quantization", "sample_params"]


@dataclass(frozen=True)
class QuantizationParams:
    """Numpy counterpart of :class:`randquant.QuantizationParams` (same fields and shapes)."""

    edges: Array
    proxies: Array
    applied: Array


def _as_tensor(a: object) -> torch.Tensor:
    """``a`` as a CPU tensor sharing its memory (a copy only where torch cannot share it)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"a must be a numpy.ndarray, got {type(a).__name__}")
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if any(s < 0 or s % a.itemsize for s in a.strides):
        a = a.copy()  # torch.from_numpy takes no negative or unaligned strides
    with warnings.catch_warnings():  # a read-only array is only read
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        try:
            t = torch.from_numpy(a)
        except TypeError:
            raise TypeError(f"randquant.numpy does not support dtype {a.dtype}") from None
    compute_dtype(t.dtype)
    return t


def _unmask(a: object) -> tuple[object, Array | None]:
    """A masked array as a plain one with NaN where masked (so masked values neither set the
    range nor get quantized), and its mask; other input unchanged, mask None.

    Integer and bool masked arrays have no NaN to stand for a masked value: ``TypeError``."""
    if not isinstance(a, np.ma.MaskedArray):
        return a, None
    mask = np.ma.getmaskarray(a)  # type: ignore[no-untyped-call]
    data = np.asarray(a.data)
    if not mask.any():
        return data, None
    if data.dtype.kind != "f":
        raise TypeError(
            f"a is a masked array of dtype {data.dtype} with {int(mask.sum())} masked values; "
            "masks are honoured for float arrays only (masked values are left out like NaN): "
            "pass a.astype(np.float32), or a.filled(value) to quantize the filled values"
        )
    return np.where(mask, np.array(np.nan, data.dtype), data), mask


def _remask(y: Array, a: object, mask: Array | None) -> Array:
    """``y`` with ``a``'s masked values and mask put back (a plain array when no mask)."""
    if mask is None or not isinstance(a, np.ma.MaskedArray):
        return y
    out: Array = np.ma.MaskedArray(  # type: ignore[no-untyped-call]
        np.where(mask, a.data, y), mask=mask, fill_value=a.fill_value
    )
    return out


def _generator(rng: object) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    what = "rng must be a numpy.random.Generator, an int seed >= 0 or None"
    if isinstance(rng, np.random.RandomState):
        raise TypeError(f"{what}, got a RandomState: pass np.random.default_rng(seed) instead")
    if isinstance(rng, bool):
        raise TypeError(f"{what}, got {rng!r}")
    try:
        return np.random.default_rng(rng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{what}, got {rng!r}") from None


def _to_torch(params: object) -> torch_params.QuantizationParams:
    if not isinstance(params, QuantizationParams):
        raise TypeError(
            f"params must be randquant.numpy.QuantizationParams, got {type(params).__name__}"
        )
    edges, proxies = np.asarray(params.edges), np.asarray(params.proxies)
    return torch_params.QuantizationParams(
        torch.from_numpy(edges), torch.from_numpy(proxies), torch.from_numpy(params.applied)
    )


def sample_params(
    a: Array,
    num_bins: int | None = None,
    *,
    rng: np.random.Generator | int | None = None,
    options: RQOptions | None = None,
    **kwargs: Any,
) -> QuantizationParams:
    """Draw edges, proxies and the apply mask for ``a``, fractions from ``rng``.

    ``rng``: a ``numpy.random.Generator``, an int seed (``np.random.default_rng(seed)``), or
    None for fresh entropy. Options as in :func:`randquant.randomized_quantization`.
    """
    opts = RQOptions.build(options, num_bins, **kwargs)
    x = _as_tensor(_unmask(a)[0])
    gen = _generator(rng)

    def draw(shape: tuple[int, ...], dtype: torch.dtype | None) -> torch.Tensor:
        np_dtype = np.float32 if dtype == torch.float32 else np.float64
        return torch.from_numpy(gen.random(shape, dtype=np_dtype))

    p = draw_params(x, opts, draw)
    return QuantizationParams(p.edges.numpy(), p.proxies.numpy(), p.applied.numpy())


def apply(
    a: Array,
    params: QuantizationParams,
    *,
    options: RQOptions | None = None,
    **kwargs: Any,
) -> Array:
    """Quantize ``a`` with ``params``; deterministic, output dtype and shape equal ``a``'s.

    A float ``numpy.ma.MaskedArray`` comes back masked: its masked values are left out of the
    range and returned unchanged (an integer one with masked values is refused)."""
    opts = RQOptions.build(options, **kwargs)
    plain, mask = _unmask(a)
    x = _as_tensor(plain)
    tp = _to_torch(params)
    cdtype = compute_dtype(x.dtype)
    tp = torch_params.QuantizationParams(tp.edges.to(cdtype), tp.proxies.to(cdtype), tp.applied)
    y: Array = functional.apply_quantization(x, tp, options=opts).numpy()
    return _remask(y, a, mask)


def randomized_quantization(
    a: Array,
    num_bins: int | None = None,
    *,
    rng: np.random.Generator | int | None = None,
    options: RQOptions | None = None,
    **kwargs: Any,
) -> Array:
    """Randomized Quantization of ``a``; see :func:`randquant.randomized_quantization`."""
    opts = RQOptions.build(options, num_bins, **kwargs)
    return apply(a, sample_params(a, rng=rng, options=opts), options=opts)
