"""pretrain: seeded determinism, per-epoch atomic checkpoints, resume == uninterrupted run."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssl_kit import SMALL_HEADS, TinyEncoder, blobs, quick_config, same_state, state_of, views

from randquant.data.base import SplitData
from randquant.engine import PretrainConfig, PretrainResult, pretrain

torch.set_num_threads(1)


class Crash(Exception):
    """Stands in for a SIGKILL: the process stops in the middle of an epoch."""


class CrashAt(pl.Callback):
    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch = epoch, batch

    def on_train_batch_start(self, trainer: pl.Trainer, module: Any, batch: Any, idx: int) -> None:
        if trainer.current_epoch == self.epoch and idx == self.batch:
            raise Crash(f"killed at epoch {self.epoch}, batch {idx}")


def run(cfg: PretrainConfig, spec: str = "noise:sigma=0.3", **kw: Any) -> PretrainResult:
    torch.manual_seed(123)  # the encoder's initial weights
    return pretrain(blobs(), views(spec), TinyEncoder(), cfg, method_options=SMALL_HEADS, **kw)


@pytest.mark.parametrize("method", ["simclr", "byol"])
def test_same_seed_gives_identical_losses_and_weights(method: str) -> None:
    a = run(quick_config(method=method, seed=7))
    b = run(quick_config(method=method, seed=7))
    c = run(quick_config(method=method, seed=8))
    assert a.epoch_losses == b.epoch_losses
    assert same_state(state_of(a.encoder), state_of(b.encoder))
    assert a.epoch_losses != c.epoch_losses


@pytest.mark.parametrize(("method", "spec"), [("moco_v3", "noise+mixup"), ("byol", "noise")])
def test_resume_after_a_crash_matches_an_uninterrupted_run(
    tmp_path: Path, method: str, spec: str
) -> None:
    straight = run(quick_config(method=method, epochs=4), spec)
    cfg = quick_config(method=method, epochs=4, checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(Crash):
        run(cfg, spec, callbacks=[CrashAt(epoch=2, batch=1)])
    saved = torch.load(tmp_path / "last.ckpt", weights_only=True)
    assert saved["epoch"] == 1 and len(saved["randquant_epoch_losses"]) == 2
    resumed = run(cfg, spec)
    assert resumed.epochs_run == 4 and resumed.checkpoint_path == tmp_path / "last.ckpt"
    assert resumed.epoch_losses == straight.epoch_losses
    assert resumed.final_loss == straight.final_loss
    assert same_state(state_of(resumed.encoder), state_of(straight.encoder))
    again = run(cfg, spec)  # resuming a finished run trains nothing and reports the same
    assert again.final_loss == straight.final_loss and again.epochs_run == 4


def test_resume_without_checkpoint_starts_fresh_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="randquant.engine"):
        result = run(quick_config(epochs=1, checkpoint_dir=tmp_path / "new", resume=True))
    assert "no checkpoint" in caplog.text and "starting a fresh run" in caplog.text
    assert result.epochs_run == 1 and (tmp_path / "new" / "last.ckpt").exists()
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["last.ckpt", "logs"]


def test_a_failed_write_never_replaces_last_ckpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(quick_config(epochs=1, checkpoint_dir=tmp_path))
    good = (tmp_path / "last.ckpt").read_bytes()

    def half_then_die(fd: int) -> None:
        os.ftruncate(fd, 100)  # a partial temp file ...
        raise OSError("disk full")  # ... and the write fails before the rename

    monkeypatch.setattr(os, "fsync", half_then_die)
    with pytest.raises(OSError, match="disk full"):
        run(quick_config(epochs=2, checkpoint_dir=tmp_path))
    assert (tmp_path / "last.ckpt").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt", "logs"]  # no temp file


def test_stale_temp_is_removed_and_corrupt_checkpoint_is_named(tmp_path: Path) -> None:
    stray = tmp_path / ".last.ckpt.k1ll3d.tmp"
    tmp_path.mkdir(exist_ok=True)
    stray.write_bytes(b"partial")
    run(quick_config(epochs=1, checkpoint_dir=tmp_path))
    assert not stray.exists()
    with pytest.raises(ValueError, match=r"written by a run with method='simclr'.*'byol'"):
        run(quick_config(method="byol", epochs=2, checkpoint_dir=tmp_path, resume=True))
    with pytest.raises(ValueError, match=r"seed=0.*seed=5"):
        run(quick_config(epochs=2, seed=5, checkpoint_dir=tmp_path, resume=True))
    (tmp_path / "last.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"last\.ckpt cannot be read"):
        run(quick_config(epochs=2, checkpoint_dir=tmp_path, resume=True))


def test_views_in_workers_are_seeded_per_sample(tmp_path: Path) -> None:
    inline = run(quick_config(epochs=2, augment_in_workers=True, num_workers=0))
    workers = run(quick_config(epochs=2, augment_in_workers=True, num_workers=2))
    assert inline.epoch_losses == workers.epoch_losses
    assert same_state(state_of(inline.encoder), state_of(workers.encoder))
    on_device = run(quick_config(epochs=2))
    assert on_device.epoch_losses != inline.epoch_losses  # a different (per-sample) stream
    # batched views on the device: loader workers only fetch, so they change nothing either
    on_device_workers = run(quick_config(epochs=2, num_workers=2))
    assert on_device_workers.epoch_losses == on_device.epoch_losses


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"method": "swav"}, "method must be one of"),
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"batch_size": 1}, "batch_size must be >= 2"),
        ({"optimizer": "sgd"}, "optimizer must be one of"),
        ({"lr": -1.0}, "lr must be > 0"),
        ({"resume": True}, "resume=True needs checkpoint_dir"),
        ({"ddp_timeout_s": 0}, "ddp_timeout_s must be > 0"),
    ],
)
def test_config_validation_names_the_option(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PretrainConfig(**options)


def test_tiny_train_split_is_rejected_clearly() -> None:
    ds = blobs(n=3)
    one = replace(ds, train=SplitData(ds.train.x[:1], ds.train.y[:1]))
    with pytest.raises(ValueError, match=r"'blobs'.*1 sample.*too few"):
        pretrain(one, views(), TinyEncoder(), quick_config(epochs=1))


def test_progress_bar_run_and_string_checkpoint_dir(tmp_path: Path) -> None:
    cfg = quick_config(epochs=1, progress=True, checkpoint_dir=str(tmp_path / "ck"))
    assert cfg.checkpoint_dir == tmp_path / "ck"
    result = run(cfg)
    assert result.checkpoint_path == tmp_path / "ck" / "last.ckpt" and result.epochs_run == 1
