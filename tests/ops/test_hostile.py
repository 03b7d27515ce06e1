"""Hostile inputs to the op (issue 14): overlapping and stride-0 ``out=``, numpy scalars and 0-d
tensors as options, the numpy twin's ``rng``, bin counts too large to allocate, tracing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from randquant import RandomizedQuantization, RQOptions, randomized_quantization
from randquant import numpy as rqnp
from randquant.ops import sample_quantization_params

BACKENDS = ["torch", "numba"]


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shift", [1, -1])
def test_out_overlapping_the_input_is_exact(backend: str, shift: int) -> None:
    buf = torch.linspace(-1, 1, 5 * 3 * 40).reshape(5, 3, 40)
    x, out = (buf[:4], buf[1:]) if shift == 1 else (buf[1:], buf[:4])
    want = randomized_quantization(
        x.clone(), 8, layout="sequence", generator=_gen(), backend=backend
    )
    got = randomized_quantization(
        x, 8, layout="sequence", generator=_gen(), out=out, backend=backend
    )
    assert got.data_ptr() == out.data_ptr()
    assert torch.equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_in_place_is_exact(backend: str) -> None:
    x = torch.randn(4, 3, 8, 8)
    want = randomized_quantization(x, 8, generator=_gen(), backend=backend)
    got = randomized_quantization(x, 8, generator=_gen(), out=x, backend=backend)
    assert got.data_ptr() == x.data_ptr() and torch.equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_with_shared_elements_is_refused(backend: str) -> None:
    x = torch.randn(4, 3, 8, 8)
    out = torch.empty(1, 3, 8, 8).expand(4, 3, 8, 8)
    with pytest.raises(ValueError, match="share memory"):
        randomized_quantization(x, 8, out=out, backend=backend)


@pytest.mark.parametrize(
    ("num_bins", "p"),
    [(np.int64(8), np.float64(0.5)), (torch.tensor(8), torch.tensor(0.5)), (np.uint8(8), 0.5)],
)
def test_exact_numbers_are_accepted(num_bins: object, p: object) -> None:
    aug = RandomizedQuantization(num_bins, p=p)  # type: ignore[arg-type]
    assert aug.options.num_bins == 8 and type(aug.options.num_bins) is int
    assert aug.options.p == 0.5 and type(aug.options.p) is float
    x = torch.rand(4, 3, 8, 8)
    assert torch.equal(aug(x, generator=_gen()), RandomizedQuantization(8, p=0.5)(x, _gen()))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_bins": 8.0}, "num_bins must be an integer, got 8.0"),
        ({"num_bins": torch.tensor(8.5)}, "num_bins must be an integer"),
        ({"num_bins": np.array([8, 8])}, "num_bins must be an integer"),
        ({"num_bins": True}, "num_bins must be an integer"),
        ({"p": torch.tensor(True)}, "p must be a real number"),
        ({"p": "0.5"}, "p must be a real number"),
    ],
)
def test_inexact_numbers_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RQOptions(**kwargs)  # type: ignore[arg-type]


def test_numpy_twin_takes_a_seed_or_a_generator() -> None:
    a = np.random.default_rng(0).random((2, 3, 6, 6)).astype(np.float32)
    by_seed = rqnp.randomized_quantization(a, 4, rng=0)
    by_gen = rqnp.randomized_quantization(a, 4, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(by_seed, by_gen)
    with pytest.raises(TypeError, match=r"got a RandomState: pass np\.random\.default_rng"):
        rqnp.randomized_quantization(a, 4, rng=np.random.RandomState(0))  # type: ignore[arg-type]
    for bad in (-1, "0", 1.5, True):
        with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator, an int seed"):
            rqnp.randomized_quantization(a, 4, rng=bad)  # type: ignore[arg-type]


def test_numpy_twin_shares_memory_with_torch_and_reads_awkward_arrays() -> None:
    a = np.random.default_rng(1).random((2, 3, 6, 6))
    p = rqnp.sample_params(a, 4, rng=0)
    want = rqnp.apply(a, p)
    ro = a.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(rqnp.apply(ro, p), want)  # read-only: read, never written
    big = a.astype(a.dtype.newbyteorder(">"))
    np.testing.assert_array_equal(rqnp.apply(big, p), want)  # big-endian
    flipped = a[:, :, ::-1, :]  # negative strides: torch.from_numpy cannot share them
    pf = rqnp.sample_params(flipped, 4, rng=0)
    np.testing.assert_array_equal(rqnp.apply(flipped, pf), rqnp.apply(flipped.copy(), pf))


def test_bin_counts_too_large_fail_before_allocating() -> None:
    with pytest.raises(ValueError, match=r"num_bins must be an integer in \[1, 1048576\]"):
        RandomizedQuantization(100_000_000_000)
    x = torch.rand(64, 3, 32, 32)  # 0.75 MB; 10**6 bins used to take 7 GB
    with pytest.raises(ValueError, match=r"num_bins=1000000 over 192 groups needs about .* GiB"):
        randomized_quantization(x, 10**6)
    with pytest.raises(ValueError, match="over the bound of 1 GiB"):
        sample_quantization_params(x, 10**6)


def test_huge_finite_float64_values_are_quantized() -> None:
    x = torch.tensor([[[1e300, -1e300, 0.0, 5e299]]], dtype=torch.float64)
    y = randomized_quantization(x, 3, layout="sequence", generator=_gen())
    assert bool(torch.isfinite(y).all()) and bool((y.abs() <= 1e300).all())


def test_torch_compile_runs_the_module() -> None:
    aug = RandomizedQuantization(8)
    x = torch.rand(2, 3, 8, 8)
    compiled = torch.compile(aug, backend="eager")  # Dynamo traces; the cheap backend runs it
    assert torch.equal(compiled(x, generator=_gen()), aug(x, generator=_gen()))


def test_torch_jit_trace_runs_the_module() -> None:
    aug = RandomizedQuantization(8)
    x = torch.rand(2, 3, 8, 8)
    with pytest.warns(torch.jit.TracerWarning):
        traced = torch.jit.trace(aug, (x,), check_trace=False)
    y = traced(x)
    assert y.shape == x.shape and all(y[0, c].unique().numel() <= 8 for c in range(3))
