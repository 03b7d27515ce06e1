"""Test labels of a result folder, for per-item statistics (McNemar, the item bootstrap).

Reference records written since labels were added keep the test labels
(``predictions["labels"]``). For older folders the labels are recovered from the data the
runs were probed on and kept beside the records as ``test_labels.json``, but only when they
reproduce *every* accuracy the folder's reference records hold (both references, both
probes, every seed) from those records' own per-item predictions: a label set that matches
thousands of recorded predictions to the last item is the one the probes saw.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from randquant.engine.records import KINDS, ReferenceRecord
from randquant.engine.store import load_references
from randquant.io import write_json_atomic

LABELS_FILE = "test_labels.json"


def folder_labels(folder: Path) -> list[int] | None:
    """The test labels of ``folder``: from its reference records, else from
    ``test_labels.json``; ``None`` when neither has them."""
    for ref in load_references(folder):
        if "labels" in ref.predictions:
            return [int(y) for y in ref.predictions["labels"]]
    try:
        data = json.loads((folder / LABELS_FILE).read_text(encoding="utf-8"))
        return [int(y) for y in data["labels"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_labels(refs: Sequence[ReferenceRecord], labels: Sequence[int]) -> int:
    """How many recorded accuracies ``labels`` reproduce exactly; ``ValueError`` naming the
    first one it does not (or a reference without per-item predictions)."""
    checked = 0
    for ref in refs:
        for kind in KINDS:
            for probe in ("linear", "knn"):
                preds = ref.predictions.get(f"{kind}_{probe}")
                if preds is None or len(preds) != len(labels):
                    raise ValueError(
                        f"reference {ref.ref_id}: no {kind} {probe} predictions for "
                        f"{len(labels)} test items"
                    )
                acc = sum(int(p) == int(y) for p, y in zip(preds, labels, strict=True)) / len(
                    labels
                )
                recorded = float(getattr(ref, kind)[f"{probe}_acc"])
                if abs(acc - recorded) > 1e-12:
                    raise ValueError(
                        f"reference {ref.ref_id}: labels give {kind} {probe} accuracy {acc:.6f}, "
                        f"the record holds {recorded:.6f}"
                    )
                checked += 1
    return checked


def save_recovered_labels(folder: Path, labels: Sequence[int], how: str) -> Path:
    """Check ``labels`` against every reference record of ``folder`` (:func:`check_labels`)
    and write ``folder/test_labels.json`` with how they were obtained and what was checked."""
    refs = load_references(folder)
    if not refs:
        raise ValueError(f"{folder}: no reference records to check labels against")
    checked = check_labels(refs, labels)
    payload: dict[str, Any] = {
        "dataset": refs[0].dataset,
        "labels": [int(y) for y in labels],
        "how": how,
        "checked": f"reproduce {checked} recorded accuracies of {len(refs)} reference records "
        "exactly, from their per-item predictions",
    }
    path = folder / LABELS_FILE
    write_json_atomic(path, payload)
    return path
