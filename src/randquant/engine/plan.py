"""The comparison planner: experiments -> declared contrasts, references, run specs, a sweep.

An :class:`Experiment` is one comparison folder: the arms (augmentation specs) and seeds of
one dataset under one :class:`~randquant.engine.settings.CompareSettings`, and the contrasts
its index tests. :func:`run_experiments` is the one door through which ``randquant compare``
and every ``randquant bench`` command that compares augmentations go: before any run it
leaves out the arms whose views equal another's on the data
(:func:`~randquant.engine.planning.arms_to_run`), declares each folder's contrasts and seeds
(``contrasts.json``, :mod:`randquant.engine.declaration`: seeds added later are a separate,
post hoc analysis) and records its reference probes (``references/``), then it builds one
:class:`~randquant.engine.settings.RunSpec` per (arm, seed) and runs them as one sweep. The
code version every record carries is read once, before the first run.

>>> exp = Experiment(Path("out"), "digits", ("rq", "none"), (0, 1), CompareSettings())
>>> exp.pairs()
[('rq', 'none')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
        ``code``: the code version the run starts from, default read now)."""
        probe = {"max_iter": self.probe_max_iter} if self.probe_in_id else None
        spec = RunSpec(
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
        return spec if code is None else replace(spec, code=code)


def prepare(
    experiment: Experiment,
    dataset: Dataset,
    *,
    references: bool = True,
    code: dict[str, Any] | None = None,
) -> Experiment:
    """Before any run: leave out the arms identical to another on ``dataset`` (and the
    contrasts naming them), declare the folder's contrasts and seeds (naming what was left
    out) and record the reference probes (raw input, untrained encoder) of every seed; each
    skips what is already there. Returns the experiment with the arms that will run."""
    plan = arms_to_run(
        dataset, experiment.arms, experiment.pairs(), rq_on=experiment.settings.rq_on
    )
    declare(
        experiment.folder,
        plan.pairs,
        experiment.seeds,
        dataset=dataset.name,
        runs=len(list((experiment.folder / RUNS_DIR).glob("*.json"))),
        not_run=plan.not_run,
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
    return replace(experiment, arms=tuple(plan.arms), contrasts=tuple(plan.pairs))


def run_specs(
    experiments: Sequence[Experiment],
    load: Callable[[str], Dataset],
    order: Literal["arm", "seed"] = "arm",
    code: dict[str, Any] | None = None,
) -> list[RunSpec]:
    """Every run of ``experiments``: arm-major within each experiment (``"arm"``), or each
    seed of every experiment before the next seed of any (``"seed"``). Each experiment's
    dataset is loaded once, for the ids of all its runs."""
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


def _one_thread(fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """``fn(*args, **kwargs)`` on one torch (and BLAS) thread: beside the Ray workers, more
    threads only fight them for the cores (on the busy 2-core box the raw-input probe's fits
    on two threads had not finished after an hour; on one, about 30 s a seed)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fn(*args, **kwargs)
    finally:
        torch.set_num_threads(threads)


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
    run_seconds: float | None = None,
) -> SweepOutcome:
    """Prepare every experiment, then run all their runs as one sweep (resuming).

    ``load(name)`` returns the standardised dataset an experiment's ``data`` names.
    ``references=False`` skips the reference probes; ``train=False`` stops after them and
    rebuilds each folder's index. ``code``: the code version every record carries (default:
    read here, once, before the first run). ``run_seconds`` (an estimate of one run) feeds
    the sweep's time left until the first run ends. When one experiment's runs are Ray
    tasks, its reference probes run in this process beside them instead of before them.
    """
    from randquant.engine.executor import Executor

    code = code if code is not None else code_version()
    executor = executor or Executor()
    beside = references and train and executor.uses_ray and len(experiments) == 1
    prepared = [
        prepare(e, load(e.data), references=references and not beside, code=code)
        for e in experiments
    ]
    specs = run_specs(prepared, load, order, code)
    if not train:
        for folder in dict.fromkeys(e.folder for e in prepared):
            rebuild_index(folder)
    if not beside:
        return run_sweep(
            specs if train else [],
            load,
            executor=executor,
            progress=progress,
            title=title,
            run_seconds=run_seconds,
        )
    (only,) = prepared
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the runs train in Ray's worker processes: this one probes the references meanwhile
        refs = pool.submit(
            _one_thread,
            ensure_references,
            only.folder,
            load(only.data),
            only.seeds,
            only.settings,
            probe_max_iter=only.probe_max_iter,
            command=command_line(),
            code=code,
        )
        outcome = run_sweep(
            specs, load, executor=executor, progress=progress, title=title, run_seconds=run_seconds
        )
        refs.result()  # raises what the references raised
    arms = set(only.arms)
    rebuild_index(only.folder, lambda r: (r.augment not in arms, r.run_id))
    return outcome
