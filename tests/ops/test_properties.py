"""The numpy twin's own semantics and its agreement with torch.

The hypothesis property test over generated inputs lives in ``test_fuzz.py`` (strategies and
checks in ``op_cases.py``), run in CI on a few hundred cases and by ``make fuzz`` on 10,000.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from randquant import numpy as rqnp
from randquant import randomized_quantization
from randquant.ops import apply_quantization


def test_numpy_twin_semantics() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 3, 40)).astype(np.float32)
    a[0, 0, 0] = np.nan
    y = rqnp.randomized_quantization(a, 5, rng=np.random.default_rng(1), layout="sequence")
    y2 = rqnp.randomized_quantization(a, 5, rng=1, layout="sequence")
    assert y.dtype == a.dtype and np.array_equal(y, y2, equal_nan=True)
    assert np.isnan(y[0, 0, 0])
    assert all(len(np.unique(y[b, c])) <= 5 for b in range(1, 6) for c in range(3))
    p = rqnp.sample_params(
        a, 5, rng=np.random.default_rng(1), spacing="uniform", proxy="middle", layout="sequence"
    )
    assert p.edges.shape == (6, 3, 6) and p.proxies.shape == (6, 3, 5)
    assert np.array_equal(randomized_quantization_np_p0(a), a, equal_nan=True)
    with pytest.raises(ValueError, match="num_bins"):
        rqnp.randomized_quantization(a, 0)
    with pytest.raises(TypeError, match=r"numpy\.ndarray"):
        rqnp.randomized_quantization(torch.zeros(2, 3))  # type: ignore[arg-type]


def randomized_quantization_np_p0(a: np.ndarray) -> np.ndarray:
    return rqnp.randomized_quantization(a, 4, p=0.0, layout="sequence")


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
