"""``--device``: one option on every command that computes, one resolver, and a GPU that is not
there is a one-line error (exit 2) before any work or file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app
from randquant.device import DEVICES, resolve_device, torch_device

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
HELP = "cpu, cuda or auto (cuda when torch sees a GPU, else cpu); gpu = cuda."


def _commands(root: Path) -> dict[str, list[str]]:
    npz, enc = root / "tiny.npz", root / "enc.pt"
    return {
        "bench op": ["bench", "op", "--output", f"{root}/out/op.json"],
        "bench train-step": ["bench", "train-step", "--output", f"{root}/out/ts.json"],
        "bench suite": ["bench", "suite", "--datasets", "digits", "--output", f"{root}/out/s"],
        "bench ablation": [
            "bench",
            "ablation",
            "--datasets",
            "digits",
            "--output",
            f"{root}/out/a",
        ],
        "demo": ["demo", "--output", f"{root}/out/demo"],
        "compare": ["compare", "--data", str(npz), "--epochs", "1", "--output", f"{root}/out/c"],
        "pretrain": [
            "pretrain",
            "--data",
            str(npz),
            "--epochs",
            "1",
            "--output",
            f"{root}/out/e.pt",
        ],
        "probe": ["probe", "--checkpoint", str(enc), "--data", str(npz)],
    }


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("device")
    x = np.random.default_rng(0).normal(size=(8, 2, 16)).astype(np.float32)
    y = np.array([0, 1] * 4)
    np.savez(root / "tiny.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    (root / "enc.pt").write_bytes(b"not read before --device is checked")
    return root


COMMANDS = list(_commands(Path("/x")))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_the_one_device_option(name: str, root: Path) -> None:
    res = runner.invoke(app, [*name.split(), "--help"])
    assert res.exit_code == 0, res.output
    assert "--device" in res.output, res.output
    if "--config" not in res.output:  # typer commands share the one option (config-tree
        assert HELP in " ".join(res.output.split()), res.output  # commands: a typed field)


@pytest.mark.parametrize("name", COMMANDS)
def test_unknown_device_is_exit_2_naming_the_option(name: str, root: Path) -> None:
    res = runner.invoke(app, [*_commands(root)[name], "--device", "tpu"])
    assert res.exit_code == 2, res.output
    assert "--device" in res.output and "'tpu'" in res.output
    assert not (root / "out").exists()  # nothing was written


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("name", COMMANDS)
def test_cuda_without_a_gpu_is_exit_2_before_any_work(name: str, root: Path) -> None:
    res = runner.invoke(app, [*_commands(root)[name], "--device", "cuda"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "--device" in text and "sees no CUDA device" in text, res.output
    assert "Traceback" not in res.output
    assert not (root / "out").exists()


def test_resolver() -> None:
    assert DEVICES[:3] == ("auto", "cpu", "cuda")
    assert resolve_device("cpu") == ("cpu", torch.device("cpu"))
    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch_device("auto").type == want
    if torch.cuda.is_available():
        assert resolve_device("gpu") == ("gpu", torch.device("cuda"))
    else:
        with pytest.raises(ValueError, match="no CUDA device") as err:
            resolve_device("gpu")
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="device must be one of"):
        resolve_device("tpu")
