"""Markdown pieces shared by the report's sections: per-setting tables, headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from randquant.bench.plan import BASE_AUGMENTS, CROP_AUGMENTS
from randquant.bench.results_io import Setting

#: Modality of each group of rows, in report order.
MODALITY_ORDER: tuple[str, ...] = ("image", "audio", "points", "sensor", "text", "tabular")


#: Generic baselines RQ is compared with in the generated discussion.
def order_rows(rows: Sequence[Setting]) -> list[Setting]:
    canon = {a: i for i, a in enumerate(BASE_AUGMENTS + CROP_AUGMENTS)}
    return sorted(rows, key=lambda s: (s.group != "main", canon.get(s.augment, 99), s.label))


def mod_rank(m: str) -> int:
    return MODALITY_ORDER.index(m) if m in MODALITY_ORDER else len(MODALITY_ORDER)


def header(manifest: dict[str, Any] | None, kind: str) -> list[str]:
    """Hardware and command lines of a manifest."""
    if not manifest:
        return [f"_No {kind} manifest found._", ""]
    hw = manifest.get("hardware", {})
    return [
        "Commands: "
        + "; ".join(f"`{c}`" for c in manifest.get("commands", [manifest.get("command", "?")]))
        + f" (manifest last written {manifest.get('updated', '?')}).",
        f"Hardware: {hw.get('cpu', '?')}, {hw.get('cores', '?')} cores, torch "
        f"{hw.get('torch', '?')} with {hw.get('torch_threads', '?')} thread(s), "
        f"GPU: {hw.get('gpu') or 'none'}.",
        "",
    ]


def setting_table(rows: Sequence[Setting]) -> list[str]:
    """Per-setting table: probes, final SSL loss, epochs, seeds, wall time."""
    lines = [
        "| dataset | augmentation | method | encoder | linear % | kNN % | final loss | "
        "epochs | seeds | train s/run |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in rows:
        loss = s.metric("final_loss")
        lines.append(
            f"| {s.dataset} | {s.label} | {s.method} | {s.encoder} | "
            f"{s.metric('linear_acc').pct()} | {s.metric('knn_acc').pct()} | "
            f"{loss.mean:.3f} | {s.epochs} | {len(s.runs)} | "
            f"{s.metric('train_seconds').mean:.0f} |"
        )
    return [*lines, ""]


def budget_lines(manifest: dict[str, Any]) -> list[str]:
    budgets = manifest.get("budgets", {})
    methods = manifest.get("methods", {})
    lines = [
        f"Profile `{manifest.get('profile')}`, seeds {manifest.get('seeds')}. Methods: "
        + ", ".join(f"{k}: {v}" for k, v in methods.items())
        + ".",
        "",
        "| dataset | epochs or steps | batch | width | train cap | test cap | probe iters |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, b in budgets.items():
        lines.append(
            f"| {name} | {b['epochs'] or str(b.get('steps')) + ' steps'} | "
            f"{b['batch_size'] or 'recipe'} | {b['width']} | "
            f"{b['train'] or 'all'} | {b['test'] or 'all'} | {b.get('probe_max_iter', 500)} |"
        )
    return [*lines, ""]


def coverage_lines(rows: Sequence[Setting], manifest: dict[str, Any] | None) -> list[str]:
    """What ran: per dataset, runs recorded, seeds seen, pretraining time (from the records)."""
    planned = (manifest or {}).get("datasets", [])
    names = list(dict.fromkeys([*planned, *sorted({s.dataset for s in rows})]))
    lines = [
        "| dataset | runs recorded | settings | seeds recorded | mean train s/run | "
        "total train min |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for d in names:
        runs = [r for s in rows if s.dataset == d for r in s.runs]
        n_set = sum(1 for s in rows if s.dataset == d)
        seeds = sorted({r.seed for r in runs})
        secs = [r.train_seconds for r in runs]
        mean = f"{sum(secs) / len(secs):.0f}" if secs else "–"
        lines.append(
            f"| {d} | {len(runs)} | {n_set} | {', '.join(map(str, seeds)) or 'none yet'} | "
            f"{mean} | {sum(secs) / 60:.1f} |"
        )
    return [*lines, ""]
