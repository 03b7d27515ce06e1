"""Hypothesis properties of the op, and the numpy twin's agreement with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from randquant import numpy as rqnp
from randquant import randomized_quantization
from randquant.ops import apply_quantization, sample_quantization_params

DTYPES = [np.float16, np.float32, np.float64, np.uint8, np.int8, np.int16, np.int32, np.int64]


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, int, int | None, int, str]:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    ndim = draw(st.integers(1, 4))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=0, max_side=6))
    if np.issubdtype(dtype, np.floating):
        elements = st.floats(
            width=min(64, dtype.itemsize * 8),
            allow_nan=True,
            allow_infinity=True,
            allow_subnormal=True,
        )
    else:
        elements = st.integers(int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
    a = draw(hnp.arrays(dtype, shape, elements=elements))
    channel_dim = draw(st.integers(-ndim, ndim - 1))
    batch_dim: int | None = None
    if ndim >= 2 and draw(st.booleans()):
        batch_dim = draw(st.sampled_from([d for d in range(ndim) if d != channel_dim % ndim]))
    num_bins = draw(st.integers(1, 12))
    backend = draw(st.sampled_from(["torch", "numba"]))
    return a, channel_dim, batch_dim, num_bins, backend


def _groups(a: np.ndarray, channel_dim: int, batch_dim: int | None) -> np.ndarray:
    cd = channel_dim % a.ndim
    if batch_dim is None:
        return np.moveaxis(a, cd, 0).reshape(a.shape[cd], a.size // max(a.shape[cd], 1))
    bd = batch_dim % a.ndim
    moved = np.moveaxis(a, (bd, cd), (0, 1))
    groups = moved.shape[0] * moved.shape[1]
    return moved.reshape(groups, a.size // max(groups, 1))


@given(cases(), st.integers(0, 2**31 - 1))
def test_properties(case: tuple[np.ndarray, int, int | None, int, str], seed: int) -> None:
    a, channel_dim, batch_dim, num_bins, backend = case
    x = torch.from_numpy(a.copy())
    if backend == "numba" and x.dtype == torch.float16:
        backend = "auto"
    g = torch.Generator().manual_seed(seed)
    params = sample_quantization_params(
        x, num_bins, channel_dim=channel_dim, batch_dim=batch_dim, generator=g
    )
    y = apply_quantization(x, params, channel_dim=channel_dim, batch_dim=batch_dim, backend=backend)
    assert y.dtype == x.dtype and y.shape == x.shape
    yn = y.numpy()
    finite = np.isfinite(a.astype(np.float64))
    np.testing.assert_array_equal(np.isnan(yn.astype(np.float64)), np.isnan(a.astype(np.float64)))
    np.testing.assert_array_equal(yn[~finite], a[~finite])  # ±inf kept where they were
    for xg, yg in zip(
        _groups(a, channel_dim, batch_dim), _groups(yn, channel_dim, batch_dim), strict=True
    ):
        fin = np.isfinite(xg.astype(np.float64))
        if not fin.any():
            continue
        xs, ys = xg[fin], yg[fin]
        assert ys.min() >= xs.min() and ys.max() <= xs.max()  # inside the group's range
        assert len(np.unique(ys)) <= num_bins
        order = np.argsort(xs, kind="stable")
        assert (np.diff(ys[order].astype(np.float64)) >= 0).all()  # monotone
    # the numpy twin gives the same result from the same params
    pn = rqnp.QuantizationParams(
        params.edges.numpy(), params.proxies.numpy(), params.applied.numpy()
    )
    twin = rqnp.apply(a, pn, channel_dim=channel_dim, batch_dim=batch_dim)
    np.testing.assert_array_equal(twin, yn)


def test_numpy_twin_semantics() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 3, 40)).astype(np.float32)
    a[0, 0, 0] = np.nan
    y = rqnp.randomized_quantization(a, 5, rng=np.random.default_rng(1))
    y2 = rqnp.randomized_quantization(a, 5, rng=np.random.default_rng(1))
    assert y.dtype == a.dtype and np.array_equal(y, y2, equal_nan=True)
    assert np.isnan(y[0, 0, 0])
    assert all(len(np.unique(y[b, c])) <= 5 for b in range(1, 6) for c in range(3))
    p = rqnp.sample_params(a, 5, rng=np.random.default_rng(1), spacing="uniform", proxy="middle")
    assert p.edges.shape == (6, 3, 6) and p.proxies.shape == (6, 3, 5)
    assert np.array_equal(randomized_quantization_np_p0(a), a, equal_nan=True)
    with pytest.raises(ValueError, match="num_bins"):
        rqnp.randomized_quantization(a, 0)
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        rqnp.randomized_quantization(torch.zeros(2, 3))  # type: ignore[arg-type]


def randomized_quantization_np_p0(a: np.ndarray) -> np.ndarray:
    return rqnp.randomized_quantization(a, 4, p=0.0)


def test_torch_op_on_numpy_made_params_single_sample() -> None:
    a = np.linspace(-1, 1, 30, dtype=np.float64).reshape(3, 10)
    p = rqnp.sample_params(a, 4, channel_dim=0, batch_dim=None, rng=np.random.default_rng(0))
    from randquant import QuantizationParams

    tp = QuantizationParams(
        torch.from_numpy(p.edges), torch.from_numpy(p.proxies), torch.from_numpy(p.applied)
    )
    y = apply_quantization(torch.from_numpy(a), tp, channel_dim=0, batch_dim=None)
    np.testing.assert_array_equal(y.numpy(), rqnp.apply(a, p, channel_dim=0, batch_dim=None))
    assert randomized_quantization(torch.from_numpy(a), 4, channel_dim=0, batch_dim=None).shape == (
        3,
        10,
    )
