"""One config tree per command: flags and YAML give the same config, every engine option is
reachable, each bad value is named (exit status 2), and ``--config`` runs end to end."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

from randquant.cli import app
from randquant.cli.commands import CompareCommand, PretrainCommand, ProbeCommand
from randquant.cli.config import parse
from randquant.config import PretrainConfig

torch.set_num_threads(1)
runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

YAML = """\
source:
  data: {data}
augment: crop+rq:bins=4
model:
  width: 8
train:
  method: byol
  epochs: 1
  batch_size: 8
  devices: 1
  precision: 32-true
  strategy: auto
  num_workers: 0
  augment_in_workers: true
  warmup_epochs: 0
device: cpu
quiet: true
"""


def pretrain(argv: list[str]) -> PretrainCommand:
    return parse(PretrainCommand, argv, skips=PretrainCommand.SKIPS)


def test_yaml_and_flags_give_the_same_config(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(YAML.format(data="x.npz"))
    flags = ["--data", "x.npz", "--augment", "crop+rq:bins=4", "--width", "8", "--method", "byol"]
    flags += ["--epochs", "1", "--batch-size", "8", "--devices", "1", "--precision", "32-true"]
    flags += ["--strategy", "auto", "--num-workers", "0", "--augment-in-workers"]
    flags += ["--warmup_epochs", "0", "--device", "cpu", "--quiet"]
    from_yaml, from_flags = pretrain(["--config", str(path)]), pretrain(flags)
    assert from_yaml == from_flags
    assert from_yaml.train.augment_in_workers and from_yaml.train.method == "byol"
    # full keys work too, and a flag after --config overrides the file
    later = pretrain(["--config", str(path), "--train.epochs", "3", "--batch_size", "4"])
    assert (later.train.epochs, later.train.batch_size) == (3, 4)


def test_every_engine_option_is_a_flag() -> None:
    """Each PretrainConfig field is reachable from `pretrain`, except the ones the command
    sets itself (named in SKIPS); compare exposes the same minus its per-run fields."""
    values = {"devices": "2", "num_nodes": "2", "strategy": "ddp", "precision": "bf16-mixed",
              "accumulate_grad_batches": "3", "num_workers": "2", "ddp_timeout_s": "60",
              "optimizer": "adamw", "lr": "0.01", "weight_decay": "0.1", "warmup_epochs": "2",
              "log_dir": "logs", "augment_in_workers": "true"}  # fmt: skip
    skipped = PretrainCommand.SKIPS["train"]
    fields = {f.name for f in dataclasses.fields(PretrainConfig)} - skipped
    assert fields - {"method", "epochs", "batch_size", "seed"} == set(values)
    argv = ["--dataset", "digits"]
    for name, value in values.items():
        argv += [f"--{name.replace('_', '-')}", value]
    cfg = pretrain(argv).train
    assert (cfg.devices, cfg.num_nodes, cfg.strategy, cfg.precision) == (2, 2, "ddp", "bf16-mixed")
    assert (cfg.accumulate_grad_batches, cfg.num_workers, cfg.ddp_timeout_s) == (3, 2, 60.0)
    assert cfg.augment_in_workers and cfg.log_dir == Path("logs")
    cmp = parse(CompareCommand, ["--dataset", "digits", "--output", "o", "--devices", "2"],
                skips=CompareCommand.SKIPS)  # fmt: skip
    assert cmp.train.devices == 2


@pytest.mark.parametrize(
    ("argv", "option", "message"),
    [
        (["--epochs", "0"], "--epochs", "epochs must be an integer >= 1"),
        (["--batch-size", "1"], "--batch-size", "batch_size must be >= 2"),
        (["--devices", "x"], "--devices", "Expected a <class 'int'>"),
        (["--num-workers", "-1"], "--num-workers", "num_workers must be an integer >= 0"),
        (["--width", "12"], "--width", "multiple of 8"),
        (["--dataset", "digits"], "--data / --dataset", "exactly one"),
        (["--profile", "full"], "--profile", "profile applies to --dataset only"),
        (["--bogus", "1"], "--bogus", "no such option"),
    ],
)
def test_a_bad_value_names_its_flag(argv: list[str], option: str, message: str) -> None:
    with pytest.raises(typer.BadParameter) as info:
        pretrain(["--data", "x.npz", *argv])
    assert info.value.param_hint == option and message in info.value.message


def test_a_bad_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("source:\n  data: x.npz\ntrain:\n  epoch: 3\n")  # a typo of epochs
    with pytest.raises(typer.BadParameter) as info:
        pretrain(["--config", str(path)])
    assert info.value.param_hint == "--config" and "epoch" in info.value.message
    path.write_text("source:\n  data: x.npz\ntrain:\n  epochs: 0\n")
    with pytest.raises(typer.BadParameter) as info:
        pretrain(["--config", str(path)])
    assert info.value.param_hint == "--epochs"


def test_list_options_repeat_and_yaml_lists() -> None:
    skips = CompareCommand.SKIPS
    argv = ["--data", "x.npz", "--output", "o", "--augment", "none,rq:bins=4,p=0.5"]
    cfg = parse(CompareCommand, [*argv, "--contrast", "rq:none", "--contrast", "a:b"], skips=skips)
    assert cfg.contrast == ["rq:none", "a:b"]
    assert cfg.arms("image") == ["none", "rq:bins=4,p=0.5"] and cfg.seed_list == [0, 1, 2]
    default = parse(CompareCommand, ["--data", "x.npz", "--output", "o"], skips=skips)
    assert default.arms("image") == ["crop+rq", "crop", "rq", "noise"]
    assert default.arms("points") == default.arms("sequence") == default.arms("image")
    assert default.arms("vector") == ["rq", "noise", "mask", "none"]  # nothing to crop
    probe = parse(ProbeCommand, ["--checkpoint", "e.pt", "--dataset", "digits", "--k", "3"])
    assert probe.k == 3 and probe.checkpoint == Path("e.pt")


def test_pretrain_from_a_yaml_file_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 8)
    x = rng.normal(size=(16, 2, 24)).astype(np.float32) + y[:, None, None]
    data = tmp_path / "tiny.npz"
    np.savez(data, x_train=x, y_train=y, x_test=x[:6], y_test=y[:6])
    config = tmp_path / "exp.yaml"
    config.write_text(YAML.format(data=data))
    out = tmp_path / "enc.pt"
    res = runner.invoke(app, ["pretrain", "--config", str(config), "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and (tmp_path / "enc.pt.ckpt" / "last.ckpt").is_file()
    metrics = tmp_path / "enc.pt.ckpt" / "logs" / "version_0" / "metrics.csv"
    assert "train/loss" in metrics.read_text()  # the CSV logger wrote into the run folder
    res = runner.invoke(app, ["pretrain", "--config", str(config), "--epochs", "0"])
    said = " ".join(res.output.split())
    assert res.exit_code == 2 and re.search(r"Invalid value for '?--epochs", said), said


def test_bench_commands_read_the_same_config_system(tmp_path: Path) -> None:
    from randquant.cli.bench_commands import AblationCommand, OpCommand, SuiteCommand

    config = tmp_path / "suite.yaml"
    config.write_text("profile: power\nseeds: [0, 1]\nprogress: false\nworkers: 1\n")
    from_yaml = parse(SuiteCommand, ["--config", str(config)])
    from_flags = parse(
        SuiteCommand, ["--profile", "power", "--seeds", "0,1", "--no-progress", "--workers", "1"]
    )
    assert from_yaml.seed_list == from_flags.seed_list == [0, 1]
    assert dataclasses.replace(from_yaml, seeds="0,1") == from_flags
    assert from_flags.folder == Path("benchmarks/results/suite/power")
    assert parse(AblationCommand, ["--references-only"]).references_only
    assert not parse(OpCommand, ["--no-baseline"]).baseline
    with pytest.raises(typer.BadParameter, match="seeds must not repeat") as bad:
        parse(SuiteCommand, ["--seeds", "0,0"])
    assert bad.value.param_hint == "--seeds"


@pytest.mark.parametrize(
    ("argv", "short", "long"),
    [
        (["compare", "--help"], "--batch-size", "--train.batch_size"),
        (["compare", "--help"], "--weight-decay", "--train.weight_decay"),
        (["bench", "suite", "--help"], "--references-only", "--references_only"),
        (["bench", "train-step", "--help"], "--batch-size", "--batch_size"),
    ],
)
def test_help_lists_the_names_people_type(argv: list[str], short: str, long: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert re.search(rf"^\s+{re.escape(short)}\b", result.output, re.M), result.output
    assert not re.search(rf"^\s+{re.escape(long)}\b", result.output, re.M)
