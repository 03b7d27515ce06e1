"""Format loaders on small files written here in each exact format, good and damaged."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from randquant.data.audio_folder import load_audio_folder
from randquant.data.cifar import load_cifar
from randquant.data.csv_table import load_csv
from randquant.data.files import BadFileWarning
from randquant.data.idx import read_idx
from randquant.data.modelnet import load_modelnet, read_off
from randquant.data.ts_format import load_ts

RNG = np.random.default_rng(0)


# --- CIFAR -------------------------------------------------------------------------------------
def write_cifar10(root: Path, per_batch: int = 6, batches: int = 2) -> Path:
    root.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, batches + 1)] + ["test_batch"]:
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in RNG.integers(0, 3, per_batch)],
            b"data": RNG.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"filenames": [b"x.png"] * per_batch,
        }
        (root / name).write_bytes(pickle.dumps(batch, protocol=2))
    meta = {b"label_names": [b"cat", b"dog", b"frog"], b"num_vis": 3072}
    (root / "batches.meta").write_bytes(pickle.dumps(meta))
    return root


def test_cifar10_pickles(tmp_path: Path) -> None:
    root = write_cifar10(tmp_path / "cifar-10-batches-py")
    ds = load_cifar(root)
    assert ds.sample_shape == (3, 32, 32) and len(ds.train) == 12 and len(ds.test) == 6
    assert ds.class_names == ("cat", "dog", "frog")
    raw = pickle.loads((root / "data_batch_1").read_bytes())
    pixel = raw[b"data"][0, 1024 + 5] / 255.0  # green plane, row 0, column 5
    assert ds.train.x[0, 1, 0, 5].item() == pytest.approx(pixel)
    assert ds.train.y[:6].tolist() == raw[b"labels"]


def test_cifar_truncated_batch_named_or_skipped(tmp_path: Path) -> None:
    root = write_cifar10(tmp_path / "c")
    raw = (root / "data_batch_2").read_bytes()
    (root / "data_batch_2").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(ValueError, match="data_batch_2"):
        load_cifar(root)
    with pytest.warns(BadFileWarning, match="skipped 1 of 2"):
        ds = load_cifar(root, skip_bad=True)
    assert len(ds.train) == 6


def test_cifar_refuses_code_in_pickles(tmp_path: Path) -> None:
    root = write_cifar10(tmp_path / "c")
    (root / "test_batch").write_bytes(pickle.dumps({b"data": print}))
    with pytest.raises(ValueError, match=r"test_batch.*refusing"):
        load_cifar(root)


def test_cifar_labels_out_of_range(tmp_path: Path) -> None:
    root = write_cifar10(tmp_path / "c")
    (root / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"cat"]}))
    with pytest.raises(ValueError, match="labels outside"):
        load_cifar(root)


# --- audio folder ------------------------------------------------------------------------------
def write_clips(root: Path, n: int = 5) -> Path:
    t = np.arange(8000) / 8000
    for cls, freq in (("low", 300.0), ("high", 2500.0)):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            wave = 0.5 * np.sin(2 * np.pi * freq * (1 + 0.01 * i) * t)
            ext, fmt = (".ogg", "OGG") if i % 2 else (".wav", "WAV")
            sf.write(root / cls / f"clip{i}{ext}", wave.astype(np.float32), 8000, format=fmt)
    return root


def test_audio_folder_logmel(tmp_path: Path) -> None:
    ds = load_audio_folder(write_clips(tmp_path / "clips"), duration=0.5, n_mels=32)
    assert ds.layout == "sequence" and ds.meta["modality"] == "audio"
    assert ds.sample_shape == (32, 1 + 8000 // 256)
    assert len(ds.train) + len(ds.test) == 10 and ds.class_names == ("high", "low")
    x = torch.cat([ds.train.x, ds.test.x])
    y = torch.cat([ds.train.y, ds.test.y])
    peak = x.mean(dim=2).argmax(dim=1)  # the loudest mel band follows the tone
    assert (peak[y == 0].min() > peak[y == 1].max()).item()


def test_audio_folder_bad_clip(tmp_path: Path) -> None:
    root = write_clips(tmp_path / "clips")
    (root / "low" / "clip0.wav").write_bytes(b"RIFF\x00\x00")
    with pytest.raises(ValueError, match=r"clip0.wav"):
        load_audio_folder(root)
    with pytest.warns(BadFileWarning, match="skipped 1 of"):
        ds = load_audio_folder(root, skip_bad=True)
    assert len(ds.train) + len(ds.test) == 9


def test_audio_folder_empty_class(tmp_path: Path) -> None:
    root = write_clips(tmp_path / "clips")
    (root / "silent").mkdir()
    with pytest.raises(ValueError, match=r"silent.*no"):
        load_audio_folder(root)


# --- ModelNet OFF ------------------------------------------------------------------------------
CUBE = """OFF
8 6 0
0 0 0
1 0 0
1 1 0
0 1 0
0 0 2
1 0 2
1 1 2
0 1 2
4 0 1 2 3
4 4 5 6 7
4 0 1 5 4
4 1 2 6 5
4 2 3 7 6
4 3 0 4 7
"""


def write_modelnet(root: Path) -> Path:
    for cls in ("box", "tower"):
        for split in ("train", "test"):
            (root / cls / split).mkdir(parents=True)
            for i in range(2 if split == "train" else 1):
                text = CUBE if cls == "box" else CUBE.replace(" 2\n", " 6\n")
                glued = text.replace("OFF\n", "OFF") if i == 1 else text  # ModelNet's quirk
                (root / cls / split / f"{cls}_{i}.off").write_text(glued)
    return root


def test_off_reader_and_modelnet_layout(tmp_path: Path) -> None:
    verts, faces = read_off(write_modelnet(tmp_path / "mn") / "box" / "train" / "box_1.off")
    assert verts.shape == (8, 3) and faces.shape == (12, 3)
    ds = load_modelnet(tmp_path / "mn", num_points=256)
    assert ds.layout == "points" and ds.sample_shape == (256, 3)
    assert (len(ds.train), len(ds.test)) == (4, 2) and ds.class_names == ("box", "tower")
    assert ds.train.x.norm(dim=-1).amax().item() == pytest.approx(1.0, abs=1e-5)
    tower = ds.train.x[ds.train.y == 1][0]
    extent = tower.amax(0) - tower.amin(0)
    assert extent[1] > 3 * extent[0]  # z-up tower stands along y after loading


def test_truncated_off_named_or_skipped(tmp_path: Path) -> None:
    root = write_modelnet(tmp_path / "mn")
    bad = root / "box" / "train" / "box_0.off"
    bad.write_text(CUBE[:60])
    with pytest.raises(ValueError, match=r"box_0.off.*truncated"):
        load_modelnet(root, num_points=64)
    with pytest.warns(BadFileWarning):
        ds = load_modelnet(root, num_points=64, skip_bad=True)
    assert len(ds.train) == 3


# --- UEA/UCR .ts -------------------------------------------------------------------------------
def ts_text(n: int, *, bad_line: bool = False) -> str:
    lines = ["# written by the test", "@problemName Toy", "@timeStamps false", "@univariate false"]
    lines += ["@dimensions 2", "@equalLength true", "@classLabel true up down", "@data"]
    for i in range(n):
        a = ",".join(str(v) for v in np.round(RNG.normal(size=5), 3))
        lines.append(f"{a}:{a}:{'up' if i % 2 else 'down'}")
    if bad_line:
        lines.append("1,2,oops:3,4,5:up")
    return "\n".join(lines) + "\n"


def test_ts_train_test_pair(tmp_path: Path) -> None:
    (tmp_path / "Toy_TRAIN.ts").write_text(ts_text(6))
    (tmp_path / "Toy_TEST.ts").write_text(ts_text(4))
    ds = load_ts(tmp_path / "Toy_TRAIN.ts")
    assert ds.name == "Toy" and ds.sample_shape == (2, 5)
    assert (len(ds.train), len(ds.test)) == (6, 4) and ds.class_names == ("down", "up")
    assert torch.equal(ds.train.x[:, 0], ds.train.x[:, 1])


def test_ts_bad_value_names_line(tmp_path: Path) -> None:
    (tmp_path / "Toy_TRAIN.ts").write_text(ts_text(6, bad_line=True))
    with pytest.raises(ValueError, match=r"Toy_TRAIN.ts, line 15"):
        load_ts(tmp_path / "Toy_TRAIN.ts")
    with pytest.warns(BadFileWarning, match="skipped 1"):
        ds = load_ts(tmp_path / "Toy_TRAIN.ts", skip_bad=True, test_fraction=0.5)
    assert len(ds.train) + len(ds.test) == 6


def test_ts_without_data_section(tmp_path: Path) -> None:
    (tmp_path / "x.ts").write_text("@problemName X\n1,2:up\n")
    with pytest.raises(ValueError, match="no @data"):
        load_ts(tmp_path / "x.ts")


# --- CSV ---------------------------------------------------------------------------------------
def test_csv_named_label_column(tmp_path: Path) -> None:
    rows = ["height,species,weight"] + [f"{i},{'ab'[i % 2]},{2 * i}" for i in range(20)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    ds = load_csv(tmp_path / "t.csv", label_column="species")
    assert ds.layout == "vector" and ds.sample_shape == (2,) and ds.class_names == ("a", "b")
    assert ds.meta["feature_names"] == ["height", "weight"]
    x = torch.cat([ds.train.x, ds.test.x])
    assert torch.equal(x[:, 1], 2 * x[:, 0])


def test_csv_bad_rows(tmp_path: Path) -> None:
    rows = ["f,label"] + [f"{i},{i % 2}" for i in range(10)] + ["seven,1", "3"]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match="line 12, column 1: 'seven'"):
        load_csv(tmp_path / "t.csv", label_column="label")
    with pytest.warns(BadFileWarning, match="skipped 2 bad rows"):
        ds = load_csv(tmp_path / "t.csv", label_column="label", skip_bad=True)
    assert len(ds.train) + len(ds.test) == 10
    with pytest.raises(ValueError, match="label_column 'kind'"):
        load_csv(tmp_path / "t.csv", label_column="kind")


# --- IDX ---------------------------------------------------------------------------------------
def test_idx_roundtrip_and_truncation(tmp_path: Path) -> None:
    images = RNG.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    raw = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in images.shape)
    (tmp_path / "x.gz").write_bytes(gzip.compress(raw + images.tobytes()))
    assert np.array_equal(read_idx(tmp_path / "x.gz"), images)
    (tmp_path / "y.gz").write_bytes(gzip.compress(raw + images.tobytes()[:-7]))
    with pytest.raises(ValueError, match=r"y.gz holds 53 data bytes"):
        read_idx(tmp_path / "y.gz")
    (tmp_path / "z.gz").write_bytes(gzip.compress(raw + images.tobytes())[:20])
    with pytest.raises(ValueError, match=r"z.gz"):
        read_idx(tmp_path / "z.gz")


# --- format detection --------------------------------------------------------------------------
def test_detect_and_load_each_format(tmp_path: Path) -> None:
    from PIL import Image

    from randquant.data.formats import detect_format, load_format

    cifar = write_cifar10(tmp_path / "cifar")
    clips = write_clips(tmp_path / "clips")
    meshes = write_modelnet(tmp_path / "mn")
    (tmp_path / "Toy_TRAIN.ts").write_text(ts_text(6))
    (tmp_path / "t.csv").write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    for cls in ("red", "blue"):
        (tmp_path / "img" / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (8, 8), cls).save(tmp_path / "img" / cls / f"{i}.png")
    cases = {
        cifar: "cifar",
        clips: "audio_folder",
        meshes: "modelnet",
        tmp_path / "Toy_TRAIN.ts": "ts",
        tmp_path / "t.csv": "csv",
        tmp_path / "img": "image_folder",
    }
    for path, fmt in cases.items():
        assert detect_format(path) == fmt
    assert load_format(meshes, num_points=32).layout == "points"
    assert load_format(tmp_path / "t.csv", label_column="y").layout == "vector"
    assert load_format(tmp_path / "img").sample_shape == (3, 8, 8)
    with pytest.raises(ValueError, match="label_column"):
        load_format(tmp_path / "t.csv")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"notes\.txt: unknown file format"):
        detect_format(tmp_path / "notes.txt")


def test_truncated_png_in_a_named_source_is_named(tmp_path: Path) -> None:
    from PIL import Image

    from randquant.data.tuxpaint import picture_to_array

    Image.new("RGBA", (20, 10), (255, 0, 0, 128)).save(tmp_path / "ok.png")
    x = picture_to_array(tmp_path / "ok.png", 8)
    assert x.shape == (3, 8, 8) and x[:, 0, 0].tolist() == [1.0, 1.0, 1.0]  # padded with white
    raw = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"cut\.png"):
        picture_to_array(tmp_path / "cut.png", 8)
