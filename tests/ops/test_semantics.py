"""The op's contract: params, bins, dtypes, non-finite values, options, randomness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from randquant import QuantizationParams, RandomizedQuantization, randomized_quantization
from randquant.ops import apply_quantization, sample_quantization_params
from tests.ops.reference import reference_apply

FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
INTS = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
BACKENDS = ["torch", "numba"]


def _gen(seed: int = 0, device: str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def _sample(dtype: torch.dtype, shape: tuple[int, ...], device: str = "cpu") -> torch.Tensor:
    g = _gen(123)
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=g) * 3).to(dtype).to(device)
    info = torch.iinfo(dtype)
    lo, hi = max(info.min, -1000), min(info.max, 1000)
    return torch.randint(lo, hi, shape, generator=g).to(dtype).to(device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool])
@pytest.mark.parametrize(
    ("shape", "channel_dim", "batch_dim"),
    [
        ((3, 4, 5, 6), 1, 0),
        ((4, 7, 3), -1, 0),
        ((6, 5), 1, 0),
        ((3, 10), 0, None),
        ((5, 2, 3, 4, 2), 2, 4),
        ((4, 3, 9), 0, 1),
    ],
)
def test_matches_reference(
    device: str, dtype: torch.dtype, shape: tuple[int, ...], channel_dim: int, batch_dim: int | None
) -> None:
    x = (
        _sample(dtype, shape, device)
        if dtype != torch.bool
        else (torch.rand(shape, generator=_gen(5)) > 0.5).to(device)
    )
    params = sample_quantization_params(
        x, 5, channel_dim=channel_dim, batch_dim=batch_dim, p=0.7, generator=_gen(1, device)
    )
    y = apply_quantization(x, params, channel_dim=channel_dim, batch_dim=batch_dim)
    assert y.dtype == x.dtype and y.shape == x.shape and y.device == x.device
    # bfloat16 has no numpy dtype: the reference runs on the exact float32 copy, cast back
    xr = x.float() if dtype == torch.bfloat16 else x
    ref = torch.from_numpy(
        reference_apply(xr, params.edges, params.proxies, params.applied, channel_dim, batch_dim)
    ).to(dtype)
    assert torch.equal(y.cpu().nan_to_num(), ref.nan_to_num())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, *INTS])
@pytest.mark.parametrize("num_bins", [1, 2, 3, 8, 25, 64])
@pytest.mark.parametrize("layout", ["nchw", "channels_last", "points", "strided"])
def test_backends_agree_bit_for_bit(dtype: torch.dtype, num_bins: int, layout: str) -> None:
    x, cd = (
        (_sample(dtype, (4, 50, 3)), -1)
        if layout == "points"
        else (_sample(dtype, (3, 4, 9, 10)), 1)
    )
    if dtype.is_floating_point:
        x.view(-1)[::17] = float("nan")
        x.view(-1)[3] = float("inf")
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    elif layout == "strided":
        x = x[:, :, ::2, 1:]
    dims = {"channel_dim": cd, "batch_dim": 0}
    params = sample_quantization_params(x, num_bins, **dims, p=0.8, generator=_gen(2))
    a = apply_quantization(x, params, **dims, backend="numba")
    b = apply_quantization(x, params, **dims, backend="torch")
    assert torch.equal(a.nan_to_num(), b.nan_to_num())
    assert torch.equal(a.isnan(), b.isnan())


def test_params_semantics() -> None:
    x = _sample(torch.float64, (4, 3, 50))
    p = sample_quantization_params(x, 8, generator=_gen(), layout="sequence")
    assert p.edges.shape == (4, 3, 9) and p.proxies.shape == (4, 3, 8)
    assert p.applied.shape == (4, 1) and p.applied.dtype == torch.bool
    assert torch.equal(p.edges[..., 0], x.amin(-1)) and torch.equal(p.edges[..., -1], x.amax(-1))
    assert bool((p.edges.diff(dim=-1) >= 0).all())
    assert bool((p.proxies >= p.edges[..., :-1]).all() and (p.proxies <= p.edges[..., 1:]).all())
    assert p.num_bins == 8 and p.group_shape == (4, 3)


@pytest.mark.parametrize("num_bins", [2, 8, 25, 29, 31, 41, 50, 67])
def test_uniform_spacing_has_exactly_n_minus_1_cuts(num_bins: int) -> None:
    # the official code's float arange gives n cut points for 25, 29, 31, ... and crashes
    x = torch.linspace(0, 1, 1000).reshape(1, 1, -1)
    p = sample_quantization_params(
        x, num_bins, spacing="uniform", proxy="middle", layout="sequence"
    )
    want = torch.arange(num_bins + 1, dtype=torch.float32) / num_bins
    torch.testing.assert_close(p.edges[0, 0], want)
    mids = (p.edges[..., :-1] + p.edges[..., 1:]) / 2
    torch.testing.assert_close(p.proxies, mids)
    y = randomized_quantization(x, num_bins, spacing="uniform", proxy="middle", layout="sequence")
    assert y.unique().numel() == num_bins


def test_non_finite_kept_and_excluded_from_range() -> None:
    x = torch.tensor([[[1.0, float("nan"), 5.0, float("inf"), -float("inf"), 3.0]]])
    p = sample_quantization_params(x, 4, generator=_gen(), layout="sequence")
    assert p.edges[0, 0, 0] == 1.0 and p.edges[0, 0, -1] == 5.0
    y = randomized_quantization(x, 4, generator=_gen(), layout="sequence")
    assert y[0, 0, 1].isnan() and y[0, 0, 3] == float("inf") and y[0, 0, 4] == -float("inf")
    assert bool(((y[0, 0, [0, 2, 5]] >= 1) & (y[0, 0, [0, 2, 5]] <= 5)).all())


@pytest.mark.parametrize("backend", BACKENDS)
def test_degenerate_groups_come_back_unchanged(backend: str) -> None:
    x = torch.randn(3, 2, 10)
    x[0, 0] = 4.25  # constant
    x[1, 1] = float("nan")  # nothing finite
    x[2, 0, :5] = float("inf")
    x[2, 0, 5:] = -float("inf")
    y = randomized_quantization(x, 8, generator=_gen(), backend=backend, layout="sequence")
    assert torch.equal(y[0, 0], x[0, 0])
    assert y[1, 1].isnan().all()
    assert torch.equal(y[2, 0], x[2, 0])
    p = sample_quantization_params(x, 8, layout="sequence")
    assert p.edges[1, 1].isnan().all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_tensors(backend: str) -> None:
    for shape in [(0, 3, 4), (2, 0, 4), (2, 3, 0)]:
        x = torch.randn(shape)
        y = randomized_quantization(x, 8, backend=backend, layout="sequence")
        assert y.shape == x.shape and y.dtype == x.dtype


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", INTS)
def test_integers_near_limits_do_not_wrap(backend: str, dtype: torch.dtype) -> None:
    info = torch.iinfo(dtype)
    vals = [info.max, info.max - 1, info.max - 3, info.min, info.min + 2, 0]
    x = torch.tensor(vals, dtype=dtype).reshape(1, 1, -1).repeat(4, 2, 3)
    x[:, 1] = torch.tensor([info.max] * 9 + [info.max - 2] * 9, dtype=dtype).reshape(1, -1)
    for seed in range(5):
        y = randomized_quantization(x, 4, generator=_gen(seed), backend=backend, layout="sequence")
        assert y.dtype == dtype
        lo = x.amin(-1, keepdim=True)
        hi = x.amax(-1, keepdim=True)
        assert bool(((y >= lo) & (y <= hi)).all()), (dtype, y)


def test_p_applies_whole_samples() -> None:
    x = torch.randn(400, 2, 30)
    p = sample_quantization_params(x, 4, p=0.5, generator=_gen(), layout="sequence")
    y = apply_quantization(x, p, layout="sequence")
    same = (y == x).flatten(1).all(1)
    assert torch.equal(same, ~p.applied[:, 0])
    assert 150 < int(p.applied.sum()) < 250
    assert torch.equal(randomized_quantization(x, 4, p=0.0, layout="sequence"), x)


def test_same_on_batch_shares_fractions() -> None:
    x = torch.randn(1, 3, 40).repeat(5, 1, 1)
    y = randomized_quantization(x, 8, same_on_batch=True, generator=_gen(), layout="sequence")
    assert all(torch.equal(y[0], y[i]) for i in range(5))
    y2 = randomized_quantization(x, 8, same_on_batch=False, generator=_gen(), layout="sequence")
    assert not all(torch.equal(y2[0], y2[i]) for i in range(5))


def test_generator_controls_randomness_and_global_state_untouched() -> None:
    x = torch.randn(4, 3, 20)
    state = torch.random.get_rng_state()
    a = randomized_quantization(x, 8, generator=_gen(7), layout="sequence")
    b = randomized_quantization(x, 8, generator=_gen(7), layout="sequence")
    c = randomized_quantization(x, 8, generator=_gen(8), layout="sequence")
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_argument(backend: str) -> None:
    x = torch.randn(4, 3, 8, 8)
    out = torch.empty_like(x)
    ptr = out.data_ptr()
    y = randomized_quantization(x, 8, generator=_gen(), out=out, backend=backend)
    assert y.data_ptr() == ptr
    assert torch.equal(y, randomized_quantization(x, 8, generator=_gen(), backend=backend))
    with pytest.raises(ValueError, match="out must match x"):
        randomized_quantization(x, 8, out=torch.empty(3))


def test_channels_last_preserved_and_correct() -> None:
    x = torch.randn(2, 3, 6, 7)
    xc = x.contiguous(memory_format=torch.channels_last)
    for backend in BACKENDS:
        a = randomized_quantization(x, 8, generator=_gen(), backend=backend)
        b = randomized_quantization(xc, 8, generator=_gen(), backend=backend)
        assert torch.equal(a, b)
        assert b.is_contiguous(memory_format=torch.channels_last)


def test_at_most_num_bins_values_and_monotone() -> None:
    x = torch.randn(3, 4, 500, dtype=torch.float64)
    y = randomized_quantization(x, 6, generator=_gen(), layout="sequence")
    for b in range(3):
        for c in range(4):
            assert y[b, c].unique().numel() <= 6
            order = x[b, c].argsort()
            assert bool((y[b, c][order].diff() >= 0).all())


def test_autograd_flows_through_range_on_torch_path() -> None:
    x = torch.randn(2, 3, 10, requires_grad=True)
    y = randomized_quantization(x, 4, generator=_gen(), layout="sequence")
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_bins": 0}, "num_bins"),
        ({"num_bins": 2.5}, "num_bins"),
        ({"p": 1.5}, "p must"),
        ({"p": -0.1}, "p must"),
        ({"spacing": "log"}, "spacing"),
        ({"proxy": "mean"}, "proxy"),
        ({"channel_dim": 5, "batch_dim": 0}, "channel_dim=5"),
        ({"channel_dim": 1, "batch_dim": -7}, "batch_dim=-7"),
        ({"channel_dim": 0, "batch_dim": 0}, "channel_dim and batch_dim"),
        ({"channel_dim": -3, "batch_dim": 0}, "same axis"),
        ({"channel_dim": 1}, "without batch_dim: pass batch_dim=0"),
        ({"batch_dim": 0}, "without channel_dim"),
        ({"layout": "points", "channel_dim": 1, "batch_dim": 0}, "not both"),
        ({"layout": "tokens"}, "layout must be one of"),
        ({"num_bins": 2**20 + 1}, "num_bins must be an integer in"),
        ({"num_bins": np.float64(8.0)}, "num_bins must be an integer"),
        ({"p": torch.tensor([0.5, 0.5])}, "p must be a real number"),
        ({"p": float("nan")}, "p must be a probability"),
        ({"same_on_batch": 1}, "same_on_batch"),
        ({"bins": 8}, "unknown RQ option 'bins'"),
        ({"backend": "cuda"}, "backend"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        randomized_quantization(torch.randn(2, 3, 4), **kwargs)
    if match not in ("channel_dim=5", "batch_dim=-7", "same axis"):  # these need x's ndim
        with pytest.raises((ValueError, TypeError), match=match):
            RandomizedQuantization(**kwargs)  # fails on construction, before any data


def test_bad_inputs() -> None:
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        randomized_quantization(np.zeros((2, 3)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="complex"):
        randomized_quantization(torch.zeros(2, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match="x has 1 dims, but layout 'image'"):
        randomized_quantization(torch.zeros(5))
    with pytest.raises(ValueError, match="at least 2"):
        randomized_quantization(torch.zeros(5), channel_dim=0, batch_dim=-1)
    p = sample_quantization_params(torch.randn(2, 3, 4), layout="sequence")
    with pytest.raises(ValueError, match="groups"):
        apply_quantization(torch.randn(2, 4, 4), p, layout="sequence")
    with pytest.raises(ValueError, match="backend='numba' cannot"):
        randomized_quantization(
            torch.randn(2, 3, 4, dtype=torch.float16), backend="numba", layout="sequence"
        )


def test_module_contract() -> None:
    aug = RandomizedQuantization(8, channel_dim=-1, batch_dim=0, p=0.5)
    x = torch.randn(5, 20, 3)
    params = aug.sample_params(x, generator=_gen(3))
    assert isinstance(params, QuantizationParams)
    assert torch.equal(aug(x, params=params), aug(x, params=params))
    assert torch.equal(aug(x, generator=_gen(3)), aug(x, params=params))
    assert "num_bins=8" in repr(aug) and "channel_dim=-1" in repr(aug)
    # the old spelling still works, with a DeprecationWarning
    with pytest.warns(DeprecationWarning, match=r"aug\(x, params=params\)"):
        assert torch.equal(aug.apply(x, params), aug(x, params=params))
    with pytest.raises(TypeError, match="params="):
        aug(x, params)  # type: ignore[arg-type]
    # nn.Module.apply(fn) still works on a model holding the augmentation
    seen: list[str] = []
    torch.nn.Sequential(aug, torch.nn.Linear(3, 3)).apply(lambda m: seen.append(type(m).__name__))
    assert "RandomizedQuantization" in seen
    with pytest.raises(ValueError, match="num_bins"):
        RandomizedQuantization(0)
    with pytest.raises(ValueError, match="channel_dim and batch_dim"):
        RandomizedQuantization(4, channel_dim=0, batch_dim=0)


def test_reapplying_params_to_other_data() -> None:
    aug = RandomizedQuantization(4, layout="sequence")
    x = torch.rand(2, 3, 16)
    params = aug.sample_params(x, generator=_gen())
    other = x * 0.5 + 0.25  # inside the range: same edges, same proxies
    y = aug(other, params=params)
    for b in range(2):
        for c in range(3):
            assert set(y[b, c].tolist()) <= set(params.proxies[b, c].tolist())


@pytest.mark.parametrize("num_bins", [8, 50, 64])
def test_infinity_in_groups_with_crowded_cells(num_bins: int) -> None:
    # regression: +inf in a group whose table cells hold several edges made the numba scan
    # run past its +inf sentinel (out-of-bounds reads, a crash found by the fuzz run)
    x = torch.zeros(3, 6, 3)
    x[0, 2, 2] = float("inf")
    x[1, :, 0] = float("inf")
    x[2] = torch.linspace(-1, 1, 18).reshape(6, 3)
    x[2, 1, 1] = float("inf")
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        params = sample_quantization_params(x, num_bins, channel_dim=2, batch_dim=0, generator=g)
        a = apply_quantization(x, params, channel_dim=2, batch_dim=0, backend="numba")
        b = apply_quantization(x, params, channel_dim=2, batch_dim=0, backend="torch")
        assert torch.equal(a, b)
        assert bool(a.isinf().eq(x.isinf()).all())
