"""Sweeps on a local 2-CPU Ray instance: the same records as in-process, and worker deaths.

One Ray instance serves the whole module (start-up costs seconds); the executor joins it and
leaves it running. Faults are injected at a chosen point (a trainer SIGKILLs its own worker
process, see ``sweep_kit``), never by timing.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

ray = pytest.importorskip("ray")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sweep_kit  # noqa: E402
from sweep_kit import (  # noqa: E402
    AUGMENTS,
    SEEDS,
    TINY_RUN,
    calls,
    compare,
    tiny,
)

from randquant.engine.executor import Executor  # noqa: E402
from randquant.engine.records import RunRecord  # noqa: E402
from randquant.engine.store import load_runs  # noqa: E402
from randquant.engine.sweep import SweepFailed  # noqa: E402

#: The fields that must agree bit for bit; train_seconds and provenance say when and where.
SAME = ("augment", "seed", "linear_acc", "knn_acc", "linear_f1", "knn_f1", "final_loss")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.cloudpickle.register_pickle_by_value(sweep_kit)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> list[RunRecord]:
    """The reference: the sweep in this process, one thread, as `--workers 1` runs it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = tmp_path_factory.mktemp("inproc")
        return compare(tiny(), AUGMENTS, "simclr", 1, SEEDS, out, **TINY_RUN)
    finally:
        torch.set_num_threads(threads)


def key(records: list[RunRecord]) -> list[tuple[Any, ...]]:
    return sorted(tuple(getattr(r, f) for f in SAME) for r in records)


def test_ray_sweep_gives_the_records_of_the_in_process_loop(
    local_ray: None, in_process: list[RunRecord], tmp_path: Path
) -> None:
    records = compare(
        tiny(), AUGMENTS, "simclr", 1, SEEDS, tmp_path, **TINY_RUN, executor=Executor(workers=2)
    )
    assert len(records) == len(AUGMENTS) * len(SEEDS)
    assert key(records) == key(in_process)  # same accuracies and losses, bit for bit
    assert [r.run_id for r in records] == [r.run_id for r in in_process]
    hosts = {r.provenance["pid"] for r in records}
    assert len(hosts) >= 1 and all(r.provenance["threads"] == 1 for r in records)
    index = json.loads((tmp_path / "results.json").read_text())
    runs = index["runs"] if isinstance(index, dict) else index
    assert sorted(r["run_id"] for r in runs) == sorted(r.run_id for r in records)
    assert ray.is_initialized()  # a running instance is joined, not shut down


def test_a_killed_worker_is_retried_and_every_record_lands(
    local_ray: None, in_process: list[RunRecord], tmp_path: Path
) -> None:
    trainer = functools.partial(
        sweep_kit.kill_first_attempt, folder=str(tmp_path), victim=("rq", 0)
    )
    records = compare(
        tiny(),
        AUGMENTS,
        "simclr",
        1,
        SEEDS,
        tmp_path / "out",
        **TINY_RUN,
        trainer=trainer,
        executor=Executor(workers=2),
    )
    assert (tmp_path / "killed-rq-0").exists()  # the worker did die
    assert calls(tmp_path / "calls").count("rq 0") == 2  # ... and its run was tried again
    assert key(records) == key(in_process)
    assert len(load_runs(tmp_path / "out" / "runs")) == 4
    assert not (tmp_path / "out" / "failed").exists()


def test_a_run_whose_worker_keeps_dying_is_recorded_as_failed(
    local_ray: None, tmp_path: Path
) -> None:
    trainer = functools.partial(
        sweep_kit.kill_first_attempt, folder=str(tmp_path), victim=("rq", 1), always=True
    )
    out = tmp_path / "out"
    with pytest.raises(SweepFailed, match=r"1 run\(s\) failed: tiny rq seed 1") as info:
        compare(
            tiny(),
            AUGMENTS,
            "simclr",
            1,
            SEEDS,
            out,
            **TINY_RUN,
            trainer=trainer,
            executor=Executor(workers=2, max_retries=1),
        )
    assert calls(tmp_path / "calls").count("rq 1") == 2  # the first attempt and one retry
    assert [s.augment for s, _ in info.value.failed] == ["rq"]
    (failed,) = (out / "failed").glob("*.json")
    record = json.loads(failed.read_text())
    assert record["augment"] == "rq" and record["seed"] == 1 and "died" in record["error"]
    assert record["provenance"]["command"]
    assert len(load_runs(out / "runs")) == 3  # the others finished
    # the next sweep retries it (now healthy) and clears the failed record
    healthy = functools.partial(sweep_kit.kill_first_attempt, folder=str(tmp_path), victim=("", 0))
    compare(tiny(), AUGMENTS, "simclr", 1, SEEDS, out, **TINY_RUN, trainer=healthy,
                executor=Executor(workers=2))  # fmt: skip
    assert len(load_runs(out / "runs")) == 4 and not list((out / "failed").glob("*.json"))
