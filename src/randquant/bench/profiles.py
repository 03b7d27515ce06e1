"""The bench profiles: how each dataset is trained and cut in ``quick``, ``full`` and ``power``.

A profile is data, one YAML file per profile (``bench/budgets/<profile>.yaml``): a table
of :class:`Budget` rows, a default and per-dataset overrides (:data:`PROFILE_TABLE`);
:func:`budget_for` reads a row, :func:`load_for_budget` loads the dataset cut to it (the
same stratified subset for every run of a profile).

>>> budget_for("quick", "digits").epochs
10
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

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
    ``batch_size=None`` takes the recipe's). ``arms`` keeps only those augmentations of the
    dataset's plan (:func:`randquant.bench.plan.plan_dataset`); ``encoder`` and ``method``
    name its encoder and SSL method.
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
    #: Only these augmentations of the dataset's plan (``None``: all of them).
    arms: tuple[str, ...] | None = None
    encoder: str = "auto"
    #: The SSL method (``None``: the modality's, :data:`randquant.bench.plan.METHODS`).
    method: str | None = None
    #: Points kept per cloud (point sets only; ``None``: all of them).
    points: int | None = None

    def __post_init__(self) -> None:
        if (self.epochs is None) == (self.steps is None):
            raise ValueError(f"a budget needs epochs or steps (one of them), got {self}")
        if self.arms is not None:
            # YAML gives a list; a tuple keeps the row hashable and equal to its re-read
            object.__setattr__(self, "arms", tuple(str(a) for a in self.arms))
        if self.points is not None and self.points < 1:
            raise ValueError(f"points must be >= 1 or null, got {self.points!r}")


#: Where the profiles live as data: ``<profile>.yaml``, one file per profile.
BUDGETS_DIR = Path(__file__).with_name("budgets")


def read_profile(path: Path) -> tuple[dict[str, Budget], dict[str, int]]:
    """The budget rows and the per-dataset seed counts (``seeds``, may be absent) of a
    profile file; a named row gives only what differs from ``default``. ``ValueError``
    names the file and the row that does not make a :class:`Budget`."""
    import yaml  # type: ignore[import-untyped]

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = data.get("budgets", {}) if isinstance(data, dict) else {}
    if "default" not in rows:
        raise ValueError(f"{path}: needs budgets.default")
    table: dict[str, Budget] = {}
    for name, row in rows.items():
        try:
            base = {} if name == "default" else asdict(table["default"])
            table[name] = Budget(**{**base, **row})
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: budgets.{name}: {err}") from None
    seeds = {str(k): int(v) for k, v in (data.get("seeds") or {}).items()}
    return table, seeds


_READ = {p: read_profile(BUDGETS_DIR / f"{p}.yaml") for p in SUITE_PROFILES}
#: The profile table (``budgets/<profile>.yaml``): a default row per profile and
#: per-dataset overrides.
PROFILE_TABLE: dict[str, dict[str, Budget]] = {p: table for p, (table, _) in _READ.items()}
#: The power profile's datasets and seeds (``budgets/power.yaml``).
POWER_SEEDS: dict[str, int] = _READ["power"][1]


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


def fewer_points(ds: Dataset, points: int | None) -> Dataset:
    """``ds`` with the first ``points`` points of each cloud (``None``: unchanged).

    The registry's clouds are i.i.d. surface samples in random order
    (:func:`randquant.data.furniture.sample_mesh_points`), so their first K points are a
    K-point sample of the same surface.
    """
    if points is None:
        return ds
    if ds.layout != "points":
        raise ValueError(f"{ds.name}: points= needs a point-set dataset, got layout {ds.layout!r}")
    have = ds.train.x.shape[1]
    if points > have:
        raise ValueError(f"{ds.name}: points={points}, but its clouds have {have} points")

    def cut(split: SplitData) -> SplitData:
        return SplitData(split.x[:, :points].contiguous(), split.y)

    meta = {**ds.meta, "num_points": points} if "num_points" in ds.meta else ds.meta
    return replace(ds, train=cut(ds.train), test=cut(ds.test), meta=meta)


Loader = Callable[[str, Budget], Dataset]


def load_for_budget(name: str, budget: Budget) -> Dataset:
    """Load the named dataset from the registry and cut it to the budget."""
    from randquant.data.registry import load_dataset

    ds = load_dataset(name, profile=budget.data_profile, progress=False)
    return fewer_points(subset(ds, budget.train, budget.test), budget.points)
