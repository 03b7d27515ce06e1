"""``bench op`` on any device: the implementations it times, its bandwidth figures, and the
GPU section of the report (from the same row format)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from randquant.bench.op import bandwidth_verdict, run_op_bench
from randquant.bench.report_gpu import gpu_section


@pytest.fixture(scope="module")
def rows() -> list:  # type: ignore[type-arg]
    return run_op_bench(
        shape=(2, 3, 8, 8),
        bins=(2, 8),
        repeats=1,
        threads=1,
        dtypes=("float32", "bfloat16"),
        memory=False,
    )


def test_cpu_rows_cover_every_implementation_dtype_and_bin_count(rows: list) -> None:  # type: ignore[type-arg]
    names = {r.implementation for r in rows}
    assert names == {
        "x.clone()",
        "randquant (auto)",
        "randquant (auto, out=)",
        "randquant (torch)",
        "naive mask-per-bin",
        "official (mask per bin)",
    }
    assert {(r.dtype, r.bins) for r in rows} == {
        (d, b) for d in ("float32", "bfloat16") for b in (2, 8)
    }
    assert all(r.device == "cpu" for r in rows)
    for r in rows:
        clone = next(
            c
            for c in rows
            if c.implementation == "x.clone()" and (c.dtype, c.bins) == (r.dtype, r.bins)
        )
        assert r.copy_bw_pct == pytest.approx(100 * clone.ms / r.ms)
        nbytes = 2 * 2 * 3 * 8 * 8 * (4 if r.dtype == "float32" else 2)
        assert r.gb_s == pytest.approx(nbytes / (r.ms / 1e3) / 1e9)


def test_bandwidth_verdict_names_the_goal(rows: list) -> None:  # type: ignore[type-arg]
    lines = bandwidth_verdict(rows)
    assert len(lines) == 2 * 3  # two dtypes x the three randquant rows at the fewest bins
    assert all("2 bins" in line and "50 % goal" in line for line in lines)


def test_gpu_section_without_and_with_results(rows: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    empty = "\n".join(gpu_section(tmp_path))
    assert "No GPU figure exists yet" in empty and "bash scripts/gpu_check.sh OUT" in empty
    payload = {"shape": [2, 3, 8, 8], "repeats": 1, "hardware": {"gpu": "none (CPU rows)"},
               "rows": [asdict(r) for r in rows], "bandwidth": bandwidth_verdict(rows)}  # fmt: skip
    (tmp_path / "gpu_op.json").write_text(json.dumps(payload))
    text = "\n".join(gpu_section(tmp_path))
    assert "No GPU figure" not in text
    assert text.count("| official (mask per bin) |") == 4
    official_rows = [line for line in text.splitlines() if "| official" in line]
    assert all("| 1.000 |" in line for line in official_rows)  # × official of itself
