"""The bench profiles are data: one YAML file per profile, read into Budget rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from randquant.bench.profiles import (
    POWER_SEEDS,
    PROFILE_TABLE,
    Budget,
    budget_for,
    fewer_points,
    read_profile,
)
from randquant.data.base import Dataset, SplitData


def test_a_named_row_gives_only_what_differs_from_the_default() -> None:
    power = PROFILE_TABLE["power"]
    assert power["letter"] == Budget(
        epochs=None, steps=1000, batch_size=256, width=256, train=4000, test=2000,
        data_profile="full", probe_max_iter=1000, recipe="small",
        arms=("rq", "noise", "scarf", "mixup"), encoder="mlp", method="simclr",
    )  # fmt: skip
    assert budget_for("quick", "digits") == Budget(
        epochs=10, batch_size=64, width=16, train=512, test=256
    )
    assert budget_for("full", "no_such_dataset") == PROFILE_TABLE["full"]["default"]
    assert POWER_SEEDS == {
        "digits": 10, "mnist1d": 10, "letter": 10,
        "espeak_digits": 5, "furniture": 10, "wordnet_glosses": 5,
    }  # fmt: skip


def test_a_bad_profile_file_names_the_file_and_the_row(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("budgets:\n  default: {epochs: 5, batch_size: 8, width: 8, train: 1, test: 1}\n"
                    "  digits: {steps: 10}\n")  # fmt: skip
    with pytest.raises(ValueError, match=r"mine.yaml: budgets.digits: a budget needs epochs or"):
        read_profile(path)
    path.write_text("budgets:\n  digits: {epochs: 5}\n")
    with pytest.raises(ValueError, match=r"needs budgets\.default"):
        read_profile(path)


def _clouds(n: int, points: int) -> Dataset:
    x = torch.arange(n * points * 3, dtype=torch.float32).view(n, points, 3)
    y = torch.arange(n) % 2
    split = SplitData(x, y)
    return Dataset("clouds", "points", split, split, 2, ("a", "b"), meta={"num_points": points})


def test_fewer_points_keeps_the_first_points_of_every_cloud_and_says_so_in_meta() -> None:
    ds = _clouds(4, 16)
    cut = fewer_points(ds, 5)
    assert cut.train.x.shape == (4, 5, 3) and cut.test.x.shape == (4, 5, 3)
    assert torch.equal(cut.train.x, ds.train.x[:, :5]) and torch.equal(cut.train.y, ds.train.y)
    assert cut.meta["num_points"] == 5 and ds.meta["num_points"] == 16
    assert fewer_points(ds, None) is ds


def test_fewer_points_refuses_more_points_than_there_are_and_non_point_data() -> None:
    with pytest.raises(ValueError, match=r"clouds: points=17, but its clouds have 16 points"):
        fewer_points(_clouds(2, 16), 17)
    sequence = replace(_clouds(2, 4), layout="sequence")
    with pytest.raises(ValueError, match=r"needs a point-set dataset, got layout 'sequence'"):
        fewer_points(sequence, 2)
    with pytest.raises(ValueError, match=r"points must be >= 1"):
        Budget(epochs=1, batch_size=8, width=8, train=None, test=None, points=0)
