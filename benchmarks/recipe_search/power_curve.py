"""A learning curve of one power-profile row: the same data cut, encoder, method and recipe,
at other step budgets, with the references; one result folder per budget.

    python benchmarks/recipe_search/power_curve.py --dataset letter --steps 250,500,2000 \
        --arms rq --seeds 0,1,2 --workers 2

writes ``benchmarks/results/learning_curve/<dataset>_power_s<steps>/main`` (records, index,
references), each run resumable like the suite's. The row is read from
``src/randquant/bench/budgets/power.yaml``; only ``steps`` (and ``arms``) change.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from randquant.bench.plan import plan_for_budget
from randquant.bench.profiles import budget_for
from randquant.bench.runner import run_jobs
from randquant.config import parse_seeds, set_threads
from randquant.data.registry import list_datasets
from randquant.engine.executor import Executor


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True)
    p.add_argument("--steps", required=True, help="comma-separated step budgets")
    p.add_argument("--arms", default=None, help="comma-separated (default: the row's arms)")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="torch threads per run (the suite's 1)")
    p.add_argument("--output", type=Path, default=Path("benchmarks/results/learning_curve"))
    a = p.parse_args()
    # the suite's thread count, in-process too: a run's float sums (and so its record) depend on it
    set_threads(a.threads)
    info = {d.name: d for d in list_datasets()}[a.dataset]
    row = budget_for("power", a.dataset)
    arms = tuple(a.arms.split(",")) if a.arms else row.arms
    seeds = parse_seeds(a.seeds)
    for steps in (int(s) for s in a.steps.split(",")):
        budget = replace(row, steps=steps, arms=arms)
        job = plan_for_budget(a.dataset, info.layout, info.modality, budget)[0][0]
        out = a.output / f"{a.dataset}_power_s{steps}"
        executor = Executor(workers=a.workers, threads=a.threads)
        run_jobs(
            [job], {a.dataset: budget}, seeds, out, executor=executor,
            progress=False, title=f"{a.dataset} {steps} steps",
        ).raise_if_failed()  # fmt: skip
        print(f"{out}: done")


if __name__ == "__main__":
    main()
