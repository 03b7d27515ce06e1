"""Hostile data (issue 14): scale, wide integers, empty axes, token ids, one class, image
folders with one image per class, hidden and unreadable files. Each loads right or stops with
an error naming the file, key, split or folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from randquant.data import load_user_data, standardize
from randquant.data.base import Dataset, SplitData, require_classes
from randquant.data.image_folder import load_image_folder
from randquant.data.npz import MAX_VOCAB, load_npz


def _npz(path: Path, x: np.ndarray, y: np.ndarray | None = None) -> Path:
    y = np.arange(len(x)) % 2 if y is None else y
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)
    return path


def _two_blobs() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 2, 8)) + (np.arange(20) % 2)[:, None, None] * 3.0


@pytest.mark.parametrize("scale", [1e-10, 1e-30, 1e300])
def test_data_at_any_scale_keeps_its_variation(tmp_path: Path, scale: float) -> None:
    x = _two_blobs()
    ds = standardize(load_npz(_npz(tmp_path / "d.npz", x * scale)))
    ref = standardize(load_npz(_npz(tmp_path / "ref.npz", x)))
    assert ds.train.x.dtype == torch.float32 and bool(torch.isfinite(ds.train.x).all())
    torch.testing.assert_close(ds.train.x, ref.train.x, rtol=1e-5, atol=1e-5)


def test_a_constant_channel_is_still_constant(tmp_path: Path) -> None:
    x = _two_blobs()
    x[:, 1] = 123.456
    ds = standardize(load_npz(_npz(tmp_path / "d.npz", x)))
    assert float(ds.train.x[:, 1].abs().max()) < 1e-6  # only its mean removed


def test_int64_near_2_62_keeps_its_steps(tmp_path: Path) -> None:
    steps = np.arange(20, dtype=np.int64).reshape(20, 1) % 5  # 5 levels, 1 apart
    x = np.int64(2**62) + steps * np.ones((1, 4), dtype=np.int64)
    ds = standardize(load_npz(_npz(tmp_path / "d.npz", x)))
    assert torch.unique(ds.train.x[:, 0]).numel() == 5
    assert float(ds.train.x[:, 0].std(unbiased=False)) == pytest.approx(1.0, rel=1e-5)


def test_zero_size_axis_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"d.npz: x_train has a zero-size axis"):
        load_npz(_npz(tmp_path / "d.npz", np.zeros((4, 0, 3), np.float32)))


@pytest.mark.parametrize("bad", [-1, MAX_VOCAB, 10**15])
def test_token_ids_out_of_range_are_named(tmp_path: Path, bad: int) -> None:
    x = np.ones((4, 5), np.int64)
    x[2, 3] = bad
    with pytest.raises(ValueError, match=rf"x_train: token ids must lie in \[0, {MAX_VOCAB}\)"):
        load_npz(_npz(tmp_path / "d.npz", x), layout="tokens")


def test_one_class_is_refused_naming_the_split() -> None:
    x = torch.zeros(4, 3)
    two, one = torch.tensor([0, 1, 0, 1]), torch.tensor([1, 1, 1, 1])
    ds = Dataset("d", "vector", SplitData(x, two), SplitData(x, one), 2, ("a", "b"))
    with pytest.raises(ValueError, match="split 'test': 1 class"):
        require_classes(ds)


def _image(path: Path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), (value, 0, 0)).save(path)


def test_image_folder_with_one_image_per_class_is_refused(tmp_path: Path) -> None:
    for cls in ("cat", "dog"):
        _image(tmp_path / "imgs" / cls / "a.png", 10)
    with pytest.raises(ValueError, match="single image"):
        load_image_folder(tmp_path / "imgs")


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for cls in ("cat", "dog"):
        for i in range(3):
            _image(root / cls / f"{i}.png", 10 * i)
        (root / cls / f"._{cls}.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble junk")
        _image(root / cls / ".ipynb_checkpoints" / "0-checkpoint.png", 99)
    ds = load_user_data(root)
    assert len(ds.train) + len(ds.test) == 6


def test_an_unreadable_class_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "imgs"
    for cls in ("cat", "dog"):
        for i in range(2):
            _image(root / cls / f"{i}.png", i)
    locked = str(root / "dog")
    scandir = os.scandir

    def refuse(path: object = ".") -> object:  # root reads any folder: inject the failure
        if os.fspath(path) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", locked)
        return scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(ValueError, match=r"dog: cannot read folder \(Permission denied\)"):
        load_image_folder(root)
