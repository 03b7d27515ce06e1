"""The index of a comparison folder: ``results.json``, ``results.csv``, ``results.md``.

The records are the store (:mod:`randquant.engine.store`); ``results.*`` are an index,
always rebuilt from the record files by :func:`rebuild_index` under a file lock, never
merged, so sweeps writing into one folder at the same time lose nothing. The index holds
the runs, the references, the declared contrasts tested on the runs
(:mod:`randquant.engine.contrasts`) and their tables (:mod:`randquant.engine.tables`).

>>> rebuild_index(Path("results/digits"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from randquant.engine.contrasts import index_payload, run_contrasts
from randquant.engine.records import ReferenceRecord, RunRecord
from randquant.engine.store import (
    INDEX_LOCK,
    RUNS_DIR,
    declared_contrasts,
    load_references,
    load_runs,
)
from randquant.engine.tables import (
    contrast_table,
    csv_text,
    item_test_lines,
    markdown_table,
    reference_lines,
)
from randquant.evaluate.stats import Contrast
from randquant.io import file_lock
from randquant.io import write_text_atomic as write_atomic


def write_results(
    output_dir: Path,
    records: Sequence[RunRecord],
    references: Sequence[ReferenceRecord] = (),
    contrasts: Sequence[Contrast] = (),
) -> None:
    """Write ``results.json``, ``results.csv`` and ``results.md`` under ``output_dir``.

    ``results.json`` is ``{"runs": [...], "references": [...], "contrasts": [...],
    "item_tests": [...]}`` (:func:`randquant.engine.contrasts.index_payload`); ``results.md``
    shows the reference rows, the contrast table and the McNemar counts under the per-arm
    table.
    """
    index = index_payload(records, references, contrasts)
    write_atomic(output_dir / "results.json", json.dumps(index, indent=2) + "\n")
    write_atomic(output_dir / "results.csv", csv_text(records))
    extra = (
        reference_lines(references)
        + contrast_table(contrasts)
        + item_test_lines(index["item_tests"])
    )
    md = markdown_table(records) + ("\n" + "\n".join(extra) if extra else "")
    write_atomic(output_dir / "results.md", md)


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
    with file_lock(output_dir / INDEX_LOCK):
        records = sorted(load_runs(output_dir / RUNS_DIR), key=order)
        contrasts = run_contrasts(records, declared_contrasts(output_dir))
        write_results(output_dir, records, load_references(output_dir), contrasts)
    return records
