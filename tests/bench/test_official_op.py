"""The official-algorithm peer of ``bench op`` behaves as the fact sheet (PAPER.md) describes."""

from __future__ import annotations

import pytest
import torch

from randquant.bench.official_op import official_rq
from randquant.ops import QuantizationParams, apply_quantization


def _official_draw(x: torch.Tensor, n: int, seed: int) -> QuantizationParams:
    """The official draw (cut fractions, then proxy fractions) as randquant params.

    The inner edges are the sorted cuts and the proxies ``left + r * (right - left)`` with the
    last right edge ``hi + 1e-6``, computed with the same float32 expressions.
    """
    b, c = x.shape[:2]
    g = torch.Generator().manual_seed(seed)
    flat = x.reshape(b * c, -1)
    lo, hi = flat.min(1).values, flat.max(1).values
    frac = torch.rand(b * c * (n - 1), generator=g).reshape(-1, n - 1)
    cuts = (frac * (hi - lo).reshape(-1, 1) + lo.reshape(-1, 1)).sort(1).values
    left = torch.cat([lo.reshape(-1, 1), cuts], 1)
    right = torch.cat([cuts, hi.reshape(-1, 1) + 1e-6], 1)  # PAPER.md: ε = 1e-6 for values
    r = torch.rand(b * c * n, generator=g).reshape(-1, n)
    proxies = left + r * (right - left)
    edges = torch.cat([lo.reshape(-1, 1), cuts, hi.reshape(-1, 1)], 1)
    return QuantizationParams(
        edges.reshape(b, c, n + 1), proxies.reshape(b, c, n), torch.ones(b, 1, dtype=torch.bool)
    )


@pytest.mark.parametrize("n", [2, 8, 64])
def test_equals_randquant_given_the_official_draw(n: int) -> None:
    """Bins by mask + argmax + gather, ε = 1 membership: the same map as randquant's op."""
    x = torch.randn(3, 2, 9, 7, generator=torch.Generator().manual_seed(n))
    x[0, 0, 0, 0] = x[0, 0].max() + 0.5  # a clear maximum: it must land in the last bin
    y = official_rq(x, n, generator=torch.Generator().manual_seed(7))
    params = _official_draw(x, n, 7)
    want = apply_quantization(x, params, channel_dim=1, batch_dim=0, backend="torch")
    assert torch.equal(y, want)
    assert y[0, 0, 0, 0] == params.proxies[0, 0, -1]


def test_values_stay_inside_their_bins_and_keep_order() -> None:
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    y = official_rq(x, 8, collapse_to_val="middle", generator=torch.Generator().manual_seed(1))
    for b in range(2):
        for c in range(3):
            assert y[b, c].unique().numel() <= 8
            order = x[b, c].flatten().argsort()
            assert bool((y[b, c].flatten()[order].diff() >= 0).all())  # across-bin order kept


def test_the_assert_fires_on_nan() -> None:
    """NaN poisons the min/max, no bin holds it, and the official sanity check stops the call."""
    x = torch.rand(1, 1, 4, 4)
    x[0, 0, 1, 1] = float("nan")
    with pytest.raises(AssertionError):
        official_rq(x, 4)


def test_uniform_float_arange_bug_is_kept() -> None:
    """The float ``arange`` gives n cut points for n = 25: the reshape fails, as in the paper's
    code; n = 8 gives the 7 points k / 8."""
    x = torch.rand(1, 2, 5, 5)
    with pytest.raises(RuntimeError):
        official_rq(x, 25, spacing="uniform")
    y = official_rq(x, 8, spacing="uniform", collapse_to_val="middle")
    assert y[0, 0].unique().numel() <= 8


def test_transforms_like_is_one_image_and_p_draws_per_channel() -> None:
    x = torch.rand(3, 6, 6, generator=torch.Generator().manual_seed(2))
    one = official_rq(x, 4, transforms_like=True, generator=torch.Generator().manual_seed(3))
    batch = official_rq(x[None], 4, generator=torch.Generator().manual_seed(3))
    assert torch.equal(one, batch[0])
    # p < 1 with transforms_like draws once per channel (the quirk): some channels kept as is
    kept = [
        official_rq(x, 4, transforms_like=True, p=0.5, generator=torch.Generator().manual_seed(s))
        for s in range(8)
    ]
    per_channel = torch.tensor([[torch.equal(k[c], x[c]) for c in range(3)] for k in kept])
    assert per_channel.any() and not per_channel.all()
    assert (per_channel.any(1) & ~per_channel.all(1)).any()  # a mix inside one call


def test_channels_last_fails_like_the_official_view() -> None:
    x = torch.rand(2, 3, 4, 4).contiguous(memory_format=torch.channels_last)
    with pytest.raises(RuntimeError, match="view"):
        official_rq(x, 4)
