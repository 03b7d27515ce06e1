"""The results store of a sweep: records carry their provenance, a driver killed mid-sweep
resumes without redoing finished runs, two sweeps writing into one folder at the same time
lose nothing, and a resumed run's train time covers every attempt.

No test depends on timing: kills happen at a chosen call (``sweep_kit``), overlap is forced
with a barrier.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ssl_kit import SMALL_HEADS, TinyEncoder, blobs, quick_config, views
from sweep_kit import AUGMENTS, SEEDS, TINY_RUN, calls, compare, tiny

from randquant.engine import pretrain
from randquant.engine.settings import CompareSettings, TrainedRun
from randquant.engine.store import load_runs

HERE = Path(__file__).resolve().parent


def index_runs(folder: Path) -> list[dict[str, Any]]:
    index = json.loads((folder / "results.json").read_text())
    runs: list[dict[str, Any]] = index["runs"] if isinstance(index, dict) else index
    return runs


def test_a_record_carries_its_provenance(tmp_path: Path) -> None:
    (record,) = compare(tiny(), ["rq"], "simclr", 1, [0], tmp_path, **TINY_RUN)
    p = record.provenance
    wanted = {"command", "code", "host", "hardware", "threads", "device", "started", "ended"}
    assert wanted <= set(p)
    assert "pytest" in p["command"] and p["device"] == "cpu" and p["threads"] >= 1
    assert p["code"]["randquant"] and p["hardware"]["cores"] >= 1
    assert p["started"] <= p["ended"] and record.train_seconds > 0
    saved = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert saved["provenance"] == p  # in the record file itself, not only in an index


def test_the_code_version_is_read_when_the_run_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import randquant.engine.plan as compare_mod
    import randquant.engine.provenance as provenance_mod

    versions = iter([{"git_commit": "at-start", "git_dirty": False}])
    monkeypatch.setattr(compare_mod, "code_version", lambda: next(versions))
    later = {"git_commit": "later", "git_dirty": True}

    def trainer(data: Any, augment: str, seed: int, settings: Any, **_: Any) -> TrainedRun:
        # the tree changes while the run trains: nothing may read the version again
        monkeypatch.setattr(provenance_mod, "code_version", lambda: later)
        monkeypatch.setattr(compare_mod, "code_version", lambda: later)
        return TrainedRun(nn.Flatten(), 0.5, 0.1)

    (record,) = compare(
        tiny(), ["rq"], "simclr", 1, [0], tmp_path, trainer=trainer, references=False,
        **TINY_RUN,
    )  # fmt: skip
    assert record.provenance["code"] == {"git_commit": "at-start", "git_dirty": False}


def test_train_seconds_cover_every_attempt_of_a_resumed_run(tmp_path: Path) -> None:
    import lightning.pytorch as pl

    class Stop(Exception):
        pass

    class StopAtEpoch2(pl.Callback):
        def on_train_epoch_start(self, trainer: pl.Trainer, module: Any) -> None:
            if trainer.current_epoch == 2:
                raise Stop

    cfg = quick_config(epochs=3, checkpoint_dir=tmp_path, resume=True)

    def run(**kw: Any) -> Any:
        torch.manual_seed(0)
        return pretrain(blobs(), views(), TinyEncoder(), cfg, method_options=SMALL_HEADS, **kw)

    with pytest.raises(Stop):
        run(callbacks=[StopAtEpoch2()])
    ckpt = torch.load(tmp_path / "last.ckpt", weights_only=True)
    assert ckpt["randquant_train_seconds"] > 0  # two epochs' time travels in the checkpoint
    ckpt["randquant_train_seconds"] = 1000.0  # as if the first attempt had taken 1000 s
    torch.save(ckpt, tmp_path / "last.ckpt")
    resumed = run()
    assert resumed.epochs_run == 3
    assert resumed.train_seconds >= 1000.0  # the earlier attempt counts, not only this one
    after = torch.load(tmp_path / "last.ckpt", weights_only=True)["randquant_train_seconds"]
    assert 1000.0 < after <= resumed.train_seconds  # and is carried on to the next resume


DRIVER = textwrap.dedent(
    """
    import functools, sys
    sys.path.insert(0, {here!r})
    import sweep_kit
    from sweep_kit import compare
    trainer = functools.partial(sweep_kit.kill_at_call, folder={folder!r}, at=3)
    compare(sweep_kit.tiny(), sweep_kit.AUGMENTS, "simclr", 1, sweep_kit.SEEDS,
                {out!r}, trainer=trainer, **sweep_kit.TINY_RUN)
    """
)


def test_a_killed_driver_resumes_without_redoing_finished_runs(tmp_path: Path) -> None:
    import functools

    import sweep_kit

    out = tmp_path / "out"
    script = DRIVER.format(here=str(HERE), folder=str(tmp_path), out=str(out))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=600)
    assert done.returncode == -9, done.stderr.decode()[-2000:]  # SIGKILLed at the third run
    assert len(load_runs(out / "runs")) == 2
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    trainer = functools.partial(sweep_kit.kill_at_call, folder=str(tmp_path), at=3)
    records = compare(tiny(), AUGMENTS, "simclr", 1, SEEDS, out, trainer=trainer, **TINY_RUN)
    log = calls(tmp_path / "calls")
    assert log == ["none 0", "none 1", "rq 0", "rq 0", "rq 1"]  # finished runs not redone
    ids = [r["run_id"] for r in index_runs(out)]
    assert len(ids) == 4 and sorted(ids) == sorted(r.run_id for r in records)  # each once
    assert len(list((out / "runs").glob("*.json"))) == 4
    assert not list(out.rglob("*.tmp")) and not (out / "checkpoints").exists()


def stand_in(
    data: Any, augment: str, seed: int, settings: CompareSettings, **kw: Any
) -> TrainedRun:
    """No training: a flatten 'encoder' (the probes still run on the data)."""
    return TrainedRun(nn.Flatten(), final_loss=float(seed), train_seconds=0.01)


def lockstep(barrier: Any, *args: Any, **kw: Any) -> TrainedRun:
    barrier.wait(timeout=120)  # both sweeps start each run together, so they write together
    return stand_in(*args, **kw)


def sweep_process(name: str, seeds: list[int], out: str, barrier: Any) -> None:
    import functools

    from randquant.bench.manifest import write_manifest

    torch.set_num_threads(1)
    sys.argv = [f"sweep-{name}", "--seeds", ",".join(map(str, seeds))]
    barrier.wait(timeout=120)
    write_manifest(Path(out), "suite", "quick", {"seeds": seeds, "datasets": [name]})
    trainer = functools.partial(lockstep, barrier)
    compare(tiny(), AUGMENTS, "simclr", 1, seeds, out, trainer=trainer, **TINY_RUN)
    barrier.wait(timeout=120)


def test_two_sweeps_into_one_folder_lose_no_record_and_no_provenance(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    plans = {"a": [0, 1], "b": [2, 3]}
    procs = [
        ctx.Process(target=sweep_process, args=(name, seeds, str(tmp_path), barrier))
        for name, seeds in plans.items()
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    assert [p.exitcode for p in procs] == [0, 0]
    records = load_runs(tmp_path / "runs")
    assert len(records) == 8
    runs = index_runs(tmp_path)
    assert sorted(r["run_id"] for r in runs) == sorted(r.run_id for r in records)
    for r in records:  # each record names the sweep that made it
        who = "a" if r.seed in plans["a"] else "b"
        assert f"sweep-{who} --seeds" in r.provenance["command"]
    manifest = json.loads((tmp_path / "suite.json").read_text())
    assert len(manifest["commands"]) == 2 and manifest["datasets"] in (["a", "b"], ["b", "a"])
    assert sorted(manifest["seeds"]) == [0, 1, 2, 3]
