"""The report's figures (matplotlib, Agg, PNG written atomically)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from randquant.augment.spec import rq_bins
from randquant.bench.plan import BASE_AUGMENTS, CROP_AUGMENTS
from randquant.bench.results_io import Setting
from randquant.evaluate.stats import Contrast
from randquant.io import write_bytes_atomic


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


def forest(contrasts: Sequence[Contrast], path: Path, *, metric: str = "linear_acc") -> Path:
    """Forest plot: paired difference ± 95 % CI per contrast, one panel per dataset, a zero
    line; filled markers where the Holm-corrected test found a difference."""
    mine = [c for c in contrasts if c.metric == metric]
    datasets = sorted({c.dataset for c in mine})
    cols = min(4, max(1, len(datasets)))
    rows = max(1, -(-len(datasets) // cols))
    per = max((sum(c.dataset == d for c in mine) for d in datasets), default=1)
    fig = _figure(3.6 * cols, (0.28 * per + 0.9) * rows)
    axes = fig.subplots(rows, cols, squeeze=False).flatten()
    for ax in axes[len(datasets) :]:
        ax.set_visible(False)
    for ax, d in zip(axes, datasets, strict=False):
        cs = [c for c in mine if c.dataset == d]
        ys = list(range(len(cs)))[::-1]
        for y, c in zip(ys, cs, strict=True):
            mean = 100 * c.mean_diff
            lo, hi = 100 * c.ci_low, 100 * c.ci_high
            err = [[mean - lo], [hi - mean]] if lo == lo and hi == hi else None
            found = c.verdict in ("better", "worse")
            ax.errorbar(
                [mean],
                [y],
                xerr=err,
                fmt="o",
                color="C3" if c.verdict == "worse" else "C0",
                mfc=None if found else "white",
                capsize=2,
            )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(ys, [f"{c.a} − {c.b}" for c in cs], fontsize=7)
        ax.set_title(d, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    fig.supxlabel(f"paired difference, {metric} (points; 95 % CI over seeds)", fontsize=8)
    return _save(fig, path)


def bins_curve(rows: Sequence[Setting], modality: dict[str, str], path: Path) -> Path:
    """Linear-probe accuracy vs number of bins: mean over seeds with its 95 % t interval
    (scipy), one panel per modality."""
    from scipy import stats

    curves: dict[str, dict[str, list[tuple[int, float, float, float]]]] = {}
    for s in rows:
        n = rq_bins(s.augment)
        if s.group != "factors" or n is None:
            continue
        vals = [100 * float(r.linear_acc) for r in s.runs]
        mean = sum(vals) / len(vals)
        lo = hi = mean
        if len(vals) > 1 and len(set(vals)) > 1:
            lo, hi = stats.t.interval(0.95, len(vals) - 1, loc=mean, scale=stats.sem(vals))
        m = modality.get(s.dataset, "other")
        curves.setdefault(m, {}).setdefault(s.dataset, []).append((n, mean, lo, hi))
    fig = _figure(4.0 * max(1, len(curves)), 3.4)
    axes = fig.subplots(1, max(1, len(curves)), squeeze=False)[0]
    for ax, (m, per_ds) in zip(axes, sorted(curves.items()), strict=False):
        for dataset, pts in sorted(per_ds.items()):
            pts.sort()
            xs = [p[0] for p in pts]
            ax.plot(xs, [p[1] for p in pts], marker="o", label=dataset)
            ax.fill_between(xs, [p[2] for p in pts], [p[3] for p in pts], alpha=0.2)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bins")
        ax.set_ylabel("linear probe accuracy %")
        ax.set_title(m)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("RQ: accuracy vs number of bins (mean, 95 % CI over seeds)")
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


def reference_bars(rows: Sequence[Setting], refs: dict[str, dict[str, float]], path: Path) -> Path:
    """Bars per dataset and arm with both references drawn as lines across each group
    (raw input dashed, untrained encoder dotted); a 95 % t interval over seeds only where
    an arm has two seeds or more (one seed: no bar of zero width pretending to be one)."""
    from scipy import stats

    order = list(dict.fromkeys(s.augment for s in rows))
    datasets = list(dict.fromkeys(s.dataset for s in rows))
    grid = {(s.dataset, s.augment): s for s in rows}
    fig = _figure(max(6.0, 1.1 * len(datasets) * max(1, len(order)) / 2), 4.2)
    ax = fig.subplots()
    import matplotlib

    colours = matplotlib.colormaps["tab10"]
    width = 0.8 / max(1, len(order))
    for i, aug in enumerate(order):
        xs, ys, errs = [], [], []
        for j, d in enumerate(datasets):
            found = grid.get((d, aug))
            if found is None:
                continue
            vals = [100 * float(r.linear_acc) for r in found.runs]
            mean = sum(vals) / len(vals)
            half = 0.0
            if len(vals) > 1:
                half = float(stats.t.ppf(0.975, len(vals) - 1) * stats.sem(vals))
            xs.append(j + (i - len(order) / 2 + 0.5) * width)
            ys.append(mean)
            errs.append(half)
        shown = any(e > 0 for e in errs)
        hatch = "//" if "rq" in aug else None
        ax.bar(xs, ys, width, yerr=errs if shown else None, label=aug, color=colours(i % 10),
               hatch=hatch, capsize=2)  # fmt: skip
    styles = {"raw_input": ("--", "black", "raw input"), "untrained": (":", "dimgray",
              "untrained encoder")}  # fmt: skip
    for kind, (style, colour, label) in styles.items():
        for j, d in enumerate(datasets):
            value = refs.get(d, {}).get(kind)
            if value is not None:
                ax.hlines(100 * value, j - 0.45, j + 0.45, linestyles=style, colors=colour,
                          linewidth=1.5, label=label if j == 0 else None)  # fmt: skip
    seeds = sorted({len(s.runs) for s in rows})
    note = "1 seed: no intervals" if seeds == [1] else "95 % t interval over seeds"
    ax.set_xticks(range(len(datasets)), datasets)
    ax.set_ylabel("linear probe accuracy %")
    ax.set_title(f"Linear probe per arm, references as lines ({note}; RQ hatched)")
    ax.legend(fontsize=7, ncols=3, loc="lower right")
    return _save(fig, path)


Curve = dict[str, list[tuple[int, float, float, float]]]


def curve_points(
    folders: Sequence[Path], metric: str = "linear_acc"
) -> tuple[Curve, dict[str, float], bool]:
    """Per arm ``(steps, mean, ci_low, ci_high)`` in percent over seeds (95 % t interval),
    the mean of each reference, and whether x is in optimizer steps (else epochs).

    Steps are epochs x (training samples // batch), the sample count read from the
    references of ``folders`` (comparison folders that differ only in their epochs).
    """
    from scipy import stats

    from randquant.engine.records import KINDS
    from randquant.engine.store import load_references, load_runs

    curves: Curve = {}
    refs = [r for f in folders for r in load_references(f)]
    n_train = max((r.n_train for r in refs), default=0)
    for folder in folders:
        by_arm: dict[tuple[str, int], list[float]] = {}
        for r in load_runs(folder / "runs"):
            steps = r.epochs * max(1, n_train // r.batch_size) if n_train else r.epochs
            by_arm.setdefault((r.augment, steps), []).append(100 * float(getattr(r, metric)))
        for (arm, steps), vals in by_arm.items():
            mean = sum(vals) / len(vals)
            lo = hi = mean
            if len(vals) > 1 and len(set(vals)) > 1:
                lo, hi = stats.t.interval(0.95, len(vals) - 1, loc=mean, scale=stats.sem(vals))
            curves.setdefault(arm, []).append((steps, mean, float(lo), float(hi)))
    for pts in curves.values():
        pts.sort()
    ref_means = {
        kind: 100 * sum(float(getattr(r, kind)[metric]) for r in refs) / len(refs)
        for kind in KINDS
        if refs
    }
    return curves, ref_means, bool(n_train)


def learning_curves(folders: Sequence[Path], path: Path, *, metric: str = "linear_acc") -> Path:
    """Probe accuracy against optimizer steps, one line per arm (mean, 95 % t interval over
    seeds), the raw-input and untrained-encoder references as horizontal lines
    (:func:`curve_points`)."""
    from randquant.engine.records import LABELS

    curves, ref_means, in_steps = curve_points(folders, metric)
    fig = _figure(5.5, 3.8)
    ax = fig.subplots()
    for i, (arm, pts) in enumerate(sorted(curves.items())):
        xs = [p[0] for p in pts]
        ax.plot(xs, [p[1] for p in pts], marker="o", color=f"C{i}", label=arm)
        ax.fill_between(xs, [p[2] for p in pts], [p[3] for p in pts], color=f"C{i}", alpha=0.2)
    for j, (kind, mean) in enumerate(ref_means.items()):
        ax.axhline(mean, color="grey", ls=("--", ":")[j % 2], label=LABELS[kind])
    ax.set_xscale("log")
    ax.set_xlabel("optimizer steps" if in_steps else "epochs")
    ax.set_ylabel(f"{metric} %")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("learning curve (mean, 95 % CI over seeds)")
    return _save(fig, path)
