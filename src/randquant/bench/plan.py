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


#: SCARF (each feature, with probability p, from another row): the generic baseline for
#: feature-wise data, stronger than Gaussian noise there (on tabular data it is also the
#: modality's ``specific`` set, so the planner runs one of the two).
SCARF_MODALITIES: frozenset[str] = frozenset({"tabular", "sensor"})


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
    ("rq", "scarf"),
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


def plan_dataset(
    name: str,
    layout: str,
    modality: str,
    *,
    arms: Sequence[str] | None = None,
    encoder: str = "auto",
    method: str | None = None,
) -> tuple[list[Job], list[str]]:
    """The jobs for one dataset and notes on the pairs it skips.

    ``arms`` (a profile's row may name them) keeps only those augmentations of the main
    group, in that order, and drops the transformer groups; an arm the dataset's plan does
    not have is a ``ValueError``. ``encoder`` and ``method`` (default: the modality's,
    :data:`METHODS`) are the main group's.
    """
    notes: list[str] = []
    augments = list(BASE_AUGMENTS)
    if modality in SCARF_MODALITIES:
        augments.insert(augments.index("mixup") + 1, "scarf")
    if layout in CROP_LAYOUTS:
        augments += CROP_AUGMENTS
    else:
        notes.append(f"{name}: no crop for layout {layout!r}, skipped {', '.join(CROP_AUGMENTS)}")
    if arms is not None:
        unknown = [a for a in arms if a not in augments]
        if unknown or not arms:
            raise ValueError(
                f"{name}: arms {unknown or list(arms)} not in its plan ({', '.join(augments)})"
            )
        notes.append(f"{name}: the profile runs only {', '.join(arms)}")
        augments = list(arms)
    method = method or METHODS.get(modality, "simclr")
    pairs = tuple((a, b) for a, b in SUITE_CONTRASTS if a in augments and b in augments)
    # token ids take neither noise nor RQ: those run on the embedded tokens (DABS path)
    rq_on = "embedding" if layout == "tokens" else "input"
    jobs = [Job(name, "main", tuple(augments), method, rq_on, encoder, contrasts=pairs)]
    if layout in TRANSFORMER_LAYOUTS and arms is None:
        if layout == "vector":
            jobs.append(Job(name, "dabs", ("rq", "mixup"), method, "embedding", "transformer"))
        jobs.append(Job(name, "shed", ("none",), "shed", "embedding", "transformer"))
    return jobs, notes


def plan_for_budget(
    name: str, layout: str, modality: str, budget: Budget
) -> tuple[list[Job], list[str]]:
    """:func:`plan_dataset` with the arms, encoder and method a profile row names."""
    return plan_dataset(
        name, layout, modality, arms=budget.arms, encoder=budget.encoder, method=budget.method
    )


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
        budget = budget_for(profile, name)
        ds_jobs, ds_notes = plan_for_budget(name, layout, modality, budget)
        jobs += [j for j in ds_jobs if groups is None or j.group in groups]
        notes += ds_notes
        budgets[name] = budget
    return SuitePlan(jobs, budgets, notes)
