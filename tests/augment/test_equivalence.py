"""Arms with equal views on the data are found before anything runs."""

from __future__ import annotations

import pytest
import torch

from randquant.augment.equivalence import canonical, channels, identical_arms


def test_channel_mask_on_one_channel_is_none_by_construction() -> None:
    one = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    arms = ["none", "noise", "channel_mask", "crop", "crop+channel_mask", "rq"]
    assert identical_arms(arms, one, "image") == {
        "channel_mask": "none",
        "crop+channel_mask": "crop",
    }
    three = torch.randn(16, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert identical_arms(arms, three, "image") == {}
    seq = torch.randn(16, 1, 40)
    assert identical_arms(["none", "channel_mask"], seq, "sequence") == {"channel_mask": "none"}
    assert canonical("rq+noise:p=0", 3) == "rq" and canonical("none", 1) == "none"


def test_equal_outputs_on_a_real_batch_make_arms_identical() -> None:
    # RQ leaves a constant channel unchanged: on constant data rq makes the views of none
    const = torch.full((8, 2, 6, 6), 0.5)
    assert identical_arms(["none", "rq"], const, "image") == {"rq": "none"}
    varied = torch.rand(8, 2, 6, 6, generator=torch.Generator().manual_seed(1))
    assert identical_arms(["none", "rq"], varied, "image") == {}
    # mixing differs even when the input pipelines agree
    assert identical_arms(["none", "mixup"], const, "image") == {}


def test_channels_per_layout() -> None:
    assert channels(torch.zeros(4, 3, 8, 8), "image") == 3
    assert channels(torch.zeros(4, 6, 100), "sequence") == 6
    assert channels(torch.zeros(4, 1024, 3), "points") == 3
    assert channels(torch.zeros(4, 16), "vector") == 16
    assert channels(torch.zeros(4, 128, dtype=torch.long), "tokens") == 0
    with pytest.raises(ValueError):
        identical_arms(["nope"], torch.zeros(4, 3, 8, 8), "image")
