"""``randquant bench ...``: benchmark commands."""

from __future__ import annotations

from pathlib import Path

import typer

from randquant.cli import app

bench_app = typer.Typer(
    help="Benchmarks: the op's speed and memory, the accuracy suite.", no_args_is_help=True
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


@bench_app.command("op")
def bench_op(
    shape: str = typer.Option("64,3,224,224", help="Input shape (batch, channels, ...)."),
    bins: str = typer.Option("8,64", help="Bin counts to time, comma-separated."),
    threads: int = typer.Option(2, min=1, help="CPU threads for torch and numba."),
    repeats: int = typer.Option(7, min=1, help="Interleaved rounds; medians are reported."),
    baseline: bool = typer.Option(True, help="Also time the naive mask-per-bin baseline."),
    output: Path | None = typer.Option(None, help="Also write the results as JSON here."),
) -> None:
    """Time RQ against x.clone() and a naive mask-per-bin implementation.

    Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.bench.hardware import describe
    from randquant.bench.op import first_call_seconds, rows_as_dicts, run_op_bench
    from randquant.io import write_json_atomic

    dims = _int_list(shape, "--shape")
    if len(dims) < 2:
        raise typer.BadParameter("needs at least (batch, channels)", param_hint="--shape")
    console = Console()
    hw = describe(threads)
    console.print(
        f"[bold]randquant bench op[/] shape={dims} threads={threads} "
        f"repeats={repeats}\n{hw['cpu']} ({hw['cores']} cores), torch {hw['torch']}, "
        f"numba {hw['numba']}"
    )
    rows = run_op_bench(
        shape=dims,
        bins=_int_list(bins, "--bins"),
        threads=threads,
        repeats=repeats,
        baseline=baseline,
    )
    table = Table("implementation", "bins", "ms", "× clone", "× baseline", "peak MB")
    for r in rows:
        table.add_row(
            r.implementation,
            str(r.bins),
            f"{r.ms:.1f}",
            f"{r.x_clone:.2f}",
            "" if r.x_baseline is None else f"{r.x_baseline:.4f}",
            "n/a" if r.peak_extra_mb is None else f"{r.peak_extra_mb:.0f}",
        )
    console.print(table)
    cold, warm = first_call_seconds(cold=True), first_call_seconds(cold=False)
    console.print(
        f"first call in a new process: {cold:.2f} s compiling (empty numba cache), "
        f"{warm:.2f} s with the cache"
    )
    console.print(f"input size: {4 * _prod(dims) / 2**20:.0f} MB")
    if output is not None:
        write_json_atomic(
            output,
            {
                "hardware": hw,
                "shape": dims,
                "threads": threads,
                "repeats": repeats,
                "rows": rows_as_dicts(rows),
                "first_call_cold_s": cold,
                "first_call_warm_s": warm,
            },
        )
        console.print(f"wrote {output}")


def _prod(values: tuple[int, ...]) -> int:
    n = 1
    for v in values:
        n *= v
    return n


app.add_typer(bench_app, name="bench")
