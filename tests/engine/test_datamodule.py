"""RQDataModule: a named dataset, a user file and a Dataset, sharded per rank, errors named."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssl_kit import blobs, views

from randquant.engine.datamodule import RQDataModule


def test_a_named_dataset_is_loaded_standardised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RANDQUANT_CACHE", str(tmp_path))
    dm = RQDataModule("digits", batch_size=16)
    x, y, idx = next(iter(dm.train_dataloader()))
    assert x.shape == (16, *dm.dataset.sample_shape) and y.shape == idx.shape == (16,)
    assert dm.dataset.meta.get("standardized") is True
    test = torch.cat([b[0] for b in dm.test_dataloader()])
    assert torch.equal(test, dm.dataset.test.x)  # the test split, in order


def test_a_user_file_and_per_sample_views(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 8)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=rng.normal(size=(16, 8)), y_train=y, x_test=rng.normal(size=(4, 8)),
             y_test=y[:4])  # fmt: skip
    dm = RQDataModule(str(path), batch_size=4, views=views())
    v1, v2, labels, idx = next(iter(dm.train_dataloader()))
    assert v1.shape == v2.shape == (4, 8) and not torch.equal(v1, v2)
    assert labels.shape == idx.shape == (4,)
    assert set(dm.dataset.train.y.tolist()) == {0, 1}


def test_every_sample_is_seen_once_per_epoch_and_errors_are_named(tmp_path: Path) -> None:
    dm = RQDataModule(blobs(n=48), batch_size=8, seed=3)
    seen = torch.cat([b[2] for b in dm.train_dataloader()])
    assert sorted(seen.tolist()) == list(range(48))
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        _ = RQDataModule(tmp_path / "nope.npz").dataset
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        RQDataModule(blobs(), batch_size=1)
