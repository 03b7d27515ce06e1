"""``randquant data list`` and ``randquant data prepare`` through the real typer app."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app
from randquant.data import registry
from randquant.data.sources import Advance, Source, SourceIndex

runner = CliRunner()


class Tiny(Source):
    name = "tiny"
    modality = "tabular"
    layout = "vector"
    description = "two numbers per row"
    apt = ("tiny-pkg",)
    full_size = "16 rows"

    def __init__(self, path: Path) -> None:
        self.path = path

    def source_files(self) -> list[Path]:
        return self.require_files(self.path)

    def index(self) -> SourceIndex:
        self.source_files()
        return SourceIndex(list(range(16)), torch.arange(16).remainder(2).numpy(), ("even", "odd"))

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        advance(len(items))
        return torch.tensor([[float(i), 2.0 * i] for i in items])


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tiny:
    (tmp_path / "src.txt").write_text("x")
    src = Tiny(tmp_path / "src.txt")
    monkeypatch.setattr(registry, "_sources", lambda: {"tiny": src})
    return src


def test_prepare_then_list_shows_cached(tiny: Tiny, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    res = runner.invoke(app, ["data", "prepare", "tiny", "--profile", "full", "--cache-dir", cache])
    assert res.exit_code == 0, res.output
    assert "tiny (full): 12 train / 4 test" in res.output
    assert (tmp_path / "cache" / "tiny-full.pt").exists()
    res = runner.invoke(app, ["data", "list", "--cache-dir", cache], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "tiny" in res.output and "full" in res.output


def test_prepare_missing_package_exits_with_install_line(tiny: Tiny, tmp_path: Path) -> None:
    tiny.path.unlink()
    res = runner.invoke(
        app, ["data", "prepare", "tiny", "--cache-dir", str(tmp_path)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 1 and "apt-get install -y tiny-pkg" in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["nope"], "unknown dataset 'nope'"), (["tiny", "--profile", "big"], "--profile")],
)
def test_prepare_bad_input_names_it(tiny: Tiny, args: list[str], needle: str) -> None:
    res = runner.invoke(app, ["data", "prepare", *args], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and needle in res.output


def test_help_shows_an_example() -> None:
    res = runner.invoke(app, ["data", "prepare", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "randquant data prepare all" in res.output
