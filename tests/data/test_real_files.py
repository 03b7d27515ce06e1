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


def _npz_with_header_only(path: Path, extra: dict[str, tuple[int, ...]]) -> Path:
    """A valid ``.npz`` of four small keys plus keys whose headers declare ``shape`` but
    hold no data (a few hundred bytes standing for terabytes)."""
    import io
    import zipfile

    y = np.arange(8) % 2
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)
    with zipfile.ZipFile(path, "a") as zf:
        for key, shape in extra.items():
            buf = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                buf, {"descr": "<f8", "fortran_order": False, "shape": shape}
            )
            zf.writestr(f"{key}.npy", buf.getvalue())
    return path


def test_npz_keys_that_are_not_needed_are_never_read(tmp_path: Path) -> None:
    path = _npz_with_header_only(tmp_path / "d.npz", {"notes": (10**7, 2, 10**6)})
    ds = load_npz(path)
    assert len(ds.train) == 8


def test_npz_declared_size_is_checked_before_reading_and_names_the_key(tmp_path: Path) -> None:
    path = _npz_with_header_only(tmp_path / "d.npz", {"x_val": (10**7, 2, 10**6), "y_val": (8,)})
    with pytest.raises(ValueError, match=r"d.npz: key 'x_val' declares shape \(10000000, 2"):
        load_npz(path)
    small = _npz_with_header_only(tmp_path / "s.npz", {})
    with pytest.raises(ValueError, match=r"s.npz: key 'x_test' declares .* bound of 200 bytes"):
        load_npz(small, max_bytes=200)


def test_npz_key_whose_data_is_cut_short_is_named(tmp_path: Path) -> None:
    path = _npz_with_header_only(tmp_path / "d.npz", {"x_val": (8, 3), "y_val": (8,)})
    with pytest.raises(ValueError, match=r"d.npz: key 'x_val' cannot be read"):
        load_npz(path)


@pytest.mark.parametrize(
    ("y", "y_test"),
    [
        (np.array([0.0, 1e19, 2e19] * 4), np.array([0.0, 1e19, 2e19])),
        (np.array([2**64 - 1, 2**64 - 2, 3] * 4, np.uint64), np.array([3, 2**64 - 1], np.uint64)),
        (np.array([-1, 1, 2] * 4), np.array([2**64 - 1, 1], np.uint64)),  # -1 is not 2**64 - 1
    ],
)
def test_labels_are_mapped_through_their_unique_values(
    tmp_path: Path, y: np.ndarray, y_test: np.ndarray
) -> None:
    from randquant.data.labels import encode_labels

    if y_test.dtype == np.uint64 and y.min() < 0:
        with pytest.raises(ValueError, match=r"f.npz: y_test has classes not present in y_train"):
            encode_labels({"y_train": y, "y_test": y_test}, source="f.npz")
        return
    ids, names = encode_labels({"y_train": y, "y_test": y_test}, source="f.npz")
    assert len(names) == 3 and len(set(names)) == 3
    assert torch.unique(ids["y_train"]).numel() == 3
    back = [int(names[i]) for i in ids["y_test"].tolist()]
    assert back == [int(v) for v in y_test.tolist()]


def test_non_utf8_bytes_labels_name_the_file_key_and_index(tmp_path: Path) -> None:
    y = np.array([b"cat", b"dog", b"\xff\xfe"] * 4)
    x = np.zeros((12, 3), np.float32)
    np.savez(tmp_path / "b.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    with pytest.raises(ValueError, match=r"b.npz: y_train: label at index 2 is not UTF-8"):
        load_npz(tmp_path / "b.npz")
    y = np.array([b"chat", b"hund", "küken".encode()] * 4)
    np.savez(tmp_path / "u.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    assert load_npz(tmp_path / "u.npz").class_names == ("chat", "hund", "küken")


def _image_tree(root: Path, make: object, n: int = 3) -> Path:
    """``root/<a|b>/<i>.<ext>`` from ``make(cls, i) -> (PIL image, suffix)``."""
    for c, cls in enumerate("ab"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            img, suffix = make(c, i)  # type: ignore[operator]
            img.save(root / cls / f"{i}{suffix}")
    return root


@pytest.mark.parametrize("kind", ["I;16 png", "I;16 tiff", "I tiff", "F tiff", "LA png", "P png"])
def test_images_are_read_at_their_real_bit_depth(tmp_path: Path, kind: str) -> None:
    from PIL import Image

    from randquant.data.image_folder import load_image_folder

    def make(c: int, i: int) -> tuple[Image.Image, str]:
        level = 0.25 + 0.5 * c + 0.01 * i  # class a near 0.25, class b near 0.75
        ramp = np.linspace(0.0, 0.1, 64 * 64).reshape(64, 64) + level
        mode, ext = kind.split()
        if mode == "I;16":
            return Image.fromarray((ramp * 65535).astype(np.uint16)), "." + ext
        if mode == "I":
            return Image.fromarray((ramp * 2**31).astype(np.int32)), "." + ext
        if mode == "F":
            return Image.fromarray(ramp.astype(np.float32)), "." + ext
        gray = Image.fromarray((ramp * 255).astype(np.uint8))
        return (gray.convert("LA") if mode == "LA" else gray.convert("P")), "." + ext

    ds = load_image_folder(_image_tree(tmp_path / "imgs", make), test_fraction=0.34)
    x = torch.cat([ds.train.x, ds.test.x])
    y = torch.cat([ds.train.y, ds.test.y])
    means = [float(x[y == k].mean()) for k in range(2)]
    assert means == pytest.approx([0.25 + 0.05 + 0.01, 0.75 + 0.05 + 0.01], abs=0.01)
    assert float(x.min()) > 0.2 and float(x.max()) < 0.9  # nothing saturated or rounded


def test_an_unsupported_image_mode_is_named(tmp_path: Path) -> None:
    from PIL import Image

    from randquant.data.image_file import read_image

    Image.new("I;16B", (4, 4)).save(tmp_path / "x.tiff")
    with Image.open(tmp_path / "x.tiff") as im:
        mode = im.mode
    if mode in ("I;16B", "I;16"):  # Pillow reads it as a known 16-bit mode: fine
        assert read_image(tmp_path / "x.tiff").shape == (4, 4, 3)
    import unittest.mock

    with (
        unittest.mock.patch("randquant.data.image_file._SIXTEEN_BIT", frozenset()),
        pytest.raises(ValueError, match=r"x.tiff: image mode 'I;16.?' is not supported"),
    ):
        read_image(tmp_path / "x.tiff")


def _big_png(path: Path, side: int) -> Path:
    """A PNG of ``side x side`` black pixels: a few hundred KB on disk."""
    from PIL import Image

    Image.new("L", (side, side)).save(path, optimize=True)
    return path


def test_a_decompression_bomb_is_one_line_naming_the_file(tmp_path: Path) -> None:
    from randquant.data.image_folder import load_image_folder
    from randquant.viz.rq_grid import load_image

    root = tmp_path / "imgs"
    for cls in "ab":
        (root / cls).mkdir(parents=True)
        _big_png(root / cls / "0.png", 16)
        _big_png(root / cls / "1.png", 16)
    bomb = _big_png(root / "a" / "2.png", 20000)
    with pytest.raises(ValueError, match=r"2.png: .*20000 x 20000|2.png: cannot read image"):
        load_image_folder(root, image_size=8)
    with pytest.raises(ValueError, match=r"2.png"):
        load_image(bomb)


def test_the_default_image_size_is_capped(tmp_path: Path) -> None:
    from randquant.data.image_folder import MAX_DEFAULT_SIDE, load_image_folder

    root = tmp_path / "imgs"
    for cls in "ab":
        (root / cls).mkdir(parents=True)
        for i in range(2):
            _big_png(root / cls / f"{i}.png", 3000)
    ds = load_image_folder(root, test_fraction=0.5)
    assert ds.sample_shape == (3, MAX_DEFAULT_SIDE, MAX_DEFAULT_SIDE)


def _wav(path: Path, rate: int, seconds: float = 0.05) -> Path:
    """A wav file whose header declares ``rate`` (its samples: a short tone)."""
    import soundfile as sf

    n = max(16, int(16000 * seconds))
    sf.write(path, np.sin(np.arange(n) * 0.3).astype(np.float32), rate, subtype="FLOAT")
    return path


@pytest.mark.parametrize("rate", [100_000_007, 768_001, 999])
def test_a_wav_declaring_an_absurd_sample_rate_is_named(tmp_path: Path, rate: int) -> None:
    from randquant.data.audio_features import load_waveform

    with pytest.raises(ValueError, match=rf"x.wav declares a sample rate of {rate} Hz"):
        load_waveform(_wav(tmp_path / "x.wav", rate), duration=1.0)


def test_odd_sample_rates_resample_at_a_cost_bounded_by_length(tmp_path: Path) -> None:
    from unittest import mock

    from randquant.data.audio_features import load_waveform

    calls: list[tuple[int, int]] = []
    import scipy.signal

    real = scipy.signal.resample_poly

    def spy(x: np.ndarray, up: int, down: int, **kw: object) -> np.ndarray:
        calls.append((up, down))
        return real(x, up, down)

    with mock.patch.object(scipy.signal, "resample_poly", spy):
        w = load_waveform(_wav(tmp_path / "odd.wav", 767_999, 0.5), duration=0.25)
        assert w.shape == (4000,) and np.isfinite(w).all()
        load_waveform(_wav(tmp_path / "cd.wav", 44_100), duration=0.25)
    assert all(max(up, down) <= 1000 for up, down in calls)  # no 768k-tap filter designed
    assert calls == [(160, 441)]


def test_a_long_clip_decodes_only_the_seconds_asked_for(tmp_path: Path) -> None:
    import soundfile as sf

    from randquant.data.audio_features import load_waveform

    n = 16000 * 30
    sf.write(tmp_path / "long.wav", np.zeros(n, np.float32), 16000)
    full = tmp_path / "long.wav"
    import unittest.mock

    real = sf.SoundFile.read
    asked: list[int] = []

    def spy(self: sf.SoundFile, frames: int = -1, *a: object, **k: object) -> np.ndarray:
        asked.append(frames)
        return real(self, frames, *a, **k)  # type: ignore[arg-type]

    with unittest.mock.patch.object(sf.SoundFile, "read", spy):
        assert load_waveform(full, duration=1.0).shape == (16000,)
    assert asked and 0 < asked[0] < 20000


def _cifar(root: Path, data: object, labels: object) -> Path:
    import pickle

    root.mkdir()
    ok = {b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 0, 1]}
    (root / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"a", b"b"]}))
    (root / "data_batch_1").write_bytes(pickle.dumps({b"data": data, b"labels": labels}))
    (root / "test_batch").write_bytes(pickle.dumps(ok))
    return root


def test_a_cifar_pickle_of_shared_references_is_refused_before_it_expands(tmp_path: Path) -> None:
    import pickle

    from randquant.data.cifar import load_cifar

    row = [0] * 3072
    rows = [row] * 4000  # pickled once, referenced 4000 times
    layer = [rows] * 4000  # 4000 x 4000 x 3072 = 4.9e10 values, ~15 KB pickled
    root = _cifar(tmp_path / "c", layer, [0, 1] * 2000)
    assert (root / "data_batch_1").stat().st_size < 100_000
    assert len(pickle.dumps(layer)) < 100_000
    with pytest.raises(ValueError, match=r"data_batch_1: 'data' expands to more than"):
        load_cifar(root)
    labels = [[[0] * 1000] * 1000] * 1000
    with pytest.raises(ValueError, match=r"data_batch_1: 'labels' (expands|is nested)"):
        load_cifar(_cifar(tmp_path / "d", np.zeros((4, 3072), np.uint8), labels))


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity", "1e39"])
def test_non_finite_cells_are_named_at_load_in_every_text_format(tmp_path: Path, cell: str) -> None:
    from randquant.data import load_user_data
    from randquant.data.modelnet import read_off

    rows = [f"{i % 3},{i},{i * 2}" for i in range(12)]
    rows[5] = f"{cell},5,2"
    (tmp_path / "t.csv").write_text("a,b,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=rf"t.csv, line 7, column 1: '{cell}' is NaN, inf"):
        load_user_data(tmp_path / "t.csv")
    cases = [f"1,2,3:4,5,6:{'ab'[i % 2]}" for i in range(8)]
    cases[3] = f"1,{cell},3:4,5,6:a"
    (tmp_path / "m_TRAIN.ts").write_text(
        "@problemName m\n@classLabel true a b\n@data\n" + "\n".join(cases)
    )
    with pytest.raises(ValueError, match=r"m_TRAIN.ts, line 7, channel 1, value 2"):
        load_user_data(tmp_path / "m_TRAIN.ts")
    (tmp_path / "x.off").write_text(f"OFF\n3 1 0\n0 0 0\n1 {cell} 0\n0 1 0\n3 0 1 2\n")
    with pytest.raises(ValueError, match=r"x.off: vertex 1 .* NaN, inf"):
        read_off(tmp_path / "x.off")


def test_links_out_of_a_data_folder_are_not_followed(tmp_path: Path) -> None:
    from PIL import Image

    from randquant.data import load_user_data

    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(3):
        Image.new("RGB", (4, 4), (i, 0, 0)).save(outside / f"{i}.png")
    root = tmp_path / "data"
    (root / "a").mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (4, 4), (200, i, 0)).save(root / "a" / f"{i}.png")
    (root / "b").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match=r"data/b: a link to .*outside, outside .*data"):
        load_user_data(root)
    (root / "b").unlink()
    (root / "b").mkdir()
    for i in range(2):
        Image.new("RGB", (4, 4), (9, i, 0)).save(root / "b" / f"{i}.png")
    (root / "b" / "2.png").symlink_to(outside / "0.png")
    with pytest.raises(ValueError, match=r"b/2.png: a link to .*outside"):
        load_user_data(root)
    (root / "b" / "2.png").unlink()
    (root / "b" / "2.png").symlink_to(root / "a" / "0.png")  # a link inside: fine
    assert load_user_data(root).num_classes == 2


def test_a_split_folder_linking_out_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    from randquant.data.image_folder import load_image_folder

    outside = tmp_path / "outside"
    root = tmp_path / "data"
    for top in (outside, root / "train"):
        for cls in "ab":
            (top / cls).mkdir(parents=True)
            Image.new("L", (4, 4)).save(top / cls / "0.png")
    (root / "test").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match=r"data/test: a link to .*outside"):
        load_image_folder(root)
