"""Inputs users make by hand (issue 20): masked arrays in the numpy twin, hand-made
QuantizationParams. Each is honoured exactly or refused with a message saying what to pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from randquant import numpy as rqnp
from randquant.ops import apply_quantization
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_quantization_params


def test_numpy_twin_honours_a_float_mask() -> None:
    rng = np.random.default_rng(0)
    data = rng.random((2, 3, 4, 4)).astype(np.float32)
    mask = np.zeros(data.shape, bool)
    mask[:, :, 0, 0] = True
    a = np.ma.MaskedArray(data.copy(), mask=mask)
    a.data[mask] = 1e6  # a fill value far outside the data: it must not set the range
    y = rqnp.randomized_quantization(a, 4, rng=0)
    assert isinstance(y, np.ma.MaskedArray)
    assert np.array_equal(np.ma.getmaskarray(y), mask)
    assert np.all(y.data[mask] == 1e6)  # masked values come back unchanged
    ref = data.copy()
    ref[mask] = np.nan
    expect = rqnp.randomized_quantization(ref, 4, rng=0)
    np.testing.assert_array_equal(y.data[~mask], expect[~mask])
    assert len(np.unique(y.data[0, 0][~mask[0, 0]])) <= 4


def test_numpy_twin_refuses_an_integer_mask() -> None:
    a = np.ma.MaskedArray(np.arange(48, dtype=np.uint8).reshape(3, 4, 4), mask=False)
    a[0, 0, 0] = np.ma.masked
    with pytest.raises(TypeError, match=r"masked array of dtype uint8 with 1 masked values"):
        rqnp.randomized_quantization(a, 4, rng=0)
    plain = np.ma.MaskedArray(np.arange(48, dtype=np.uint8).reshape(3, 4, 4))
    assert rqnp.randomized_quantization(plain, 4, rng=0).dtype == np.uint8  # no mask: fine


def _params(x: torch.Tensor) -> QuantizationParams:
    return sample_quantization_params(x, generator=torch.Generator().manual_seed(0), num_bins=4)


@pytest.mark.parametrize("backend", ["torch", "numba"])
def test_hand_made_params_with_unsorted_edges_are_refused(backend: str) -> None:
    x = torch.rand(2, 3, 8, 8)
    p = _params(x)
    edges = p.edges.clone()
    edges[1, 2, 1], edges[1, 2, 2] = p.edges[1, 2, 2], p.edges[1, 2, 1]
    with pytest.raises(ValueError, match=r"params.edges: group \(1, 2\) has edges out of order"):
        apply_quantization(x, QuantizationParams(edges, p.proxies, p.applied), backend=backend)
    bad_proxy = p.proxies.clone()
    bad_proxy[0, 1, 0] = float("nan")
    with pytest.raises(ValueError, match=r"params.proxies: group \(0, 1\)"):
        apply_quantization(x, QuantizationParams(p.edges, bad_proxy, p.applied), backend=backend)
    mixed = p.edges.clone()
    mixed[0, 0, 2] = float("nan")
    with pytest.raises(ValueError, match=r"params.edges: group \(0, 0\) mixes NaN"):
        apply_quantization(x, QuantizationParams(mixed, p.proxies, p.applied), backend=backend)
    same = apply_quantization(x, p, backend=backend)  # drawn params still pass
    assert same.shape == x.shape
