"""``randquant bench suite | ablation | sweep-speed``: the benchmarks that train many models."""

from __future__ import annotations

from pathlib import Path

import typer

from randquant.cli.bench import bench_app, name_list
from randquant.cli.device import DeviceOpt, check_device
from randquant.cli.paths import check_output_dir, check_output_file
from randquant.cli.sweep import RayAddressOpt, WorkersOpt


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
    from randquant.config import set_threads

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
    from randquant.bench.profiles import SUITE_PROFILES
    from randquant.bench.suite import run_suite
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
            datasets=name_list(datasets),
            groups=name_list(groups),
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
    from randquant.bench.profiles import SUITE_PROFILES
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
    names = name_list(datasets) or []
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
    from randquant.bench.profiles import SUITE_PROFILES
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
