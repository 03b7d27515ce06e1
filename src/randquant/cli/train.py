"""``randquant pretrain | probe | compare``: the SSL engine from the command line.

Each command's options are one config tree (:mod:`randquant.cli.commands`), parsed from flags
and/or ``--config FILE.yaml`` by :func:`randquant.cli.config.parse`. Every option is checked
before any work starts; a bad value stops with a message that names the option. Heavy imports
(torch, Lightning) happen inside the commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from randquant.cli.device import check_device

if TYPE_CHECKING:
    from torch import nn

    from randquant.cli.commands import CompareCommand
    from randquant.data.base import Dataset
    from randquant.data.options import DataOptions
    from randquant.engine.defaults import Plan


def _bad(option: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=option)


def _check(ok: bool, option: str, message: str) -> None:
    if not ok:
        raise _bad(option, message)


def _set_threads(threads: int | None) -> None:
    """Apply ``--threads`` to torch and numba (checked by the command's tree)."""
    if threads is not None:
        from randquant.config import set_threads

        set_threads(threads)


def _check_augments(specs: list[str], ds: Dataset, rq_on: str, encoder: str) -> None:
    """Parse every spec now, so a typo fails before hours of training."""
    from randquant.augment import build_views
    from randquant.models.base import EMBEDDING_ENCODERS
    from randquant.models.registry import takes_embedding_transform

    for spec in specs:
        try:
            views = build_views(spec, ds.layout, modality=ds.meta.get("modality"), rq_on=rq_on)
        except (KeyError, ValueError) as err:
            raise _bad("--augment", f"{spec!r}: {str(err).strip(chr(39))}") from err
        if views.embedding_transform is not None and not takes_embedding_transform(
            encoder, ds.layout
        ):
            names = " or ".join(EMBEDDING_ENCODERS)
            raise _bad("--rq-on", f"embedding needs --encoder {names}, got {encoder!r}")


def _check_classes(ds: Dataset, data: Path | None) -> None:
    """Data whose train or test split has one class cannot be probed: say so before work."""
    from randquant.data.base import require_classes

    try:
        require_classes(ds)
    except ValueError as err:
        raise _bad("--data" if data is not None else "--dataset", str(err)) from err


def _checkpoint_ok(path: Path) -> None:
    """Check a checkpoint before any work (read with ``weights_only=True``, never run)."""
    from randquant.engine.checkpoint import check_checkpoint

    with _checkpoint_errors("--checkpoint-dir"):
        check_checkpoint(path)


@contextmanager
def _checkpoint_errors(option: str) -> Iterator[None]:
    """A checkpoint that cannot be used becomes a one-line error naming ``option``."""
    from randquant.engine.checkpoint import CheckpointError

    try:
        yield
    except CheckpointError as err:
        raise _bad(option, str(err)) from err


def _report(title: str, results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("probe", "top-1 %", "macro-F1 %", "detail"):
        table.add_column(col)
    for name, res in results.items():
        detail = ", ".join(f"{k}={v:g}" for k, v in res.detail.items())
        table.add_row(name, f"{100 * res.accuracy:.2f}", f"{100 * res.macro_f1:.2f}", detail)
    Console().print(table)


def _load_source(source: DataOptions) -> Dataset:
    """Load the data of ``source`` (standardised); a load error names --data or --dataset."""
    try:
        return source.load()
    except (FileNotFoundError, KeyError, ValueError) as err:
        option = "--data" if source.data is not None else "--dataset"
        raise _bad(option, str(err).strip("'\"")) from err


def pretrain_cmd(ctx: typer.Context) -> None:
    """Pretrain one encoder with one augmentation and save it (--help lists every option).

    Example:

      randquant pretrain --data motions.npz --augment crop+rq --epochs 50 --output enc.pt
    """
    from randquant.cli.commands import PretrainCommand
    from randquant.cli.config import parse
    from randquant.cli.paths import check_output_dir, check_output_file
    from randquant.engine.encoder_file import save_encoder
    from randquant.engine.run import pretrain_one
    from randquant.engine.settings import CompareSettings
    from randquant.models.registry import resolve_encoder_name

    cfg = parse(PretrainCommand, ctx.args, skips=PretrainCommand.SKIPS)
    _set_threads(cfg.threads)
    settings = CompareSettings.from_config(cfg.model, cfg.train, cfg.device)
    ckpt = cfg.run_folder
    check_output_file(cfg.output, "--output")
    check_output_dir(ckpt, "--checkpoint-dir")
    _check(not cfg.resume or (ckpt / "last.ckpt").is_file(), "--resume", f"no last.ckpt in {ckpt}")
    if cfg.resume:
        _checkpoint_ok(ckpt / "last.ckpt")
    ds = _load_source(cfg.source)
    _check_augments([cfg.augment], ds, cfg.model.rq_on, cfg.model.encoder)
    with _checkpoint_errors("--checkpoint-dir"):
        run = pretrain_one(
            ds,
            cfg.augment,
            cfg.train.seed,
            settings,
            checkpoint_dir=ckpt,
            resume=cfg.resume,
            progress=not cfg.quiet,
        )
    info = {
        "dataset": ds.name,
        "augment": cfg.augment,
        "method": cfg.train.method,
        "epochs": cfg.train.epochs,
        "seed": cfg.train.seed,
        "final_loss": run.final_loss,
        "train_seconds": run.train_seconds,
    }
    save_encoder(
        cfg.output,
        run.encoder,
        name=resolve_encoder_name(cfg.model.encoder, ds.layout, ds.meta),
        layout=ds.layout,
        sample_shape=ds.sample_shape,
        width=cfg.model.width,
        meta=ds.meta,
        info=info,
    )
    typer.echo(f"saved {cfg.output} (final loss {run.final_loss:.4f}, {run.train_seconds:.1f} s)")


def probe_cmd(ctx: typer.Context) -> None:
    """Evaluate a saved encoder: linear probe and weighted kNN on frozen features.

    Example:

      randquant probe --checkpoint enc.pt --data motions.npz --output probe.json
    """
    from randquant.cli.commands import ProbeCommand
    from randquant.cli.config import parse
    from randquant.cli.paths import check_output_file
    from randquant.engine.encoder_file import load_encoder
    from randquant.evaluate import evaluate_encoder
    from randquant.io import write_text_atomic as write_atomic

    cfg = parse(ProbeCommand, ctx.args, skips=ProbeCommand.SKIPS)
    checkpoint = cfg.checkpoint
    assert checkpoint is not None  # ProbeCommand requires it
    _check(checkpoint.is_file(), "--checkpoint", f"no such file: {checkpoint}")
    _set_threads(cfg.threads)
    if cfg.output is not None:
        check_output_file(cfg.output, "--output")
    torch_device = check_device(cfg.device)
    try:
        enc, saved = load_encoder(checkpoint)
    except ValueError as err:
        raise _bad("--checkpoint", str(err)) from err
    ds = _load_source(cfg.source)
    _check_classes(ds, cfg.source.data)
    want = tuple(saved["build"]["sample_shape"])
    _check(
        ds.sample_shape == want,
        "--checkpoint",
        f"encoder was built for samples of shape {want}, the data has {ds.sample_shape}",
    )
    res = evaluate_encoder(
        enc, ds, device=torch_device, seed=cfg.seed, k=cfg.k, temperature=cfg.temperature
    )
    _report(f"{checkpoint.name} on {ds.name}", res)
    if cfg.output is not None:
        payload = {
            name: {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "detail": r.detail}
            for name, r in res.items()
        }
        payload["info"] = saved.get("info", {})
        write_atomic(cfg.output, json.dumps(payload, indent=2) + "\n")


def compare_cmd(ctx: typer.Context) -> None:
    """Pretrain and probe one model per (augmentation, seed); tabulate mean ± std.

    Example:

      randquant compare --data motions.npz --augment none,noise,rq,crop+rq \
          --method simclr --epochs 100 --seeds 0,1,2 --output results/motions --threads 1
    """
    from dataclasses import replace

    from randquant.cli.commands import CompareCommand
    from randquant.cli.config import parse
    from randquant.cli.paths import check_output_dir
    from randquant.cli.sweep import check_executor, exit_failed
    from randquant.engine.compare import CompareOptions, run_compare
    from randquant.engine.sweep import SweepFailed

    cfg = parse(CompareCommand, ctx.args, skips=CompareCommand.SKIPS)
    output = cfg.output
    assert output is not None  # CompareCommand requires it
    if cfg.augment is not None:  # bad contrasts fail before any data is loaded
        _contrasts(cfg.contrast, cfg.arms("image"))
    _set_threads(cfg.threads)
    check_output_dir(output, "--output")
    executor = check_executor(cfg.workers, cfg.ray_address, cfg.device)
    ds = _load_source(cfg.source)
    _check_classes(ds, cfg.source.data)
    _check_output_folder(output, ds.name)
    specs = cfg.arms(ds.layout)
    plan = _plan(cfg, ds, len(specs) * len(cfg.seed_list), executor.workers)
    _check_augments(specs, ds, cfg.model.rq_on, plan.encoder)
    if not cfg.quiet or cfg.epochs is None:
        typer.echo(plan.describe() if cfg.epochs is None else f"encoder {plan.encoder}, "
                   f"width {plan.width}, {cfg.epochs} epochs (--epochs)")  # fmt: skip
    batch: int | None = cfg.batch_size if cfg.batch_size is not None else plan.batch_size
    if cfg.recipe != "auto" and cfg.batch_size is None:
        batch = None  # the named recipe's own batch
    options = CompareOptions(
        model=replace(cfg.model, encoder=plan.encoder, width=plan.width),
        train=replace(cfg.train, epochs=cfg.epochs if cfg.epochs is not None else plan.epochs),
        batch_size=batch,
        recipe=cfg.recipe,
        device=cfg.device,
        contrasts=_contrasts(cfg.contrast, specs),
        keep_checkpoints=cfg.keep_checkpoints,
        progress=not cfg.quiet,
        run_seconds=plan.run_seconds,
    )
    with _checkpoint_errors("--output"):
        try:
            run_compare(ds, specs, cfg.seed_list, output, options, executor=executor)
        except SweepFailed as err:
            raise exit_failed(err) from None
    typer.echo((output / "results.md").read_text())
    typer.echo(f"results written to {output}/results.json, results.csv, results.md")


def _plan(cfg: CompareCommand, ds: Dataset, runs: int, workers: int | None) -> Plan:
    """The defaults plan of ``compare`` (:mod:`randquant.engine.defaults`): encoder, width, batch
    and steps; explicit options win. ``--budget 10m`` times a step here first."""
    from randquant.engine.defaults import make_plan, measure_step_seconds, parse_budget
    from randquant.engine.executor import default_workers
    from randquant.engine.recipe import LARGE_DATA

    budget = parse_budget(cfg.budget) if cfg.budget is not None else None
    parallel = workers or default_workers()

    def measure(model: nn.Module, batch: int) -> float:
        import torch

        threads = torch.get_num_threads()
        if parallel > 1:
            torch.set_num_threads(1)  # each Ray task trains on one thread
        try:
            return measure_step_seconds(model, batch, layout=ds.layout)
        finally:
            torch.set_num_threads(threads)

    large = len(ds.train) >= LARGE_DATA
    return make_plan(
        layout=ds.layout,
        sample_shape=ds.sample_shape,
        n_train=len(ds.train),
        n_test=len(ds.test),
        runs=runs,
        workers=parallel,
        budget=budget,
        encoder=cfg.encoder,
        width=cfg.width,
        batch_size=cfg.batch_size if cfg.batch_size is not None or not large else 256,
        meta=ds.meta,
        measure=measure,
    )


def _check_output_folder(output: Path, dataset: str) -> None:
    """Links out of --output, or records of another dataset in it: exit 2 naming it."""
    from randquant.engine.record_check import check_output_folder

    try:
        check_output_folder(output, dataset)
    except ValueError as err:
        raise _bad("--output", str(err)) from None


def _contrasts(texts: list[str], arms: list[str]) -> list[tuple[str, str]]:
    """Parse every ``--contrast A:B`` against the ``--augment`` arms (exit 2 naming it)."""
    from randquant.engine.contrasts import parse_contrast

    try:
        return [parse_contrast(t, arms) for t in texts]
    except ValueError as err:
        raise _bad("--contrast", str(err)) from err


def register(app: typer.Typer) -> None:
    """Add ``pretrain``, ``probe`` and ``compare`` to ``app``."""
    # each command hands its arguments to the parser made from their config tree
    # (randquant.cli.commands), which also reads --config FILE.yaml and prints --help
    raw = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
    app.command("pretrain", context_settings=raw, add_help_option=False)(pretrain_cmd)
    app.command("probe", context_settings=raw, add_help_option=False)(probe_cmd)
    app.command("compare", context_settings=raw, add_help_option=False)(compare_cmd)


from randquant.cli.app import app as _app  # noqa: E402  (registered when cli/__init__ imports us)

register(_app)
