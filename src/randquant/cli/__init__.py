"""The ``randquant`` command line: a thin typer layer over the library."""

from __future__ import annotations

from randquant.cli.app import app, command_group

__all__ = ["app", "command_group", "main"]

# Each area registers its commands here, one line each.
from randquant.cli import augment as _augment  # noqa: F401  (randquant augment ...)
from randquant.cli import bench as _bench  # noqa: F401  (randquant bench ...)
from randquant.cli import bench_sweeps as _bench_sweeps  # noqa: F401  (bench suite ...)
from randquant.cli import data as _data  # noqa: F401  (randquant data ...)
from randquant.cli import demo as _demo  # noqa: F401  (randquant demo)
from randquant.cli import show as _show  # noqa: F401  (randquant show)
from randquant.cli import train as _train  # noqa: F401  (pretrain, probe, compare)


def main() -> None:
    """Console-script entry point."""
    app()
