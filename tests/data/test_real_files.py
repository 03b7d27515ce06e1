"""Real-world files (issue 20): mixed dtypes across splits, high bit-depth images, labels
that collide when cast, hostile sizes declared in headers, non-finite cells. Each loads right,
or stops with one line naming the file (and key, row or mode), in bounded memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from randquant.data import standardize
from randquant.data.npz import load_npz


@pytest.mark.parametrize(
    ("train_dtype", "test_dtype"),
    [
        (np.int32, np.float32),
        (np.int64, np.float64),
        (np.float32, np.int64),
        (np.uint32, np.float64),
        (np.int16, np.float32),
    ],
)
def test_every_split_is_standardized_by_one_rule_whatever_its_dtype(
    tmp_path: Path, train_dtype: type, test_dtype: type
) -> None:
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    x = (rng.normal(size=(40, 2, 8)) * 50 + 3000 + 200 * y[:, None, None]).round()
    np.savez(
        tmp_path / "m.npz",
        x_train=x.astype(train_dtype),
        y_train=y,
        x_test=x.astype(test_dtype),
        y_test=y,
    )
    ds = standardize(load_npz(tmp_path / "m.npz"))
    torch.testing.assert_close(ds.test.x, ds.train.x, rtol=1e-5, atol=1e-5)
