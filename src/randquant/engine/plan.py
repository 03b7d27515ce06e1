"""The comparison planner: experiments -> declared contrasts, references, run specs, a sweep.

An :class:`Experiment` is one comparison folder: the arms (augmentation specs) and seeds of
one dataset under one :class:`~randquant.engine.settings.CompareSettings`, and the contrasts
its index tests. :func:`run_experiments` is the one door through which ``randquant compare``
and every ``randquant bench`` command that compares augmentations go: before any run it
drops the arms whose views equal another's on the data
(:func:`~randquant.engine.planning.arms_to_run`), declares each folder's dataset,
contrasts and seeds (``contrasts.json``, :mod:`randquant.engine.declaration`; seeds added
by a later call are a separate, post hoc analysis), records its reference probes
(``references/``) and reads the code version once; then it builds one
:class:`~randquant.engine.settings.RunSpec` per (arm, seed), each carrying that code
version, and runs them as one sweep.

>>> exp = Experiment(Path("out"), "digits", ("rq", "none"), (0, 1), CompareSettings())
>>> exp.pairs()
[('rq', 'none')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from randquant.config import parse_seeds
from randquant.engine.contrasts import default_contrasts
from randquant.engine.declaration import declare
from randquant.engine.index import rebuild_index
from randquant.engine.planning import arms_to_run
from randquant.engine.provenance import code_version, command_line
from randquant.engine.records import Pair
from randquant.engine.references import ensure_references
from randquant.engine.settings import CompareSettings, RunSpec, Trainer, run_id
from randquant.engine.store import RUNS_DIR
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

    def spec(
        self, dataset: Dataset, arm: str, seed: int, code: dict[str, Any] | None = None
    ) -> RunSpec:
        """The run of ``arm`` and ``seed`` (``dataset``: the standardised data, for its id;
        ``code``: the code version it starts from, default: read now)."""
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
            code=code_version() if code is None else code,
        )


def without_twins(experiment: Experiment, dataset: Dataset) -> tuple[Experiment, dict[str, str]]:
    """``experiment`` without the arms whose views equal another's on ``dataset`` (and the
    contrasts naming them), and those arms (``{arm: the arm it equals}``)."""
    plan = arms_to_run(
        dataset, experiment.arms, experiment.pairs(), rq_on=experiment.settings.rq_on
    )
    if not plan.not_run:
        return experiment, {}
    return replace(experiment, arms=tuple(plan.arms), contrasts=tuple(plan.pairs)), plan.not_run


def prepare(
    experiment: Experiment,
    dataset: Dataset,
    *,
    references: bool = True,
    code: dict[str, Any] | None = None,
    not_run: dict[str, str] | None = None,
) -> None:
    """Before any run: declare the folder's dataset, contrasts and seeds (naming the arms
    ``not_run``) and record the reference probes (raw input, untrained encoder) of every
    seed, with ``code`` as their code version; both skip what is already there."""
    declare(
        experiment.folder,
        experiment.pairs(),
        experiment.seeds,
        dataset=experiment.data,
        runs=len(list((experiment.folder / RUNS_DIR).glob("*.json"))),
        not_run=not_run,
    )
    if references:
        ensure_references(
            experiment.folder,
            dataset,
            experiment.seeds,
            experiment.settings,
            probe_max_iter=experiment.probe_max_iter,
            command=command_line(),
            code=code,
        )


def run_specs(
    experiments: Sequence[Experiment],
    load: Callable[[str], Dataset],
    order: Literal["arm", "seed"] = "arm",
    code: dict[str, Any] | None = None,
) -> list[RunSpec]:
    """Every run of ``experiments``: arm-major within each experiment (``"arm"``), or each
    seed of every experiment before the next seed of any (``"seed"``). Each experiment's
    dataset is loaded once, for the ids of all its runs; ``code``: the code version every
    run carries (default: read once, here)."""
    code = code_version() if code is None else code
    made: dict[tuple[int, str, int], RunSpec] = {}
    for i, e in enumerate(experiments):
        dataset = load(e.data)
        made |= {
            (i, arm, seed): e.spec(dataset, arm, seed, code) for arm in e.arms for seed in e.seeds
        }
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
    code: dict[str, Any] | None = None,
) -> SweepOutcome:
    """Prepare every experiment, then run all their runs as one sweep (resuming).

    ``load(name)`` returns the standardised dataset an experiment's ``data`` names.
    ``references=False`` skips the reference probes; ``train=False`` stops after them and
    rebuilds each folder's index. ``code``: the code version every record carries
    (default: read once, here, before the first run).
    """
    code = code_version() if code is None else code
    planned = []
    for experiment in experiments:
        dataset = load(experiment.data)
        kept, not_run = without_twins(experiment, dataset)
        prepare(kept, dataset, references=references, code=code, not_run=not_run)
        planned.append(kept)
    specs = run_specs(planned, load, order, code)
    if not train:
        for folder in dict.fromkeys(e.folder for e in planned):
            rebuild_index(folder)
    return run_sweep(
        specs if train else [], load, executor=executor, progress=progress, title=title
    )
