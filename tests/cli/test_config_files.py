"""Hostile ``--config`` files (issue 20): billion laughs, another file named inside, a file
that is no config. Each is one short line naming the file, never its content."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from randquant.cli import app


def _laughs(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        lines.append(f"l{k}: &l{k} [" + ",".join([f"*l{k - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ntrain:\n  batch_size: *l{levels - 1}\n"


def _run(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv))
    return result.exit_code, result.output


def test_billion_laughs_config_is_refused_before_it_expands(tmp_path: Path) -> None:
    cfg = tmp_path / "laughs.yaml"
    cfg.write_text(_laughs(9))  # 9**9 = 387 million strings from ~400 bytes
    assert cfg.stat().st_size < 500
    code, out = _run("pretrain", "--config", str(cfg))
    assert code == 2, out
    assert "laughs.yaml" in out and "expand to more than" in out and len(out) < 1000


def test_an_error_never_repeats_a_large_value(tmp_path: Path) -> None:
    cfg = tmp_path / "small.yaml"
    cfg.write_text(_laughs(3))  # 729 values: allowed, but not an int
    code, out = _run("pretrain", "--config", str(cfg))
    assert code == 2 and "batch-size" in out.replace("\n", "").replace("│", "")
    assert len(out) < 1500 and "more characters" in out.replace("\n", "").replace("│ ", "")


@pytest.mark.parametrize("content", ["config: {secret}\n", "train:\n  config: {secret}\n"])
def test_a_config_naming_another_file_never_prints_it(tmp_path: Path, content: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOPSECRET:/root:/bin/bash\n" * 3)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(content.format(secret=secret))
    code, out = _run("pretrain", "--config", str(cfg))
    assert code == 2 and "TOPSECRET" not in out
    code, out = _run("pretrain", "--config", str(secret))
    assert code == 2 and "TOPSECRET" not in out
    assert "not a YAML mapping" in out.replace("\n", "").replace("│", "")
