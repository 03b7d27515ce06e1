"""`randquant pretrain | probe | compare` end to end on a tiny generated .npz, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app

torch.set_num_threads(1)
runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
TINY = ["--epochs", "1", "--batch-size", "8", "--width", "8", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    y = np.array(["up", "down"] * 8)
    x = rng.normal(size=(16, 2, 24)).astype(np.float32) + (y == "up")[:, None, None] * 2.0
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x[:6], y_test=y[:6])
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_compare_end_to_end_and_resume(npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, text = invoke(
        "compare",
        "--data",
        str(npz),
        "--augment",
        "none,rq:bins=4,p=0.5",
        "--seeds",
        "0,1",
        "--output",
        str(out),
        *TINY,
    )
    assert code == 0, text
    records = json.loads((out / "results.json").read_text())["runs"]
    assert [(r["augment"], r["seed"]) for r in records] == [
        ("none", 0),
        ("none", 1),
        ("rq:bins=4,p=0.5", 0),
        ("rq:bins=4,p=0.5", 1),
    ]
    assert all(0.0 <= r["linear_acc"] <= 1.0 and r["epochs"] == 1 for r in records)
    assert "| rq:bins=4,p=0.5 | simclr |" in (out / "results.md").read_text()
    assert (out / "results.csv").read_text().count("\n") == 5
    assert not (out / "checkpoints").exists()
    before = sorted(p.stat().st_mtime_ns for p in (out / "runs").iterdir())
    code, text = invoke(
        "compare",
        "--data",
        str(npz),
        "--augment",
        "none,rq:bins=4,p=0.5",
        "--seeds",
        "0,1",
        "--output",
        str(out),
        *TINY,
    )
    assert code == 0, text
    assert sorted(p.stat().st_mtime_ns for p in (out / "runs").iterdir()) == before  # all skipped


def test_compare_sizes_runs_by_budget_steps_and_says_so(npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    code, text = invoke("compare", "--data", str(npz), "--augment", "none,rq", "--seeds", "0",
                        "--budget", "3steps", "--batch-size", "8", "--width", "8",
                        "--device", "cpu", "--quiet", "--output", str(out))  # fmt: skip
    assert code == 0, text
    assert "plan (budget 3 steps): encoder auto, width 8, batch 8, 3 steps per run (2 epochs)" in (
        text
    )
    records = json.loads((out / "results.json").read_text())["runs"]
    assert [r["epochs"] for r in records] == [2, 2]  # 16 samples / batch 8: 2 steps an epoch


def test_pretrain_then_probe(npz: Path, tmp_path: Path) -> None:
    enc = tmp_path / "enc.pt"
    code, text = invoke(
        "pretrain", "--data", str(npz), "--augment", "noise", "--output", str(enc), *TINY
    )
    assert code == 0, text
    assert enc.is_file() and "saved" in text
    assert (tmp_path / "enc.pt.ckpt" / "last.ckpt").is_file()
    report = tmp_path / "probe.json"
    code, text = invoke(
        "probe",
        "--checkpoint",
        str(enc),
        "--data",
        str(npz),
        "--device",
        "cpu",
        "--k",
        "3",
        "--output",
        str(report),
    )
    assert code == 0, text
    assert "linear" in text and "knn" in text
    data = json.loads(report.read_text())
    assert 0.0 <= data["linear"]["accuracy"] <= 1.0 and data["knn"]["detail"]["k"] == 3.0
    assert data["info"]["augment"] == "noise"
    # --resume continues from the epoch checkpoint and ends where it was.
    code, text = invoke(
        "pretrain",
        "--data",
        str(npz),
        "--augment",
        "noise",
        "--output",
        str(enc),
        "--resume",
        *TINY,
    )
    assert code == 0, text


@pytest.mark.parametrize("command", ["pretrain", "probe", "compare"])
def test_help_shows_an_example(command: str) -> None:
    code, text = invoke(command, "--help")
    assert code == 0 and "Example" in text and f"randquant {command} --" in text


BAD = [
    (["--seeds", "0,x"], "--seeds"),
    (["--seeds", "1,1"], "--seeds"),
    (["--augment", "rq,bogus"], "--augment"),
    (["--augment", ","], "--augment"),
    (["--epochs", "0"], "--epochs"),
    (["--method", "swav"], "--method"),
    (["--encoder", "vgg"], "--encoder"),
    (["--width", "7"], "--width"),
    (["--batch-size", "1"], "--batch-size"),
    (["--device", "tpu"], "--device"),
    (["--rq-on", "output"], "--rq-on"),
    (["--lr", "-1"], "--lr"),
    (["--weight-decay", "-1"], "--weight-decay"),
    (["--test-fraction", "1.5"], "--test-fraction"),
    (["--image-size", "0"], "--image-size"),
    (["--profile", "full"], "--profile"),
    (["--threads", "0"], "--threads"),
    (["--contrast", "rq:bogus"], "--contrast"),
    (["--contrast", "rq:rq"], "--contrast"),
    (["--recipe", "imagenet"], "--recipe"),
    (["--budget", "10x"], "--budget"),
    (["--budget", "10m"], "--budget / --epochs"),  # one or the other
]


@pytest.mark.parametrize(("args", "option"), BAD)
def test_compare_rejects_bad_options_naming_them(
    npz: Path, tmp_path: Path, args: list[str], option: str
) -> None:
    code, text = invoke(
        "compare",
        "--data",
        str(npz),
        "--output",
        str(tmp_path / "o"),
        "--epochs",
        "1",
        "--device",
        "cpu",
        *args,
    )
    assert code == 2, text
    assert f"Invalid value for '{option}'" in text or f"Invalid value for {option}" in text, text
    assert not (tmp_path / "o").exists()


def test_data_source_errors(npz: Path, tmp_path: Path) -> None:
    code, text = invoke("compare", "--output", str(tmp_path / "o"))
    assert code == 2 and "exactly one of --data" in text
    code, text = invoke(
        "compare", "--data", str(npz), "--dataset", "digits", "--output", str(tmp_path / "o")
    )
    assert code == 2 and "exactly one of --data" in text
    broken = tmp_path / "broken.npz"
    np.savez(broken, x_train=np.ones((4, 2, 3)), y_train=np.arange(4), x_test=np.ones((2, 2, 3)))
    code, text = invoke("compare", "--data", str(broken), "--output", str(tmp_path / "o"))
    assert (
        code == 2
        and "for --data:" in text
        and "missing key 'y_test'" in text
        and "broken.npz" in text
    )
    code, text = invoke(
        "compare", "--data", str(npz), "--layout", "points", "--output", str(tmp_path / "o")
    )
    assert code == 2 and "for --data:" in text and "points" in text


def test_probe_and_pretrain_bad_options(npz: Path, tmp_path: Path) -> None:
    code, text = invoke("probe", "--checkpoint", str(tmp_path / "none.pt"), "--data", str(npz))
    assert code == 2 and "for --checkpoint:" in text
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not torch")
    code, text = invoke("probe", "--checkpoint", str(junk), "--data", str(npz), "--device", "cpu")
    assert code == 2 and "for --checkpoint:" in text and "junk.pt" in text
    for args, option in ((["--k", "0"], "--k"), (["--temperature", "0"], "--temperature")):
        code, text = invoke("probe", "--checkpoint", str(junk), "--data", str(npz), *args)
        assert code == 2 and f"for {option}:" in text, text
    code, text = invoke(
        "pretrain", "--data", str(npz), "--output", str(tmp_path / "e.pt"), "--resume"
    )
    assert code == 2 and "for --resume:" in text and "last.ckpt" in text
