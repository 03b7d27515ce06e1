"""load_user_data on generated .npz files and image folders, good and bad."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from randquant.data import load_user_data, standardize

RNG = np.random.default_rng(0)


def write_npz(path: Path, **arrays: Any) -> Path:
    np.savez(path, **arrays)
    return path


def seq_arrays(n_train: int = 12, n_test: int = 6) -> dict[str, np.ndarray]:
    return {
        "x_train": RNG.normal(size=(n_train, 2, 16)),
        "y_train": np.array(["walk", "run", "sit"] * (n_train // 3)),
        "x_test": RNG.normal(size=(n_test, 2, 16)),
        "y_test": np.array(["sit", "walk", "run"] * (n_test // 3)),
    }


def test_npz_sequence_with_string_labels(tmp_path: Path) -> None:
    ds = load_user_data(write_npz(tmp_path / "motion.npz", **seq_arrays()))
    assert ds.name == "motion" and ds.layout == "sequence"
    assert ds.class_names == ("run", "sit", "walk")
    assert ds.train.y[:3].tolist() == [2, 0, 1] and ds.test.y[:3].tolist() == [1, 2, 0]
    assert ds.train.x.dtype == torch.float32 and ds.val is None


@pytest.mark.parametrize(
    ("shape", "layout", "expected"),
    [((4, 5), None, "vector"), ((4, 3, 8, 8), None, "image"), ((4, 10, 3), "points", "points")],
)
def test_npz_layouts(
    tmp_path: Path, shape: tuple[int, ...], layout: str | None, expected: str
) -> None:
    y = np.array([5, 9, 5, 9])
    path = write_npz(
        tmp_path / "d.npz", x_train=np.ones(shape), y_train=y, x_test=np.ones(shape), y_test=y
    )
    ds = load_user_data(path, layout=layout)
    assert ds.layout == expected and ds.class_names == ("5", "9")
    assert ds.train.y.tolist() == [0, 1, 0, 1]


def test_npz_val_split_and_integral_float_labels(tmp_path: Path) -> None:
    a = seq_arrays()
    a.update(y_train=np.array([1.0, 2.0, 3.0] * 4), y_test=np.array([3.0, 1.0, 2.0] * 2))
    a.update(x_val=RNG.normal(size=(3, 2, 16)), y_val=np.array([1.0, 2.0, 3.0]))
    ds = load_user_data(write_npz(tmp_path / "v.npz", **a))
    assert ds.val is not None and ds.val.y.tolist() == [0, 1, 2]


def test_npz_tokens(tmp_path: Path) -> None:
    x = RNG.integers(0, 50, size=(6, 7))
    y = np.array([0, 1] * 3)
    ds = load_user_data(
        write_npz(tmp_path / "t.npz", x_train=x, y_train=y, x_test=x, y_test=y), layout="tokens"
    )
    assert ds.train.x.dtype == torch.int64 and ds.meta["vocab_size"] == int(x.max()) + 1


def bad(**changes: Any) -> dict[str, Any]:
    a: dict[str, Any] = seq_arrays()
    for key, value in changes.items():
        if value is None:
            del a[key]
        else:
            a[key] = value
    return a


@pytest.mark.parametrize(
    ("arrays", "layout", "match"),
    [
        (bad(y_test=None), None, "missing key 'y_test'"),
        (bad(y_train=np.array(["a", "b"])), None, "x_train has 12 samples but y_train"),
        (bad(y_train=np.array([0.0, 1.0, np.nan] * 4)), None, "y_train: 4 labels are NaN or inf"),
        (bad(y_train=np.array([0.0, 1.0, np.inf] * 4)), None, "y_train: .*NaN or inf"),
        (bad(y_train=np.array([0.5, 1.0, 2.0] * 4)), None, "y_train: .*non-integer float 0.5"),
        (
            bad(y_test=np.array(["walk", "fly", "sit"] * 2)),
            None,
            "y_test has classes not present in y_train: 'fly'",
        ),
        (
            bad(x_train=np.ones((12, 2, 2, 2, 2))),
            None,
            "x_train: x must have 2 .* got shape \\(12, 2, 2, 2, 2\\)",
        ),
        (bad(x_test=np.ones((6, 2, 8))), None, "x_test samples have shape \\(2, 8\\)"),
        (bad(x_train=np.ones((12, 2, 16))), "points", "x_train: layout 'points' needs shape"),
        (bad(x_train=np.full((12, 2, 16), np.nan)), None, "x_train: 384 values are NaN or inf"),
        (bad(x_val=np.ones((3, 2, 16))), None, "missing key 'y_val'"),
        (
            bad(x_test=np.ones((0, 2, 16)), y_test=np.array([], dtype=int)),
            None,
            "x_test has no samples",
        ),
    ],
)
def test_npz_errors_name_file_and_key(
    tmp_path: Path, arrays: dict[str, Any], layout: str | None, match: str
) -> None:
    path = write_npz(tmp_path / "broken.npz", **arrays)
    with pytest.raises(ValueError, match=match) as info:
        load_user_data(path, layout=layout)
    assert "broken.npz" in str(info.value)


def test_npz_object_labels_and_garbage_file(tmp_path: Path) -> None:
    path = write_npz(
        tmp_path / "obj.npz", **bad(y_train=np.array(["a", 1, None] * 4, dtype=object))
    )
    with pytest.raises(ValueError, match=r"obj.npz: .*object arrays"):
        load_user_data(path)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match=r"junk.npz: not a readable"):
        load_user_data(junk)
    with pytest.raises(ValueError, match=r"a.xlsx: unsupported data file '.xlsx'"):
        (tmp_path / "a.xlsx").write_text("1,2")
        load_user_data(tmp_path / "a.xlsx")
    with pytest.raises(FileNotFoundError, match=r"nope.npz"):
        load_user_data(tmp_path / "nope.npz")


def make_images(folder: Path, classes: dict[str, int], size: tuple[int, int] = (10, 8)) -> None:
    for ci, (cls, n) in enumerate(classes.items()):
        (folder / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            arr = np.full((size[1], size[0], 3), 40 * ci + i, dtype=np.uint8)
            Image.fromarray(arr).save(folder / cls / f"{i:03d}.png")


def test_image_folder_with_train_test(tmp_path: Path) -> None:
    make_images(tmp_path / "train", {"cat": 3, "dog": 2})
    make_images(tmp_path / "test", {"cat": 1, "dog": 1})
    ds = load_user_data(tmp_path)
    assert ds.layout == "image" and ds.class_names == ("cat", "dog")
    assert ds.train.x.shape == (5, 3, 8, 10)  # the common size is kept
    assert ds.train.y.tolist() == [0, 0, 0, 1, 1] and len(ds.test) == 2
    assert float(ds.train.x[1].max()) == pytest.approx(1 / 255)
    sized = load_user_data(tmp_path, image_size=4)
    assert sized.train.x.shape == (5, 3, 4, 4)


def test_image_folder_split_is_stratified_and_seeded(tmp_path: Path) -> None:
    make_images(tmp_path, {"a": 10, "b": 5, "c": 1})
    ds = load_user_data(tmp_path, test_fraction=0.2, seed=0)
    assert ds.test.y.tolist() == [0, 0, 1] and len(ds.train) == 13
    again = load_user_data(tmp_path, test_fraction=0.2, seed=0)
    other = load_user_data(tmp_path, test_fraction=0.2, seed=5)
    assert torch.equal(ds.test.x, again.test.x)
    assert not torch.equal(ds.test.x, other.test.x)


def test_image_folder_mixed_sizes_fall_back_to_32(tmp_path: Path) -> None:
    make_images(tmp_path, {"a": 2}, size=(10, 8))
    make_images(tmp_path, {"b": 2}, size=(5, 5))
    assert load_user_data(tmp_path).train.x.shape[1:] == (3, 32, 32)


def test_image_folder_errors(tmp_path: Path) -> None:
    make_images(tmp_path / "one", {"a": 2})
    (tmp_path / "one" / "empty").mkdir()
    with pytest.raises(ValueError, match="empty: class folder has no image files"):
        load_user_data(tmp_path / "one")
    make_images(tmp_path / "two", {"a": 2, "b": 2})
    png = (tmp_path / "two" / "b" / "001.png").read_bytes()
    (tmp_path / "two" / "b" / "001.png").write_bytes(png[: len(png) // 2])
    with pytest.raises(ValueError, match=r"001.png: cannot read image"):
        load_user_data(tmp_path / "two", image_size=8)
    make_images(tmp_path / "three" / "train", {"a": 2})
    make_images(tmp_path / "three" / "test", {"a": 1, "zebra": 1})
    with pytest.raises(ValueError, match="test has classes not present in train: 'zebra'"):
        load_user_data(tmp_path / "three")
    with pytest.raises(ValueError, match="test_fraction"):
        load_user_data(tmp_path / "two", test_fraction=1.0)
    with pytest.raises(ValueError, match="layout must be 'image'"):
        load_user_data(tmp_path / "two", layout="points")


@pytest.mark.parametrize(
    ("layout", "shape", "dims"),
    [
        ("sequence", (20, 3, 9), (0, 2)),
        ("image", (20, 2, 4, 4), (0, 2, 3)),
        ("points", (20, 7, 3), (0, 1)),
        ("vector", (20, 5), (0,)),
    ],
)
def test_standardize_uses_train_statistics_per_channel(
    layout: str, shape: tuple[int, ...], dims: tuple[int, ...]
) -> None:
    from randquant.data import Dataset, SplitData

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen) * 5 + 3
    x_test = torch.randn(shape, generator=gen) * 5 + 100
    y = torch.zeros(shape[0], dtype=torch.int64)
    ds = Dataset("s", layout, SplitData(x, y), SplitData(x_test, y), 1, ("a",))  # type: ignore[arg-type]
    out = standardize(ds)
    assert torch.allclose(out.train.x.mean(dim=dims), torch.zeros(1), atol=1e-5)
    assert torch.allclose(out.train.x.std(dim=dims, unbiased=False), torch.ones(1), atol=1e-4)
    assert float(out.test.x.mean()) > 10  # test is scaled with train's stats, not its own
    assert out.meta["standardized"] and standardize(out) is out
    assert "standardized" not in ds.meta


def test_standardize_constant_channel_and_tokens() -> None:
    from randquant.data import Dataset, SplitData

    x = torch.ones(4, 2, 3)
    y = torch.zeros(4, dtype=torch.int64)
    out = standardize(Dataset("c", "sequence", SplitData(x, y), SplitData(x, y), 1, ("a",)))
    assert torch.equal(out.train.x, torch.zeros_like(x))
    tok = Dataset(
        "t",
        "tokens",
        SplitData(torch.ones(4, 3, dtype=torch.int64), y),
        SplitData(torch.ones(4, 3, dtype=torch.int64), y),
        1,
        ("a",),
    )
    assert standardize(tok) is tok
