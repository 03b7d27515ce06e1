"""The tables of a comparison: per-arm summaries, references and contrasts (analysis).

Every renderer here reads records (:mod:`randquant.engine.records`) or contrasts
(:class:`~randquant.evaluate.stats.Contrast`) and returns text; the index
(:mod:`randquant.engine.index`) and the bench report both print with them, so a contrast
table looks the same wherever it stands.

>>> settings_hash("rq__simclr__e5__s1__0123456789ab")
'0123456789ab'
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from randquant.engine.records import KINDS, LABELS, ReferenceRecord, RunRecord
from randquant.evaluate.stats import Contrast


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


_METRICS = (
    ("linear_acc", "linear acc %"),
    ("knn_acc", "kNN acc %"),
    ("linear_f1", "linear F1 %"),
    ("knn_f1", "kNN F1 %"),
)


#: What tells runs apart besides the seed: records that differ in any of these are never
#: averaged together. ``settings`` is the hash part of the run id, which covers the data's
#: content and the settings a record has no field for (lr, width, probe options, ...).
GROUP_KEYS = ("dataset", "augment", "method", "encoder", "epochs", "batch_size", "rq_on")
_SHOWN = ("augment", "method", "encoder", "epochs")  # always in the table
_EXTRA_TITLES = {
    "dataset": "dataset",
    "batch_size": "batch",
    "rq_on": "rq on",
    "settings": "settings",
}


def settings_hash(run_id: str) -> str:
    """The hash of a ``compare`` run id (``<spec>__<method>__e<E>__s<seed>__<hash>``), shared by
    the seeds of one configuration; ``""`` for ids of another form.

    >>> settings_hash("rq__simclr__e5__s1__0123456789ab")
    '0123456789ab'
    """
    match = re.fullmatch(r".*__s\d+__([0-9a-f]{8,})", run_id)
    return match.group(1) if match else ""


def summarize(records: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """One row per configuration in first-seen order: mean and sample std over its seeds.

    A configuration is every field of :data:`GROUP_KEYS` plus the run id's settings hash, so
    runs of another dataset, batch size or learning rate are never averaged together. Each
    row holds those keys (``settings`` for the hash), ``n`` (number of runs),
    ``<metric>_mean`` / ``<metric>_std`` for the four probe metrics, and the mean
    ``train_seconds``.
    """
    groups: dict[tuple[Any, ...], list[RunRecord]] = {}
    for r in records:
        key = (*(getattr(r, k) for k in GROUP_KEYS), settings_hash(r.run_id))
        groups.setdefault(key, []).append(r)
    rows = []
    for key, runs in groups.items():
        row: dict[str, Any] = dict(zip((*GROUP_KEYS, "settings"), key, strict=True))
        row["n"] = len(runs)
        for metric, _ in _METRICS:
            values = [getattr(r, metric) for r in runs]
            row[f"{metric}_mean"], row[f"{metric}_std"] = _mean_std(values)
        row["train_seconds"] = _mean_std([r.train_seconds for r in runs])[0]
        rows.append(row)
    return rows


def markdown_table(records: Sequence[RunRecord]) -> str:
    """A Markdown report: mean ± sample std over seeds per configuration, best mean in bold.

    Besides augment, method, encoder and epochs, a column is added for each of dataset,
    batch size and ``rq_on`` that differs between rows, and for the settings hash when rows
    differ in nothing else.
    """
    rows = summarize(records)
    extra = [k for k in GROUP_KEYS if k in _EXTRA_TITLES and len({row[k] for row in rows}) > 1]
    if len({tuple(row[k] for k in GROUP_KEYS) for row in rows}) < len(rows):
        extra.append("settings")  # rows that differ only in settings the record does not show
    datasets = sorted({r.dataset for r in records})
    titles = [*_SHOWN, *(_EXTRA_TITLES[k] for k in extra), "seeds"]
    lines = [
        "# Augmentation comparison",
        "",
        f"Dataset: {', '.join(datasets) or '-'}. Runs: {len(records)}. "
        "Values are mean ± sample std over seeds, in percent.",
        "",
        "| " + " | ".join([*titles, *(t for _, t in _METRICS)]) + " | train s/run |",
        "|---|---|---|---:|" + "---|" * len(extra) + "---:|" + "---:|" * len(_METRICS) + "---:|",
    ]
    best = {k: max((r[f"{k}_mean"] for r in rows), default=0.0) for k, _ in _METRICS}
    for row in rows:
        cells = [str(row[k]) for k in (*_SHOWN, *extra)] + [str(row["n"])]
        for key, _ in _METRICS:
            cell = f"{100 * row[f'{key}_mean']:.1f} ± {100 * row[f'{key}_std']:.1f}"
            cells.append(f"**{cell}**" if row[f"{key}_mean"] == best[key] else cell)
        lines.append("| " + " | ".join(cells) + f" | {row['train_seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def csv_text(records: Sequence[RunRecord]) -> str:
    """All records as CSV, one row per run, columns in :class:`RunRecord` field order
    (without the per-item ``predictions``, which stay in the JSON files)."""
    buf = io.StringIO()
    names = [f.name for f in dataclasses.fields(RunRecord) if f.name != "predictions"]
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = r.to_dict()
        row.pop("predictions")
        writer.writerow(
            {k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for k, v in row.items()}
        )
    return buf.getvalue()


def item_test_lines(tests: Sequence[dict[str, Any]], *, alpha: float = 0.05) -> list[str]:
    """One Markdown line per contrast: on how many seeds McNemar found a or b better."""
    by_pair: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for t in tests:
        by_pair.setdefault((t["a"], t["b"], t["metric"]), []).append(t)
    if not by_pair:
        return []
    lines = [
        f"Per-item exact McNemar tests, per seed (uncorrected, {alpha:.0%}): seeds where "
        "a got significantly more items right / where b did / neither.",
        "",
    ]
    for (a, b, metric), found in by_pair.items():
        wins = sum(1 for t in found if t["p"] < alpha and t["a_only"] > t["b_only"])
        losses = sum(1 for t in found if t["p"] < alpha and t["b_only"] > t["a_only"])
        lines.append(
            f"- {a} − {b}, {metric}: {wins} / {losses} / {len(found) - wins - losses} "
            f"of {len(found)} seeds"
        )
    return [*lines, ""]


def _pct(v: float, sign: bool = False) -> str:
    return "–" if math.isnan(v) else (f"{100 * v:+.1f}" if sign else f"{100 * v:.1f}")


def verdict_text(c: Contrast) -> str:
    """The verdict. Where nothing was detected the plausible range is the CI beside it and
    the MDE has its own column, so neither is repeated here ("± MDE" read as a range is
    wrong: a CI may be wider than it); "no difference on any seed" where every seed gave
    both arms the same score."""
    if c.verdict == "no detectable difference" and c.n_seeds > 1 and c.sd_diff == 0:
        return "no difference on any seed"
    return c.verdict


def reference_lines(references: Sequence[ReferenceRecord]) -> list[str]:
    """Markdown rows of both references, mean ± std over seeds (percent)."""
    if not references:
        return []
    lines = [
        "| reference (no pretraining) | seeds | linear acc % | kNN acc % | linear fits converged |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        rows = [getattr(r, kind) for r in references]
        cells = []
        for key in ("linear_acc", "knn_acc"):
            vals = [float(row[key]) for row in rows]
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            cells.append(f"{100 * statistics.fmean(vals):.1f} ± {100 * sd:.1f}")
        ok = sum(bool(row.get("linear_converged", True)) for row in rows)
        lines.append(
            f"| {LABELS[kind]} | {len(rows)} | {cells[0]} | {cells[1]} | {ok}/{len(rows)} |"
        )
    return [*lines, ""]


def contrast_table(
    contrasts: Sequence[Contrast],
    *,
    metric: str | None = None,
    by_dataset: bool = False,
    items: Mapping[tuple[str, str, str], tuple[float, float, float]] | None = None,
) -> list[str]:
    """Markdown table of the contrasts: paired difference, 95 % CI, Holm p, MDE, verdict.

    ``metric`` keeps the contrasts of one metric (and drops the metric column);
    ``by_dataset`` adds a dataset column (tables over many folders); ``items`` adds the
    bootstrap CI over seeds and test items of each ``(dataset, a, b)`` it holds
    (:func:`randquant.evaluate.stats.bootstrap_items`; "–" for the others).
    """
    rows = [c for c in contrasts if metric is None or c.metric == metric]
    if not rows and metric is None:
        return []
    boot = items is not None
    head = ["dataset"] * by_dataset + ["contrast (a − b)"] + ["metric"] * (metric is None)
    head += ["seeds", "mean diff pp", "95 % CI pp" + " (seeds)" * boot]
    head += ["95 % CI pp (seeds × test items)"] * boot + ["p (Holm)", "MDE pp", "verdict"]
    tail = ["---:", "---:", "---", *["---"] * boot, "---:", "---:", "---"]
    align = ["---"] * (len(head) - len(tail)) + tail
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for c in rows:
        p = "–" if math.isnan(c.p_holm) else f"{c.p_holm:.3g}"
        cells = [c.dataset] * by_dataset + [f"{c.a} − {c.b}"] + [c.metric] * (metric is None)
        cells += [
            str(c.n_seeds),
            _pct(c.mean_diff, True),
            f"[{_pct(c.ci_low, True)}, {_pct(c.ci_high, True)}]",
        ]
        if items is not None:
            got = items.get((c.dataset, c.a, c.b))
            cells.append(f"[{_pct(got[1], True)}, {_pct(got[2], True)}]" if got else "–")
        cells += [p, _pct(c.mde), verdict_text(c)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]
