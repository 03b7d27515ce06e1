"""Run planned jobs as one sweep: settings per job, contrasts and references first, then
every (seed, job, augmentation) run, seed-major, resumable (:func:`run_jobs`).

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

    ``seed_counts`` caps the seeds of a dataset (its first N of ``seeds``). Before any run,
    each folder's contrasts are declared and its reference probes recorded
    (:func:`evidence_first`; ``references=False`` skips the probes; ``train=False`` stops
    there). Arms whose views equal another's on a job's data are not run
    (:func:`randquant.engine.planning.arms_to_run`; the declaration names them). ``code``:
    the code version every record carries (default: read here, before the first run).

    Every (seed, job, augmentation) is one run of :func:`randquant.engine.sweep.run_sweep`,
    written under ``output/<dataset>/<group>``; finished runs are skipped. ``executor`` runs
    them in this process (default) or on Ray. A failing run does not stop the others: it is
    recorded under ``<group>/failed/`` and listed in ``output/failures.json``, which is
    rebuilt from those records. ``device``: ``cpu``, ``cuda`` or ``auto``.
    """
    from randquant.data.standardize import standardize
    from randquant.engine.provenance import code_version
    from randquant.engine.settings import RunSpec, run_id
    from randquant.engine.sweep import run_sweep

    code = code_version() if code is None else code  # read before the first run

    slot: dict[str, Dataset] = {}

    def load(name: str) -> Dataset:
        if name not in slot:  # keep one dataset in memory
            slot.clear()
            slot[name] = standardize(loader(name, budgets[name]))
        return slot[name]

    jobs, not_run = _without_twins(jobs, load)
    settings = {
        id(job): job_settings(job, budgets[job.dataset], len(load(job.dataset).train), device)
        for job in jobs
    }
    caps = seed_counts or {}

    def seeds_of(job: Job) -> list[int]:
        return list(seeds[: caps.get(job.dataset, len(seeds))])

    ids: dict[tuple[int, str, int], str] = {}
    for job in jobs:  # run ids hash the data's shape: load each dataset once to name its runs
        for augment in job.augments:
            for seed in seeds:
                ids[(id(job), augment, seed)] = run_id(
                    load(job.dataset), augment, seed, settings[id(job)]
                )
    specs = [
        RunSpec(
            data=job.dataset,
            augment=augment,
            seed=seed,
            settings=settings[id(job)],
            output=output / job.dataset / job.group,
            run_id=ids[(id(job), augment, seed)],
            probe_max_iter=budgets[job.dataset].probe_max_iter,
            trainer=trainer,
            code=code,
        )
        for seed in seeds
        for job in jobs
        if seed in seeds_of(job)
        for augment in job.augments
    ]
    evidence_first(
        jobs, budgets, seeds_of, output, load, settings,
        references=references, code=code, not_run=not_run,
    )  # fmt: skip
    if not train:
        from randquant.engine.index import rebuild_index

        for folder in dict.fromkeys(output / j.dataset / j.group for j in jobs):
            rebuild_index(folder)
    outcome = run_sweep(
        specs if train else [], load, executor=executor, progress=progress, title=title
    )
    write_failures(output)
    return outcome


def _without_twins(
    jobs: Sequence[Job], load: Callable[[str], Dataset]
) -> tuple[list[Job], dict[int, dict[str, str]]]:
    """Each job without the arms whose views equal another's on its data, and the arms left
    out per job (:func:`randquant.engine.planning.arms_to_run`)."""
    from dataclasses import replace

    from randquant.engine.contrasts import default_contrasts
    from randquant.engine.planning import arms_to_run

    kept: list[Job] = []
    left: dict[int, dict[str, str]] = {}
    for job in jobs:
        pairs = list(job.contrasts or default_contrasts(job.augments))
        plan = arms_to_run(load(job.dataset), job.augments, pairs, rq_on=job.rq_on)
        new = replace(job, augments=tuple(plan.arms), contrasts=tuple(plan.pairs))
        kept.append(new)
        left[id(new)] = plan.not_run
    return kept, left


def job_settings(job: Job, budget: Budget, n_train: int, device: str) -> CompareSettings:
    """The concrete settings of ``job``'s runs: the budget, its recipe filling the rest, and
    the epochs that give ``budget.steps`` optimizer steps on ``n_train`` samples."""
    from randquant.engine.recipe import epochs_for_steps, resolve
    from randquant.engine.settings import CompareSettings

    batch = resolve(budget.recipe, n_train, 1, batch_size=budget.batch_size).batch_size
    epochs = budget.epochs or epochs_for_steps(budget.steps or 1, n_train, batch)
    chosen = resolve(budget.recipe, n_train, epochs, batch_size=batch)
    return CompareSettings(
        method=job.method,
        epochs=epochs,
        encoder=job.encoder,
        width=budget.width,
        batch_size=chosen.batch_size,
        rq_on=job.rq_on,
        lr=chosen.lr,
        weight_decay=chosen.weight_decay,
        device=device,
        pretrain_options=chosen.pretrain_options,
    )


def evidence_first(
    jobs: Sequence[Job],
    budgets: dict[str, Budget],
    seeds_of: Callable[[Job], list[int]],
    output: Path,
    load: Callable[[str], Dataset],
    settings: dict[int, CompareSettings],
    *,
    references: bool = True,
    code: dict[str, Any] | None = None,
    not_run: dict[int, dict[str, str]] | None = None,
) -> None:
    """Before any run: declare each folder's contrasts and seeds and record its reference
    probes (raw input, untrained encoder) for every seed; both skip what is already there.
    ``code``: the code version the reference records carry; ``not_run[id(job)]``: the arms
    left out of the job as identical to another (named in the declaration)."""
    from randquant.engine.contrasts import default_contrasts
    from randquant.engine.declaration import declare
    from randquant.engine.provenance import command_line
    from randquant.engine.references import ensure_references
    from randquant.engine.store import RUNS_DIR

    for job in jobs:
        folder = output / job.dataset / job.group
        declare(
            folder,
            job.contrasts or default_contrasts(job.augments),
            seeds_of(job),
            dataset=job.dataset,
            runs=len(list((folder / RUNS_DIR).glob("*.json"))),
            not_run=(not_run or {}).get(id(job)),
        )
        if references:
            ensure_references(
                folder,
                load(job.dataset),
                seeds_of(job),
                settings[id(job)],
                probe_max_iter=budgets[job.dataset].probe_max_iter,
                command=command_line(),
                code=code,
            )


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
