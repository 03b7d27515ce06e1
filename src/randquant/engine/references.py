"""Reference rows: what the probes score with no pretraining, per dataset and seed.

Two references bound every comparison from below, under the same probes and test set as the
runs: the **raw input** (standardised per channel, flattened) and the **untrained encoder**
(the same architecture with that seed's initial weights, i.e. exactly the encoder each run of
that seed starts from). A setting has learned something only where it beats the untrained
encoder. Each reference is a record, ``references/<ref_id>.json``, written atomically and
skipped when present, so the index can be rebuilt from the records like the runs'.

>>> ref = reference_for(data, seed=0, settings=settings)  # doctest: +SKIP
>>> ref.untrained["linear_acc"]  # doctest: +SKIP
0.61
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch import nn

from randquant.io import write_text_atomic

if TYPE_CHECKING:
    from randquant.data.base import Dataset
    from randquant.engine.compare import CompareSettings
    from randquant.evaluate.metrics import ProbeResult

REFERENCES_DIR = "references"
#: The two references, in table order.
KINDS: tuple[str, ...] = ("raw_input", "untrained")
LABELS: dict[str, str] = {
    "raw_input": "raw input (standardised, flattened)",
    "untrained": "untrained encoder (that seed's init)",
}


@dataclass(frozen=True)
class ReferenceRecord:
    """The probes of both references for one dataset and seed.

    ``raw_input`` and ``untrained`` hold ``linear_acc``, ``knn_acc``, ``linear_f1``,
    ``knn_f1`` (fractions) and the linear fit's ``linear_converged`` and ``linear_C``;
    ``predictions`` the per-item test predictions (``<kind>_linear``, ``<kind>_knn``) and
    the test labels (``labels``), so runs of this seed can be compared item by item (McNemar).
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
        extra = {k: data[k] for k in ("predictions", "provenance", "n_train") if k in data}
        return cls(**{k: data[k] for k in need}, **extra)

    def summary(self) -> dict[str, Any]:
        """The index's entry: ``{"seed", "raw_input": {linear_acc, knn_acc}, "untrained": ...}``."""
        out: dict[str, Any] = {"seed": self.seed}
        for kind in KINDS:
            probes = getattr(self, kind)
            out[kind] = {"linear_acc": probes["linear_acc"], "knn_acc": probes["knn_acc"]}
        return out


def reference_id(data: Dataset, seed: int, settings: CompareSettings, probe_max_iter: int) -> str:
    """A file-safe id: dataset, encoder, width and seed, plus a hash of the data's content."""
    from randquant.data.fingerprint import fingerprint

    key = [fingerprint(data), settings.encoder, settings.width, probe_max_iter]
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]
    return f"{data.name}__{settings.encoder}__w{settings.width}__s{seed}__{digest}"


def _row(res: Mapping[str, ProbeResult]) -> dict[str, Any]:
    lin, knn = res["linear"], res["knn"]
    return {
        "linear_acc": lin.accuracy,
        "knn_acc": knn.accuracy,
        "linear_f1": lin.macro_f1,
        "knn_f1": knn.macro_f1,
        "linear_converged": bool(lin.detail.get("converged", 1.0)),
        "linear_C": lin.detail.get("C"),
    }


def reference_for(
    data: Dataset,
    seed: int,
    settings: CompareSettings,
    *,
    probe_max_iter: int = 1000,
    command: str = "",
    code: dict[str, Any] | None = None,
) -> ReferenceRecord:
    """Probe the raw input and the untrained encoder of ``seed`` on standardised ``data``.

    ``code``: the code version read when the work started (default: now).

    The probes are the runs' (:func:`~randquant.evaluate.probe.evaluate_encoder` with the
    same ``seed``, so the same cross-validation folds).
    """
    from randquant.device import resolve_device
    from randquant.engine.compare import encoder_label, seeded_encoder
    from randquant.engine.sweep import provenance
    from randquant.evaluate.probe import evaluate_encoder

    started = time.time()
    _, device = resolve_device(settings.device)
    raw = evaluate_encoder(nn.Flatten(), data, seed=seed, linear_max_iter=probe_max_iter)
    encoder = seeded_encoder(data, seed, settings)
    untrained = evaluate_encoder(
        encoder, data, device=device, seed=seed, linear_max_iter=probe_max_iter
    )
    preds = {
        f"{kind}_{probe}": list(res[probe].predictions)
        for kind, res in (("raw_input", raw), ("untrained", untrained))
        for probe in ("linear", "knn")
    }
    preds["labels"] = [int(y) for y in data.test.y.tolist()]
    return ReferenceRecord(
        dataset=data.name,
        seed=seed,
        encoder=encoder_label(settings.encoder, encoder),
        width=settings.width,
        raw_input=_row(raw),
        untrained=_row(untrained),
        ref_id=reference_id(data, seed, settings, probe_max_iter),
        predictions=preds,
        provenance=provenance(command, str(device), started, time.time(), code=code),
        n_train=len(data.train),
    )


def save_reference(folder: Path, record: ReferenceRecord) -> Path:
    """Write ``folder/references/<ref_id>.json`` atomically."""
    path = folder / REFERENCES_DIR / f"{record.ref_id}.json"
    write_text_atomic(path, json.dumps(record.to_dict(), indent=2) + "\n")
    return path


def load_references(folder: Path) -> list[ReferenceRecord]:
    """Every readable reference record under ``folder/references``, by seed then id."""
    out = []
    for path in sorted((folder / REFERENCES_DIR).glob("*.json")):
        try:
            out.append(ReferenceRecord.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(out, key=lambda r: (r.seed, r.ref_id))


def ensure_references(
    folder: Path,
    data: Dataset,
    seeds: Sequence[int],
    settings: CompareSettings,
    *,
    probe_max_iter: int = 1000,
    command: str = "",
    code: dict[str, Any] | None = None,
) -> list[ReferenceRecord]:
    """The reference record of every seed, computing and saving the missing ones (each
    recording ``code``, default: the code version read once, here, before the first probe)."""
    from randquant.engine.sweep import code_version

    code = code_version() if code is None else code
    out = []
    for seed in seeds:
        rid = reference_id(data, seed, settings, probe_max_iter)
        path = folder / REFERENCES_DIR / f"{rid}.json"
        try:
            record = ReferenceRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            record = reference_for(
                data, seed, settings, probe_max_iter=probe_max_iter, command=command, code=code
            )
            save_reference(folder, record)
        out.append(record)
    return out
