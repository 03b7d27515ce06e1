"""Shared hypothesis strategies and checks for the op's property tests and the fuzz run.

One *case* is an input (every dtype, 1-5 dims, empty, constant, NaN/±inf mixes, extreme
magnitudes, subnormals) laid out in memory in one of several ways (contiguous, permuted,
strided slice, channels_last), plus every option of the op. :func:`check_case` pushes it through
the torch op (numba and torch backends) and the numpy twin and checks what must always hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from randquant import QuantizationParams
from randquant import numpy as rqnp
from randquant.ops import apply_quantization, sample_quantization_params

#: dtype name -> (numpy dtype the values are drawn in, torch dtype of the input)
DTYPES: dict[str, tuple[Any, torch.dtype]] = {
    "bool": (np.bool_, torch.bool),
    "uint8": (np.uint8, torch.uint8),
    "int8": (np.int8, torch.int8),
    "int16": (np.int16, torch.int16),
    "int32": (np.int32, torch.int32),
    "int64": (np.int64, torch.int64),
    "float16": (np.float16, torch.float16),
    "bfloat16": (np.float32, torch.bfloat16),  # drawn as float32, rounded by torch; torch only
    "float32": (np.float32, torch.float32),
    "float64": (np.float64, torch.float64),
}
#: numba reads these directly (half types run on torch whatever the backend)
NUMBA_DTYPES = {"bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"}
LAYOUTS = ("contiguous", "permuted", "strided", "channels_last")


def _float_specials(dtype: Any) -> list[float]:
    info = np.finfo(dtype)
    big, tiny, sub = float(info.max), float(info.tiny), float(info.smallest_subnormal)
    return [0.0, -0.0, 1.0, -1.0, big, -big, big / 2, -big / 3, tiny, -tiny, sub, -sub, 3 * sub]


def elements(name: str) -> st.SearchStrategy[Any]:
    """Values for dtype ``name``: the whole range, its limits, and (floats) NaN/±inf."""
    np_dtype, _ = DTYPES[name]
    if name == "bool":
        return st.booleans()
    if np.issubdtype(np_dtype, np.integer):
        info = np.iinfo(np_dtype)
        lo, hi = int(info.min), int(info.max)
        limits = [lo, lo + 1, hi - 1, hi, 0, -1 if lo < 0 else 1]
        if name == "int64":
            limits += [2**53, 2**53 + 1, -(2**53) - 1]
        return st.one_of(st.sampled_from(limits), st.integers(lo, hi), st.integers(max(lo, -3), 3))
    width = 16 if np_dtype == np.float16 else 32 if np_dtype == np.float32 else 64
    specials = [*_float_specials(np_dtype), float("nan"), float("inf"), float("-inf")]
    if name == "bfloat16":  # bfloat16 spans float32's range with 8 significant bits
        specials += [3.3895313892515355e38, 1.0e38, -1.0e38]
    return st.one_of(
        st.sampled_from(specials),
        st.floats(width=width, allow_nan=True, allow_infinity=True, allow_subnormal=True),
        st.floats(-4.0, 4.0, width=width),
    )


@dataclass(frozen=True)
class Case:
    """One generated input and the op's options."""

    dtype: str
    values: np.ndarray  # the logical values (numpy dtype of DTYPES[dtype][0])
    layout: str
    perm: tuple[int, ...]
    channel_dim: int
    batch_dim: int | None
    num_bins: int
    spacing: str
    proxy: str
    p: float
    same_on_batch: bool
    seed: int
    use_out: bool


@st.composite
def cases(draw: st.DrawFn, max_side: int = 6) -> Case:
    """A random :class:`Case`."""
    name = draw(st.sampled_from(sorted(DTYPES)))
    np_dtype = np.dtype(DTYPES[name][0])
    ndim = draw(st.integers(1, 5))
    side = max_side if ndim <= 3 else 4
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=0, max_side=side))
    fill = draw(st.sampled_from(["any", "constant", "nonfinite", "any"]))
    el = elements(name)
    if fill == "constant":
        value = draw(el)
        values = np.full(shape, value, dtype=np_dtype)
    else:
        if fill == "nonfinite" and name not in ("bool",) and np_dtype.kind == "f":
            el = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1.0])
        values = draw(hnp.arrays(np_dtype, shape, elements=el))
    channel_dim = draw(st.integers(-ndim, ndim - 1))
    batch_dim: int | None = None
    if ndim >= 2 and draw(st.booleans()):
        others = [d for d in range(ndim) if d != channel_dim % ndim]
        batch_dim = draw(st.sampled_from(others + [d - ndim for d in others]))
    layout = draw(st.sampled_from(LAYOUTS))
    perm = tuple(draw(st.permutations(range(ndim))))
    return Case(
        dtype=name,
        values=values,
        layout=layout,
        perm=perm,
        channel_dim=channel_dim,
        batch_dim=batch_dim,
        num_bins=draw(st.one_of(st.integers(1, 9), st.integers(1, 70))),
        spacing=draw(st.sampled_from(["random", "uniform"])),
        proxy=draw(st.sampled_from(["random", "middle"])),
        p=draw(st.sampled_from([0.0, 0.5, 1.0])),
        same_on_batch=draw(st.booleans()),
        seed=draw(st.integers(0, 2**31 - 1)),
        use_out=draw(st.booleans()),
    )


def laid_out(base: torch.Tensor, layout: str, perm: tuple[int, ...]) -> torch.Tensor:
    """A tensor equal to ``base`` element for element, with another memory layout."""
    if layout == "permuted":
        inv = tuple(int(i) for i in np.argsort(perm))
        return base.permute(perm).contiguous().permute(inv)
    if layout == "strided":  # every other element of a larger buffer full of NaN/garbage
        big_shape = tuple(2 * s + 1 for s in base.shape)
        fill = float("nan") if base.dtype.is_floating_point else 7
        big = (
            torch.full(big_shape, fill, dtype=base.dtype)
            if base.dtype != torch.bool
            else (torch.ones(big_shape, dtype=torch.bool))
        )
        view = big[tuple(slice(1, None, 2) for _ in base.shape)]
        view.copy_(base)
        return view
    if layout == "channels_last" and base.ndim == 4:
        return base.contiguous(memory_format=torch.channels_last)
    if layout == "channels_last" and base.ndim == 5:
        return base.contiguous(memory_format=torch.channels_last_3d)
    return base.clone()


def np_laid_out(a: np.ndarray, layout: str, perm: tuple[int, ...]) -> np.ndarray:
    """The numpy counterpart of :func:`laid_out` (permuted and strided views)."""
    if layout == "permuted":
        return np.ascontiguousarray(a.transpose(perm)).transpose(np.argsort(perm))
    if layout == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
        view = big[tuple(slice(1, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    return a.copy()


def groups(a: np.ndarray, channel_dim: int, batch_dim: int | None) -> np.ndarray:
    """``a`` as ``(groups, values per group)``: one row per channel of each sample."""
    cd = channel_dim % a.ndim
    if batch_dim is None:
        return np.moveaxis(a, cd, 0).reshape(a.shape[cd], a.size // max(a.shape[cd], 1))
    bd = batch_dim % a.ndim
    moved = np.moveaxis(a, (bd, cd), (0, 1))
    count = moved.shape[0] * moved.shape[1]
    return moved.reshape(count, a.size // max(count, 1))


def check_invariants(a: np.ndarray, y: np.ndarray, case: Case, applied: np.ndarray) -> None:
    """Non-finite positions kept; per group: inside the finite range and, where ``applied``
    (one bool per group row), <= num_bins values and monotone. ``a``/``y`` are the input and
    output as numpy arrays of one dtype."""
    af, yf = a.astype(np.float64), y.astype(np.float64)
    finite = np.isfinite(af)
    np.testing.assert_array_equal(np.isnan(yf), np.isnan(af))
    np.testing.assert_array_equal(yf[~finite & ~np.isnan(af)], af[~finite & ~np.isnan(af)])
    assert np.isfinite(yf[finite]).all(), "a finite input became non-finite"
    for xg, yg, drawn in zip(
        groups(a, case.channel_dim, case.batch_dim),
        groups(y, case.channel_dim, case.batch_dim),
        applied,
        strict=True,
    ):
        fin = np.isfinite(xg.astype(np.float64))
        if not fin.any():
            continue
        xs, ys = xg[fin], yg[fin]
        assert ys.min() >= xs.min() and ys.max() <= xs.max(), "outside the group's range"
        if not drawn:
            continue
        assert len(np.unique(ys)) <= case.num_bins, "more distinct values than bins"
        order = np.argsort(xs, kind="stable")
        assert (np.diff(ys[order].astype(np.float64)) >= 0).all(), "not monotone"


def _np_params(params: QuantizationParams) -> rqnp.QuantizationParams:
    return rqnp.QuantizationParams(
        params.edges.numpy(), params.proxies.numpy(), params.applied.numpy()
    )


def _torch_params(params: rqnp.QuantizationParams) -> QuantizationParams:
    return QuantizationParams(
        torch.from_numpy(np.ascontiguousarray(params.edges)),
        torch.from_numpy(np.ascontiguousarray(params.proxies)),
        torch.from_numpy(np.asarray(params.applied)),
    )


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape, what
    if a.dtype.kind == "f":
        assert np.array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}")) or (
            np.array_equal(a, b, equal_nan=True)
        ), what
    else:
        assert np.array_equal(a, b), what


def check_case(case: Case) -> None:
    """Run ``case`` through every path and check every property; raises on any failure."""
    _, torch_dtype = DTYPES[case.dtype]
    base = torch.from_numpy(case.values.copy()).to(torch_dtype)
    x = laid_out(base, case.layout, case.perm)
    dims = {"channel_dim": case.channel_dim, "batch_dim": case.batch_dim}
    options = {
        "p": case.p,
        "spacing": case.spacing,
        "proxy": case.proxy,
        "same_on_batch": case.same_on_batch,
    }
    numba_ok = case.dtype in NUMBA_DTYPES
    g = torch.Generator().manual_seed(case.seed)
    params = sample_quantization_params(x, case.num_bins, **dims, **options, generator=g)
    outs: dict[str, torch.Tensor] = {}
    for backend in ("torch", "numba") if numba_ok else ("torch",):
        out = torch.empty_like(x) if case.use_out else None
        y = apply_quantization(x, params, **dims, out=out, backend=backend)
        assert out is None or y is out
        assert y.dtype == x.dtype and y.shape == x.shape
        outs[backend] = y
    # the one-call forms draw the same params from the same seed
    for backend in ("torch", "numba") if numba_ok else ("torch",):
        g2 = torch.Generator().manual_seed(case.seed)
        params2 = sample_quantization_params(
            x, case.num_bins, **dims, **options, generator=g2, backend=backend
        )
        for field in ("edges", "proxies", "applied"):
            _same(getattr(params2, field).numpy(), getattr(params, field).numpy(), field)
    compare = torch.float32 if torch_dtype == torch.bfloat16 else torch_dtype
    y_t = outs["torch"].to(compare).numpy()
    a = base.to(compare).numpy()
    if "numba" in outs:
        _same(outs["numba"].numpy(), y_t, "numba != torch")
    applied = np.broadcast_to(params.applied.numpy(), params.proxies.shape[:-1]).reshape(-1)
    check_invariants(a, y_t, case, applied)
    yg, ag = groups(y_t, **dims), groups(a, **dims)
    for row in np.flatnonzero(~applied):  # samples not drawn come back bit for bit
        _same(yg[row], ag[row], "a sample that was not drawn changed")
    if torch_dtype == torch.bfloat16:
        return  # numpy has no bfloat16
    # the numpy twin: same params -> same output; its own draw -> the torch op agrees with it
    a_np = np_laid_out(case.values.copy(), case.layout, case.perm)
    _same(rqnp.apply(a_np, _np_params(params), **dims), y_t, "numpy twin != torch")
    rng = np.random.default_rng(case.seed)
    np_params = rqnp.sample_params(a_np, case.num_bins, **dims, **options, rng=rng)
    y_np = rqnp.apply(a_np, np_params, **dims)
    tp = _torch_params(np_params)
    for backend in outs:
        _same(apply_quantization(x, tp, **dims, backend=backend).numpy(), y_np, "twin draw")
    deterministic = case.spacing == "uniform" and case.proxy == "middle" and case.p != 0.5
    if deterministic:  # nothing random: both samplers give the very same params
        for field in ("edges", "proxies", "applied"):
            _same(np.asarray(getattr(np_params, field)), getattr(params, field).numpy(), field)
