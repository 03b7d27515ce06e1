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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.bench.plan import METHODS, SuitePlan, plan_suite
from randquant.bench.profiles import POWER_SEEDS, SUITE_PROFILES, Loader, load_for_budget
from randquant.bench.runner import run_planned

if TYPE_CHECKING:
    from randquant.engine.executor import Executor


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
    ``allow_dirty`` (:func:`checked_code`).

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
    from randquant.config import parse_seeds

    parse_seeds(seeds)
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
    run_planned(
        "suite",
        profile,
        plan.jobs,
        plan.budgets,
        seeds,
        output,
        {
            "datasets": names,
            "methods": METHODS,
            "modalities": {n: infos[n].modality for n in names},
            "skipped": plan.notes,
            **({"allow_dirty": True} if code.get("allow_dirty") else {}),
        },
        references_only=references_only,
        device=device,
        loader=loader,
        trainer=trainer,
        progress=progress,
        executor=executor,
        seed_counts=POWER_SEEDS if profile == "power" else None,
        code=code,
    )
    return plan


def checked_code(profile: str, allow_dirty: bool) -> dict[str, Any]:
    """The code version the suite's runs start from (read now), refused for the ``power``
    profile when the package has uncommitted changes unless ``allow_dirty`` (then marked).

    >>> checked_code("quick", False)["randquant"]  # doctest: +SKIP
    '0.1.0'
    """
    from randquant.engine import provenance

    code = provenance.code_version()
    if profile == "power" and code.get("git_dirty"):
        if not allow_dirty:
            raise ValueError(
                "the power profile's results must come from a commit, but src/randquant has "
                "uncommitted changes: commit them, or pass --allow-dirty (the records are "
                "then marked)"
            )
        code = {**code, "allow_dirty": True}
    return code
