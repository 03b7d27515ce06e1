"""The report lines of `randquant bench sweep-speed` state the load beside the figure."""

from __future__ import annotations

from typing import Any

from randquant.bench.sweep_speed import sweep_speed_lines


def result(identical: bool) -> dict[str, Any]:
    mode = {"runs": 24, "train_s_sum": 100.0, "loadavg_before": [0.1, 0.2, 0.3]}
    return {
        "command": "randquant bench sweep-speed",
        "when": "2026-01-01 00:00:00 UTC",
        "hardware": {"cpu": "cpu", "cores": 2},
        "dataset": "digits",
        "profile": "quick",
        "seeds": [0, 1],
        "augments": ["none"] * 12,
        "workers": 2,
        "modes": {
            "in_process": {**mode, "wall_s": 200.0, "loadavg_after": [1.0, 0.5, 0.3]},
            "ray_2_workers": {**mode, "wall_s": 110.0, "loadavg_after": [2.1, 1.0, 0.4]},
        },
        "speedup": 200.0 / 110.0,
        "records_identical": identical,
    }


def test_lines_state_walls_speedup_and_load() -> None:
    text = "\n".join(sweep_speed_lines(result(True)))
    assert "| in process | 200.0 | 24 |" in text and "| ray 2 workers | 110.0 | 24 |" in text
    assert "0.1 / 0.2 / 0.3" in text and "2.1 / 1.0 / 0.4" in text  # the load, before and after
    assert "Speed-up: 1.82x with 2 workers; records identical" in text
    assert "NOT identical" in "\n".join(sweep_speed_lines(result(False)))
    assert sweep_speed_lines(None) == []
