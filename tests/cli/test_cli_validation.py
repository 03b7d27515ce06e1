"""Every command's bad input: exit code 2 and a message that names the option, before any work
is done or any file written; every ``--help`` shows an example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from randquant.cli import app

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the app: the root, each group and each leaf command."""
    found = [path]
    if hasattr(group, "commands"):
        for name, sub in sorted(group.commands.items()):
            found += _commands(sub, (*path, name))
    return found


ALL_COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "randquant")
def test_every_help_shows_an_example(path: tuple[str, ...]) -> None:
    res = runner.invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output and "randquant " in res.output, res.output


AUDITED = {"augment explain", "bench op", "data prepare", "show", "pretrain", "probe", "compare"}


def test_the_audited_commands_exist() -> None:
    """The bad-value table below covers these (the --help check above covers every command;
    commands added later -- demo, bench suite/report/ablation/train-step -- are not audited)."""
    assert {" ".join(p) for p in ALL_COMMANDS} >= AUDITED
    covered = {" ".join(a[: 2 if a[0] in ("augment", "bench", "data") else 1]) for a, _ in BAD}
    assert covered == AUDITED


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 8)
    x = rng.normal(size=(16, 2, 24)).astype(np.float32)
    np.savez(root / "tiny.npz", x_train=x, y_train=y, x_test=x[:6], y_test=y[:6])
    (root / "afile").write_text("a file where a folder is expected")
    (root / "fake.pt").write_bytes(b"not an encoder")
    return root


D = ["--data", "{root}/tiny.npz"]
P = ["pretrain", *D, "--epochs", "1", "--output", "{root}/out/enc.pt"]
Q = ["probe", "--checkpoint", "{root}/fake.pt", *D]
BAD: list[tuple[list[str], str]] = [
    (["augment", "explain", "rq", "--layout", "bogus"], "--layout"),
    (["augment", "explain", "rq", "--modality", "bogus"], "--modality"),
    (["augment", "explain", "rq", "--rq-on", "bogus"], "--rq-on"),
    (["augment", "explain", "rq:bins=0"], "SPEC"),
    (["augment", "explain", "rq:bins=x"], "SPEC"),
    (["bench", "op", "--threads", "0"], "--threads"),
    (["bench", "op", "--repeats", "0"], "--repeats"),
    (["bench", "op", "--shape", "a,b"], "--shape"),
    (["bench", "op", "--shape", "4"], "--shape"),
    (["bench", "op", "--bins", "0"], "--bins"),
    (["data", "prepare", "nope"], "NAME"),
    (["data", "prepare", "digits", "--profile", "huge"], "--profile"),
    (["data", "prepare", "digits", "--cache-dir", "{root}/afile"], "--cache-dir"),
    (["show", "--bins", "0"], "--bins"),
    (["show", "--bins", "100000000000"], "--bins"),
    (["show", "--bins", "two"], "--bins"),
    (["show", "--image", "{root}/missing.png"], "--image"),
    (["show", "--image", "{root}/afile"], "--image"),
    (["show", "--n", "0"], "--n"),
    (["show", "--dataset", "nope"], "--dataset"),
    (["show", "--dataset", "digits", "--profile", "huge"], "--profile"),
    (["show", "--dataset", "digits", "--rq-on", "x"], "--rq-on"),
    (["show", "--dataset", "digits", "--n", "99"], "--n"),
    ([*P, "--epochs", "0"], "--epochs"),
    ([*P, "--seed", "-1"], "--seed"),
    ([*P, "--layout", "bogus"], "--layout"),
    ([*P, "--augment", "bogus"], "--augment"),
    ([*P, "--augment", "rq:bins=0"], "--augment"),
    ([*P, "--method", "swav"], "--method"),
    ([*P, "--encoder", "vgg"], "--encoder"),
    ([*P, "--width", "12"], "--width"),
    ([*P, "--batch-size", "1"], "--batch-size"),
    ([*P, "--device", "tpu"], "--device"),
    ([*P, "--rq-on", "x"], "--rq-on"),
    ([*P, "--lr", "0"], "--lr"),
    ([*P, "--weight-decay", "-1"], "--weight-decay"),
    ([*P, "--test-fraction", "0"], "--test-fraction"),
    ([*P, "--image-size", "0"], "--image-size"),
    ([*P, "--profile", "full"], "--profile"),
    ([*P, "--resume"], "--resume"),
    ([*P, "--output", "{root}/afile/enc.pt"], "--output"),
    ([*P, "--output", "{root}"], "--output"),
    ([*P, "--checkpoint-dir", "{root}/afile"], "--checkpoint-dir"),
    ([*P, "--epochs", "x"], "--epochs"),
    (["pretrain", "--data", "{root}/missing.npz"], "--data"),
    (["pretrain", "--dataset", "nope"], "--dataset"),
    (["pretrain"], "--data / --dataset"),
    (["probe", *D], "--checkpoint"),
    (["probe", "--checkpoint", "{root}/missing.pt", *D], "--checkpoint"),
    ([*Q], "--checkpoint"),
    ([*Q, "--k", "0"], "--k"),
    ([*Q, "--temperature", "0"], "--temperature"),
    ([*Q, "--seed", "-1"], "--seed"),
    ([*Q, "--device", "tpu"], "--device"),
    ([*Q, "--output", "{root}/afile/p.json"], "--output"),
    (["show", "--output", "{root}/afile/x.png"], "--output"),
    (["show", "--dataset", "digits", "--output", "{root}"], "--output"),
    (["bench", "op", "--output", "{root}/afile/x.json"], "--output"),
    (["compare", *D, "--output", "{root}/afile"], "--output"),
    (["compare", *D, "--output", "{root}/afile/sub"], "--output"),
    (["compare", *D, "--output", "{root}/c", "--seeds", "-1"], "--seeds"),
    (["compare", *D, "--output", "{root}/c", "--layout", "bogus"], "--layout"),
]


@pytest.mark.parametrize(
    ("args", "option"), BAD, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_bad_value_is_named(files: Path, args: list[str], option: str) -> None:
    before = sorted(p.name for p in files.rglob("*"))
    res = runner.invoke(app, [a.format(root=files) for a in args])
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    said = " ".join(line.strip(" │") for line in res.output.splitlines())
    pattern = rf"(Invalid value for|Missing option|Missing argument) '?{re.escape(option)}'?"
    assert re.search(pattern, said), said
    assert sorted(p.name for p in files.rglob("*")) == before  # nothing written
