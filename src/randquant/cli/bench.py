"""``randquant bench ...``: the group, and the commands that measure the op and the training
step and write the report (the sweeps that train many models: :mod:`randquant.cli.bench_sweeps`)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import typer

from randquant.cli.app import command_group
from randquant.cli.device import DeviceOpt, check_device
from randquant.cli.paths import check_output_dir, check_output_file

bench_app = command_group(
    "bench",
    "Benchmarks: the op's speed and memory, the accuracy suite.\n\n"
    "Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2",
)


def _int_list(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise typer.BadParameter(
            f"expected comma-separated integers, got {text!r}", param_hint=option
        ) from None
    if not values or min(values) < 1:
        raise typer.BadParameter(f"expected positive integers, got {text!r}", param_hint=option)
    return values


def name_list(text: str | None) -> list[str] | None:
    """``"a, b,c"`` as ``["a", "b", "c"]``; ``None`` for nothing."""
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


@bench_app.command("op")
def bench_op(
    shape: str | None = typer.Option(
        None, help="Input shape (batch, channels, ...); default 64,3,224,224 (cuda: 256,...)."
    ),
    bins: str | None = typer.Option(
        None, help="Bin counts, comma-separated; default 8,64 (cuda: 8,16,64)."
    ),
    dtypes: str | None = typer.Option(
        None, help="float32, bfloat16, float16, comma-separated; default float32 (cuda: +bf16)."
    ),
    threads: int = typer.Option(2, min=1, help="CPU threads for torch and numba."),
    repeats: int = typer.Option(7, min=1, help="Interleaved rounds; medians are reported."),
    baseline: bool = typer.Option(True, help="Also time the naive mask-per-bin baseline."),
    peer: bool = typer.Option(True, help="Also time the official mask-per-bin algorithm."),
    device: DeviceOpt = "auto",
    output: Path | None = typer.Option(None, help="Also write the results as JSON here."),
) -> None:
    """Time RQ against x.clone(), a naive mask-per-bin baseline and the official algorithm.

    On a GPU (CUDA events), the torch path and the fused Triton kernels (when triton is
    installed), each as the whole op and as the apply alone; GB/s against the copy's.

    Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2 --device cpu
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.bench.op import (
        DEFAULT_SHAPES,
        DTYPES,
        bandwidth_verdict,
        first_call_seconds,
        rows_as_dicts,
        run_op_bench,
    )
    from randquant.hardware import describe
    from randquant.io import write_json_atomic

    if output is not None:
        check_output_file(output, "--output")
    dims = None if shape is None else _int_list(shape, "--shape")
    if dims is not None and len(dims) < 2:
        raise typer.BadParameter("needs at least (batch, channels)", param_hint="--shape")
    kinds = None if dtypes is None else tuple(name_list(dtypes) or [])
    if kinds is not None and (not kinds or any(k not in DTYPES for k in kinds)):
        raise typer.BadParameter(
            f"expected some of {', '.join(DTYPES)}, got {dtypes!r}", param_hint="--dtypes"
        )
    bin_list = None if bins is None else _int_list(bins, "--bins")
    dev = check_device(device)
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
            baseline=baseline,
            peer=peer,
            device=device,
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


@bench_app.command("train-step")
def bench_train_step(
    batch_size: int = typer.Option(128, min=2, help="Batch size of the timed steps."),
    width: int = typer.Option(64, min=1, help="Encoder width."),
    repeats: int = typer.Option(5, min=1, help="Interleaved rounds; medians are reported."),
    threads: int = typer.Option(2, min=1, help="torch CPU threads."),
    device: DeviceOpt = "auto",
    data: Path | None = typer.Option(
        None, help="Time this .npz instead of the image and audio settings."
    ),
    method: str = typer.Option("simclr", help="SSL method for --data."),
    output: Path | None = typer.Option(
        Path("benchmarks/results/train_step.json"), help="Where to write the JSON."
    ),
) -> None:
    """Share of a real training step (image and audio settings) spent in RQ; target <= 5 %.

    Example: randquant bench train-step --batch-size 128 --threads 2 --device cpu
    """
    from randquant.bench.training_cost import run_training_cost
    from randquant.config import METHOD_NAMES
    from randquant.io import write_json_atomic

    if output is not None:
        check_output_file(output, "--output")
    check_device(device)
    if data is not None and not data.is_file():
        raise typer.BadParameter(f"no such file: {data}", param_hint="--data")
    if method not in METHOD_NAMES:
        raise typer.BadParameter(
            f"one of {', '.join(METHOD_NAMES)}, got {method!r}", param_hint="--method"
        )
    try:
        result = run_training_cost(
            batch_size=batch_size,
            width=width,
            repeats=repeats,
            threads=threads,
            device=device,
            data=data,
            method=method,
        )
    except ValueError as err:
        if data is None:
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


@bench_app.command("report")
def bench_report(
    results: Path = typer.Option(Path("benchmarks/results"), help="Result folder root."),
    profile: str = typer.Option("quick", help="Which suite/ablation profile to report."),
    docs: Path = typer.Option(Path("docs"), help="Docs folder (report + img/)."),
    plots: bool = typer.Option(True, help="Also write the PNG plots."),
) -> None:
    """Generate docs/benchmarks.md (and docs/img/*.png) from the result files.

    Example: randquant bench report --profile quick
    """
    from randquant.bench.report import Inputs, write_report

    check_output_dir(docs, "--docs")
    inputs = Inputs(
        results=results,
        suite=results / "suite" / profile,
        ablation=results / "ablation" / profile,
        docs=docs,
    )
    path = write_report(inputs, plots=plots)
    typer.echo(f"wrote {path}")
