"""``randquant demo``: the README's first command (via ``make demo``)."""

from __future__ import annotations

import time

import typer

from randquant.cli.app import app
from randquant.cli.bench import RAW
from randquant.cli.config import parse
from randquant.cli.paths import check_output_dir


def demo(ctx: typer.Context) -> None:
    """Compare RQ with other augmentations on 2-3 small real datasets; table, plots, gallery.

    Resumable: finished runs under OUTPUT are kept. Example: randquant demo --output demo/
    """
    from rich.console import Console
    from rich.table import Table

    from randquant.bench.demo import comparison_rows, run_demo, verdict_lines
    from randquant.cli.bench_commands import DemoCommand
    from randquant.config import set_threads

    cfg = parse(DemoCommand, ctx.args)
    output, progress = cfg.output, cfg.progress
    check_output_dir(output, "--output")
    set_threads(cfg.threads)
    console = Console()
    start = time.perf_counter()
    choice, _ = run_demo(
        output, n_datasets=cfg.datasets, progress=progress, echo=console.print, device=cfg.device
    )
    header, rows = comparison_rows(output, choice.datasets)
    table = Table(*header, title="linear-probe accuracy % (1 seed; best per column in bold)")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in verdict_lines(output, choice.datasets):
        console.print(line, highlight=False)
    console.print(
        f"pictures: {output / 'img'}; run records: {output / 'runs'}; "
        f"{time.perf_counter() - start:.0f} s in all"
    )


app.command("demo", context_settings=RAW, add_help_option=False)(demo)
