"""The suite's plan: which arms run on which dataset, with which method, tested how.

A :class:`Job` is one dataset, one group of augmentations and how to train them;
:func:`plan_dataset` makes the jobs of one dataset from its layout and modality,
:func:`plan_suite` those of many, with their budgets (:mod:`randquant.bench.profiles`).

>>> [j.group for j in plan_dataset("wine", "vector", "tabular")[0]]
['main', 'dabs', 'shed']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from randquant.bench.profiles import Budget, budget_for

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
