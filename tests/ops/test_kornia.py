"""The kornia adapter: equal to the core op given the same draws, kornia's p, same_on_batch and
params re-application, and a place in AugmentationSequential beside kornia's transforms."""

from __future__ import annotations

import pytest
import torch

K = pytest.importorskip("kornia.augmentation")

from randquant import randomized_quantization  # noqa: E402
from randquant.kornia import RandomizedQuantization2D  # noqa: E402
from tests.ops.reference import reference_apply  # noqa: E402


def _images(n: int = 6) -> torch.Tensor:
    return torch.rand(n, 3, 12, 12, generator=torch.Generator().manual_seed(0)) * 4 - 1


@pytest.mark.parametrize(
    "options", [{}, {"spacing": "uniform"}, {"proxy": "middle"}, {"same_on_batch": True}]
)
def test_equals_the_core_op_given_the_same_draws(options: dict[str, object]) -> None:
    x = _images()
    aug = RandomizedQuantization2D(5, **options)
    torch.manual_seed(3)
    y = aug(x)
    torch.manual_seed(3)  # the core op draws the same fractions, in the same order
    assert torch.equal(y, randomized_quantization(x, 5, **options))
    assert isinstance(aug, K.IntensityAugmentationBase2D)


def test_matches_the_reference_and_reapplies_its_params() -> None:
    x = _images()
    aug = RandomizedQuantization2D(4)
    y = aug(x)
    params = aug._params
    assert params["edge_fractions"].shape == (6, 3, 3) and params["proxy_fractions"].shape == (
        6,
        3,
        4,
    )
    assert torch.equal(aug(x, params=params), y)  # kornia's re-application form
    # the edges follow the image's range: rebuild them from the fractions and check each value
    lo, hi = x.amin((2, 3)), x.amax((2, 3))
    inner = lo[..., None] + params["edge_fractions"] * (hi - lo)[..., None]
    edges = torch.cat([lo[..., None], inner, hi[..., None]], -1)
    w = params["proxy_fractions"]
    proxies = edges[..., :-1] + w * (edges[..., 1:] - edges[..., :-1])
    applied = torch.ones(6, 1, dtype=torch.bool)
    want = reference_apply(x, edges, proxies, applied, 1, 0)
    torch.testing.assert_close(y, torch.from_numpy(want), rtol=0, atol=1e-6)


def test_p_gates_whole_images_and_same_on_batch_shares_the_draw() -> None:
    x = _images(16)
    aug = RandomizedQuantization2D(4, p=0.5)
    torch.manual_seed(0)
    y = aug(x)
    gate = aug._params["batch_prob"].bool()
    assert 0 < int(gate.sum()) < 16
    for i in range(16):
        assert torch.equal(y[i], x[i]) != bool(gate[i])
    same = RandomizedQuantization2D(4, same_on_batch=True)
    repeated = x[:1].repeat(5, 1, 1, 1)
    z = same(repeated)
    assert same._params["edge_fractions"].shape[0] == 1
    assert all(torch.equal(z[0], z[i]) for i in range(5))


def test_inside_augmentation_sequential_with_kornia_transforms() -> None:
    x = _images()
    seq = K.AugmentationSequential(
        K.RandomHorizontalFlip(p=1.0), RandomizedQuantization2D(4, p=0.7), K.RandomGrayscale(p=0.0)
    )
    torch.manual_seed(1)
    y = seq(x)
    assert y.shape == x.shape
    assert torch.equal(seq(x, params=seq._params), y)
    flipped = x.flip(-1)
    for i in range(6):  # each image is its flip, quantized or not
        q = y[i]
        assert torch.equal(q, flipped[i]) or all(q[c].unique().numel() <= 4 for c in range(3))


def test_single_images_and_bad_options() -> None:
    assert RandomizedQuantization2D(4, keepdim=True)(torch.rand(3, 8, 8)).shape == (3, 8, 8)
    with pytest.raises(ValueError, match="num_bins"):
        RandomizedQuantization2D(0)
    with pytest.raises(ValueError, match="p must be a probability"):
        RandomizedQuantization2D(4, p=2.0)
    with pytest.raises(ValueError, match="'layout' is not an option here"):
        RandomizedQuantization2D(4, layout="points")
    aug = RandomizedQuantization2D(4)
    aug(_images())
    with pytest.raises(ValueError, match="this batch needs"):
        aug(_images(2), params=aug._params)
