"""``randquant demo``: the README's first command (via ``make demo``)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from randquant.cli.app import app
from randquant.cli.device import DeviceOpt, check_device
from randquant.cli.paths import check_output_dir


@app.command("demo")
def demo(
    output: Path = typer.Option(Path("randquant-demo"), help="Folder for results and pictures."),
    datasets: int = typer.Option(3, min=1, max=3, help="How many datasets (modalities)."),
    threads: int = typer.Option(2, min=1, help="torch and numba CPU threads."),
    progress: bool = typer.Option(True, help="Show progress bars."),
    device: DeviceOpt = "auto",
) -> None:
    """Compare RQ with other augmentations on 2-3 small real datasets; table, plots, gallery.

    Resumable: finished runs under OUTPUT are kept. Example: randquant demo --output demo/
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.bench.demo import comparison_rows, run_demo
    from randquant.config import set_threads

    check_output_dir(output, "--output")
    check_device(device)
    set_threads(threads)
    console = Console()
    start = time.perf_counter()
    choice, _ = run_demo(
        output, n_datasets=datasets, progress=progress, echo=console.print, device=device
    )
    header, rows = comparison_rows(output, choice.datasets)
    table = Table(*header, title="linear-probe accuracy % (1 seed; best per column in bold)")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"pictures: {output / 'img'}; run records: {output / 'runs'}; "
        f"{time.perf_counter() - start:.0f} s in all"
    )
