"""Compare augmentations: pretrain one encoder per (augmentation, seed), probe it, tabulate.

The top floor of the engine: :class:`CompareOptions` says how to train, probe and test;
:func:`run_compare` turns them into the concrete settings of one dataset and hands one
experiment to the planner (:mod:`randquant.engine.plan`), which declares the contrasts,
ensures the references and runs the sweep. An interrupted comparison resumes: each
finished run leaves ``runs/<run_id>.json`` and is skipped next time; the run in progress
continues from its last epoch checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from randquant.config import ModelOptions, PretrainConfig
from randquant.data.base import Dataset
from randquant.data.standardize import standardize
from randquant.engine.contrasts import parse_contrast
from randquant.engine.executor import Executor
from randquant.engine.plan import Experiment, run_experiments
from randquant.engine.record_check import check_output_folder
from randquant.engine.records import RunRecord
from randquant.engine.run import pretrain_one
from randquant.engine.settings import CompareSettings, Trainer, with_recipe


@dataclass(frozen=True)
class CompareOptions:
    """How :func:`run_compare` trains, probes and tests: one object instead of many keywords.

    ``model`` and ``train`` are the config tree's nodes (their fields, defaults and checks
    live there); ``train.batch_size`` is not read: ``batch_size`` is, and ``None`` takes the
    recipe's. ``recipe`` (``auto``, ``paper``, ``small``; :mod:`randquant.engine.recipe`)
    fills the batch size, lr, weight decay, optimizer and warm-up left unset, by the size of
    the training split. ``contrasts`` (``"A:B"`` or ``(A, B)``; default: each RQ arm against
    the arms that differ from it in the last step) are declared before any run.
    ``references`` records the raw-input and untrained-encoder probes of every seed first.
    ``probe_max_iter`` caps the linear probe's iterations (part of the run id).

    >>> CompareOptions(train=PretrainConfig(epochs=5), device="cpu").recipe
    'auto'
    """

    model: ModelOptions = field(default_factory=ModelOptions)
    train: PretrainConfig = field(default_factory=PretrainConfig)
    batch_size: int | None = None
    recipe: str = "auto"
    device: str = "auto"
    contrasts: Sequence[str | tuple[str, str]] = ()
    references: bool = True
    probe_max_iter: int = 500
    keep_checkpoints: bool = False
    progress: bool = True
    #: An estimate of one run's seconds (e.g. :attr:`randquant.engine.defaults.Plan.run_seconds`)
    #: that feeds the sweep's time left until the first run ends.
    run_seconds: float | None = None

    def __post_init__(self) -> None:
        from randquant.engine.recipe import check_recipe

        if self.batch_size is not None:
            PretrainConfig(batch_size=self.batch_size)  # the rule's one home
        check_recipe(self.recipe)
        CompareSettings.from_config(self.model, self.train, self.device)  # device, options

    def settings(self, dataset: Dataset) -> CompareSettings:
        """The concrete settings of every run on ``dataset``: the recipe, resolved by the
        size of its training split, fills what was left unset; ``rq_on="auto"`` is placed
        for its layout."""
        from randquant.augment.views import resolve_rq_on

        base = CompareSettings.from_config(self.model, self.train, self.device)
        placed = replace(base, rq_on=resolve_rq_on(base.rq_on, dataset.layout))
        return with_recipe(placed, self.recipe, len(dataset.train), self.batch_size)


def run_compare(
    dataset: Dataset,
    augments: Sequence[str],
    seeds: Sequence[int],
    output_dir: Path | str,
    options: CompareOptions | None = None,
    *,
    trainer: Trainer = pretrain_one,
    executor: Executor | None = None,
) -> list[RunRecord]:
    """Pretrain and probe every (augmentation, seed) pair; write results under ``output_dir``.

    The dataset is standardised per channel (train statistics) first. Through the planner
    (:func:`~randquant.engine.plan.run_experiments`) the contrasts are declared in
    ``contrasts.json`` with the seeds (seeds added by a later call are a separate, post hoc
    analysis), arms whose views equal another's on this data are left out
    (:func:`~randquant.engine.planning.arms_to_run`; ``channel_mask`` on one channel is
    ``none``) and the references recorded (``references/``) before any run; after
    every run, ``runs/<run_id>.json`` and the index ``results.json``, ``results.csv`` and
    ``results.md`` are written atomically. Finished runs are skipped, so calling this again
    after an interruption resumes. ``trainer`` replaces :func:`pretrain_one` (for tests and
    custom loops); ``executor`` runs the runs in this process (default) or on Ray
    (:class:`~randquant.engine.executor.Executor`). Returns the records of this call's plan,
    in plan order; when runs failed, the others finish first, then
    :class:`~randquant.engine.sweep.SweepFailed` names the failed ones.

    >>> opts = CompareOptions(train=PretrainConfig(epochs=50))
    >>> run_compare(ds, ["none", "rq"], [0, 1, 2], "out/", opts)  # doctest: +SKIP
    """
    options = options or CompareOptions()
    arms = tuple(augments)
    experiment = Experiment(
        folder=Path(output_dir),
        data=dataset.name,
        arms=arms,
        seeds=tuple(seeds),
        settings=options.settings(dataset),
        contrasts=tuple(
            parse_contrast(c if isinstance(c, str) else ":".join(c), arms)
            for c in options.contrasts
        ),
        probe_max_iter=options.probe_max_iter,
        keep_checkpoints=options.keep_checkpoints,
        trainer=trainer,
        progress=options.progress,
    )
    data = standardize(dataset)
    check_output_folder(experiment.folder, data.name)  # links out, another dataset: refused
    outcome = run_experiments(
        [experiment],
        lambda name: data,
        references=options.references,
        executor=executor,
        progress=options.progress,
        title=f"compare on {data.name}",
        run_seconds=options.run_seconds,
    )
    outcome.raise_if_failed()
    return outcome.records
