"""PNG galleries of originals and augmented views, one drawing function per modality.

Every drawing function fills a grid of ``n`` rows (samples) by 3 columns (original, view 1,
view 2), except the table, which draws the ``n`` samples as rows of three heat-maps.

>>> from randquant.data.registry import load_dataset  # doctest: +SKIP
>>> save_gallery(gallery_views(load_dataset("digits"), "rq"), Path("g.png"))  # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from randquant.io import write_bytes_atomic
from randquant.viz.gallery_data import GalleryViews, gallery_views
from randquant.viz.image_file import encode_as

__all__ = ["GalleryViews", "draw_gallery", "gallery_views", "save_gallery"]

COLUMNS = ("original", "view 1", "view 2")
_HEAT: dict[str, Any] = {"cmap": "RdBu_r", "aspect": "auto", "interpolation": "nearest"}


def _panels(g: GalleryViews) -> list[tuple[Tensor, Tensor, Tensor]]:
    return [(g.originals[i], g.views[0][i], g.views[1][i]) for i in range(len(g.labels))]


def _grid(fig: Any, g: GalleryViews, **subplot_kw: Any) -> Any:
    axes = fig.subplots(len(g.labels), 3, squeeze=False, subplot_kw=subplot_kw)
    for r, label in enumerate(g.labels):
        for c, col in enumerate(COLUMNS):
            axes[r, c].set_title(f"{label}: {col}" if c == 0 else col, fontsize=8)
    return axes


def draw_images(fig: Any, g: GalleryViews) -> None:
    """Images, each view scaled by its original's min and max (so changes stay visible)."""
    axes = _grid(fig, g)
    for r, panel in enumerate(_panels(g)):
        lo, hi = float(panel[0].min()), float(panel[0].max())
        for c, img in enumerate(panel):
            shown = ((img - lo) / max(hi - lo, 1e-8)).clamp(0, 1).permute(1, 2, 0).numpy()
            grey = shown.shape[2] == 1
            axes[r, c].imshow(shown[..., 0] if grey else shown, cmap="gray" if grey else None)
            axes[r, c].axis("off")


def draw_spectrograms(fig: Any, g: GalleryViews) -> None:
    """Log-mel spectrograms, frequency up, colour range of the original."""
    axes = _grid(fig, g)
    for r, panel in enumerate(_panels(g)):
        lo, hi = float(panel[0].min()), float(panel[0].max())
        for c, spec in enumerate(panel):
            ax = axes[r, c]
            im = ax.imshow(
                spec.numpy(),
                origin="lower",
                aspect="auto",
                vmin=lo,
                vmax=hi,
                interpolation="nearest",
            )
            ax.set_xlabel("frame", fontsize=7)
            ax.set_ylabel("mel band", fontsize=7)
            ax.tick_params(labelsize=6)
        fig.colorbar(im, ax=axes[r, :].tolist(), shrink=0.8, label="log mel")


def draw_points(fig: Any, g: GalleryViews) -> None:
    """3-D scatter of each point cloud, its up axis vertical, coloured by height."""
    axes = _grid(fig, g, projection="3d")
    up = "xyz".index(g.up_axis) if g.up_axis in ("x", "y", "z") else 1
    order = [a for a in range(3) if a != up] + [up]
    for r, panel in enumerate(_panels(g)):
        lim = float(panel[0].abs().max()) or 1.0
        for c, pts in enumerate(panel):
            p = pts[:, order].numpy()
            ax = axes[r, c]
            ax.scatter(p[:, 0], p[:, 1], p[:, 2], c=p[:, 2], s=1.5, cmap="viridis")
            for setter in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
                setter(-lim, lim)
            ax.view_init(elev=20, azim=-60)
            ax.set_box_aspect(None, zoom=1.5)
            ax.set_axis_off()


def draw_curves(fig: Any, g: GalleryViews) -> None:
    """Sensor curves: one subplot per sample and view, the channels overlaid."""
    axes = _grid(fig, g)
    for r, panel in enumerate(_panels(g)):
        lo, hi = float(panel[0].min()), float(panel[0].max())
        pad = 0.15 * max(hi - lo, 1e-8)
        for c, seq in enumerate(panel):
            ax = axes[r, c]
            for ch in range(seq.shape[0]):
                ax.plot(seq[ch].numpy(), lw=0.8, label=f"ch {ch}")
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_xlabel("time step", fontsize=7)
            ax.tick_params(labelsize=6)
    axes[0, 2].legend(fontsize=6, loc="upper right", ncol=2)


def draw_table(fig: Any, g: GalleryViews) -> None:
    """Tabular rows as heat-maps: samples by features, original and two views side by side."""
    axes = fig.subplots(1, 3, squeeze=False)[0]
    lim = float(g.originals.abs().max()) or 1.0
    for ax, col, data in zip(axes, COLUMNS, (g.originals, *g.views), strict=True):
        im = ax.imshow(data.numpy(), vmin=-lim, vmax=lim, **_HEAT)
        ax.set_xticks(range(data.shape[1]))
        ax.tick_params(labelsize=6)
        ax.set_title(col, fontsize=9)
        ax.set_xlabel("feature", fontsize=8)
        ax.set_yticks(range(len(g.labels)), g.labels, fontsize=7)
    fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label=g.note)


def _real_length(g: GalleryViews) -> int:
    """Token positions worth showing: up to the last non-padding (non-zero) original token."""
    nonzero = g.originals.abs().amax(dim=(0, 2)) > 0
    where = torch.nonzero(nonzero).flatten()
    return int(where.max()) + 1 if len(where) else int(g.originals.shape[1])


def draw_embeddings(fig: Any, g: GalleryViews) -> None:
    """Token heat-maps: embedding dimension by token position, before and after the views."""
    axes = _grid(fig, g)
    length = _real_length(g)
    for r, panel in enumerate(_panels(g)):
        lim = float(panel[0].abs().max()) or 1.0
        for c, emb in enumerate(panel):
            ax = axes[r, c]
            im = ax.imshow(emb[:length].T.numpy(), vmin=-lim, vmax=lim, **_HEAT)
            ax.set_xlabel("token" if g.texts else "feature token", fontsize=7)
            ax.set_ylabel("embedding dim", fontsize=7)
            ax.tick_params(labelsize=6)
            if g.texts:
                text = g.texts[r][c].replace("$", r"\$")
                ax.text(0, -0.28, _clip(text, 48), transform=ax.transAxes, fontsize=6)
        fig.colorbar(im, ax=axes[r, :].tolist(), shrink=0.8)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


DRAW: dict[str, Callable[[Any, GalleryViews], None]] = {
    "images": draw_images,
    "spectrograms": draw_spectrograms,
    "points": draw_points,
    "curves": draw_curves,
    "table": draw_table,
    "embeddings": draw_embeddings,
}

_ROW_HEIGHT = {"images": 2.0, "points": 2.8, "table": 0.45}
_WIDTH = {"images": 7.5, "points": 8.5}


def draw_gallery(g: GalleryViews) -> Any:
    """A matplotlib figure of the gallery (``Agg`` backend), titled and annotated."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(g.labels)
    height = _ROW_HEIGHT.get(g.kind, 2.2) * rows + (1.6 if g.kind == "table" else 1.0)
    width = _WIDTH.get(g.kind, 11.0)
    fig = plt.figure(figsize=(width, height), layout="constrained")
    DRAW[g.kind](fig, g)
    fig.suptitle(g.title + (f"\n{g.note}" if g.note and g.kind != "table" else ""), fontsize=10)
    return fig


def save_gallery(g: GalleryViews, output: Path, *, dpi: int = 100) -> Path:
    """Draw ``g`` and write it to ``output`` atomically, in the format its suffix names."""
    import matplotlib.pyplot as plt

    fig = draw_gallery(g)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    write_bytes_atomic(output, encode_as(buf.getvalue(), output))  # the suffix's format
    return output
