"""Run records of a comparison and the files they are written to (JSON, CSV, Markdown).

Every file is written atomically (a temporary name in the same folder, then ``os.replace``),
so a process killed at any moment leaves either the old file or the new one, never half of it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from randquant.io import write_text_atomic as write_atomic


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one (augmentation, seed) run: pretraining then both probes.

    Accuracies and F1 scores are fractions in ``[0, 1]``; ``train_seconds`` is the
    pretraining wall time.
    """

    augment: str
    method: str
    seed: int
    epochs: int
    linear_acc: float
    knn_acc: float
    linear_f1: float
    knn_f1: float
    train_seconds: float
    final_loss: float
    dataset: str
    encoder: str
    batch_size: int
    rq_on: str
    linear_weight_decay: float
    run_id: str

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (field order kept)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """Rebuild a record; ``ValueError`` names the missing fields."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"run record lacks fields {missing}")
        return cls(**{n: data[n] for n in names})


def save_run(runs_dir: Path, record: RunRecord) -> Path:
    """Write one record to ``runs_dir/<run_id>.json`` atomically; return the path."""
    path = runs_dir / f"{record.run_id}.json"
    write_atomic(path, json.dumps(record.to_dict(), indent=2) + "\n")
    return path


def load_run(path: Path) -> RunRecord | None:
    """Read a record file; ``None`` if it is missing or unreadable (the run will be redone)."""
    try:
        return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def load_runs(runs_dir: Path) -> list[RunRecord]:
    """All readable records under ``runs_dir``, sorted by file name."""
    if not runs_dir.is_dir():
        return []
    found = (load_run(p) for p in sorted(runs_dir.glob("*.json")))
    return [r for r in found if r is not None]


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
    """All records as CSV, one row per run, columns in :class:`RunRecord` field order."""
    buf = io.StringIO()
    names = [f.name for f in dataclasses.fields(RunRecord)]
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(r.to_dict())
    return buf.getvalue()


def write_results(output_dir: Path, records: Sequence[RunRecord]) -> None:
    """Write ``results.json``, ``results.csv`` and ``results.md`` under ``output_dir``."""
    payload = json.dumps([r.to_dict() for r in records], indent=2) + "\n"
    write_atomic(output_dir / "results.json", payload)
    write_atomic(output_dir / "results.csv", csv_text(records))
    write_atomic(output_dir / "results.md", markdown_table(records))
