"""``randquant bench suite``: every named dataset x the generic and specific augmentations.

The suite drives :func:`randquant.engine.compare.run_compare` once per (seed, dataset, group);
``run_compare`` writes one record per run (``runs/<run_id>.json``, atomically) and skips the
runs whose record exists, so an interrupted suite resumes where it stopped. Seeds are the
outer loop: the first seed of every setting lands before the second seed of any.

Layout of the output folder::

    OUT/suite.json                    what ran: profile table, hardware, command, skipped pairs
    OUT/<dataset>/<group>/runs/*.json one record per run (written by run_compare)

Groups: ``main`` (the augmentation grid, with the modality's method), and on token/tabular
data the DABS-style transformer path ``dabs`` (RQ on the embedded tokens vs e-Mix) and
``shed`` (the ShED objective, no augmentation).

Methods (:data:`METHODS`): SimCLR for images, point clouds and sensors (no momentum encoder,
so the cheapest step on a CPU, and in-batch negatives suit small batches); BYOL for audio, as in
the paper's BYOL-A setting; MoCo v3 for the transformer path (text, tabular), the recipe MoCo v3
was designed for (ViTs) and the method of the paper's ImageNet results.
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.splits import stratified_subset

#: The generic augmentations and the modality's own set, run on every dataset.
BASE_AUGMENTS: tuple[str, ...] = (
    "none",
    "noise",
    "mask",
    "channel_mask",
    "mixup",
    "rq",
    "specific",
)
#: The same generic augmentations on top of a crop, where the layout has one.
CROP_AUGMENTS: tuple[str, ...] = ("crop", "crop+noise", "crop+mask", "crop+mixup", "crop+rq")
#: SSL method per modality (see the module docstring for why).
METHODS: dict[str, str] = {
    "image": "simclr",
    "points": "simclr",
    "sensor": "simclr",
    "audio": "byol",
    "text": "moco_v3",
    "tabular": "moco_v3",
}
CROP_LAYOUTS: frozenset[str] = frozenset({"image", "sequence", "points", "tokens"})
TRANSFORMER_LAYOUTS: frozenset[str] = frozenset({"tokens", "vector"})
SUITE_PROFILES: tuple[str, ...] = ("quick", "full")


@dataclass(frozen=True)
class Budget:
    """How one dataset is trained in a profile.

    ``train``/``test`` cap the splits (stratified subset of the registry's ``data_profile``
    build; ``None`` keeps the split), ``width`` is the encoder width, ``probe_max_iter`` caps
    the L-BFGS iterations of each linear-probe fit.
    """

    epochs: int
    batch_size: int
    width: int
    train: int | None
    test: int | None
    data_profile: str = "quick"
    probe_max_iter: int = 100


#: The profile table: a default row per profile and per-dataset overrides.
#: quick: minutes per dataset on a shared 2-core CPU (the demo, CI smoke, this session's run).
#: full: what 3 hours on 2 CPU cores allow for the whole suite (14 datasets x ~12 settings x
#: 3 seeds, about 470 runs, so about 23 s per run): twice the quick budget per run (512 train
#: samples, 10 epochs), the same narrow encoders and the capped probe. It is NOT a
#: paper-scale setting; a GPU run would raise epochs, samples and width.
PROFILE_TABLE: dict[str, dict[str, Budget]] = {
    "quick": {
        "default": Budget(epochs=5, batch_size=64, width=16, train=256, test=256),
        "basic_motions": Budget(epochs=20, batch_size=20, width=16, train=None, test=None),
        "wine": Budget(epochs=20, batch_size=32, width=16, train=None, test=None),
        "digits": Budget(epochs=10, batch_size=64, width=16, train=512, test=256),
        "mnist1d": Budget(epochs=10, batch_size=64, width=16, train=512, test=256),
    },
    "full": {
        "default": Budget(epochs=10, batch_size=64, width=16, train=512, test=500),
        "basic_motions": Budget(epochs=40, batch_size=20, width=16, train=None, test=None),
        "wine": Budget(epochs=40, batch_size=32, width=16, train=None, test=None),
    },
}


def set_threads(threads: int) -> None:
    """Set torch's and numba's CPU threads (on a busy 2-core box, 1 of each is fastest)."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    torch.set_num_threads(threads)
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def budget_for(profile: str, dataset: str) -> Budget:
    """The :data:`PROFILE_TABLE` row of ``dataset`` in ``profile`` (its default otherwise)."""
    if profile not in PROFILE_TABLE:
        raise ValueError(f"profile must be one of {SUITE_PROFILES}, got {profile!r}")
    table = PROFILE_TABLE[profile]
    return table.get(dataset, table["default"])


@dataclass(frozen=True)
class Job:
    """One ``run_compare`` call: a dataset, a group of augmentations and how to train them."""

    dataset: str
    group: str
    augments: tuple[str, ...]
    method: str
    rq_on: str
    encoder: str = "auto"


def plan_dataset(name: str, layout: str, modality: str) -> tuple[list[Job], list[str]]:
    """The jobs for one dataset and notes on the pairs it skips (never an error)."""
    notes: list[str] = []
    augments = list(BASE_AUGMENTS)
    if layout in CROP_LAYOUTS:
        augments += CROP_AUGMENTS
    else:
        notes.append(f"{name}: no crop for layout {layout!r}, skipped {', '.join(CROP_AUGMENTS)}")
    method = METHODS.get(modality, "simclr")
    if layout == "tokens":
        # token ids take neither noise nor RQ: those run on the embedded tokens (DABS path)
        jobs = [Job(name, "main", tuple(augments), method, "embedding")]
    else:
        jobs = [Job(name, "main", tuple(augments), method, "input")]
    if layout in TRANSFORMER_LAYOUTS:
        if layout == "vector":
            jobs.append(Job(name, "dabs", ("rq", "mixup"), method, "embedding", "transformer"))
        jobs.append(Job(name, "shed", ("none",), "shed", "embedding", "transformer"))
    return jobs, notes


def subset(ds: Dataset, train: int | None, test: int | None) -> Dataset:
    """A stratified subset of ``ds`` (fixed seeds), so every run of a profile sees the same data."""

    def cut(split: SplitData, n: int | None, seed: int) -> SplitData:
        if n is None or n >= len(split):
            return split
        sel = stratified_subset(np.arange(len(split)), split.y.numpy(), n, seed=seed)
        index = torch.from_numpy(sel)
        return SplitData(split.x[index], split.y[index])

    return replace(ds, train=cut(ds.train, train, 11), test=cut(ds.test, test, 12))


Loader = Callable[[str, Budget], Dataset]


def load_for_budget(name: str, budget: Budget) -> Dataset:
    """Load the named dataset from the registry and cut it to the budget."""
    from randquant.data.registry import load_dataset

    ds = load_dataset(name, profile=budget.data_profile, progress=False)
    return subset(ds, budget.train, budget.test)


@dataclass(frozen=True)
class SuitePlan:
    """Every job of a suite, the budget of each dataset, and the skipped pairs."""

    jobs: list[Job]
    budgets: dict[str, Budget]
    notes: list[str]

    def n_runs(self, n_seeds: int) -> int:
        """Runs in the plan for ``n_seeds`` seeds."""
        return n_seeds * sum(len(j.augments) for j in self.jobs)


def plan_suite(
    datasets: Sequence[tuple[str, str, str]], profile: str, *, groups: Sequence[str] | None = None
) -> SuitePlan:
    """Plan the suite over ``(name, layout, modality)`` triples in ``profile``.

    ``groups`` keeps only those job groups (``main``, ``dabs``, ``shed``).
    """
    jobs: list[Job] = []
    notes: list[str] = []
    budgets: dict[str, Budget] = {}
    for name, layout, modality in datasets:
        ds_jobs, ds_notes = plan_dataset(name, layout, modality)
        jobs += [j for j in ds_jobs if groups is None or j.group in groups]
        notes += ds_notes
        budgets[name] = budget_for(profile, name)
    return SuitePlan(jobs, budgets, notes)


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
) -> int:
    """Run ``jobs`` for every seed (seed-major) through ``run_compare``; return runs recorded.

    One overall progress bar; the bar's text names the run in progress.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from randquant.engine.compare import pretrain_one, run_compare
    from randquant.io import write_json_atomic

    base_trainer = trainer or pretrain_one
    failures: list[str] = []
    cache: dict[str, Dataset] = {}
    total = len(seeds) * sum(len(j.augments) for j in jobs)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), disable=not progress) as bar:
        task = bar.add_task(title, total=total)
        for seed in seeds:
            for job in jobs:
                budget = budgets[job.dataset]
                if job.dataset not in cache:
                    bar.update(task, description=f"{title}: loading {job.dataset}")
                    cache = {job.dataset: loader(job.dataset, budget)}  # keep one in memory

                def traced(data: Dataset, augment: str, s: int, *a: Any, **kw: Any) -> Any:
                    bar.update(task, description=f"{title}: {data.name} {augment} seed {s}")
                    return base_trainer(data, augment, s, *a, **kw)

                try:
                    run_compare(
                        cache[job.dataset],
                        list(job.augments),
                        job.method,
                        budget.epochs,
                        [seed],
                        output / job.dataset / job.group,
                        encoder=job.encoder,
                        width=budget.width,
                        batch_size=budget.batch_size,
                        rq_on=job.rq_on,
                        device="cpu",
                        progress=False,
                        trainer=traced,
                        probe_max_iter=budget.probe_max_iter,
                    )
                except Exception as err:  # one broken setting must not stop the suite
                    failures.append(f"{job.dataset}/{job.group} seed {seed}: {err!r}")
                    bar.console.print(f"[red]failed[/] {failures[-1]}")
                    write_json_atomic(output / "failures.json", failures)
                bar.advance(task, len(job.augments))
    return total


def write_manifest(output: Path, kind: str, profile: str, extra: dict[str, Any]) -> None:
    """Write ``OUT/<kind>.json``: hardware, commands, time, profile table and ``extra``.

    An existing manifest is merged, not replaced: its ``commands`` are kept (this one is
    appended), list values are united in order and dict values updated, so several
    invocations into one folder (other datasets, more seeds) are all recorded.
    """
    import json

    from randquant.bench.hardware import describe
    from randquant.io import write_json_atomic

    path = output / f"{kind}.json"
    try:
        old: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    command = "randquant " + shlex.join(sys.argv[1:])
    earlier = [old["command"]] if "command" in old else []  # manifests before "commands"
    merged: dict[str, Any] = dict(extra)
    for key, value in extra.items():
        prev = old.get(key)
        if isinstance(value, list) and isinstance(prev, list):
            merged[key] = list(dict.fromkeys([*prev, *value]))
        elif isinstance(value, dict) and isinstance(prev, dict):
            merged[key] = {**prev, **value}
    payload = {
        "kind": kind,
        "profile": profile,
        "commands": list(dict.fromkeys([*old.get("commands", []), *earlier, command])),
        "updated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "hardware": describe(torch.get_num_threads()),
        **merged,
    }
    write_json_atomic(path, payload)


def run_suite(
    profile: str,
    seeds: Sequence[int],
    output: Path,
    *,
    datasets: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    loader: Loader = load_for_budget,
    trainer: Callable[..., Any] | None = None,
    progress: bool = True,
) -> SuitePlan:
    """Plan and run the suite (resuming), writing ``OUT/suite.json`` first.

    ``datasets`` names a subset of ``randquant data list`` (default: every installed one).
    """
    from randquant.data.registry import list_datasets

    if profile not in SUITE_PROFILES:
        raise ValueError(f"profile must be one of {SUITE_PROFILES}, got {profile!r}")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    infos = {d.name: d for d in list_datasets()}
    names = list(datasets) if datasets else [n for n, d in infos.items() if d.installed]
    unknown = [n for n in names if n not in infos]
    if unknown:
        raise ValueError(f"datasets: unknown {unknown}; known: {', '.join(sorted(infos))}")
    triples = [(n, infos[n].layout, infos[n].modality) for n in names]
    plan = plan_suite(triples, profile, groups=groups)
    write_manifest(
        output,
        "suite",
        profile,
        {
            "seeds": list(seeds),
            "datasets": names,
            "budgets": {n: asdict(b) for n, b in plan.budgets.items()},
            "methods": METHODS,
            "modalities": {n: infos[n].modality for n in names},
            "skipped": plan.notes,
        },
    )
    run_jobs(
        plan.jobs, plan.budgets, seeds, output, loader=loader, trainer=trainer, progress=progress
    )
    return plan
