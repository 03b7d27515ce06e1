"""Modality-specific augmentations keep their promises (geometry, ranges, probabilities)."""

from __future__ import annotations

import math

import pytest
import torch
from aug_batches import gen, make_batch

from randquant.augment import Scarf, Specific
from randquant.augment.kernels import log_mixup_exp
from randquant.augment.specific import (
    AnisotropicScale,
    BackgroundMixup,
    ColorJitter,
    GaussianBlur,
    HorizontalFlip,
    PointDropout,
    PointJitter,
    RandomGrayscale,
    SegmentPermutation,
    SensorScale,
    SpecAugmentMask,
    SpectrogramResizedCrop,
    TimeWarp,
    UpAxisRotation,
)

torch.set_num_threads(1)


@pytest.mark.parametrize(("up", "axis"), [("x", 0), ("y", 1), ("z", 2)])
def test_rotation_keeps_norms_and_the_up_coordinate(up: str, axis: int) -> None:
    x = make_batch("points")
    y = UpAxisRotation(up=up)(x, generator=gen(0))  # type: ignore[arg-type]
    assert torch.allclose(y.norm(dim=2), x.norm(dim=2), atol=1e-5)
    assert torch.allclose(y[:, :, axis], x[:, :, axis], atol=1e-6)
    # pairwise distances are kept: a rigid motion
    exact = "donot_use_mm_for_euclid_dist"
    assert torch.allclose(
        torch.cdist(y, y, compute_mode=exact), torch.cdist(x, x, compute_mode=exact), atol=1e-5
    )
    assert not torch.allclose(y, x)


def test_scaling_factors_per_axis_are_in_range() -> None:
    x = torch.ones(500, 10, 3)
    y = AnisotropicScale()(x, generator=gen(0))
    assert (y == y[:, :1]).all(), "one factor per axis per cloud"
    assert y.min() >= 0.8 and y.max() <= 1.25
    assert (y[:, 0, 0] != y[:, 0, 1]).all(), "anisotropic"


def test_point_jitter_is_clipped() -> None:
    x = make_batch("points")
    d = PointJitter(sigma=0.05, clip=0.02)(x, generator=gen(0)) - x
    assert d.abs().max() <= 0.02 + 1e-6
    assert d.abs().max() > 0.019


def test_point_dropout_replaces_points_by_the_first() -> None:
    x = make_batch("points")
    y = PointDropout(max_ratio=0.875)(x, generator=gen(0))
    changed = (y != x).any(dim=2)
    assert (y[changed] == y[:, :1].expand_as(y)[changed]).all()
    assert 0 < changed.float().mean() < 0.875


def test_flip_mirrors_or_keeps_each_image() -> None:
    x = torch.rand(200, 3, 5, 5)
    y = HorizontalFlip(p=0.5)(x, generator=gen(0))
    flipped = (y == x.flip(-1)).flatten(1).all(dim=1)
    kept = (y == x).flatten(1).all(dim=1)
    assert (flipped | kept).all()
    assert 0.35 < flipped.float().mean() < 0.65


def test_grayscale_makes_equal_channels_and_keeps_range() -> None:
    x = make_batch("image")
    y = RandomGrayscale(p=1.0)(x, generator=gen(0))
    assert torch.allclose(y[:, 0], y[:, 1]) and torch.allclose(y[:, 1], y[:, 2])
    assert y.min() >= x.amin() - 1e-6 and y.max() <= x.amax() + 1e-6
    single = torch.rand(2, 1, 8, 8)
    assert torch.equal(RandomGrayscale(p=1.0)(single, generator=gen(0)), single)


def test_color_jitter_changes_images_works_on_standardised_data_and_p0_is_identity() -> None:
    x = make_batch("image")
    assert torch.equal(ColorJitter(p=0.0)(x, generator=gen(0)), x)
    y = ColorJitter(p=1.0)(x, generator=gen(0))
    assert not torch.allclose(y, x)
    z = (x - 0.5) / 0.25  # standardised: values outside [0, 1]
    yz = ColorJitter(p=1.0)(z, generator=gen(0))
    # the per-image min-max rescale makes the op commute with the affine standardisation
    assert torch.allclose(yz, (y - 0.5) / 0.25, atol=1e-4)
    grey = ColorJitter(p=1.0)(torch.rand(4, 1, 8, 8), generator=gen(0))
    assert grey.shape == (4, 1, 8, 8)


def test_blur_smooths_images() -> None:
    x = torch.rand(8, 3, 32, 32)
    y = GaussianBlur(sigma_min=1.5, sigma_max=2.0, p=1.0)(x, generator=gen(0))
    assert y.diff(dim=-1).abs().mean() < 0.5 * x.diff(dim=-1).abs().mean()
    assert torch.allclose(y.mean(dim=(2, 3)), x.mean(dim=(2, 3)), atol=0.02)


def test_log_mixup_exp_formula() -> None:
    a, b = torch.randn(3, 4, 5), torch.randn(3, 4, 5)
    lam = torch.tensor([0.0, 0.25, 0.4])
    want = torch.log((1 - lam)[:, None, None] * a.exp() + lam[:, None, None] * b.exp())
    assert torch.allclose(log_mixup_exp(a, b, lam), want, atol=1e-5)


def test_background_mixup_stays_between_the_two_clips() -> None:
    x = make_batch("sequence")
    y = BackgroundMixup(ratio=0.4)(x, generator=gen(0))
    assert (y >= torch.minimum(x, x.amin(dim=0)) - 1e-5).all()
    assert not torch.allclose(y, x)
    assert torch.equal(BackgroundMixup(ratio=0.0)(x, generator=gen(0)), x)


def test_spec_rrc_at_scale_one_in_the_centre_can_reproduce_and_pads_with_zeros() -> None:
    x = torch.ones(64, 8, 30)
    y = SpectrogramResizedCrop(virtual_scale=1.5)(x, generator=gen(0))
    assert y.min() >= 0 and y.max() <= 1 + 1e-6
    assert (y < 0.5).any(), "crops reaching into the virtual canvas read zeros"
    full = SpectrogramResizedCrop(virtual_scale=1.0, scale_min=1.0, scale_max=1.0)
    assert torch.allclose(full(x, generator=gen(0)), x, atol=1e-5)


def test_spec_mask_fills_bands_with_the_mean() -> None:
    x = make_batch("sequence")
    aug = SpecAugmentMask(freq_masks=1, freq_width=0.5, time_masks=1, time_width=0.5)
    y = aug(x, generator=gen(0))
    changed = y != x
    assert changed.any()
    mean = x.mean(dim=(1, 2), keepdim=True).expand_as(x)
    assert torch.allclose(y[changed], mean[changed])


def test_time_warp_is_monotone_and_keeps_the_ends() -> None:
    x = torch.linspace(0, 1, 60).expand(16, 3, 60).clone()
    y = TimeWarp(sigma=0.5)(x, generator=gen(0))
    assert (y.diff(dim=2) >= -1e-6).all()
    assert torch.allclose(y[:, :, 0], x[:, :, 0]) and torch.allclose(y[:, :, -1], x[:, :, -1])
    assert not torch.allclose(y, x, atol=1e-3)


def test_permutation_reorders_whole_segments() -> None:
    length = 50
    x = torch.arange(length, dtype=torch.float32).expand(32, 2, length).clone()
    y = SegmentPermutation(max_segments=4)(x, generator=gen(0))
    assert torch.equal(y.sort(dim=2).values, x), "a permutation of the time steps"
    jumps = (y.diff(dim=2) != 1).sum(dim=2)
    assert (jumps <= 3).all(), "at most max_segments - 1 breaks"
    assert (jumps > 0).any()


def test_sensor_scale_is_one_factor_per_channel() -> None:
    x = torch.ones(100, 4, 20)
    y = SensorScale(sigma=0.1)(x, generator=gen(0))
    assert (y == y[:, :, :1]).all()
    assert y[:, :, 0].std().item() == pytest.approx(0.1, rel=0.2)


def test_tabular_specific_is_the_generic_scarf() -> None:
    # one SCARF: the tabular set is the generic `scarf` (p 0.6), same views for the same draws
    x = torch.randn(50, 10, generator=gen(9))
    y = Specific(layout="vector", modality="tabular")(x, generator=gen(0))
    assert torch.equal(y, Scarf(layout="vector", p=0.6)(x, generator=gen(0)))
    for f in range(10):
        assert torch.isin(y[:, f], x[:, f]).all()
    assert 0.5 < (y != x).float().mean() < 0.7


@pytest.mark.parametrize(
    ("modality", "layout", "first"),
    [
        ("image", "image", "img_rrc"),
        ("audio", "sequence", "spec_mixup"),
        ("points", "points", "pc_rotate"),
        ("sensor", "sequence", "ts_jitter"),
        ("tabular", "vector", "scarf"),
        ("text", "tokens", "crop"),
    ],
)
def test_specific_resolves_by_modality(modality: str, layout: str, first: str) -> None:
    aug = Specific(layout=layout, modality=modality)
    assert next(iter(aug)).name == first
    assert aug.to_spec() == "specific"


def test_specific_rejects_mismatched_layout_and_unknown_modality() -> None:
    with pytest.raises(ValueError, match="modality 'image' needs layout 'image', got layout"):
        Specific(layout="sequence", modality="image")
    with pytest.raises(ValueError, match="unknown modality 'video'"):
        Specific(layout="sequence", modality="video")


def test_rotation_angle_is_uniform() -> None:
    x = torch.tensor([[[1.0, 0.0, 0.0]]]).expand(4000, 1, 3).contiguous()
    y = UpAxisRotation(up="y")(x, generator=gen(0))
    angle = torch.atan2(y[:, 0, 2], y[:, 0, 0])
    hist = torch.histc(angle, bins=4, min=-math.pi, max=math.pi)
    assert (hist > 850).all()
