"""`crop` on each layout: what is kept, how much, and where."""

from __future__ import annotations

import pytest
import torch
from aug_batches import gen, make_batch

from randquant.augment import RandomCrop
from randquant.augment.crop import sample_image_boxes
from randquant.augment.kernels import resized_crop_2d

torch.set_num_threads(1)


def test_sequence_crop_of_a_ramp_is_a_ramp_with_slope_in_scale_range() -> None:
    length = 50
    x = torch.arange(length, dtype=torch.float32).expand(200, 2, length).clone()
    y = RandomCrop(layout="sequence", scale_min=0.5, scale_max=0.8)(x, generator=gen(0))
    slope = (y[:, :, -1] - y[:, :, 0]) / (length - 1)  # span fraction ~ (span - 1) / (L - 1)
    steps = y.diff(dim=2)
    assert torch.allclose(steps, steps[:, :, :1].expand_as(steps), atol=1e-4)
    assert slope.min() >= (0.5 * length - 1) / (length - 1) - 1e-4
    assert slope.max() <= (0.8 * length - 1) / (length - 1) + 1e-4
    assert torch.equal(y[:, 0], y[:, 1]), "all channels share the span"
    assert y.min() >= 0 and y.max() <= length - 1


def test_sequence_crop_at_full_scale_is_identity() -> None:
    x = make_batch("sequence")
    y = RandomCrop(layout="sequence", scale_min=1.0, scale_max=1.0)(x, generator=gen(0))
    assert torch.allclose(y, x, atol=1e-5)


def test_image_boxes_have_the_drawn_area_and_lie_inside() -> None:
    like = torch.zeros(1)
    boxes = sample_image_boxes(4000, (0.2, 1.0), gen(0), like)
    cx, cy, w, h = boxes.unbind(dim=1)
    assert ((cx - w).ge(-1 - 1e-6) & (cx + w).le(1 + 1e-6)).all()
    assert ((cy - h).ge(-1 - 1e-6) & (cy + h).le(1 + 1e-6)).all()
    area = w * h
    assert area.max() <= 1.0 + 1e-6
    assert area.min() >= 0.2 * 0.75  # a clipped side can only lose area by the ratio bound
    assert 0.45 < area.mean().item() < 0.65


def test_image_crop_kernel_reads_the_box() -> None:
    x = torch.arange(16.0).reshape(1, 1, 4, 4).repeat(1, 1, 1, 1)
    # the right half, full height: columns 2 and 3 upsampled to 4 columns
    y = resized_crop_2d(x, torch.tensor([[0.5, 0.0, 0.5, 1.0]]))
    assert torch.allclose(y[0, 0, :, 0], x[0, 0, :, 2], atol=0.3)
    assert torch.allclose(y[0, 0, :, -1], x[0, 0, :, 3], atol=0.3)
    full = resized_crop_2d(x, torch.tensor([[0.0, 0.0, 1.0, 1.0]]))
    assert torch.allclose(full, x, atol=1e-5)


def test_image_crop_keeps_a_constant_image_constant() -> None:
    x = torch.full((4, 3, 16, 16), 0.7)
    y = RandomCrop(layout="image")(x, generator=gen(0))
    assert torch.allclose(y, x, atol=1e-5)


def test_point_crop_is_a_local_patch_of_the_input() -> None:
    x = make_batch("points")
    y = RandomCrop(layout="points", scale_min=0.25, scale_max=0.25)(x, generator=gen(0))
    for xi, yi in zip(x, y, strict=True):
        match = (yi[:, None, :] == xi[None, :, :]).all(dim=2)
        assert match.any(dim=1).all(), "output points are input points"
        kept = match.any(dim=0)
        assert int(kept.sum()) == 16
        # the kept points are the 16 nearest to some input point: a ball contains them
        kept_pts = xi[kept]
        far = xi[~kept]
        dist_kept = torch.cdist(xi, kept_pts, compute_mode="donot_use_mm_for_euclid_dist").amax(
            dim=1
        )
        dist_far = torch.cdist(xi, far, compute_mode="donot_use_mm_for_euclid_dist").amin(dim=1)
        assert bool((dist_kept <= dist_far + 1e-6).any())


def test_token_crop_is_a_left_aligned_span_of_real_tokens() -> None:
    x = make_batch("tokens")
    y = RandomCrop(layout="tokens", scale_min=0.5, scale_max=0.5)(x, generator=gen(0))
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        real = [t for t in xi if t != 0]
        span = [t for t in yi if t != 0]
        assert yi[: len(span)] == span, "left-aligned"
        assert len(span) == max(1, round(0.5 * len(real)))
        assert any(real[i : i + len(span)] == span for i in range(len(real) - len(span) + 1))


def test_token_crop_of_an_all_padding_row_stays_padding() -> None:
    x = torch.zeros(2, 10, dtype=torch.int64)
    assert torch.equal(RandomCrop(layout="tokens")(x, generator=gen(0)), x)


def test_crop_rejects_vectors_and_bad_scales() -> None:
    with pytest.raises(ValueError, match="no sequential axis"):
        RandomCrop(layout="vector")
    with pytest.raises(ValueError, match=r"scale_min=0\.9, scale_max=0\.5"):
        RandomCrop(layout="image", scale_min=0.9, scale_max=0.5)


def test_image_box_aspect_ratio_is_in_pixels_for_wide_images() -> None:
    boxes = sample_image_boxes(2000, (0.1, 0.3), gen(0), torch.zeros(1), aspect=2.0)
    w, h = boxes[:, 2], boxes[:, 3]
    pixel_ratio = (w * 2.0) / h  # (w * W) / (h * H) with W = 2H
    assert pixel_ratio.min() >= 0.75 - 1e-5 and pixel_ratio.max() <= 4 / 3 + 1e-5
