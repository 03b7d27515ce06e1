"""Bad data that tests/data/ does not already cover: a truncated .ogg clip and .obj mesh,
labels out of range, a cache writer SIGKILLed mid-write, a truncated encoder file and
checkpoint, and a truncated image reaching the CLI. Each gives an error naming the file, or is
rebuilt; nothing already written is lost. (The full table is in docs/reliability.md.)"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from randquant.cli import app
from randquant.data.audio_folder import load_audio_folder
from randquant.data.base import Dataset, SplitData
from randquant.data.cache import CacheRebuildWarning, DatasetCache
from randquant.data.files import BadFileWarning
from randquant.data.furniture import _load_obj, sample_mesh_points
from randquant.engine.checkpoint import check_checkpoint
from randquant.engine.encoder_file import load_encoder, save_encoder


def _clips(root: Path) -> Path:
    import soundfile as sf

    t = np.arange(4000) / 8000
    for cls, freq in (("low", 300.0), ("high", 2000.0)):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            wave = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
            sf.write(root / cls / f"clip{i}.ogg", wave, 8000, format="OGG")
    return root


def test_truncated_ogg_clip_is_named_or_skipped(tmp_path: Path) -> None:
    root = _clips(tmp_path / "clips")
    bad = root / "high" / "clip1.ogg"
    bad.write_bytes(bad.read_bytes()[:60])
    with pytest.raises(ValueError, match=r"clip1\.ogg"):
        load_audio_folder(root, duration=0.25, n_mels=16)
    with pytest.warns(BadFileWarning, match="skipped 1 of"):
        ds = load_audio_folder(root, duration=0.25, n_mels=16, skip_bad=True)
    assert len(ds.train) + len(ds.test) == 5
    assert bad.stat().st_size == 60  # the input is never touched


OBJ = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 3 4\nf 1 2 5\n"


@pytest.mark.parametrize("text", [OBJ[:40], "\x00\xff" * 10, ""], ids=["cut", "garbage", "empty"])
def test_broken_obj_mesh_is_named(text: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("chair.obj", text)
    zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    where = "chair.obj in furniture.zip"
    with pytest.raises(ValueError, match=r"chair\.obj in furniture\.zip"):
        sample_mesh_points(_load_obj(zf, "chair.obj", where), 16, seed=0, where=where)


def test_labels_out_of_range_are_named() -> None:
    x = torch.zeros(4, 2, 8)
    for y in ([0, 1, 2, 3], [-1, 0, 1, 0]):
        with pytest.raises(ValueError, match=r"'toy', split 'train': labels must lie in \[0, 3\)"):
            Dataset(  # checked when built (validate_dataset)
                name="toy",
                layout="sequence",
                train=SplitData(x, torch.tensor(y)),
                test=SplitData(x, torch.tensor([0, 1, 0, 1])),
                num_classes=3,
                class_names=("a", "b", "c"),
            )


WRITER = textwrap.dedent(
    """
    import os, signal, sys, torch
    from pathlib import Path
    from randquant.data.base import Dataset, SplitData
    from randquant.data.cache import DatasetCache

    root, version, kill_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    x = torch.full((6, 2, 4), float(version))
    split = SplitData(x, torch.arange(6) % 2)
    ds = Dataset("toy", "sequence", split, split, 2, ("a", "b"))
    real, calls = os.fsync, []
    def fsync(fd):
        calls.append(fd)
        if len(calls) == kill_at:  # half the file on disk, then the process dies
            os.ftruncate(fd, 40)
            os.kill(os.getpid(), signal.SIGKILL)
        real(fd)
    os.fsync = fsync
    DatasetCache(root).store("toy-quick", ds, version=version, source_stat="s", source_hash="h")
    """
)


def _store_here(root: Path, version: int) -> None:
    split = SplitData(torch.full((6, 2, 4), float(version)), torch.arange(6) % 2)
    ds = Dataset("toy", "sequence", split, split, 2, ("a", "b"))
    DatasetCache(root).store(
        "toy-quick", ds, version=str(version), source_stat="s", source_hash="h"
    )


def _store(root: Path, version: int, kill_at: int) -> int:
    cmd = [sys.executable, "-c", WRITER, str(root), str(version), str(kill_at)]
    return subprocess.run(cmd, capture_output=True, timeout=120).returncode


def _load(root: Path, version: int) -> Dataset | None:
    return DatasetCache(root).load(
        "toy-quick", version=str(version), source_stat="s", source_hash=lambda: "h"
    )


def test_cache_writer_killed_mid_write_never_yields_a_corrupt_dataset(tmp_path: Path) -> None:
    _store_here(tmp_path, 1)
    # killed while writing the data file: the previous build is whole and still used
    assert _store(tmp_path, 2, kill_at=1) == -signal.SIGKILL
    assert [p.name for p in tmp_path.glob(".*.tmp")]  # the partial temp file is left ...
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        old = _load(tmp_path, 1)
    assert old is not None and float(old.train.x[0, 0, 0]) == 1.0
    # killed between the new data file and its manifest: detected, rebuilt, never loaded
    assert _store(tmp_path, 2, kill_at=2) == -signal.SIGKILL
    with pytest.warns(CacheRebuildWarning, match="manifest hash"):
        assert _load(tmp_path, 1) is None
    _store_here(tmp_path, 2)  # the rebuild ...
    new = _load(tmp_path, 2)
    assert new is not None and float(new.train.x[0, 0, 0]) == 2.0
    assert not list(tmp_path.glob(".*.tmp"))  # ... also removes the temp files of killed writers


def test_truncated_encoder_file_is_named(tmp_path: Path) -> None:
    from randquant.models import build_encoder

    enc = build_encoder("cnn1d", layout="sequence", sample_shape=(2, 16), width=8)
    path = tmp_path / "enc.pt"
    save_encoder(path, enc, name="cnn1d", layout="sequence", sample_shape=(2, 16), width=8)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"enc\.pt: not a readable encoder file"):
        load_encoder(path)
    ckpt = tmp_path / "last.ckpt"
    torch.save({"state_dict": enc.state_dict(), "epoch": 0}, ckpt)
    check_checkpoint(ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"checkpoint .*last\.ckpt cannot be read"):
        check_checkpoint(ckpt)


def test_truncated_image_stops_the_cli_before_any_work(tmp_path: Path) -> None:
    for ci, cls in enumerate(("cat", "dog")):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(4):
            arr = np.full((8, 8, 3), 50 * ci + i, dtype=np.uint8)
            Image.fromarray(arr).save(tmp_path / "imgs" / cls / f"{i}.png")
    png = tmp_path / "imgs" / "dog" / "2.png"
    png.write_bytes(png.read_bytes()[:30])
    out = tmp_path / "run" / "enc.pt"
    res = CliRunner(env={"COLUMNS": "250"}).invoke(
        app, ["pretrain", "--data", str(tmp_path / "imgs"), "--output", str(out), "--quiet"]
    )
    said = " ".join(line.strip(" │") for line in res.output.splitlines())
    assert res.exit_code == 2 and "--data" in said and "2.png" in said, said
    assert not (tmp_path / "run").exists()
