"""``randquant augment list|explain``: the augmentations available by name, and what a spec builds.

Registered on the main app by importing this module (one line in ``cli/__init__.py``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from randquant.cli.app import command_group

augment_app = command_group(
    "augment",
    "Augmentations available by name (for --augment specs such as crop+rq:bins=16).\n\n"
    "Example: randquant augment explain crop+rq:bins=16 --layout image",
)


@augment_app.command("list")
def list_augmentations() -> None:
    """Show every augmentation: name, kind, layouts, options with defaults, description.

    Example: randquant augment list
    """
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


@augment_app.command("explain")
def explain(
    spec: Annotated[str, typer.Argument(help="An augmentation spec, e.g. crop+rq:bins=16.")],
    layout: Annotated[
        str, typer.Option("--layout", help="sequence, image, points, vector or tokens.")
    ] = "sequence",
    modality: Annotated[
        str | None, typer.Option("--modality", help="Default: from the layout.")
    ] = None,
    rq_on: Annotated[
        str, typer.Option("--rq-on", help="input, embedding or auto (by the layout).")
    ] = "auto",
) -> None:
    """Show what a spec builds for a layout: the input pipeline, the embedding part, mixup.

    Example:

      randquant augment explain "crop+rq:bins=16" --layout sequence --modality audio
    """
    from rich.console import Console
    from rich.markup import escape

    from randquant.augment import build_views
    from randquant.augment.views import MODALITIES, RQ_ON_CHOICES
    from randquant.data.base import LAYOUTS

    for option, value, allowed in (
        ("--layout", layout, LAYOUTS),
        ("--modality", modality, (None, *MODALITIES)),
        ("--rq-on", rq_on, RQ_ON_CHOICES),
    ):
        if value not in allowed:
            names = ", ".join(a for a in allowed if a is not None)
            raise typer.BadParameter(f"one of {names}, got {value!r}", param_hint=option)
    try:
        views = build_views(spec, layout, modality=modality, rq_on=rq_on)  # type: ignore[arg-type]
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="SPEC") from err
    console = Console()
    console.print(f"[bold]spec[/bold] {escape(spec)}  layout={layout} modality={views.modality}")
    console.print("[bold]input_transform[/bold]", escape(repr(views.input_transform)))
    if views.embedding_transform is not None:
        console.print("[bold]embedding_transform[/bold]", escape(repr(views.embedding_transform)))
    if views.mixup is not None:
        console.print(
            f"[bold]mixup[/bold] e-Mix with lam ~ Beta({views.mixup.alpha}, {views.mixup.alpha})"
        )
