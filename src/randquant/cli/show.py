"""``randquant show``: pictures of what RQ (or any augmentation) does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import typer

from randquant.cli.app import app
from randquant.cli.paths import check_output_file


def _bin_counts(bins: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(b) for b in bins.split(","))
    except ValueError:
        raise typer.BadParameter(
            f"expected integers like 2,4,8,16, got {bins!r}", param_hint="--bins"
        ) from None
    from randquant.ops.options import MAX_NUM_BINS

    if not counts or min(counts) < 1 or max(counts) > MAX_NUM_BINS:
        raise typer.BadParameter(
            f"bin counts must be in [1, {MAX_NUM_BINS}], got {bins!r}", param_hint="--bins"
        )
    return counts


def _check_output(output: Path, seed: int) -> None:
    """Before any work: ``--output`` can be written in its suffix's format; ``--seed`` fits."""
    from randquant.config import check_seed
    from randquant.viz.image_file import image_format

    check_output_file(output, "--output")
    try:
        image_format(output)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--output") from None
    try:
        check_seed(seed)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--seed") from None


def _show_photo(image: Path | None, output: Path, bins: str, seed: int) -> None:
    from randquant.viz.rq_grid import load_image, sample_photo, save_rq_grid

    counts = _bin_counts(bins)
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


def _show_dataset(
    dataset: str, augment: str, rq_on: str | None, n: int, profile: str, seed: int, output: Path
) -> None:
    from randquant.data.registry import load_dataset
    from randquant.viz.gallery import gallery_views, save_gallery

    if rq_on not in (None, "input", "embedding"):
        raise typer.BadParameter(f"input or embedding, got {rq_on!r}", param_hint="--rq-on")
    if profile not in ("quick", "full"):
        raise typer.BadParameter(f"quick or full, got {profile!r}", param_hint="--profile")
    if not 1 <= n <= 32:
        raise typer.BadParameter(f"must lie in [1, 32], got {n}", param_hint="--n")
    try:
        ds = load_dataset(dataset, profile=profile)
    except (KeyError, ValueError) as err:
        raise typer.BadParameter(str(err).strip("'\""), param_hint="--dataset") from None
    try:
        views = gallery_views(ds, augment, n=n, seed=seed, rq_on=rq_on)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--augment") from None
    save_gallery(views, output)


@dataclass(frozen=True)
class ShowCommand:
    """Write a picture (PNG, JPEG, ... from the suffix of --output): an image at several RQ
    bin counts, or a gallery of a dataset's views.

    Examples:

      randquant show --output docs/img/rq_bins.png --bins 2,4,8,16

      randquant show --dataset furniture --augment crop+rq --n 4 --output furniture.png
    """

    PROG: ClassVar[str] = "randquant show"

    image: Path | None = None
    """An image file; default: a real photo shipped in scikit-learn."""
    output: Path | None = None
    """Where to write the picture, in its suffix's format: .png, .jpg, ... (default:
    rq_bins.png, or gallery_DATASET.png)."""
    bins: str | None = None
    """Bin counts, comma-separated (default: 2,4,8,16); photo mode only."""
    seed: int = 0
    """Seed of the draws (and of the samples shown)."""
    dataset: str | None = None
    """A named dataset: draw a gallery of its samples and two augmented views."""
    augment: str = "rq"
    """Augmentation spec of the gallery, e.g. crop+rq."""
    rq_on: str | None = None
    """input or embedding (default: embedding for text tokens, else input)."""
    n: int = 6
    """Samples in the gallery."""
    profile: str = "quick"
    """Dataset profile: quick or full."""


def show(ctx: typer.Context) -> None:
    """Write a picture: an image at several RQ bin counts, or a gallery of a dataset's views.

    Example: randquant show --output docs/img/rq_bins.png --bins 2,4,8,16
    """
    from randquant.cli.config import parse

    cfg = parse(ShowCommand, ctx.args)
    image, output, bins, seed = cfg.image, cfg.output, cfg.bins, cfg.seed
    dataset, augment, rq_on, n = cfg.dataset, cfg.augment, cfg.rq_on, cfg.n
    if dataset is None:
        gallery_only = {"--augment": augment != "rq", "--rq-on": rq_on, "--n": n != 6}
        for option, given in gallery_only.items():
            if given:
                raise typer.BadParameter("applies to --dataset only", param_hint=option)
        output = output or Path("rq_bins.png")
        _check_output(output, seed)
        _show_photo(image, output, bins or "2,4,8,16", seed)
    else:
        if image is not None or bins is not None:
            raise typer.BadParameter(
                "applies to the photo mode only, not with --dataset",
                param_hint="--image" if image is not None else "--bins",
            )
        output = output or Path(f"gallery_{dataset}.png")
        _check_output(output, seed)
        _show_dataset(dataset, augment, rq_on, n, cfg.profile, seed, output)
    typer.echo(f"wrote {output}")


app.command(  # its arguments go to the parser of its config tree (cli/config.py)
    "show",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                      "help_option_names": []},
    add_help_option=False,
)(show)  # fmt: skip
