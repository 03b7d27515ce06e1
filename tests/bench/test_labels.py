"""Recovered test labels are kept only when they reproduce every recorded accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest

from randquant.bench.labels import folder_labels, save_recovered_labels
from randquant.engine.references import ReferenceRecord, save_reference


def test_labels_must_reproduce_the_reference_records(tmp_path: Path) -> None:
    truth = [0, 1, 1, 0]
    preds = {"raw_input_linear": [0, 1, 0, 0], "raw_input_knn": [0, 1, 1, 0],
             "untrained_linear": [1, 1, 1, 0], "untrained_knn": [1, 0, 1, 1]}  # fmt: skip
    raw = {"linear_acc": 0.75, "knn_acc": 1.0}
    untrained = {"linear_acc": 0.75, "knn_acc": 0.25}
    save_reference(
        tmp_path, ReferenceRecord("toy", 0, "enc", 8, raw, untrained, "r0", predictions=preds)
    )
    assert folder_labels(tmp_path) is None
    with pytest.raises(ValueError, match=r"raw_input linear accuracy 0\.500000"):
        save_recovered_labels(tmp_path, [1, 1, 1, 0], "made up")
    assert not (tmp_path / "test_labels.json").exists()
    save_recovered_labels(tmp_path, truth, "from the data")
    assert folder_labels(tmp_path) == truth
    with pytest.raises(ValueError, match="no reference records"):
        save_recovered_labels(tmp_path / "empty", truth, "x")
