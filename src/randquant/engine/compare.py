"""Compare augmentations: pretrain one encoder per (augmentation, seed), probe it, tabulate.

The top floor of the engine: it declares the contrasts, ensures the references, builds one
:class:`~randquant.engine.settings.RunSpec` per (augmentation, seed) and hands them to the
sweep (:func:`~randquant.engine.sweep.run_sweep`). An interrupted comparison resumes: each
finished run leaves ``runs/<run_id>.json`` and is skipped next time; the run in progress
continues from its last epoch checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from randquant.data.base import Dataset
from randquant.data.standardize import standardize
from randquant.engine.contrasts import default_contrasts, parse_contrast
from randquant.engine.declaration import declare
from randquant.engine.executor import Executor
from randquant.engine.planning import arms_to_run
from randquant.engine.provenance import code_version, command_line
from randquant.engine.records import RunRecord
from randquant.engine.references import ensure_references
from randquant.engine.run import pretrain_one
from randquant.engine.settings import CompareSettings, RunSpec, Trainer, run_id
from randquant.engine.store import RUNS_DIR
from randquant.engine.sweep import run_sweep


def split_specs(text: str) -> list[str]:
    """Split ``"rq:bins=16,proxy=middle,noise"`` into specs, keeping ``k=v`` options attached.

    >>> split_specs("rq:bins=16,proxy=middle,noise, mask")
    ['rq:bins=16,proxy=middle', 'noise', 'mask']
    """
    specs: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if specs and "=" in part and ":" not in part.split("=", 1)[0]:
            specs[-1] += "," + part
        elif part:
            specs.append(part)
    return specs


def run_compare(
    dataset: Dataset,
    augments: Sequence[str],
    method: str,
    epochs: int,
    seeds: Sequence[int],
    output_dir: Path | str,
    *,
    encoder: str = "auto",
    width: int = 64,
    batch_size: int | None = None,
    rq_on: str = "auto",
    lr: float | None = None,
    weight_decay: float | None = None,
    device: str = "auto",
    pretrain_options: Mapping[str, Any] | None = None,
    recipe: str = "auto",
    keep_checkpoints: bool = False,
    progress: bool = True,
    trainer: Trainer = pretrain_one,
    probe_max_iter: int = 500,
    executor: Executor | None = None,
    contrasts: Sequence[str | tuple[str, str]] | None = None,
    references: bool = True,
) -> list[RunRecord]:
    """Pretrain and probe every (augmentation, seed) pair; write results under ``output_dir``.

    The dataset is standardised per channel (train statistics) first. After every run,
    ``runs/<run_id>.json`` and the summaries ``results.json``, ``results.csv`` and
    ``results.md`` (mean ± std per augmentation, over every record in ``runs/``) are written
    atomically. Finished runs are skipped, so calling this again after an interruption
    resumes. ``trainer`` replaces :func:`pretrain_one` (for tests and custom loops);
    ``probe_max_iter`` caps the linear probe's L-BFGS iterations (part of the run id).
    ``executor`` runs the runs in this process (default) or on Ray
    (:class:`~randquant.engine.executor.Executor`). Returns the records of this call's plan,
    in plan order; when runs failed, the others finish first, then
    :class:`~randquant.engine.sweep.SweepFailed` names the failed ones.

    ``contrasts`` (``"A:B"`` or ``(A, B)``; default: each RQ arm against the arms that differ
    from it in the last step, :func:`~randquant.engine.contrasts.default_contrasts`) are
    declared in ``contrasts.json`` with the seeds before any run, and the index tests exactly
    those on those seeds (:mod:`randquant.engine.declaration`: seeds added by a later call are
    a separate, post hoc analysis). Arms whose views equal another's on this data are not run
    (:func:`randquant.engine.planning.arms_to_run`; ``channel_mask`` on one channel is
    ``none``) and the declaration names them. With ``references`` the raw-input and
    untrained-encoder probes of every seed are recorded first (``references/``).
    ``recipe`` (``auto``, ``paper``, ``small``; :mod:`randquant.engine.recipe`) fills the
    batch size, lr, weight decay, optimizer and warm-up that are left ``None``/unset, by
    the size of the training split.

    >>> run_compare(ds, ["none", "rq"], "simclr", 50, [0, 1, 2], "out/")  # doctest: +SKIP
    """
    if not augments:
        raise ValueError("augments must name at least one augmentation")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if len(set(augments)) != len(augments) or len(set(seeds)) != len(seeds):
        raise ValueError(f"augments and seeds must not repeat, got {augments} and {seeds}")
    from randquant.augment.views import resolve_rq_on
    from randquant.engine.recipe import resolve

    chosen = resolve(
        recipe,
        len(dataset.train),
        epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        pretrain_options=pretrain_options,
    )
    settings = CompareSettings(
        method=method,
        epochs=epochs,
        encoder=encoder,
        width=width,
        batch_size=chosen.batch_size,
        rq_on=resolve_rq_on(rq_on, dataset.layout),
        lr=chosen.lr,
        weight_decay=chosen.weight_decay,
        device=device,
        pretrain_options=chosen.pretrain_options,
    )
    pairs = [
        parse_contrast(c, augments) if isinstance(c, str) else parse_contrast(":".join(c), augments)
        for c in contrasts or []
    ] or default_contrasts(augments)
    code = code_version()  # read once, before the first run: what every run starts from
    out = Path(output_dir)
    data = standardize(dataset)
    plan = arms_to_run(data, augments, pairs, rq_on=settings.rq_on)
    declare(
        out,
        plan.pairs,
        seeds,
        dataset=data.name,
        runs=len(list((out / RUNS_DIR).glob("*.json"))),
        not_run=plan.not_run,
    )
    if references:
        ensure_references(
            out,
            data,
            seeds,
            settings,
            probe_max_iter=probe_max_iter,
            command=command_line(),
            code=code,
        )
    specs = [
        RunSpec(
            data=data.name,
            augment=augment,
            seed=seed,
            settings=settings,
            output=out,
            run_id=run_id(data, augment, seed, settings, probe={"max_iter": probe_max_iter}),
            probe_max_iter=probe_max_iter,
            keep_checkpoints=keep_checkpoints,
            trainer=trainer,
            progress=progress,
            code=code,
        )
        for augment in plan.arms
        for seed in seeds
    ]
    outcome = run_sweep(
        specs,
        lambda name: data,
        executor=executor,
        progress=progress,
        title=f"compare on {data.name}",
    )
    outcome.raise_if_failed()
    return outcome.records
