"""``randquant bench ...``: the group, and the commands that measure the op and the training
step and write the report (the sweeps that train many models: :mod:`randquant.cli.bench_sweeps`)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import typer

from randquant.cli.app import command_group
from randquant.cli.config import parse
from randquant.cli.device import check_device
from randquant.cli.paths import check_output_dir, check_output_file

bench_app = command_group(
    "bench",
    "Benchmarks: the op's speed and memory, the accuracy suite.\n\n"
    "Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2",
)


def bench_op(ctx: typer.Context) -> None:
    """Time RQ against x.clone(), a naive mask-per-bin baseline and the official algorithm.

    Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2 --device cpu
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.bench.op import (
        DEFAULT_SHAPES,
        bandwidth_verdict,
        first_call_seconds,
        rows_as_dicts,
        run_op_bench,
    )
    from randquant.cli.bench_commands import OpCommand, int_list, name_list
    from randquant.hardware import describe
    from randquant.io import write_json_atomic

    cfg = parse(OpCommand, ctx.args)
    threads, repeats, output = cfg.threads, cfg.repeats, cfg.output
    if output is not None:
        check_output_file(output, "--output")
    dims = int_list(cfg.shape, "shape")
    kinds = None if cfg.dtypes is None else tuple(name_list(cfg.dtypes) or [])
    bin_list = int_list(cfg.bins, "bins")
    dev = check_device(cfg.device)
    dims = dims or DEFAULT_SHAPES.get(dev.type, DEFAULT_SHAPES["cpu"])
    console = Console()
    hw = describe(threads)
    console.print(
        f"[bold]randquant bench op[/] device={dev.type} shape={dims} "
        f"threads={threads} repeats={repeats}\n{hw['cpu']} ({hw['cores']} cores), "
        f"torch {hw['torch']}, numba {hw['numba']}, GPU {hw['gpu']}"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = run_op_bench(
            shape=dims,
            bins=bin_list,
            threads=threads,
            repeats=repeats,
            baseline=cfg.baseline,
            peer=cfg.peer,
            device=cfg.device,
            dtypes=kinds,
        )
    notes = list(dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning))
    for note in notes:
        console.print(f"note: {note}")
    table = Table("implementation", "dtype", "bins", "ms", "× clone", "× baseline", "GB/s",
                  "% copy", "peak MB")  # fmt: skip
    for r in rows:
        table.add_row(
            r.implementation,
            r.dtype,
            str(r.bins),
            f"{r.ms:.2f}",
            f"{r.x_clone:.2f}",
            "" if r.x_baseline is None else f"{r.x_baseline:.4f}",
            f"{r.gb_s:.3g}",
            f"{r.copy_bw_pct:.0f}",
            "n/a" if r.peak_extra_mb is None else f"{r.peak_extra_mb:.0f}",
        )
    console.print(table)
    for line in bandwidth_verdict(rows):
        console.print(line)
    console.print(f"input size: {4 * math.prod(dims) / 2**20:.1f} MB as float32")
    payload: dict[str, object] = {
        "hardware": hw,
        "device": dev.type,
        "shape": list(dims),
        "threads": threads,
        "repeats": repeats,
        "rows": rows_as_dicts(rows),
        "bandwidth": bandwidth_verdict(rows),
        "notes": notes,
    }
    if dev.type == "cpu":
        cold, warm = first_call_seconds(cold=True), first_call_seconds(cold=False)
        console.print(
            f"first call in a new process: {cold:.2f} s compiling (empty numba cache), "
            f"{warm:.2f} s with the cache"
        )
        payload |= {"first_call_cold_s": cold, "first_call_warm_s": warm}
    if output is not None:
        write_json_atomic(output, payload)
        console.print(f"wrote {output}")


def bench_train_step(ctx: typer.Context) -> None:
    """Share of a real training step (image and audio settings) spent in RQ; target <= 5 %.

    Example: randquant bench train-step --batch-size 128 --threads 2 --device cpu
    """
    from randquant.bench.training_cost import run_training_cost
    from randquant.cli.bench_commands import TrainStepCommand
    from randquant.io import write_json_atomic

    cfg = parse(TrainStepCommand, ctx.args)
    output = cfg.output
    if output is not None:
        check_output_file(output, "--output")
    try:
        # the tree's fields are the function's options (output is where the JSON goes)
        options = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "output"}
        result = run_training_cost(**options)
    except ValueError as err:
        if cfg.data is None:
            raise
        raise typer.BadParameter(str(err), param_hint="--data") from None  # unreadable file
    for r in result["rows"]:
        typer.echo(
            f"{r['name']}: step {r['step_ms_none']:.0f} ms (none) / {r['step_ms_rq']:.0f} ms (rq); "
            f"RQ {r['rq_ms']:.1f} ms = {r['rq_share_pct']:.1f} % of the step"
        )
    typer.echo(result["verdict"])
    if output is not None:
        write_json_atomic(output, result)
        typer.echo(f"wrote {output}")


def bench_report(ctx: typer.Context) -> None:
    """Generate docs/benchmarks.md (and docs/img/*.png) from the result files.

    Example: randquant bench report --profile quick
    """
    from randquant.bench.report import Inputs, write_report
    from randquant.cli.bench_commands import ReportCommand

    cfg = parse(ReportCommand, ctx.args)
    check_output_dir(cfg.docs, "--docs")
    inputs = Inputs(
        results=cfg.results,
        suite=cfg.results / "suite" / cfg.profile,
        ablation=cfg.results / "ablation" / cfg.profile,
        docs=cfg.docs,
    )
    path = write_report(inputs, plots=cfg.plots)
    typer.echo(f"wrote {path}")


#: Each command hands its arguments to the parser of its config tree (cli/bench_commands.py),
#: which also reads --config FILE.yaml and prints --help.
RAW: dict[str, object] = {
    "ignore_unknown_options": True,
    "allow_extra_args": True,
    "help_option_names": [],
}
bench_app.command("op", context_settings=RAW, add_help_option=False)(bench_op)
bench_app.command("train-step", context_settings=RAW, add_help_option=False)(bench_train_step)
bench_app.command("report", context_settings=RAW, add_help_option=False)(bench_report)
