"""``randquant bench ablation``: the paper's RQ ablations on one dataset per modality.

Factors (each row changes one thing from the default ``rq``, i.e. 8 bins, random edges,
random proxy, p = 1, on the input):

- number of bins {1, 2, 4, 8, 16, 32, 64}: ``rq:bins=N``;
- bin edges, random vs uniform: ``rq:spacing=uniform``;
- proxy, random vs middle: ``rq:proxy=middle``;
- probability p in {0.25, 0.5, 1}: ``rq:p=P``;
- RQ on the input vs on the embedded tokens: both with the transformer encoder (so the only
  difference is where RQ acts), groups ``input_tf`` and ``embedding_tf``.

Runs go through :func:`randquant.bench.runner.run_jobs` (one sweep: one record per run,
resumable, in this process or on Ray) under ``OUT/<dataset>/<group>/runs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.bench.plan import METHODS, Job
from randquant.bench.profiles import Budget, Loader, budget_for, load_for_budget
from randquant.bench.runner import run_planned

if TYPE_CHECKING:
    from randquant.engine.executor import Executor

BINS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
PROBABILITIES: tuple[float, ...] = (0.25, 0.5, 1.0)
#: One dataset per modality the paper ablates on (image, audio, sensor).
DEFAULT_DATASETS: tuple[str, ...] = ("digits", "espeak_digits", "mnist1d")


#: The ablation's pre-declared contrasts (the default ``rq``: 8 bins, random edges, random
#: proxy, p = 1): an interior optimum of the bins curve shows as 8 bins beating both ends.
ABLATION_CONTRASTS: tuple[tuple[str, str], ...] = (
    ("rq", "rq:bins=1"),
    ("rq", "rq:bins=64"),
    ("rq", "rq:spacing=uniform"),
    ("rq", "rq:proxy=middle"),
    ("rq", "rq:p=0.5"),
)


def bins_spec(n: int) -> str:
    """The spec of RQ with ``n`` bins (``rq`` itself for the default 8)."""
    return "rq" if n == 8 else f"rq:bins={n}"


def p_spec(p: float) -> str:
    """The spec of RQ applied with probability ``p``."""
    return "rq" if p == 1.0 else f"rq:p={p:g}"


def ablation_jobs(name: str, modality: str) -> list[Job]:
    """The ablation jobs for one dataset (see the module docstring)."""
    method = METHODS.get(modality, "simclr")
    main = [bins_spec(n) for n in BINS]
    main += ["rq:spacing=uniform", "rq:proxy=middle"]
    main += [p_spec(p) for p in PROBABILITIES if p != 1.0]
    return [
        Job(name, "factors", tuple(main), method, "input", contrasts=ABLATION_CONTRASTS),
        Job(name, "input_tf", ("rq",), method, "input", "transformer"),
        Job(name, "embedding_tf", ("rq",), method, "embedding", "transformer"),
    ]


def run_ablation(
    profile: str,
    seeds: Sequence[int],
    output: Path,
    *,
    datasets: Sequence[str] = DEFAULT_DATASETS,
    loader: Loader = load_for_budget,
    trainer: Callable[..., Any] | None = None,
    progress: bool = True,
    modalities: dict[str, str] | None = None,
    device: str = "auto",
    executor: Executor | None = None,
    references_only: bool = False,
) -> list[Job]:
    """Run every ablation job on ``datasets`` for ``seeds`` (resumable); return the jobs.

    ``references_only`` records the reference probes and declared contrasts of every folder
    and rebuilds the indexes, training nothing (see :func:`randquant.bench.runner.run_jobs`).

    ``modalities`` maps dataset names to modalities (default: from ``randquant data list``).
    ``executor``: in this process (default) or on Ray; failed runs are named by
    :class:`~randquant.engine.sweep.SweepFailed` once the others finished.
    """
    from randquant.config import parse_seeds

    parse_seeds(seeds)
    if modalities is None:
        from randquant.data.registry import list_datasets

        modalities = {d.name: d.modality for d in list_datasets()}
    unknown = [n for n in datasets if n not in modalities]
    if unknown:
        raise ValueError(f"datasets: unknown {unknown}; known: {', '.join(sorted(modalities))}")
    budgets: dict[str, Budget] = {n: budget_for(profile, n) for n in datasets}
    jobs = [j for n in datasets for j in ablation_jobs(n, modalities[n])]
    about = {
        "datasets": list(datasets),
        "methods": {n: METHODS.get(modalities[n], "simclr") for n in datasets},
        "modalities": {n: modalities[n] for n in datasets},
    }
    run_planned(
        "ablation", profile, jobs, budgets, seeds, output, about,
        references_only=references_only, device=device,
        loader=loader, trainer=trainer, progress=progress, executor=executor,
    )  # fmt: skip
    return jobs
