"""``randquant bench sweep-speed``: one sweep in this process, then on local Ray, side by side.

The same runs (one dataset's suite settings x seeds; 12 x 2 = 24 on an image dataset) go
once through the in-process loop (``--workers 1``) and right after through a local Ray
instance of N workers, each into a fresh folder. Reported: both wall times, the speed-up,
whether the two sets of records are identical (accuracies, losses, run ids, bit for bit), and
the machine's load average before and after each, since a figure taken on a busy machine
says little. The reference probes (raw input, untrained encoder) are left out: they run in
the driver before the runs, the same in both modes.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The record fields that must agree bit for bit between the two modes.
SAME_FIELDS: tuple[str, ...] = (
    "run_id",
    "augment",
    "seed",
    "linear_acc",
    "knn_acc",
    "linear_f1",
    "knn_f1",
    "final_loss",
)


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def run_sweep_speed(
    dataset: str = "digits",
    seeds: Sequence[int] = (0, 1),
    workers: int = 2,
    profile: str = "power",
    *,
    progress: bool = False,
) -> dict[str, Any]:
    """Time the sweep both ways (in-process first) and compare the records; a JSON-ready dict."""
    import torch

    from randquant.bench.plan import plan_dataset
    from randquant.bench.profiles import budget_for
    from randquant.bench.runner import run_jobs
    from randquant.config import set_threads
    from randquant.data.registry import list_datasets
    from randquant.engine.executor import Executor
    from randquant.engine.provenance import command_line
    from randquant.hardware import describe

    infos = {d.name: d for d in list_datasets()}
    if dataset not in infos:
        raise ValueError(f"dataset: unknown {dataset!r}; known: {', '.join(sorted(infos))}")
    info = infos[dataset]
    jobs = [j for j in plan_dataset(dataset, info.layout, info.modality)[0] if j.group == "main"]
    budgets = {dataset: budget_for(profile, dataset)}
    set_threads(1)  # the in-process loop at one thread, as each Ray task runs
    modes: dict[str, Any] = {}
    records: dict[str, list[tuple[Any, ...]]] = {}
    with tempfile.TemporaryDirectory(prefix="sweep-speed-") as tmp:
        for mode, executor in (
            ("in_process", Executor(workers=1)),
            (f"ray_{workers}_workers", Executor(workers=workers)),
        ):
            before = _load()
            start = time.perf_counter()
            outcome = run_jobs(
                jobs,
                budgets,
                list(seeds),
                Path(tmp) / mode,
                executor=executor,
                progress=progress,
                references=False,
                device="cpu",
                title=mode,
            )
            wall = time.perf_counter() - start
            outcome.raise_if_failed()
            records[mode] = sorted(
                tuple(getattr(r, f) for f in SAME_FIELDS) for r in outcome.records
            )
            modes[mode] = {
                "wall_s": round(wall, 2),
                "runs": len(outcome.records),
                "train_s_sum": round(sum(r.train_seconds for r in outcome.records), 2),
                "loadavg_before": before,
                "loadavg_after": _load(),
            }
    first, second = list(modes)
    return {
        "command": command_line(),
        "dataset": dataset,
        "profile": profile,
        "seeds": list(seeds),
        "workers": workers,
        "augments": [a for j in jobs for a in j.augments],
        "hardware": describe(torch.get_num_threads()),
        "modes": modes,
        "speedup": round(modes[first]["wall_s"] / modes[second]["wall_s"], 3),
        "records_identical": records[first] == records[second],
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def sweep_speed_lines(result: dict[str, Any] | None) -> list[str]:
    """The report's lines for a :func:`run_sweep_speed` result (nothing when absent)."""
    if not result:
        return []
    modes = result["modes"]
    first = next(iter(modes))
    hw = result["hardware"]
    lines = [
        "## Sweeps: in-process vs local Ray",
        "",
        f"Command: `{result['command']}` ({result['when']}). {hw['cpu']}, {hw['cores']} cores. "
        f"{modes[first]['runs']} runs of `{result['dataset']}` (profile `{result['profile']}`, "
        f"seeds {result['seeds']}, the suite's {len(result['augments'])} settings), the "
        "reference probes left out; one right after the other, each into a fresh folder.",
        "",
        "| mode | wall s | runs | sum of train s | load avg before (1/5/15 min) | load avg after |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, m in modes.items():
        lines.append(
            f"| {name.replace('_', ' ')} | {m['wall_s']:.1f} | {m['runs']} | "
            f"{m['train_s_sum']:.1f} | {' / '.join(map(str, m['loadavg_before']))} | "
            f"{' / '.join(map(str, m['loadavg_after']))} |"
        )
    same = "identical" if result["records_identical"] else "NOT identical"
    lines += [
        "",
        f"Speed-up: {result['speedup']:.2f}x with {result['workers']} workers; records {same} "
        "(run ids, accuracies, F1, final losses, bit for bit). A load average above the "
        "core count means other jobs shared the machine, and the figure is not the sweep's own.",
        "",
    ]
    return lines
