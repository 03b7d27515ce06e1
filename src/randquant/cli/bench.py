"""``randquant bench ...``: benchmark commands."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import typer

from randquant.cli import command_group
from randquant.cli.device import DeviceOpt, check_device
from randquant.cli.paths import check_output_dir, check_output_file
from randquant.cli.sweep import RayAddressOpt, WorkersOpt

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

    from randquant.bench.hardware import describe
    from randquant.bench.op import (
        DEFAULT_SHAPES,
        DTYPES,
        bandwidth_verdict,
        first_call_seconds,
        rows_as_dicts,
        run_op_bench,
    )
    from randquant.io import write_json_atomic

    if output is not None:
        check_output_file(output, "--output")
    dims = None if shape is None else _int_list(shape, "--shape")
    if dims is not None and len(dims) < 2:
        raise typer.BadParameter("needs at least (batch, channels)", param_hint="--shape")
    kinds = None if dtypes is None else tuple(_name_list(dtypes) or [])
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
    profile: str = typer.Option("quick", help="quick | full | power (see randquant.bench.suite)."),
    datasets: str | None = typer.Option(None, help="Comma-separated names; default: all."),
    seeds: str = typer.Option("0,1,2", help="Seeds, comma-separated."),
    groups: str | None = typer.Option(None, help="Only these job groups: main, dabs, shed."),
    output: Path | None = typer.Option(None, help="Default: benchmarks/results/suite/PROFILE."),
    threads: int = typer.Option(1, min=1, help="torch CPU threads (1 is fastest on a busy box)."),
    progress: bool = typer.Option(True, help="Show the progress bar."),
    device: DeviceOpt = "auto",
    workers: WorkersOpt = None,
    ray_address: RayAddressOpt = None,
    references_only: bool = typer.Option(
        False,
        "--references-only",
        help="Only record the reference probes (raw input, untrained encoder) of every "
        "folder and rebuild the indexes; train nothing.",
    ),
    allow_dirty: bool = typer.Option(
        False,
        "--allow-dirty",
        help="Let the power profile run from a tree with uncommitted changes to "
        "src/randquant (its records are then marked allow_dirty).",
    ),
) -> None:
    """Every dataset x augmentation x seed, resumable; one result file per run.

    With --workers N (N > 1) or --ray-address the runs are Ray tasks (--threads then applies
    to runs in this process only; each Ray task uses one thread). Exits 1 naming the runs
    that failed, once the others finished.

    Example: randquant bench suite --profile quick --datasets digits,watch --seeds 0
    """
    from randquant.bench.suite import SUITE_PROFILES, run_suite
    from randquant.cli.sweep import check_executor, exit_failed
    from randquant.engine.sweep import SweepFailed

    if profile not in SUITE_PROFILES:
        raise typer.BadParameter(
            f"expected one of {SUITE_PROFILES}, got {profile!r}", param_hint="--profile"
        )
    out = output or Path("benchmarks/results/suite") / profile
    check_output_dir(out, "--output")
    _set_threads(threads)
    check_device(device)
    executor = check_executor(workers, ray_address, device)
    try:
        plan = run_suite(
            profile,
            _seed_list(seeds),
            out,
            datasets=_name_list(datasets),
            groups=_name_list(groups),
            progress=progress,
            executor=executor,
            device=device,
            references_only=references_only,
            allow_dirty=allow_dirty,
        )
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    except SweepFailed as err:
        raise exit_failed(err) from None
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
    device: DeviceOpt = "auto",
    workers: WorkersOpt = None,
    ray_address: RayAddressOpt = None,
    references_only: bool = typer.Option(
        False,
        "--references-only",
        help="Only record the reference probes of every folder and rebuild the indexes.",
    ),
) -> None:
    """RQ ablations: bins, edge spacing, proxy, p, input vs embedding; resumable.

    --workers / --ray-address as for `randquant bench suite`.

    Example: randquant bench ablation --datasets digits --seeds 0,1,2
    """
    from randquant.bench.ablation import run_ablation
    from randquant.bench.suite import SUITE_PROFILES
    from randquant.cli.sweep import check_executor, exit_failed
    from randquant.engine.sweep import SweepFailed

    if profile not in SUITE_PROFILES:
        raise typer.BadParameter(
            f"expected one of {SUITE_PROFILES}, got {profile!r}", param_hint="--profile"
        )
    out = output or Path("benchmarks/results/ablation") / profile
    check_output_dir(out, "--output")
    _set_threads(threads)
    check_device(device)
    executor = check_executor(workers, ray_address, device)
    names = _name_list(datasets) or []
    try:
        run_ablation(
            profile,
            _seed_list(seeds),
            out,
            datasets=names,
            progress=progress,
            executor=executor,
            device=device,
            references_only=references_only,
        )
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    except SweepFailed as err:
        raise exit_failed(err) from None
    typer.echo(f"results under {out}")


@bench_app.command("sweep-speed")
def bench_sweep_speed(
    dataset: str = typer.Option("digits", help="A named dataset; its suite settings are run."),
    seeds: str = typer.Option("0,1", help="Seeds, comma-separated (2 x 12 settings = 24 runs)."),
    workers: int = typer.Option(2, min=2, help="Ray workers of the second sweep."),
    profile: str = typer.Option(
        "power", help="The suite profile giving the budget (power: the sweep Ray is for)."
    ),
    output: Path | None = typer.Option(
        Path("benchmarks/results/sweep_speed.json"), help="Where to write the JSON."
    ),
    progress: bool = typer.Option(False, help="Show the progress bars."),
) -> None:
    """Time one sweep in this process, then on a local Ray instance; compare the records.

    Example: randquant bench sweep-speed --dataset digits --seeds 0,1 --workers 2
    """
    from randquant.bench.suite import SUITE_PROFILES
    from randquant.bench.sweep_speed import run_sweep_speed
    from randquant.cli.sweep import check_executor
    from randquant.io import write_json_atomic

    if profile not in SUITE_PROFILES:
        raise typer.BadParameter(
            f"expected one of {SUITE_PROFILES}, got {profile!r}", param_hint="--profile"
        )
    if output is not None:
        check_output_file(output, "--output")
    check_executor(workers, None)
    try:
        result = run_sweep_speed(dataset, _seed_list(seeds), workers, profile, progress=progress)
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
    from randquant.engine.config import METHOD_NAMES
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
