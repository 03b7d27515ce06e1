"""The folder layout of a comparison, and reading and writing its record files.

One comparison folder holds::

    runs/<run_id>.json          a RunRecord, one per finished run (the store)
    failed/<run_id>.json        a run that failed: its error and traceback
    references/<ref_id>.json    a ReferenceRecord, one per seed
    checkpoints/<run_id>/       the checkpoint of a run in progress
    contrasts.json              the dataset, contrasts and seeds declared before any run
    results.json/.csv/.md       the index, rebuilt from the records (engine.index)

Every file is written atomically (a temporary name in the same folder, then ``os.replace``),
so a process killed at any moment leaves either the old file or the new one, never half of
it. Reading is forgiving but says so: an unreadable record, one with fields of the wrong
type, a copy or a link is skipped and named (:mod:`randquant.engine.record_check`).

>>> run_path(Path("out"), "rq__simclr__e5__s0__0123456789ab")
PosixPath('out/runs/rq__simclr__e5__s0__0123456789ab.json')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from randquant.engine.declaration import read_declaration
from randquant.engine.record_check import record_files, skipped
from randquant.engine.records import Pair, ReferenceRecord, RunRecord
from randquant.io import write_json_atomic, write_text_atomic

RUNS_DIR = "runs"
FAILED_DIR = "failed"
REFERENCES_DIR = "references"
CHECKPOINTS_DIR = "checkpoints"
INDEX_LOCK = ".index.lock"


def run_path(folder: Path, run_id: str) -> Path:
    """Where the record of run ``run_id`` of ``folder`` lives."""
    return folder / RUNS_DIR / f"{run_id}.json"


def failed_path(folder: Path, run_id: str) -> Path:
    """Where the failure record of run ``run_id`` of ``folder`` lives."""
    return folder / FAILED_DIR / f"{run_id}.json"


def checkpoint_dir(folder: Path, run_id: str) -> Path:
    """The checkpoint folder of run ``run_id`` of ``folder``."""
    return folder / CHECKPOINTS_DIR / run_id


def save_run(runs_dir: Path, record: RunRecord) -> Path:
    """Write one record to ``runs_dir/<run_id>.json`` atomically; return the path."""
    path = runs_dir / f"{record.run_id}.json"
    write_text_atomic(path, json.dumps(record.to_dict(), indent=2) + "\n")
    return path


def load_run(path: Path) -> RunRecord | None:
    """Read a record file; ``None`` if it is missing, a link, or unreadable (the run will be
    redone)."""
    if path.is_symlink():
        return None
    try:
        return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def load_runs(runs_dir: Path) -> list[RunRecord]:
    """All valid records under ``runs_dir``, sorted by file name, one per run id; a file that
    cannot be read, has fields of the wrong type, is a link or a copy (its name not its run
    id) is skipped and named in a :class:`~randquant.engine.record_check.SkippedRecordWarning`."""
    out = []
    for path in record_files(runs_dir):
        try:
            record = RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError) as err:
            skipped(path, str(err)[:200])
            continue
        if record.run_id != path.stem:
            skipped(path, f"it holds run {record.run_id!r}, not the one its name says")
            continue
        out.append(record)
    return out


def save_reference(folder: Path, record: ReferenceRecord) -> Path:
    """Write ``folder/references/<ref_id>.json`` atomically."""
    path = folder / REFERENCES_DIR / f"{record.ref_id}.json"
    write_text_atomic(path, json.dumps(record.to_dict(), indent=2) + "\n")
    return path


def load_reference(path: Path) -> ReferenceRecord | None:
    """Read a reference record file; ``None`` if it is missing, a link, or unreadable."""
    if path.is_symlink():
        return None
    try:
        return ReferenceRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def load_references(folder: Path) -> list[ReferenceRecord]:
    """Every readable reference record under ``folder/references``, by seed then id."""
    out = []
    for path in record_files(folder / REFERENCES_DIR):
        try:
            record = ReferenceRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError) as err:
            skipped(path, str(err)[:200])
            continue
        if record.ref_id != path.stem:  # a copy: its reference would count twice
            skipped(path, f"it holds reference {record.ref_id!r}, not the one its name says")
            continue
        out.append(record)
    return sorted(out, key=lambda r: (r.seed, r.ref_id))


def save_failure(folder: Path, run_id: str, payload: dict[str, Any]) -> Path:
    """Write ``folder/failed/<run_id>.json`` (a failed run's error) atomically."""
    path = failed_path(folder, run_id)
    write_json_atomic(path, payload)
    return path


def read_failures(root: Path) -> list[dict[str, Any]]:
    """Every failed-run record under ``root`` (any depth), sorted by path."""
    out = []
    for path in sorted(root.rglob(f"{FAILED_DIR}/*.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


def declared_contrasts(folder: Path) -> list[Pair] | None:
    """The pairs declared for ``folder`` (:mod:`randquant.engine.declaration`, which writes
    ``contrasts.json`` with the seeds before the first run), or ``None`` when nothing was
    declared."""
    decl = read_declaration(folder)
    return None if decl is None else list(decl.pairs)
