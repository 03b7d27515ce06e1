"""``randquant augment ...``: inspect the augmentations available by name.

Registered on the main app by importing this module (one line in ``cli/__init__.py``).
"""

from __future__ import annotations

import typer

from randquant.cli import app

augment_app = typer.Typer(
    help="Augmentations available by name (for --augment specs such as crop+rq:bins=16).",
    no_args_is_help=True,
)
app.add_typer(augment_app, name="augment")


@augment_app.command("list")
def list_augmentations() -> None:
    """Show every augmentation: name, kind, layouts, options with defaults, description."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from randquant.augment.registry import REGISTRY

    table = Table(title="randquant augmentations  (compose with '+', options as name:k=v,k=v)")
    for column in ("name", "kind", "layouts", "options (default)", "description"):
        table.add_column(column, overflow="fold")
    for name, entry in REGISTRY.items():
        options = ", ".join(
            f"{o.name}={o.default}" if o.default is not None else f"{o.name}=auto"
            for o in entry.options().values()
        )
        table.add_row(
            name, entry.kind, ", ".join(entry.layouts), options or "-", escape(entry.description)
        )
    Console().print(table)
