"""``--workers`` and ``--ray-address``: the options of every command that runs a sweep.

``randquant compare``, ``randquant bench suite`` and ``randquant bench ablation`` train many
independent models; these options say where (see :mod:`randquant.engine.executor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from randquant.engine.executor import Executor
    from randquant.engine.sweep import SweepFailed

WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Runs at once: 1 = one after another in this process; more = Ray tasks of one "
        "CPU and one torch thread each (pip install 'randquant[ray]'). Default: every core "
        "when Ray is installed, else 1.",
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="Run on an existing Ray cluster: auto (the one this node joined) or "
        "ray://HOST:PORT. Default: a local Ray instance, started and stopped here.",
    ),
]


def check_executor(
    workers: int | None, address: str | None, device: str = "cpu", ray_timeout_s: float = 10.0
) -> Executor:
    """The executor of ``--workers`` / ``--ray-address``; ``BadParameter`` (exit 2) naming the
    option when it cannot work (e.g. Ray not installed)."""
    from randquant.config import check_workers
    from randquant.engine.executor import Executor

    try:
        check_workers(workers)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--workers") from None
    gpus = 1.0 if device in ("cuda", "gpu") else 0.0
    if device == "auto":
        import torch

        gpus = 1.0 if torch.cuda.is_available() else 0.0
    try:
        executor = Executor(workers=workers, address=address, gpus_per_task=gpus)
        if address is not None:  # before any data is loaded or reference computed
            from randquant.engine.ray_address import check_ray_address

            check_ray_address(address, timeout_s=ray_timeout_s)
        return executor
    except ValueError as err:
        hint = "--ray-address" if address is not None else "--workers"
        raise typer.BadParameter(str(err), param_hint=hint) from None


def exit_failed(err: SweepFailed) -> typer.Exit:
    """Name the failed runs on stderr (one line each); the exit status 1 to raise."""
    typer.echo(f"error: {len(err.failed)} run(s) failed, the others finished:", err=True)
    for spec, error in err.failed:
        typer.echo(f"  {spec.label}: {error}", err=True)
    typer.echo("run the same command again to retry them (finished runs are kept)", err=True)
    return typer.Exit(1)
