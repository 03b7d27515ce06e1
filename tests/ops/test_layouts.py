"""Which axes are samples and channels: the image defaults, the named layouts, and errors for
calls the layout does not fit. Each layout is checked per sample inside a DataLoader worker and
batched, against the loop-by-loop reference."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from randquant import QuantizationParams, RandomizedQuantization, RQOptions
from randquant import numpy as rqnp
from tests.ops.reference import reference_apply

#: layout -> one sample's shape, channel axis of that sample
SAMPLES: dict[str | None, tuple[tuple[int, ...], int]] = {
    None: ((3, 10, 12), 0),  # the default: an image
    "image": ((3, 10, 12), 0),
    "sequence": ((4, 50), 0),
    "points": ((60, 3), 1),
    "embedding": ((12, 6), 1),
}
BINS = 4


def _sample(layout: str | None, seed: int, batch: int | None = None) -> torch.Tensor:
    shape, _ = SAMPLES[layout]
    g = torch.Generator().manual_seed(seed)
    return torch.randn((*(() if batch is None else (batch,)), *shape), generator=g) * 3


def _check_against_reference(
    x: torch.Tensor, y: torch.Tensor, params: QuantizationParams, opts: RQOptions
) -> None:
    c, b = opts.dims(x.ndim)
    want = reference_apply(x, params.edges, params.proxies, params.applied, c, b)
    np.testing.assert_array_equal(y.numpy(), want)


class _PerSample(Dataset[tuple[str, torch.Tensor, torch.Tensor, QuantizationParams]]):
    """One sample per layout, quantized in ``__getitem__`` (the transforms_like pipeline)."""

    layouts: ClassVar[list[str | None]] = list(SAMPLES)

    def __len__(self) -> int:
        return len(self.layouts)

    def __getitem__(self, i: int) -> tuple[str, torch.Tensor, torch.Tensor, QuantizationParams]:
        layout = self.layouts[i]
        aug = (
            RandomizedQuantization(BINS)
            if layout is None
            else RandomizedQuantization(BINS, layout=layout)
        )
        x = _sample(layout, i)
        params = aug.sample_params(x, generator=torch.Generator().manual_seed(100 + i))
        return str(layout), x, aug(x, params=params), params


def test_per_sample_pipeline_in_loader_workers_matches_reference() -> None:
    loader = DataLoader(_PerSample(), batch_size=None, num_workers=1)
    seen = []
    for name, x, y, params in loader:
        layout = None if name == "None" else name
        opts = RQOptions(layout=layout)
        _, ch = SAMPLES[layout]
        assert params.group_shape == (x.shape[ch],), name  # one group per channel of the sample
        _check_against_reference(x, y, params, opts)
        for k in range(x.shape[ch]):  # every channel is quantized to at most BINS values
            assert y.select(ch, k).unique().numel() <= BINS, name
        seen.append(name)
    assert seen == [str(layout) for layout in SAMPLES]


@pytest.mark.parametrize("layout", list(SAMPLES))
def test_batched_matches_reference_and_per_sample(layout: str | None) -> None:
    aug = (
        RandomizedQuantization(BINS)
        if layout is None
        else RandomizedQuantization(BINS, layout=layout)
    )
    x = _sample(layout, 0, batch=5)
    params = aug.sample_params(x, generator=torch.Generator().manual_seed(1))
    assert params.group_shape == (5, x.shape[SAMPLES[layout][1] + 1])
    y = aug(x, params=params)
    _check_against_reference(x, y, params, aug.options)
    for i in range(5):  # the batch is the samples, each with its own row of params
        one = QuantizationParams(params.edges[i], params.proxies[i], params.applied[i, 0])
        assert torch.equal(aug(x[i], params=one), y[i])
    # the numpy twin reads the same layout the same way
    np_params = rqnp.QuantizationParams(
        params.edges.numpy(), params.proxies.numpy(), params.applied.numpy()
    )
    np.testing.assert_array_equal(rqnp.apply(x.numpy(), np_params, layout=layout), y.numpy())


def test_an_image_is_not_taken_for_a_batch() -> None:
    # the reported bug: (C, H, W) with the old defaults took C as the batch and H as the channel
    x = torch.rand(3, 32, 32)
    y = RandomizedQuantization(num_bins=4)(x, generator=torch.Generator().manual_seed(0))
    assert [y[c].unique().numel() for c in range(3)] == [4, 4, 4]


@pytest.mark.parametrize("shape", [(32, 32), (2, 3, 4, 8, 8), (5,)])
def test_ambiguous_input_names_the_argument_to_give(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"pass layout=.*or channel_dim= and batch_dim="):
        RandomizedQuantization(8)(torch.rand(shape))
    with pytest.raises(ValueError, match=r"pass layout="):
        rqnp.randomized_quantization(np.random.default_rng(0).random(shape), 8, rng=0)
    with pytest.raises(ValueError, match="layout 'points'"):
        RandomizedQuantization(8, layout="points")(torch.rand(2, 3, 4, 5))


def test_explicit_dims_need_both_axes() -> None:
    with pytest.raises(ValueError, match="batch_dim=0 when axis 0 holds the samples"):
        RandomizedQuantization(8, channel_dim=-1)
    y = RandomizedQuantization(8, channel_dim=1, batch_dim=None)(torch.rand(40, 3))
    assert y.shape == (40, 3)
