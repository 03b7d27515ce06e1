"""``randquant bench ...``: benchmark commands."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from randquant.cli import app
from randquant.cli.paths import check_output_dir, check_output_file

bench_app = typer.Typer(
    help="Benchmarks: the op's speed and memory, the accuracy suite.\n\n"
    "Example: randquant bench op --shape 64,3,224,224 --bins 8,64 --threads 2",
    no_args_is_help=True,
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
    from randquant.cli.paths import check_output_file
    from randquant.io import write_json_atomic

    if output is not None:
        check_output_file(output, "--output")
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
    console.print(f"input size: {4 * math.prod(dims) / 2**20:.0f} MB")
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


def _name_list(text: str | None) -> list[str] | None:
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"expected integers like 0,1,2, got {text!r}", param_hint="--seeds"
        ) from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise typer.BadParameter(
            f"expected distinct seeds >= 0, got {text!r}", param_hint="--seeds"
        )
    return seeds


def _set_threads(threads: int) -> None:
    from randquant.bench.suite import set_threads

    set_threads(threads)


@bench_app.command("suite")
def bench_suite(
    profile: str = typer.Option("quick", help="quick | full (see randquant.bench.suite)."),
    datasets: str | None = typer.Option(None, help="Comma-separated names; default: all."),
    seeds: str = typer.Option("0,1,2", help="Seeds, comma-separated."),
    groups: str | None = typer.Option(None, help="Only these job groups: main, dabs, shed."),
    output: Path | None = typer.Option(None, help="Default: benchmarks/results/suite/PROFILE."),
    threads: int = typer.Option(1, min=1, help="torch CPU threads (1 is fastest on a busy box)."),
    progress: bool = typer.Option(True, help="Show the progress bar."),
) -> None:
    """Every dataset x augmentation x seed, resumable; one result file per run.

    Example: randquant bench suite --profile quick --datasets digits,watch --seeds 0
    """
    from randquant.bench.suite import SUITE_PROFILES, run_suite

    if profile not in SUITE_PROFILES:
        raise typer.BadParameter(
            f"expected one of {SUITE_PROFILES}, got {profile!r}", param_hint="--profile"
        )
    out = output or Path("benchmarks/results/suite") / profile
    check_output_dir(out, "--output")
    _set_threads(threads)
    try:
        plan = run_suite(
            profile,
            _seed_list(seeds),
            out,
            datasets=_name_list(datasets),
            groups=_name_list(groups),
            progress=progress,
        )
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    for note in plan.notes:
        typer.echo(f"skipped: {note}")
    typer.echo(f"results under {out}")


@bench_app.command("ablation")
def bench_ablation(
    profile: str = typer.Option("quick", help="quick | full (the suite's profile table)."),
    datasets: str = typer.Option(
        "digits,espeak_digits,mnist1d", help="One dataset per modality, comma-separated."
    ),
    seeds: str = typer.Option("0,1,2", help="Seeds, comma-separated."),
    output: Path | None = typer.Option(None, help="Default: benchmarks/results/ablation/PROFILE."),
    threads: int = typer.Option(1, min=1, help="torch CPU threads."),
    progress: bool = typer.Option(True, help="Show the progress bar."),
) -> None:
    """RQ ablations: bins, edge spacing, proxy, p, input vs embedding; resumable.

    Example: randquant bench ablation --datasets digits --seeds 0,1,2
    """
    from randquant.bench.ablation import run_ablation
    from randquant.bench.suite import SUITE_PROFILES

    if profile not in SUITE_PROFILES:
        raise typer.BadParameter(
            f"expected one of {SUITE_PROFILES}, got {profile!r}", param_hint="--profile"
        )
    out = output or Path("benchmarks/results/ablation") / profile
    check_output_dir(out, "--output")
    _set_threads(threads)
    names = _name_list(datasets) or []
    try:
        run_ablation(profile, _seed_list(seeds), out, datasets=names, progress=progress)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    typer.echo(f"results under {out}")


@bench_app.command("train-step")
def bench_train_step(
    batch_size: int = typer.Option(128, min=2, help="Batch size of the timed steps."),
    width: int = typer.Option(64, min=1, help="Encoder width."),
    repeats: int = typer.Option(5, min=1, help="Interleaved rounds; medians are reported."),
    threads: int = typer.Option(2, min=1, help="torch CPU threads."),
    output: Path | None = typer.Option(
        Path("benchmarks/results/train_step.json"), help="Where to write the JSON."
    ),
) -> None:
    """Share of a real training step (image and audio settings) spent in RQ; target <= 5 %.

    Example: randquant bench train-step --batch-size 128 --threads 2
    """
    from randquant.bench.training_cost import run_training_cost
    from randquant.io import write_json_atomic

    if output is not None:
        check_output_file(output, "--output")
    result = run_training_cost(batch_size=batch_size, width=width, repeats=repeats, threads=threads)
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


app.add_typer(bench_app, name="bench")
