"""Run records of a comparison and the files they are written to (JSON, CSV, Markdown).

Every file is written atomically (a temporary name in the same folder, then ``os.replace``),
so a process killed at any moment leaves either the old file or the new one, never half of it.

The records are the store: one file per run, ``runs/<run_id>.json`` (and
``failed/<run_id>.json`` for a run that failed). ``results.*`` are an index, always rebuilt
from the record files by :func:`rebuild_index` under a file lock, never merged, so sweeps
writing into one folder at the same time lose nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.io import file_lock
from randquant.io import write_text_atomic as write_atomic

if TYPE_CHECKING:
    from randquant.engine.references import ReferenceRecord
    from randquant.evaluate.stats import Contrast


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one (augmentation, seed) run: pretraining then both probes.

    Accuracies and F1 scores are fractions in ``[0, 1]``; ``train_seconds`` is the
    pretraining wall time, summed over every resume of the run. ``provenance`` says where
    and how the record was made (command, code version, host, hardware, threads, device,
    start and end times; see :func:`randquant.engine.sweep.provenance`); records written
    before it existed have ``{}``. ``probe`` holds the linear fit's ``C``, ``converged``,
    ``n_iter`` and ``cv_accuracy``; ``predictions`` the per-item test predictions of each
    probe (``linear``, ``knn``), for paired per-item tests; older records have ``{}``.
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
    provenance: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, Any] = field(default_factory=dict)
    predictions: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (field order kept)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """Rebuild a record; ``ValueError`` names the missing fields (those with a default,
        added later, may be absent)."""
        fields = dataclasses.fields(cls)
        missing = [
            f.name
            for f in fields
            if f.name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ValueError(f"run record lacks fields {missing}")
        return cls(**{f.name: data[f.name] for f in fields if f.name in data})


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


def write_results(
    output_dir: Path,
    records: Sequence[RunRecord],
    references: Sequence[ReferenceRecord] = (),
    contrasts: Sequence[Contrast] = (),
    *,
    analysis: tuple[str, Sequence[int]] | None = None,
    extensions: Sequence[tuple[str, Sequence[int], Sequence[Contrast]]] = (),
    not_run: dict[str, str] | None = None,
) -> None:
    """Write ``results.json``, ``results.csv`` and ``results.md`` under ``output_dir``.

    ``results.json`` is ``{"runs": [...], "references": [...], "contrasts": [...],
    "item_tests": [...]}`` (:func:`randquant.engine.contrasts.index_payload`), plus
    ``analysis`` (the label and seeds ``contrasts`` were tested on), ``extensions`` (each
    later, post hoc analysis with its own seeds and contrasts, never merged into
    ``contrasts``) and ``not_run`` (arms left out as identical to another). ``results.md``
    shows the reference rows, the contrast tables and the McNemar counts under the per-arm
    table.
    """
    from randquant.engine.contrasts import (
        contrast_lines,
        index_payload,
        item_test_lines,
        reference_lines,
    )

    index = index_payload(records, references, contrasts)
    if analysis is not None:
        index["analysis"] = {"label": analysis[0], "seeds": list(analysis[1])}
    if extensions:
        index["extensions"] = [
            {"label": label, "seeds": list(seeds), "contrasts": [c.to_dict() for c in cs]}
            for label, seeds, cs in extensions
        ]
    if not_run:
        index["not_run"] = dict(not_run)
    write_atomic(output_dir / "results.json", json.dumps(index, indent=2) + "\n")
    write_atomic(output_dir / "results.csv", csv_text(records))
    extra = reference_lines(references)
    if not_run:
        extra += [
            "Not run, their views equal another arm's on this data: "
            + ", ".join(f"{a} (= {b})" for a, b in not_run.items())
            + ".",
            "",
        ]
    if contrasts and analysis is not None:
        extra += [f"Contrasts, {_analysis_title(*analysis)}:", ""]
    extra += contrast_lines(contrasts)
    for label, seeds, cs in extensions:
        extra += [
            f"Contrasts, {_analysis_title(label, seeds)}: a separate analysis, not "
            "merged into the declared one:",
            "",
            *contrast_lines(cs),
        ]
    extra += item_test_lines(index["item_tests"])
    md = markdown_table(records) + ("\n" + "\n".join(extra) if extra else "")
    write_atomic(output_dir / "results.md", md)


def _analysis_title(label: str, seeds: Sequence[int]) -> str:
    return f"{label} ({len(seeds)} seeds: {', '.join(map(str, seeds))})"


INDEX_LOCK = ".index.lock"


def rebuild_index(
    output_dir: Path,
    order: Callable[[RunRecord], Any] = lambda r: r.run_id,
) -> list[RunRecord]:
    """Rebuild ``results.*`` of ``output_dir`` from every record in ``output_dir/runs``.

    Holds ``output_dir/.index.lock`` while reading and writing, so of two sweeps finishing
    runs in one folder at once the one that writes last has read every record written
    before it. ``order`` sorts the records (default: by run id). The reference records
    (``references/``) and the contrasts declared in ``contrasts.json`` (default:
    :func:`~randquant.engine.contrasts.default_contrasts`) go into the index too. Returns
    the run records.
    """
    from randquant.engine.contrasts import run_contrasts
    from randquant.engine.declaration import analyses, read_declaration
    from randquant.engine.references import load_references

    with file_lock(output_dir / INDEX_LOCK):
        records = sorted(load_runs(output_dir / "runs"), key=order)
        decl = read_declaration(output_dir)
        pairs = None if decl is None else list(decl.pairs)
        parts = analyses(decl, [r.seed for r in records])

        def tested(seeds: Sequence[int]) -> list[Contrast]:
            return run_contrasts([r for r in records if r.seed in set(seeds)], pairs)

        (label, seeds), later = parts[0], parts[1:]
        write_results(
            output_dir,
            records,
            load_references(output_dir),
            tested(seeds),
            analysis=(label, seeds),
            extensions=[(lab, s, tested(s)) for lab, s in later],
            not_run=dict(decl.not_run) if decl is not None else None,
        )
    return records
