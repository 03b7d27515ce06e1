"""Checks on what an output folder holds before it is trusted: record fields, one record per
run id, one dataset per folder, and no link out of the folders randquant owns.

An output folder may come from someone else or be edited by hand. What is checked here:

* a record's fields have their declared types (``"linear_acc": "0.9"`` or ``null`` is not a
  record; accuracies and F1 lie in [0, 1]): :func:`check_fields`, called by each record's
  ``from_dict``;
* a record file whose name is not ``<its run id>.json`` (a copy, ``<id> (1).json``), or that
  is a link, is skipped and named (:func:`record_files`), so no run counts twice;
* ``runs/``, ``references/``, ``failed/`` and ``checkpoints/`` are real folders inside the
  output folder, not links elsewhere, and the folder holds the runs of one dataset only
  (:func:`check_output_folder`).

>>> check_output_folder(Path("out"), "digits")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: Folders of an output folder that randquant writes into.
OWNED = ("runs", "references", "failed", "checkpoints")
_FRACTIONS = frozenset({"linear_acc", "knn_acc", "linear_f1", "knn_f1"})


class SkippedRecordWarning(UserWarning):
    """A record file was skipped (unreadable, wrong types, a copy, or a link)."""


def check_fields(cls: type[Any], data: Mapping[str, Any]) -> None:
    """``ValueError`` naming the first field of ``data`` whose value does not have the type
    ``cls`` (a record dataclass) declares for it: ``float`` takes an int or float (never a
    bool or a string), ``int`` an int, ``str`` a string, ``dict[...]`` a mapping."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, hint = data[f.name], hints[f.name]
        origin = typing.get_origin(hint) or hint
        if origin is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok and f.name in _FRACTIONS:
                ok = math.isfinite(value) and 0.0 <= value <= 1.0
        elif origin is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif origin is str:
            ok = isinstance(value, str)
        elif origin is dict:
            ok = isinstance(value, dict)
        else:
            ok = True
        if not ok:
            shown = json.dumps(value)[:40] if _jsonable(value) else type(value).__name__
            raise ValueError(f"field {f.name!r} must be {_name(hint)}, got {shown}")


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _name(hint: Any) -> str:
    origin = typing.get_origin(hint) or hint
    return {float: "a number", int: "an integer", str: "a string", dict: "a mapping"}.get(
        origin, str(hint)
    )


def record_files(folder: Path) -> Iterator[Path]:
    """The ``*.json`` files of ``folder``, sorted, skipping (with a
    :class:`SkippedRecordWarning` naming each) links and files whose name is not a run id
    (a copy such as ``<id> (1).json``: the id is inside, so it would count twice)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in sorted(folder.glob("*.json")):
        if path.is_symlink():
            skipped(path, "it is a link; randquant reads only the files in its folders")
            continue
        if " " in path.stem or "(" in path.stem:
            skipped(path, "its name is not a run id (a copy?); one record per run id")
            continue
        yield path


def skipped(path: Path, why: str) -> None:
    """Name a skipped record file, on one line."""
    warnings.warn(f"skipped record {path}: {why}", SkippedRecordWarning, stacklevel=3)


def check_output_folder(output: Path, dataset: str) -> None:
    """``ValueError`` when a folder randquant owns under ``output`` is a link (records would be
    written and read elsewhere), or when ``output`` already holds run or reference records of
    another dataset than ``dataset`` (their rows would be mixed)."""
    for name in OWNED:
        sub = output / name
        if sub.is_symlink():
            raise ValueError(
                f"{sub} is a link to {sub.resolve()}; randquant writes its records only into "
                "real folders inside the output folder: remove the link or use another --output"
            )
    others: set[str] = set()
    for name in ("runs", "references"):
        for path in record_files(output / name):
            try:
                found = json.loads(path.read_text(encoding="utf-8")).get("dataset")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(found, str) and found != dataset:
                others.add(found)
    if others:
        shown = ", ".join(repr(d) for d in sorted(others)[:3])
        raise ValueError(
            f"{output} holds runs of dataset {shown}, and this comparison is on {dataset!r}; "
            "one output folder holds one dataset: use another --output"
        )
