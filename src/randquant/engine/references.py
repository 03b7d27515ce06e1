"""Reference rows: what the probes score with no pretraining, per dataset and seed.

The raw input and the untrained encoder (:class:`~randquant.engine.records.ReferenceRecord`)
are probed with the runs' probes, test set and folds; a setting has learned something only
where it beats the untrained encoder. Each reference is written once,
``references/<ref_id>.json`` (:mod:`randquant.engine.store`), and skipped when present.

>>> ref = reference_for(data, seed=0, settings=settings)  # doctest: +SKIP
>>> ref.untrained["linear_acc"]  # doctest: +SKIP
0.61
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch import nn

from randquant.engine.provenance import provenance
from randquant.engine.records import ReferenceRecord
from randquant.engine.run import encoder_label, seeded_encoder
from randquant.engine.settings import CompareSettings
from randquant.engine.store import REFERENCES_DIR, load_reference, save_reference

if TYPE_CHECKING:
    from randquant.data.base import Dataset
    from randquant.evaluate.metrics import ProbeResult


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
    from randquant.engine.provenance import code_version

    code = code_version() if code is None else code
    out = []
    for seed in seeds:
        rid = reference_id(data, seed, settings, probe_max_iter)
        record = load_reference(folder / REFERENCES_DIR / f"{rid}.json")
        if record is None:
            record = reference_for(
                data, seed, settings, probe_max_iter=probe_max_iter, command=command, code=code
            )
            save_reference(folder, record)
        out.append(record)
    return out
