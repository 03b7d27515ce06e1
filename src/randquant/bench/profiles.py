"""The bench profiles: how each dataset is trained and cut in ``quick``, ``full`` and ``power``.

A profile is a table of :class:`Budget` rows, a default and per-dataset overrides
(:data:`PROFILE_TABLE`); :func:`budget_for` reads a row, :func:`load_for_budget` loads the
dataset cut to it (the same stratified subset for every run of a profile).

>>> budget_for("quick", "digits").epochs
10
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.splits import stratified_subset

SUITE_PROFILES: tuple[str, ...] = ("quick", "full", "power")


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
        "default": Budget(epochs=10, batch_size=64, width=16, train=512, test=1000),
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


def budget_for(profile: str, dataset: str) -> Budget:
    """The :data:`PROFILE_TABLE` row of ``dataset`` in ``profile`` (its default otherwise)."""
    if profile not in PROFILE_TABLE:
        raise ValueError(f"profile must be one of {SUITE_PROFILES}, got {profile!r}")
    table = PROFILE_TABLE[profile]
    return table.get(dataset, table["default"])


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
