"""The ``randquant`` command line: a thin typer layer over the library."""

from __future__ import annotations

import typer

from randquant.cli.errors import CliErrors

app = typer.Typer(
    name="randquant",
    help="Randomized Quantization: a modality-agnostic augmentation for self-supervised learning."
    "\n\nExample: randquant show --output rq_bins.png --bins 2,4,8,16",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=CliErrors,  # Ctrl-C, divergence, OS errors: one line and an exit code (cli/errors.py)
)


def command_group(name: str, help: str) -> typer.Typer:
    """A ``randquant NAME ...`` group of commands (``help`` ends with an example)."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


# Each area registers its commands here, one line each.
from randquant.cli import augment as _augment  # noqa: E402, F401  (randquant augment ...)
from randquant.cli import bench as _bench  # noqa: E402, F401  (randquant bench ...)
from randquant.cli import data as _data  # noqa: E402, F401  (randquant data ...)
from randquant.cli import demo as _demo  # noqa: E402, F401  (randquant demo)
from randquant.cli import show as _show  # noqa: E402, F401  (randquant show)
from randquant.cli import train as _train  # noqa: E402, F401  (pretrain, probe, compare)


def main() -> None:
    """Console-script entry point."""
    app()
