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


def summarize(records: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """One row per (augment, method, encoder, epochs) in first-seen order: mean and sample std.

    Each row holds the group keys, ``n`` (number of seeds), ``<metric>_mean`` / ``<metric>_std``
    for the four probe metrics, and the mean ``train_seconds``.
    """
    groups: dict[tuple[str, str, str, int], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.augment, r.method, r.encoder, r.epochs), []).append(r)
    rows = []
    for (augment, method, encoder, epochs), runs in groups.items():
        row: dict[str, Any] = {
            "augment": augment,
            "method": method,
            "encoder": encoder,
            "epochs": epochs,
            "n": len(runs),
        }
        for key, _ in _METRICS:
            row[f"{key}_mean"], row[f"{key}_std"] = _mean_std([getattr(r, key) for r in runs])
        row["train_seconds"] = _mean_std([r.train_seconds for r in runs])[0]
        rows.append(row)
    return rows


def markdown_table(records: Sequence[RunRecord]) -> str:
    """A Markdown report: mean ± sample std over seeds per augmentation, best mean in bold."""
    rows = summarize(records)
    datasets = sorted({r.dataset for r in records})
    lines = [
        "# Augmentation comparison",
        "",
        f"Dataset: {', '.join(datasets) or '-'}. Runs: {len(records)}. "
        "Values are mean ± sample std over seeds, in percent.",
        "",
        "| augment | method | encoder | epochs | seeds | "
        + " | ".join(title for _, title in _METRICS)
        + " | train s/run |",
        "|---|---|---|---:|---:|" + "---:|" * len(_METRICS) + "---:|",
    ]
    best = {k: max((r[f"{k}_mean"] for r in rows), default=0.0) for k, _ in _METRICS}
    for row in rows:
        cells = []
        for key, _ in _METRICS:
            cell = f"{100 * row[f'{key}_mean']:.1f} ± {100 * row[f'{key}_std']:.1f}"
            cells.append(f"**{cell}**" if row[f"{key}_mean"] == best[key] else cell)
        lines.append(
            f"| {row['augment']} | {row['method']} | {row['encoder']} | {row['epochs']} | "
            f"{row['n']} | " + " | ".join(cells) + f" | {row['train_seconds']:.1f} |"
        )
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
