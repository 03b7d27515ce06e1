"""DDP with 2 CPU processes (gloo): ranks stay in sync, shards are disjoint, rank 0 alone writes,
and a dead rank makes the run fail instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


def _launch(out: Path, mode: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    for key in ("LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, str(WORKER), str(out), mode],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=out,
    )


def test_two_cpu_ranks_stay_in_sync_and_rank0_alone_writes(tmp_path: Path) -> None:
    proc = _launch(tmp_path, "ok", timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    # identical weights after training, although the ranks started from different ones
    assert r0["state"].keys() == r1["state"].keys()
    assert all(torch.equal(r0["state"][k], r1["state"][k]) for k in r0["state"])
    # each epoch: disjoint shards of 24 samples covering all 48
    for epoch in (0, 1):
        a, b = set(r0["seen"][epoch]), set(r1["seen"][epoch])
        assert len(a) == len(b) == 24 and not a & b and a | b == set(range(48))
    assert r0["seen"][0] != r0["seen"][1]  # reshuffled each epoch
    # the mean loss is reduced over ranks, so both report the same numbers
    assert r0["losses"] == r1["losses"] and len(r0["losses"]) == 2
    assert r0["is_global_zero"] and not r1["is_global_zero"]
    # the checkpoint is written by rank 0 only, once per epoch, atomically
    assert (tmp_path / "writes-0.txt").read_text().count("last.ckpt") == 2
    assert not (tmp_path / "writes-1.txt").exists()
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["last.ckpt", "logs"]
    # the CSV logger writes on rank 0 alone: one version, one metrics file
    assert [p.name for p in (tmp_path / "ckpt" / "logs").iterdir()] == ["version_0"]


def test_a_dead_rank_fails_the_run_instead_of_hanging(tmp_path: Path) -> None:
    try:
        proc = _launch(tmp_path, "die", timeout=150)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test guards against
        pytest.fail("the DDP run hung after rank 1 died")
    assert proc.returncode != 0
    said = proc.stderr + proc.stdout
    assert "distributed pretraining failed" in said or "terminated with code 3" in said, said[
        -4000:
    ]
