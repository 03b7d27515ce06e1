"""The ``randquant`` application and its command groups (each command module adds itself)."""

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
