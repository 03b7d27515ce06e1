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
from randquant.engine.declaration import analyses, read_declaration
from randquant.engine.records import ReferenceRecord, RunRecord
from randquant.engine.store import (
    INDEX_LOCK,
    RUNS_DIR,
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
    extra += contrast_table(contrasts)
    for label, seeds, cs in extensions:
        extra += [
            f"Contrasts, {_analysis_title(label, seeds)}: a separate analysis, not "
            "merged into the declared one:",
            "",
            *contrast_table(cs),
        ]
    extra += item_test_lines(index["item_tests"])
    md = markdown_table(records) + ("\n" + "\n".join(extra) if extra else "")
    write_atomic(output_dir / "results.md", md)


def _analysis_title(label: str, seeds: Sequence[int]) -> str:
    return f"{label} ({len(seeds)} seeds: {', '.join(map(str, seeds))})"


def rebuild_index(
    output_dir: Path,
    order: Callable[[RunRecord], Any] = lambda r: r.run_id,
) -> list[RunRecord]:
    """Rebuild ``results.*`` of ``output_dir`` from every record in ``output_dir/runs``.

    Holds ``output_dir/.index.lock`` while reading and writing, so of two sweeps finishing
    runs in one folder at once the one that writes last has read every record written
    before it. ``order`` sorts the records (default: by run id). The reference records
    (``references/``) and the contrasts declared in ``contrasts.json`` (default:
    :func:`~randquant.engine.contrasts.default_contrasts`) go into the index too, tested on
    the declared seeds only; seeds beyond the declaration are separate, labelled analyses
    (:func:`randquant.engine.declaration.analyses`). Returns the run records.
    """
    with file_lock(output_dir / INDEX_LOCK):
        records = sorted(load_runs(output_dir / RUNS_DIR), key=order)
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
