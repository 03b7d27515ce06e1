"""``randquant bench suite``: every named dataset x the generic and specific augmentations.

Every (seed, dataset, group, augmentation) is one run of one sweep
(:func:`randquant.engine.sweep.run_sweep`, in this process or on Ray): it writes one record per
run (``runs/<run_id>.json``, atomically) and skips the runs whose record exists, so an
interrupted suite resumes where it stopped. Seeds are the outer loop: the first seed of every
setting is submitted before the second seed of any.

Layout of the output folder::

    OUT/suite.json                    what ran: profile table, hardware, commands, skipped pairs
                                      (rebuilt from OUT/invocations/suite-*.json)
    OUT/<dataset>/<group>/runs/*.json one record per run, with its provenance
    OUT/<dataset>/<group>/failed/     runs that failed (error, traceback); OUT/failures.json

Groups: ``main`` (the augmentation grid, with the modality's method), and on token/tabular
data the DABS-style transformer path ``dabs`` (RQ on the embedded tokens vs e-Mix) and
``shed`` (the ShED objective, no augmentation).

Methods (:data:`METHODS`): SimCLR for images, point clouds and sensors (no momentum encoder,
so the cheapest step on a CPU, and in-batch negatives suit small batches); BYOL for audio, as in
the paper's BYOL-A setting; MoCo v3 for the transformer path (text, tabular), the recipe MoCo v3
was designed for (ViTs) and the method of the paper's ImageNet results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.splits import stratified_subset

if TYPE_CHECKING:
    from randquant.engine.compare import CompareSettings
    from randquant.engine.executor import Executor
    from randquant.engine.sweep import SweepOutcome

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
SUITE_PROFILES: tuple[str, ...] = ("quick", "full", "power")
#: The suite's pre-declared contrasts (a vs b), tested per dataset with Holm within each
#: dataset and metric; a pair whose arms a dataset lacks (crop on vectors) is left out.
SUITE_CONTRASTS: tuple[tuple[str, str], ...] = (
    ("rq", "none"),
    ("rq", "noise"),
    ("rq", "mask"),
    ("rq", "channel_mask"),
    ("rq", "mixup"),
    ("rq", "specific"),
    ("crop+rq", "crop"),
    ("crop+rq", "crop+noise"),
    ("crop+rq", "crop+mask"),
    ("crop+rq", "crop+mixup"),
)


@dataclass(frozen=True)
class Budget:
    """How one dataset is trained in a profile.

    ``train``/``test`` cap the splits (stratified subset of the registry's ``data_profile``
    build; ``None`` keeps the split), ``width`` is the encoder width, ``probe_max_iter`` caps
    the L-BFGS iterations of each linear-probe fit. A run is sized by ``epochs`` or by
    optimizer ``steps`` (then the epochs follow from the training split and the batch);
    ``recipe`` fills what the budget leaves open (:mod:`randquant.engine.recipe`;
    ``batch_size=None`` takes the recipe's).
    """

    epochs: int | None
    batch_size: int | None
    width: int
    train: int | None
    test: int | None
    data_profile: str = "quick"
    probe_max_iter: int = 100
    steps: int | None = None
    recipe: str = "paper"

    def __post_init__(self) -> None:
        if (self.epochs is None) == (self.steps is None):
            raise ValueError(f"a budget needs epochs or steps (one of them), got {self}")


#: The power profile's budget: runs sized in optimizer steps with the small-data recipe,
#: full train splits where affordable, test sets >= 1,000 where the dataset has them.
_POWER = Budget(
    epochs=None,
    steps=200,
    batch_size=64,
    width=16,
    train=4000,
    test=1000,
    data_profile="full",
    probe_max_iter=1000,
    recipe="small",
)

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
    # power: enough seeds for paired tests (see POWER_SEEDS), runs sized in optimizer steps
    # with the small-data recipe, full train splits where affordable, test sets >= 1,000
    # where the dataset has them; ~2.5 h on 2 cores (estimate in docs/benchmarks.md).
    "power": {
        "default": _POWER,
        "letter": replace(_POWER, test=2000),
        "espeak_digits": replace(_POWER, steps=60, train=2000, test=None),
        "furniture": replace(_POWER, steps=60, train=None, test=None),
        "wordnet_glosses": replace(_POWER, steps=60),
    },
}
#: The power profile's datasets and seeds: 10 seeds on three cheap datasets of three
#: modalities (image, sensor, tabular), 5 on one dataset of every other modality.
POWER_SEEDS: dict[str, int] = {
    "digits": 10,
    "mnist1d": 10,
    "letter": 10,
    "espeak_digits": 5,
    "furniture": 5,
    "wordnet_glosses": 5,
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
    """A dataset, a group of augmentations and how to train them (one run per augmentation
    and seed)."""

    dataset: str
    group: str
    augments: tuple[str, ...]
    method: str
    rq_on: str
    encoder: str = "auto"
    #: The pairs its folder's index tests (``()``: ``rq`` against every other arm).
    contrasts: tuple[tuple[str, str], ...] = ()


def plan_dataset(name: str, layout: str, modality: str) -> tuple[list[Job], list[str]]:
    """The jobs for one dataset and notes on the pairs it skips (never an error)."""
    notes: list[str] = []
    augments = list(BASE_AUGMENTS)
    if layout in CROP_LAYOUTS:
        augments += CROP_AUGMENTS
    else:
        notes.append(f"{name}: no crop for layout {layout!r}, skipped {', '.join(CROP_AUGMENTS)}")
    method = METHODS.get(modality, "simclr")
    pairs = tuple((a, b) for a, b in SUITE_CONTRASTS if a in augments and b in augments)
    if layout == "tokens":
        # token ids take neither noise nor RQ: those run on the embedded tokens (DABS path)
        jobs = [Job(name, "main", tuple(augments), method, "embedding", contrasts=pairs)]
    else:
        jobs = [Job(name, "main", tuple(augments), method, "input", contrasts=pairs)]
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
    there). ``code``: the code version every record carries (default: read here, before
    the first run).

    Every (seed, job, augmentation) is one run of :func:`randquant.engine.sweep.run_sweep`,
    written under ``output/<dataset>/<group>``; finished runs are skipped. ``executor`` runs
    them in this process (default) or on Ray. A failing run does not stop the others: it is
    recorded under ``<group>/failed/`` and listed in ``output/failures.json``, which is
    rebuilt from those records. ``device``: ``cpu``, ``cuda`` or ``auto``.
    """
    from randquant.data.standardize import standardize
    from randquant.engine.compare import run_id
    from randquant.engine.sweep import RunSpec, run_sweep

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
    from randquant.engine.sweep import code_version

    code = code_version() if code is None else code  # read before the first run
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
        from randquant.engine.results import rebuild_index

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
    from randquant.engine.compare import CompareSettings
    from randquant.engine.recipe import epochs_for_steps, resolve

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
    from randquant.engine.references import ensure_references
    from randquant.engine.sweep import command_line

    for job in jobs:
        folder = output / job.dataset / job.group
        declare(
            folder,
            job.contrasts or default_contrasts(job.augments),
            seeds_of(job),
            dataset=job.dataset,
            runs=len(list((folder / "runs").glob("*.json"))),
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
    from randquant.engine.sweep import read_failures
    from randquant.io import write_json_atomic

    failed = read_failures(output)
    path = output / "failures.json"
    if failed:
        write_json_atomic(
            path, [f"{f['dataset']} {f['augment']} seed {f['seed']}: {f['error']}" for f in failed]
        )
    else:
        path.unlink(missing_ok=True)


def write_manifest(output: Path, kind: str, profile: str, extra: dict[str, Any]) -> None:
    """Record this invocation, then rebuild ``OUT/<kind>.json`` from every invocation.

    Each call writes its own file ``OUT/invocations/<kind>-<UTC time>-<host>-<pid>.json``
    (command, time, hardware, profile, ``extra``) and never touches another's, so
    invocations running into one folder at the same time are all kept. The manifest is then
    rebuilt from those files under a lock: ``commands`` in time order, list values united
    in order, dict values updated, other values from the latest invocation. A manifest
    written before invocation files existed becomes the first invocation.
    """
    import json
    import os
    import socket

    from randquant.bench.hardware import describe
    from randquant.engine.sweep import command_line
    from randquant.io import file_lock, write_json_atomic

    path = output / f"{kind}.json"
    folder = output / "invocations"
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{now % 1:.6f}"[1:]
    mine = {
        "kind": kind,
        "profile": profile,
        "command": command_line(),
        "updated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)),
        "hardware": describe(torch.get_num_threads()),
        **extra,
    }
    with file_lock(output / f".{kind}.lock"):
        if path.is_file() and not any(folder.glob(f"{kind}-*.json")):
            try:  # a manifest from before invocation files: keep what it recorded
                legacy = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                legacy = None
            if isinstance(legacy, dict):
                write_json_atomic(folder / f"{kind}-00000000T000000-legacy.json", legacy)
        host = socket.gethostname().replace(os.sep, "_")
        write_json_atomic(folder / f"{kind}-{stamp}-{host}-{os.getpid()}.json", mine)
        invocations = []
        for p in sorted(folder.glob(f"{kind}-*.json")):
            try:
                invocations.append(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        write_json_atomic(path, merge_invocations(invocations))


def merge_invocations(invocations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One manifest from invocation records in time order (see :func:`write_manifest`)."""
    merged: dict[str, Any] = {}
    commands: list[str] = []
    for inv in invocations:
        commands += [*inv.get("commands", []), *([inv["command"]] if "command" in inv else [])]
        for key, value in inv.items():
            prev = merged.get(key)
            if isinstance(value, list) and isinstance(prev, list):
                merged[key] = list(dict.fromkeys([*prev, *value]))
            elif isinstance(value, dict) and isinstance(prev, dict):
                merged[key] = {**prev, **value}
            else:
                merged[key] = value
    merged.pop("command", None)
    merged["commands"] = list(dict.fromkeys(commands))
    return merged


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
    device: str = "auto",
    executor: Executor | None = None,
    references_only: bool = False,
    allow_dirty: bool = False,
) -> SuitePlan:
    """Plan and run the suite (resuming), writing ``OUT/suite.json`` first.

    The ``power`` profile's results are the ones the claims rest on, so they must come from
    a commit: from a tree with uncommitted changes to the package it raises ``ValueError``
    unless ``allow_dirty``, and then every record and the manifest are marked
    ``allow_dirty``.

    ``datasets`` names a subset of ``randquant data list`` (default: every installed one;
    for ``power``, the datasets of :data:`POWER_SEEDS`, each run on its first N seeds).
    ``references_only`` records the reference probes (and declares the contrasts) of every
    folder and trains nothing (for result folders made before references existed).
    ``executor``: in this process (default) or on Ray. When runs failed, the others finish
    first, then :class:`~randquant.engine.sweep.SweepFailed` names the failed ones.
    """
    from randquant.data.registry import list_datasets

    if profile not in SUITE_PROFILES:
        raise ValueError(f"profile must be one of {SUITE_PROFILES}, got {profile!r}")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    code = checked_code(profile, allow_dirty)
    infos = {d.name: d for d in list_datasets()}
    names = list(datasets) if datasets else [n for n, d in infos.items() if d.installed]
    if profile == "power" and not datasets:
        names = list(POWER_SEEDS)
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
            "device": device,
            **({"allow_dirty": True} if code.get("allow_dirty") else {}),
        },
    )
    run_jobs(
        plan.jobs,
        plan.budgets,
        seeds,
        output,
        loader=loader,
        trainer=trainer,
        progress=progress,
        device=device,
        executor=executor,
        seed_counts=POWER_SEEDS if profile == "power" else None,
        train=not references_only,
        code=code,
    ).raise_if_failed()
    return plan


def checked_code(profile: str, allow_dirty: bool) -> dict[str, Any]:
    """The code version the suite's runs start from (read now), refused for the ``power``
    profile when the package has uncommitted changes unless ``allow_dirty`` (then marked).

    >>> checked_code("quick", False)["randquant"]  # doctest: +SKIP
    '0.1.0'
    """
    from randquant.engine.sweep import code_version

    code = code_version()
    if profile == "power" and code.get("git_dirty"):
        if not allow_dirty:
            raise ValueError(
                "the power profile's results must come from a commit, but src/randquant has "
                "uncommitted changes: commit them, or pass --allow-dirty (the records are "
                "then marked)"
            )
        code = {**code, "allow_dirty": True}
    return code
