"""``randquant bench suite | ablation | sweep-speed``: the benchmarks that train many models.

Their options are config trees (:mod:`randquant.cli.bench_commands`), parsed like every
other command's: flags, ``--config FILE.yaml``, ``--print_config``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from randquant.cli.bench import RAW, bench_app
from randquant.cli.bench_commands import AblationCommand, RunsCommand, SuiteCommand, name_list
from randquant.cli.config import parse
from randquant.cli.paths import check_output_dir, check_output_file


def _start(cfg: RunsCommand) -> dict[str, Any]:
    """Check the output folder, set the threads, make the executor: the options every
    many-model bench command hands to its runner."""
    from randquant.cli.sweep import check_executor
    from randquant.config import set_threads

    check_output_dir(cfg.folder, "--output")
    set_threads(cfg.threads)
    executor = check_executor(cfg.workers, cfg.ray_address, cfg.device)
    return {
        "progress": cfg.progress,
        "executor": executor,
        "device": cfg.device,
        "references_only": cfg.references_only,
    }


@contextmanager
def _sweep_errors() -> Iterator[None]:
    """A bad value exits 2 naming it; failed runs exit 1 naming them (the others finished)."""
    from randquant.cli.sweep import exit_failed
    from randquant.engine.sweep import SweepFailed

    try:
        yield
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    except SweepFailed as err:
        raise exit_failed(err) from None


def bench_suite(ctx: typer.Context) -> None:
    """Every dataset x augmentation x seed, resumable; one result file per run.

    Example: randquant bench suite --profile quick --datasets digits,watch --seeds 0
    """
    from randquant.bench.suite import run_suite

    cfg = parse(SuiteCommand, ctx.args)
    run = _start(cfg)
    with _sweep_errors():
        plan = run_suite(
            cfg.profile,
            cfg.seed_list,
            cfg.folder,
            datasets=name_list(cfg.datasets),
            groups=name_list(cfg.groups),
            allow_dirty=cfg.allow_dirty,
            **run,
        )
    for note in plan.notes:
        typer.echo(f"skipped: {note}")
    typer.echo(f"results under {cfg.folder}")


def bench_ablation(ctx: typer.Context) -> None:
    """RQ ablations: bins, edge spacing, proxy, p, input vs embedding; resumable.

    Example: randquant bench ablation --datasets digits --seeds 0,1,2
    """
    from randquant.bench.ablation import run_ablation

    cfg = parse(AblationCommand, ctx.args)
    run = _start(cfg)
    with _sweep_errors():
        run_ablation(
            cfg.profile, cfg.seed_list, cfg.folder, datasets=name_list(cfg.datasets) or [], **run
        )
    typer.echo(f"results under {cfg.folder}")


def bench_sweep_speed(ctx: typer.Context) -> None:
    """Time one sweep in this process, then on a local Ray instance; compare the records.

    Example: randquant bench sweep-speed --dataset digits --seeds 0,1 --workers 2
    """
    from randquant.bench.sweep_speed import run_sweep_speed
    from randquant.cli.bench_commands import SweepSpeedCommand
    from randquant.cli.sweep import check_executor
    from randquant.config import parse_seeds
    from randquant.io import write_json_atomic

    cfg = parse(SweepSpeedCommand, ctx.args)
    output = cfg.output
    if output is not None:
        check_output_file(output, "--output")
    check_executor(cfg.workers, None)
    try:
        result = run_sweep_speed(
            cfg.dataset, parse_seeds(cfg.seeds), cfg.workers, cfg.profile, progress=cfg.progress
        )
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--dataset") from None
    for name, m in result["modes"].items():
        typer.echo(
            f"{name}: {m['wall_s']:.1f} s for {m['runs']} runs "
            f"(load avg {m['loadavg_before']} -> {m['loadavg_after']})"
        )
    same = "identical" if result["records_identical"] else "NOT identical"
    typer.echo(f"speed-up {result['speedup']:.2f}x; records {same}")
    if output is not None:
        write_json_atomic(output, result)
        typer.echo(f"wrote {output}")


bench_app.command("suite", context_settings=RAW, add_help_option=False)(bench_suite)
bench_app.command("ablation", context_settings=RAW, add_help_option=False)(bench_ablation)
bench_app.command("sweep-speed", context_settings=RAW, add_help_option=False)(bench_sweep_speed)
