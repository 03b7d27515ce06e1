"""Run planned jobs as one sweep: settings per job, contrasts and references first, then
every (seed, job, augmentation) run, seed-major, resumable (:func:`run_jobs`), through the
engine's comparison planner (:mod:`randquant.engine.plan`), the one ``compare`` uses.

What ``bench suite``, ``bench ablation``, the demo and the sweep-speed check all drive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.bench.plan import Job
from randquant.bench.profiles import Budget, Loader, load_for_budget
from randquant.data.base import Dataset

if TYPE_CHECKING:
    from randquant.engine.executor import Executor
    from randquant.engine.settings import CompareSettings
    from randquant.engine.sweep import SweepOutcome


def run_jobs(
    jobs: Sequence[Job],
    budgets: dict[str, Budget],
    seeds: Sequence[int],
    output: Path,
    *,
    loader: Loader = load_for_budget,
    trainer: Callable[..., Any] | None = None,
    progress: bool = True,
    title: str = "suite",
    device: str = "auto",
    executor: Executor | None = None,
    references: bool = True,
    seed_counts: dict[str, int] | None = None,
    train: bool = True,
    code: dict[str, Any] | None = None,
) -> SweepOutcome:
    """Run ``jobs`` for every seed (seed-major) as one sweep; return its outcome.

    Each job is one experiment of the planner (:func:`randquant.engine.plan.run_experiments`),
    written under ``output/<dataset>/<group>``: before any run its contrasts are declared
    and its reference probes recorded (``references=False`` skips the probes;
    ``train=False`` stops there; arms whose views equal another's on a job's data are not
    run and the declaration names them). ``code``: the code version every record carries
    (default: read once, before the first run). ``seed_counts`` caps the seeds of a dataset
    (its first N of ``seeds``). Finished runs are skipped; ``executor`` runs them in this process
    (default) or on Ray. A failing run does not stop the others: it is recorded under
    ``<group>/failed/`` and listed in ``output/failures.json``, which is rebuilt from those
    records. ``device``: ``cpu``, ``cuda`` or ``auto``.
    """
    from randquant.data.standardize import standardize
    from randquant.engine.plan import Experiment, run_experiments

    slot: dict[str, Dataset] = {}

    def load(name: str) -> Dataset:
        if name not in slot:  # keep one dataset in memory
            slot.clear()
            slot[name] = standardize(loader(name, budgets[name]))
        return slot[name]

    caps = seed_counts or {}
    experiments = [
        Experiment(
            folder=output / job.dataset / job.group,
            data=job.dataset,
            arms=job.augments,
            seeds=tuple(seeds[: caps.get(job.dataset, len(seeds))]),
            settings=job_settings(job, budgets[job.dataset], len(load(job.dataset).train), device),
            contrasts=job.contrasts,
            probe_max_iter=budgets[job.dataset].probe_max_iter,
            probe_in_id=False,
            trainer=trainer,
        )
        for job in jobs
    ]
    outcome = run_experiments(
        experiments,
        load,
        order="seed",
        references=references,
        train=train,
        executor=executor,
        progress=progress,
        title=title,
        code=code,
    )
    write_failures(output)
    return outcome


def run_planned(
    kind: str,
    profile: str,
    jobs: Sequence[Job],
    budgets: dict[str, Budget],
    seeds: Sequence[int],
    output: Path,
    about: dict[str, Any],
    *,
    references_only: bool = False,
    device: str = "auto",
    **run: Any,
) -> None:
    """Record this invocation in ``OUT/<kind>.json`` (seeds, budgets, ``about`` the plan,
    device), then run ``jobs`` (:func:`run_jobs` with ``run``); when runs failed, the others
    finish first, then :class:`~randquant.engine.sweep.SweepFailed` names the failed ones."""
    from dataclasses import asdict

    from randquant.bench.manifest import write_manifest

    budget_rows = {n: asdict(b) for n, b in budgets.items()}
    manifest = {"seeds": list(seeds), **about, "budgets": budget_rows, "device": device}
    write_manifest(output, kind, profile, manifest)
    run_jobs(
        jobs, budgets, seeds, output, title=kind, device=device, train=not references_only, **run
    ).raise_if_failed()


def job_settings(job: Job, budget: Budget, n_train: int, device: str) -> CompareSettings:
    """The concrete settings of ``job``'s runs: the budget, its recipe filling the rest, and
    the epochs that give ``budget.steps`` optimizer steps on ``n_train`` samples."""
    from randquant.engine.recipe import epochs_for_steps, resolve
    from randquant.engine.settings import CompareSettings, with_recipe

    batch = resolve(budget.recipe, n_train, 1, batch_size=budget.batch_size).batch_size
    epochs = budget.epochs or epochs_for_steps(budget.steps or 1, n_train, batch)
    base = CompareSettings(
        method=job.method, epochs=epochs, encoder=job.encoder, width=budget.width,
        rq_on=job.rq_on, device=device,
    )  # fmt: skip
    return with_recipe(base, budget.recipe, n_train, batch)


def write_failures(output: Path) -> None:
    """Rebuild ``output/failures.json`` from the failed-run records under ``output``."""
    from randquant.engine.store import read_failures
    from randquant.io import write_json_atomic

    failed = read_failures(output)
    path = output / "failures.json"
    if failed:
        write_json_atomic(
            path, [f"{f['dataset']} {f['augment']} seed {f['seed']}: {f['error']}" for f in failed]
        )
    else:
        path.unlink(missing_ok=True)
