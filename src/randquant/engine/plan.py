"""The comparison planner: experiments -> declared contrasts, references, run specs, a sweep.

An :class:`Experiment` is one comparison folder: the arms (augmentation specs) and seeds of
one dataset under one :class:`~randquant.engine.settings.CompareSettings`, and the contrasts
its index tests. :func:`run_experiments` is the one door through which ``randquant compare``
and every ``randquant bench`` command that compares augmentations go: before any run it
declares each folder's contrasts (``contrasts.json``) and records its reference probes
(``references/``), then it builds one :class:`~randquant.engine.settings.RunSpec` per
(arm, seed) and runs them as one sweep.

>>> exp = Experiment(Path("out"), "digits", ("rq", "none"), (0, 1), CompareSettings())
>>> exp.pairs()
[('rq', 'none')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from randquant.config import parse_seeds
from randquant.engine.contrasts import default_contrasts
from randquant.engine.index import rebuild_index
from randquant.engine.provenance import command_line
from randquant.engine.records import Pair
from randquant.engine.references import ensure_references
from randquant.engine.settings import CompareSettings, RunSpec, Trainer, run_id
from randquant.engine.store import declare_contrasts
from randquant.engine.sweep import SweepOutcome, run_sweep

if TYPE_CHECKING:
    from randquant.data.base import Dataset
    from randquant.engine.executor import Executor


@dataclass(frozen=True)
class Experiment:
    """One comparison folder: every (arm, seed) of dataset ``data`` under ``settings``.

    ``contrasts`` are the pairs its index tests (empty: each RQ arm against the arms that
    differ from it in the last step, :func:`~randquant.engine.contrasts.default_contrasts`).
    ``probe_in_id``: the run ids hash the probe's options (``compare``'s do; the bench's
    folders were named without them, and keep their ids so they resume).
    """

    folder: Path
    data: str
    arms: tuple[str, ...]
    seeds: tuple[int, ...]
    settings: CompareSettings
    contrasts: tuple[Pair, ...] = ()
    probe_max_iter: int = 500
    probe_in_id: bool = True
    keep_checkpoints: bool = False
    trainer: Trainer | None = None
    progress: bool = False

    def __post_init__(self) -> None:
        if not self.arms:
            raise ValueError("augments must name at least one augmentation")
        if len(set(self.arms)) != len(self.arms):
            raise ValueError(f"augments must not repeat, got {list(self.arms)}")
        parse_seeds(self.seeds)

    def pairs(self) -> list[Pair]:
        """The contrasts this folder declares."""
        return list(self.contrasts) or default_contrasts(self.arms)

    def spec(self, dataset: Dataset, arm: str, seed: int) -> RunSpec:
        """The run of ``arm`` and ``seed`` (``dataset``: the standardised data, for its id)."""
        probe = {"max_iter": self.probe_max_iter} if self.probe_in_id else None
        return RunSpec(
            data=self.data,
            augment=arm,
            seed=seed,
            settings=self.settings,
            output=self.folder,
            run_id=run_id(dataset, arm, seed, self.settings, probe=probe),
            probe_max_iter=self.probe_max_iter,
            keep_checkpoints=self.keep_checkpoints,
            trainer=self.trainer,
            progress=self.progress,
        )


def prepare(experiment: Experiment, dataset: Dataset, *, references: bool = True) -> None:
    """Before any run: declare the folder's contrasts and record the reference probes (raw
    input, untrained encoder) of every seed; both skip what is already there."""
    declare_contrasts(experiment.folder, experiment.pairs())
    if references:
        ensure_references(
            experiment.folder,
            dataset,
            experiment.seeds,
            experiment.settings,
            probe_max_iter=experiment.probe_max_iter,
            command=command_line(),
        )


def run_specs(
    experiments: Sequence[Experiment],
    load: Callable[[str], Dataset],
    order: Literal["arm", "seed"] = "arm",
) -> list[RunSpec]:
    """Every run of ``experiments``: arm-major within each experiment (``"arm"``), or each
    seed of every experiment before the next seed of any (``"seed"``). Each experiment's
    dataset is loaded once, for the ids of all its runs."""
    made: dict[tuple[int, str, int], RunSpec] = {}
    for i, e in enumerate(experiments):
        dataset = load(e.data)
        made |= {(i, arm, seed): e.spec(dataset, arm, seed) for arm in e.arms for seed in e.seeds}
    if order == "arm":
        return list(made.values())
    seeds = dict.fromkeys(s for e in experiments for s in e.seeds)
    return [
        made[(i, arm, seed)]
        for seed in seeds
        for i, e in enumerate(experiments)
        if seed in e.seeds
        for arm in e.arms
    ]


def run_experiments(
    experiments: Sequence[Experiment],
    load: Callable[[str], Dataset],
    *,
    order: Literal["arm", "seed"] = "arm",
    references: bool = True,
    train: bool = True,
    executor: Executor | None = None,
    progress: bool = True,
    title: str = "sweep",
) -> SweepOutcome:
    """Prepare every experiment, then run all their runs as one sweep (resuming).

    ``load(name)`` returns the standardised dataset an experiment's ``data`` names.
    ``references=False`` skips the reference probes; ``train=False`` stops after them and
    rebuilds each folder's index.
    """
    for experiment in experiments:
        prepare(experiment, load(experiment.data), references=references)
    specs = run_specs(experiments, load, order)
    if not train:
        for folder in dict.fromkeys(e.folder for e in experiments):
            rebuild_index(folder)
    return run_sweep(
        specs if train else [], load, executor=executor, progress=progress, title=title
    )
