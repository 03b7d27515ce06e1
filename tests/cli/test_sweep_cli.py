"""`--workers` / `--ray-address` of the sweep commands, and the exit status of a sweep with
failed runs (the others finish; the command names the failed ones and exits 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from randquant.cli import app

runner = CliRunner()
TINY = ["--epochs", "1", "--batch-size", "8", "--width", "8", "--device", "cpu", "--quiet"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["compare", "--workers", "0"], "--workers"),
        (["bench", "suite", "--workers", "0"], "--workers"),
        (["bench", "ablation", "--workers", "-1"], "--workers"),
    ],
)
def test_bad_workers_are_named(args: list[str], option: str, npz: Path, tmp_path: Path) -> None:
    extra = ["--data", str(npz)] if args[0] == "compare" else []
    result = runner.invoke(app, [*args, *extra, "--output", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output


def test_workers_without_ray_say_how_to_get_it(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import randquant.engine.executor as executor

    monkeypatch.setattr(executor, "ray_available", lambda: False)
    args = ["compare", "--data", str(npz), "--output", str(tmp_path / "o"), *TINY]
    result = runner.invoke(app, [*args, "--workers", "2"])
    assert result.exit_code == 2 and "randquant[ray]" in result.output, result.output
    assert not (tmp_path / "o" / "runs").exists()  # refused before any work
    result = runner.invoke(app, [*args, "--ray-address", "auto"])
    assert result.exit_code == 2 and "--ray-address" in result.output, result.output


def test_a_failed_run_is_named_and_the_others_finish(
    npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import randquant.engine.training

    real = randquant.engine.training.pretrain

    def seed_1_breaks(dataset: Any, views: Any, encoder: Any, cfg: Any, **kw: Any) -> Any:
        if cfg.seed == 1:
            raise RuntimeError("boom in seed 1")
        return real(dataset, views, encoder, cfg, **kw)

    monkeypatch.setattr(randquant.engine.training, "pretrain", seed_1_breaks)
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        ["compare", "--data", str(npz), "--augment", "none", "--seeds", "0,1,2",
         "--output", str(out), "--workers", "1", *TINY],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "1 run(s) failed" in result.output and "none seed 1" in result.output
    assert "boom in seed 1" in result.output and "Traceback" not in result.output
    assert len(list((out / "runs").glob("*.json"))) == 2  # seeds 0 and 2 finished
    (failed,) = (out / "failed").glob("*.json")
    assert json.loads(failed.read_text())["seed"] == 1
