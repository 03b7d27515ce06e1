"""What each generic augmentation promises: noise scale, mask fractions, rq groups."""

from __future__ import annotations

import pytest
import torch
from aug_batches import gen, make_batch

from randquant.augment import ChannelMask, GaussianNoise, RandomMask, RandQuant, Scarf

torch.set_num_threads(1)


def test_noise_std_is_sigma_times_channel_std() -> None:
    g = gen(0)
    scales = torch.tensor([0.1, 1.0, 10.0, 100.0])[None, :, None]
    x = torch.randn(64, 4, 500, generator=g) * scales
    y = GaussianNoise(layout="sequence", sigma=0.2)(x, generator=gen(1))
    ratio = (y - x).std(dim=2) / x.std(dim=2)
    assert ratio.mean().item() == pytest.approx(0.2, rel=0.02)
    assert (ratio - 0.2).abs().max().item() < 0.05


def test_noise_on_vectors_uses_the_whole_sample_std() -> None:
    x = torch.randn(32, 200, generator=gen(0)) * torch.linspace(1, 50, 32)[:, None]
    y = GaussianNoise(layout="vector", sigma=0.5)(x, generator=gen(1))
    ratio = (y - x).std(dim=1) / x.std(dim=1)
    assert ratio.mean().item() == pytest.approx(0.5, rel=0.05)


def test_noise_skips_constant_channels_and_respects_p() -> None:
    x = torch.ones(8, 3, 10)
    assert torch.equal(GaussianNoise(layout="sequence")(x, generator=gen(0)), x)
    x = make_batch("sequence")
    y = GaussianNoise(layout="sequence", p=0.0)(x, generator=gen(0))
    assert torch.equal(y, x)


@pytest.mark.parametrize("ratio", [0.0, 0.25, 0.5, 1.0])
def test_mask_hides_exact_fraction_shared_across_channels(ratio: float) -> None:
    x = torch.rand(5, 3, 10, 10) + 1.0  # no natural zeros
    y = RandomMask(layout="image", ratio=ratio)(x, generator=gen(0))
    zero = y == 0
    assert torch.equal(zero[:, 0], zero[:, 1]) and torch.equal(zero[:, 0], zero[:, 2])
    assert (zero[:, 0].sum(dim=(1, 2)) == round(ratio * 100)).all()
    assert torch.equal(y[~zero], x[~zero])


def test_mask_on_sequences_hides_time_steps() -> None:
    x = torch.rand(4, 6, 40) + 1.0
    hidden = RandomMask(layout="sequence", ratio=0.3)(x, generator=gen(0)) == 0
    assert (hidden.all(dim=1) == hidden.any(dim=1)).all()
    assert (hidden[:, 0].sum(dim=1) == 12).all()


def test_mask_on_points_replaces_dropped_points_by_kept_points() -> None:
    x = make_batch("points")
    y = RandomMask(layout="points", ratio=0.5)(x, generator=gen(0))
    for xi, yi in zip(x, y, strict=True):
        # every output point is an input point, and exactly half of the input points survive
        match = (yi[:, None, :] == xi[None, :, :]).all(dim=2)
        assert match.any(dim=1).all()
        assert int(match.any(dim=0).sum()) == 32


def test_mask_on_points_keeps_at_least_one_point() -> None:
    x = make_batch("points")
    y = RandomMask(layout="points", ratio=1.0)(x, generator=gen(0))
    assert (y == y[:, :1]).all()


def test_mask_on_tokens_hides_only_real_tokens() -> None:
    x = make_batch("tokens")
    y = RandomMask(layout="tokens", ratio=0.5)(x, generator=gen(0))
    real = (x != 0).sum(dim=1)
    hidden = ((x != 0) & (y == 0)).sum(dim=1)
    assert torch.equal(hidden, (0.5 * real.float()).round().long())
    assert torch.equal(y[y != 0], x[y != 0])


def test_channel_mask_zeroes_whole_channels_with_probability_p() -> None:
    x = torch.rand(2000, 4, 5) + 1.0
    y = ChannelMask(layout="sequence", p=0.3)(x, generator=gen(0))
    dropped = (y == 0).all(dim=2)
    assert ((y == 0).any(dim=2) == dropped).all()
    assert (dropped.sum(dim=1) < 4).all(), "at least one channel is kept"
    # P(drop) = 0.3, slightly less because the all-dropped case keeps one (0.3**4 / 4)
    assert dropped.float().mean().item() == pytest.approx(0.3 - 0.3**4 / 4, abs=0.015)


def test_channel_mask_on_points_and_vectors() -> None:
    pts = make_batch("points")
    y = ChannelMask(layout="points", p=0.5)(pts, generator=gen(0))
    dropped = (y == 0).all(dim=1)  # (N, 3): whole coordinates zeroed
    assert ((y == 0).any(dim=1) == dropped).all()
    vec = make_batch("vector")
    y = ChannelMask(layout="vector", p=0.5)(vec, generator=gen(0))
    assert 0 < int((y == 0).sum()) < vec.numel()


def _distinct_per_group(y: torch.Tensor) -> torch.Tensor:
    return torch.tensor([len(torch.unique(row)) for row in y])


@pytest.mark.parametrize(
    ("layout", "groups"),
    [
        ("sequence", lambda y: y.reshape(-1, y.shape[2])),
        ("image", lambda y: y.reshape(y.shape[0] * y.shape[1], -1)),
        ("points", lambda y: y.transpose(1, 2).reshape(-1, y.shape[1])),
        ("vector", lambda y: y),
    ],
)
def test_rq_quantises_each_channel_group_to_at_most_bins_values(layout, groups) -> None:  # type: ignore[no-untyped-def]
    x = make_batch(layout)
    y = RandQuant(layout=layout, bins=4)(x, generator=gen(0))
    counts = _distinct_per_group(groups(y))
    assert (counts <= 4).all()
    assert (counts >= 2).all()


def test_rq_options_reach_the_op() -> None:
    aug = RandQuant(layout="image", bins=16, p=0.5, spacing="uniform", proxy="middle")
    assert aug.op.options.num_bins == 16 and aug.op.options.p == 0.5
    assert "bins=16" in repr(aug) and "proxy='middle'" in repr(aug)
    x = make_batch("image")
    assert torch.equal(RandQuant(layout="image", p=0.0)(x, generator=gen(0)), x)


def test_rq_rejects_tokens_with_a_hint_and_bad_bins() -> None:
    with pytest.raises(ValueError, match="--rq-on embedding"):
        RandQuant(layout="tokens")
    with pytest.raises(ValueError, match=r"bins must be an integer in \[1, 1048576\], got 0"):
        RandQuant(layout="image", bins=0)


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (GaussianNoise, {"sigma": -1.0}, "sigma must be >= 0, got -1.0"),
        (RandomMask, {"ratio": 1.5}, r"ratio must lie in \[0, 1\], got 1.5"),
        (ChannelMask, {"p": -0.1}, r"p must lie in \[0, 1\], got -0.1"),
    ],
)
def test_bad_options_name_option_and_value(cls, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        cls(layout="sequence", **kwargs)


def test_rq_ste_passes_gradients_straight_through() -> None:
    t = torch.randn(2, 5, 4, requires_grad=True)
    y = RandQuant(layout="embedding", bins=4, ste=True)(t, generator=gen(0))
    y.sum().backward()
    assert t.grad is not None and torch.equal(t.grad, torch.ones_like(t))
    same = RandQuant(layout="embedding", bins=4)(t.detach(), generator=gen(0))
    assert torch.allclose(y.detach(), same, atol=1e-6), "the forward values do not change"


def test_scarf_takes_each_corrupted_value_from_another_row_at_the_same_position() -> None:
    # rows hold distinct values, so every output element tells which row it came from
    n, d = 64, 40
    x = torch.arange(n, dtype=torch.float32)[:, None] * 1000 + torch.arange(d)[None, :]
    y = Scarf(layout="vector", p=0.6)(x, generator=gen(0))
    source_row = (y // 1000).long()
    column = (y % 1000).long()
    assert torch.equal(column, torch.arange(d).expand(n, d)), "a value moved across features"
    corrupted = source_row != torch.arange(n)[:, None]
    assert corrupted.float().mean().item() == pytest.approx(0.6, abs=0.03)
    # donors are spread over the other rows, not one fixed neighbour
    donors = source_row[corrupted] - torch.arange(n)[:, None].expand(n, d)[corrupted]
    assert len(torch.unique(donors % n)) > n // 2
    # p = 1: every element comes from another row, never its own
    small = x[:3]
    everything = Scarf(layout="vector", p=1.0)(small, generator=gen(2))
    assert ((everything // 1000).long() != torch.arange(3)[:, None]).all()


def test_scarf_on_sequences_keeps_channel_and_time_and_dtype() -> None:
    x = torch.arange(8 * 3 * 5, dtype=torch.float64).reshape(8, 3, 5)
    y = Scarf(layout="sequence", p=1.0)(x, generator=gen(1))
    assert y.dtype == torch.float64
    assert torch.equal(y % 15, x % 15)  # same channel and time step, another sample
    assert not torch.equal(y // 15, x // 15)
    assert torch.equal(Scarf(layout="sequence", p=0.0)(x, generator=gen(1)), x)
    assert torch.equal(Scarf(layout="vector")(x[:1, 0], generator=gen(1)), x[:1, 0])
