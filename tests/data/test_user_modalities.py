"""``load_user_data`` reads every modality (wav folders, CSV tables, .ts series, OFF/PLY meshes)
from small files written here, and names the file when one is bad."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import trimesh

from randquant.data import load_user_data

RNG = np.random.default_rng(0)


def write_wavs(root: Path, per_class: int = 4) -> Path:
    t = np.arange(4000) / 8000
    for cls, freq in (("low", 300.0), ("high", 2500.0)):
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            wave = 0.5 * np.sin(2 * np.pi * freq * (1 + 0.01 * i) * t)
            sf.write(root / cls / f"clip{i}.wav", wave.astype(np.float32), 8000)
    return root


def write_csv(path: Path, rows: int = 12, label: str = "label") -> Path:
    lines = [f"a,b,c,{label}"]
    for i in range(rows):
        a, b, c = RNG.normal(size=3).round(3)
        lines.append(f"{a},{b},{c},{'yes' if i % 2 else 'no'}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_ts(path: Path, cases: int = 10) -> Path:
    lines = ["@problemName Toy", "@timeStamps false", "@univariate false", "@dimensions 2"]
    lines += ["@equalLength true", "@classLabel true up down", "@data"]
    for i in range(cases):
        a = ",".join(str(v) for v in RNG.normal(size=6).round(3))
        lines.append(f"{a}:{a}:{'up' if i % 2 else 'down'}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_meshes(root: Path, per_class: int = 3) -> Path:
    for cls, extents in (("box", (1.0, 1.0, 2.0)), ("slab", (3.0, 3.0, 0.2))):
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            mesh = trimesh.creation.box(extents=[e * (1 + 0.1 * i) for e in extents])
            suffix = ".ply" if i % 2 else ".off"  # both formats in one folder
            mesh.export(root / cls / f"{cls}{i}{suffix}")
    return root


def test_wav_folder(tmp_path: Path) -> None:
    ds = load_user_data(write_wavs(tmp_path / "clips"), duration=0.5, test_fraction=0.25)
    assert ds.layout == "sequence" and ds.meta["modality"] == "audio"
    assert len(ds.train) + len(ds.test) == 8 and ds.class_names == ("high", "low")


def test_csv_table_with_default_and_named_label_column(tmp_path: Path) -> None:
    ds = load_user_data(write_csv(tmp_path / "t.csv"), test_fraction=0.25)
    assert ds.layout == "vector" and ds.sample_shape == (3,) and ds.class_names == ("no", "yes")
    assert len(ds.train) + len(ds.test) == 12
    named = load_user_data(write_csv(tmp_path / "u.csv", label="kind"), label_column="kind")
    assert named.sample_shape == (3,)
    with pytest.raises(ValueError, match=r"u\.csv: no label column named label"):
        load_user_data(tmp_path / "u.csv")


def test_ts_file(tmp_path: Path) -> None:
    ds = load_user_data(write_ts(tmp_path / "Toy_TRAIN.ts"), test_fraction=0.3)
    assert ds.layout == "sequence" and ds.sample_shape == (2, 6)
    assert len(ds.train) + len(ds.test) == 10


def test_off_and_ply_meshes(tmp_path: Path) -> None:
    ds = load_user_data(write_meshes(tmp_path / "meshes"), num_points=64, test_fraction=0.34)
    assert ds.layout == "points" and ds.sample_shape == (64, 3)
    assert len(ds.train) + len(ds.test) == 6 and ds.class_names == ("box", "slab")


@pytest.mark.parametrize(
    ("make", "damage", "match"),
    [
        (lambda p: write_wavs(p / "clips"), "clips/low/clip1.wav", r"clip1\.wav"),
        (lambda p: write_meshes(p / "m"), "m/box/box1.ply", r"box1\.ply"),
        (lambda p: write_meshes(p / "m"), "m/slab/slab0.off", r"slab0\.off"),
        (lambda p: write_ts(p / "Toy_TRAIN.ts"), "Toy_TRAIN.ts", r"Toy_TRAIN\.ts"),
        (lambda p: write_csv(p / "t.csv"), "t.csv", r"t\.csv, line 2"),
    ],
    ids=["wav", "ply", "off", "ts", "csv"],
)
def test_a_bad_file_is_named(tmp_path: Path, make: object, damage: str, match: str) -> None:
    root = make(tmp_path)  # type: ignore[operator]
    bad = tmp_path / damage
    if bad.suffix == ".csv":
        bad.write_text("a,b,c,label\n1,x,3,no\n")
    elif bad.suffix == ".ts":
        bad.write_text(bad.read_text() + "1,2,oops:3:up\n")
    else:
        bad.write_bytes(bad.read_bytes()[:20])
    with pytest.raises(ValueError, match=match):
        load_user_data(root, duration=0.5, num_points=16)


# --- from the command line -----------------------------------------------------------------
MAKERS = {
    "wav": (lambda p: write_wavs(p / "clips"), ["--duration", "0.5"]),
    "csv": (lambda p: write_csv(p / "t.csv", rows=16), []),
    "ts": (lambda p: write_ts(p / "Toy_TRAIN.ts", cases=16), []),
    "mesh": (lambda p: write_meshes(p / "m", per_class=4), ["--num-points", "32"]),
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_pretrain_from_the_cli_on_each_modality(kind: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from randquant.cli import app

    make, extra = MAKERS[kind]
    data = make(tmp_path)
    out = tmp_path / "enc.pt"
    tiny = ["--epochs", "1", "--batch-size", "4", "--width", "8", "--device", "cpu", "--quiet"]
    args = ["pretrain", "--data", str(data), "--augment", "rq", "--test-fraction", "0.25"]
    res = CliRunner().invoke(app, [*args, *extra, *tiny, "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file()


def test_a_bad_file_from_the_cli_is_one_line_naming_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from randquant.cli import app

    root = write_meshes(tmp_path / "m")
    (root / "box" / "box1.ply").write_bytes(b"ply\nbroken")
    runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
    res = runner.invoke(app, ["pretrain", "--data", str(root), "--output", str(tmp_path / "e.pt")])
    said = " ".join(res.output.split())
    assert res.exit_code == 2 and "Invalid value for --data" in said and "box1.ply" in said, said
