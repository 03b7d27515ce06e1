"""The records of a comparison: plain data, the bottom floor of the engine.

A :class:`RunRecord` is the outcome of one (augmentation, seed) run; a
:class:`ReferenceRecord` what the probes score with no pretraining, per dataset and seed.
Both are frozen dataclasses that turn into JSON and back; where they are written is
:mod:`randquant.engine.store`, who makes them is :mod:`randquant.engine.run` and
:mod:`randquant.engine.references`, who reads them is :mod:`randquant.engine.contrasts` and
:mod:`randquant.engine.tables`. This module imports nothing from the engine.

>>> KINDS
('raw_input', 'untrained')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from randquant.engine.record_check import check_fields

#: A contrast: arm ``a`` against arm ``b`` (two augmentation specs).
Pair = tuple[str, str]

#: The two references, in table order.
KINDS: tuple[str, ...] = ("raw_input", "untrained")
LABELS: dict[str, str] = {
    "raw_input": "raw input (standardised, flattened)",
    "untrained": "untrained encoder (that seed's init)",
}


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one (augmentation, seed) run: pretraining then both probes.

    Accuracies and F1 scores are fractions in ``[0, 1]``; ``train_seconds`` is the
    pretraining wall time, summed over every resume of the run. ``provenance`` says where
    and how the record was made (command, code version, host, hardware, threads, device,
    start and end times; see :func:`randquant.engine.provenance.provenance`); records written
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
        check_fields(cls, data)
        return cls(**{f.name: data[f.name] for f in fields if f.name in data})


@dataclass(frozen=True)
class ReferenceRecord:
    """The probes of both references for one dataset and seed.

    Two references bound every comparison from below, under the same probes and test set
    as the runs: the **raw input** (standardised per channel, flattened) and the
    **untrained encoder** (that seed's initial weights, exactly the encoder each run of that
    seed starts from). ``raw_input`` and ``untrained`` hold ``linear_acc``, ``knn_acc``,
    ``linear_f1``, ``knn_f1`` (fractions) and the linear fit's ``linear_converged`` and
    ``linear_C``; ``predictions`` the per-item test predictions (``<kind>_linear``,
    ``<kind>_knn``) and the test labels (``labels``), so runs of this seed can be compared
    item by item (McNemar).
    """

    dataset: str
    seed: int
    encoder: str
    width: int
    raw_input: dict[str, Any]
    untrained: dict[str, Any]
    ref_id: str
    predictions: dict[str, list[int]] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    n_train: int = 0  # training samples (0: a record from before it was kept)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceRecord:
        """Rebuild a record; ``ValueError`` names missing fields."""
        need = ("dataset", "seed", "encoder", "width", "raw_input", "untrained", "ref_id")
        missing = [k for k in need if k not in data]
        if missing:
            raise ValueError(f"reference record lacks fields {missing}")
        check_fields(cls, data)
        extra = {k: data[k] for k in ("predictions", "provenance", "n_train") if k in data}
        return cls(**{k: data[k] for k in need}, **extra)

    def summary(self) -> dict[str, Any]:
        """The index's entry: ``{"seed", "raw_input": {linear_acc, knn_acc}, "untrained": ...}``."""
        out: dict[str, Any] = {"seed": self.seed}
        for kind in KINDS:
            probes = getattr(self, kind)
            out[kind] = {"linear_acc": probes["linear_acc"], "knn_acc": probes["knn_acc"]}
        return out
