"""The report's figures (matplotlib, Agg, PNG written atomically)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from randquant.bench.results_io import Setting
from randquant.bench.suite import BASE_AUGMENTS, CROP_AUGMENTS
from randquant.io import write_bytes_atomic


def bins_of(spec: str) -> int | None:
    """The bin count of a bins-only RQ spec (``rq`` is 8), else ``None``.

    >>> bins_of("rq:bins=16"), bins_of("rq"), bins_of("rq:p=0.5")
    (16, 8, None)
    """
    if spec == "rq":
        return 8
    m = re.fullmatch(r"rq:bins=(\d+)", spec)
    return int(m.group(1)) if m else None


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(width, height), layout="constrained")


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(path, buf.getvalue())
    return path


def accuracy_vs_bins(rows: Sequence[Setting], modality: dict[str, str], path: Path) -> Path:
    """Linear-probe accuracy vs number of bins, mean ± std error bars, one panel per modality."""
    curves: dict[str, dict[str, list[tuple[int, float, float]]]] = {}
    for s in rows:
        n = bins_of(s.augment)
        if s.group != "factors" or n is None:
            continue
        c = s.metric("linear_acc")
        m = modality.get(s.dataset, "other")
        curves.setdefault(m, {}).setdefault(s.dataset, []).append((n, 100 * c.mean, 100 * c.std))
    fig = _figure(4.0 * max(1, len(curves)), 3.4)
    axes = fig.subplots(1, max(1, len(curves)), squeeze=False)[0]
    for ax, (m, per_ds) in zip(axes, sorted(curves.items()), strict=False):
        for dataset, pts in sorted(per_ds.items()):
            pts.sort()
            ax.errorbar(
                [p[0] for p in pts],
                [p[1] for p in pts],
                yerr=[p[2] for p in pts],
                marker="o",
                capsize=3,
                label=dataset,
            )
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bins")
        ax.set_ylabel("linear probe accuracy %")
        ax.set_title(m)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("RQ: accuracy vs number of bins (mean ± std over seeds)")
    return _save(fig, path)


def grouped_bars(rows: Sequence[Setting], path: Path) -> Path:
    """Grouped bar chart of the main table: one group per dataset, one bar per augmentation."""
    order = [a for a in BASE_AUGMENTS + CROP_AUGMENTS if any(s.augment == a for s in rows)]
    datasets = sorted({s.dataset for s in rows})
    grid = {(s.dataset, s.augment): s.metric("linear_acc") for s in rows}
    fig = _figure(max(8.0, 1.2 * len(datasets) * max(1, len(order)) / 6), 4.5)
    ax = fig.subplots()
    import matplotlib

    colours = matplotlib.colormaps["tab20"]
    width = 0.8 / max(1, len(order))
    for i, aug in enumerate(order):
        xs, ys, es = [], [], []
        for j, d in enumerate(datasets):
            c = grid.get((d, aug))
            if c is not None:
                xs.append(j + (i - len(order) / 2 + 0.5) * width)
                ys.append(100 * c.mean)
                es.append(100 * c.std)
        hatch = "//" if "rq" in aug else None
        ax.bar(xs, ys, width, yerr=es, label=aug, color=colours(i % 20), hatch=hatch, capsize=1)
    ax.set_xticks(range(len(datasets)), datasets, rotation=30, ha="right")
    ax.set_ylabel("linear probe accuracy %")
    ax.set_title("Augmentation suite: linear probe (mean ± std over seeds; RQ hatched)")
    ax.legend(fontsize=7, ncols=4, loc="upper right")
    return _save(fig, path)
