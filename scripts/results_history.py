"""Write benchmarks/results/history.json: what the git history of the result folders proves.

    python scripts/results_history.py [--defaults-commit 60decf0]

60decf0 is the commit that fixed compare's default arms (crop+rq,crop,rq,noise,none) that the
``recipe_check/*_defaults`` folders test; any dataset with a run committed at or before it is
tuning data (randquant.bench.history). The power profile's seed counts were fixed in code
(``POWER_SEEDS``, ``src/randquant/bench/budgets/power.yaml``) at 54071b2, before the first run
of the issue-18 profile (the issue-10 profile, fixed at 586a5fb, is archived in
``suite/power_i10``). A folder whose ``contrasts.json`` was committed before its runs takes
its count from there instead (furniture went from 5 to 10 seeds before its first run).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from randquant.bench.history import HISTORY_FILE, write_history

POWER_PLAN_COMMIT = "54071b2"
POWER_PLAN = {
    "digits": 10,
    "mnist1d": 10,
    "letter": 10,
    "espeak_digits": 5,
    "furniture": 5,
    "wordnet_glosses": 5,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defaults-commit", default="60decf0")
    parser.add_argument("--repo", type=Path, default=Path("."))
    args = parser.parse_args()
    out = write_history(
        args.repo,
        defaults_commit=args.defaults_commit,
        output=args.repo / "benchmarks" / "results" / HISTORY_FILE,
        seed_plans={"suite/power": (POWER_PLAN_COMMIT, POWER_PLAN)},
    )
    print(out)


if __name__ == "__main__":
    main()
