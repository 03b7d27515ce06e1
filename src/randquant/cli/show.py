"""``randquant show``: pictures of what RQ does."""

from __future__ import annotations

from pathlib import Path

import typer

from randquant.cli import app


@app.command("show")
def show(
    image: Path | None = typer.Option(
        None, help="An image file; default: a real photo shipped in scikit-learn."
    ),
    output: Path = typer.Option(Path("rq_bins.png"), help="Where to write the PNG."),
    bins: str = typer.Option("2,4,8,16", help="Bin counts, comma-separated."),
    seed: int = typer.Option(0, help="Seed of the RQ draw."),
) -> None:
    """Write a PNG of an image before and after RQ at several bin counts.

    Example: randquant show --output docs/img/rq_bins.png --bins 2,4,8,16
    """
    from randquant.viz.rq_grid import load_image, sample_photo, save_rq_grid

    try:
        counts = tuple(int(b) for b in bins.split(","))
    except ValueError:
        raise typer.BadParameter(
            f"expected integers like 2,4,8,16, got {bins!r}", param_hint="--bins"
        ) from None
    if not counts or min(counts) < 1:
        raise typer.BadParameter(f"bin counts must be >= 1, got {bins!r}", param_hint="--bins")
    if image is not None and not image.is_file():
        raise typer.BadParameter(f"no such file: {image}", param_hint="--image")
    try:
        pixels = load_image(image) if image is not None else sample_photo()
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--image") from None
    save_rq_grid(
        pixels,
        output,
        bins=counts,
        seed=seed,
        title=f"Randomized Quantization of {image.name if image else 'china.jpg'}",
    )
    typer.echo(f"wrote {output}")
