"""UEA/UCR ``.ts`` time-series files (the sktime/aeon text format).

A file has ``@`` header lines (``@problemName``, ``@classLabel true A B C``, ...) then, after
``@data``, one case per line: the channels separated by ``:``, values by ``,``, the class label
last. Missing values ``?`` become 0 (counted in a warning); channels of unequal length are
padded with their last value to the longest. Timestamped series are not supported.

>>> ds = load_ts("BasicMotions_TRAIN.ts")  # doctest: +SKIP  (finds BasicMotions_TEST.ts)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.files import BadFileWarning
from randquant.data.labels import encode_labels
from randquant.data.splits import stratified_split


def _case(line: str, where: str) -> tuple[list[np.ndarray], str, int]:
    *channels, label = line.split(":")
    if not channels:
        raise ValueError(
            f"{where}: expected channels separated by ':' and a label, got {line[:60]!r}"
        )
    out: list[np.ndarray] = []
    missing = 0
    for ch in channels:
        vals = ch.split(",")
        missing += sum(v.strip() == "?" for v in vals)
        try:
            values = np.array([0.0 if v.strip() == "?" else float(v) for v in vals], np.float64)
        except ValueError as err:
            raise ValueError(f"{where}: bad value ({str(err)[:80]})") from None
        bad = ~(np.abs(values) <= np.finfo(np.float32).max)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{where}, channel {len(out) + 1}, value {k + 1}: {vals[k].strip()[:40]!r} is "
                "NaN, inf or beyond float32's range"
            )
        out.append(values.astype(np.float32))
    return out, label.strip(), missing


def read_ts(path: Path | str, *, skip_bad: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, C, L) float32, labels (N,) str)`` from a ``.ts`` file; errors name file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read .ts file {path}: {err}") from err
    cases: list[list[np.ndarray]] = []
    labels: list[str] = []
    in_data, missing, bad = False, 0, 0
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            low = line.lower()
            if low.startswith("@timestamps") and low.split()[-1] == "true":
                raise ValueError(f"{path}: timestamped .ts files are not supported")
            in_data = low.startswith("@data")
            continue
        try:
            chans, label, miss = _case(line, f"{path}, line {n}")
            if cases and len(chans) != len(cases[0]):
                raise ValueError(
                    f"{path}, line {n}: {len(chans)} channels, earlier cases have {len(cases[0])}"
                )
        except ValueError:
            if not skip_bad:
                raise
            bad += 1
            continue
        cases.append(chans)
        labels.append(label)
        missing += miss
    if not in_data:
        raise ValueError(f"{path}: no @data line (is it a .ts file?)")
    if not cases:
        raise ValueError(f"{path}: no readable cases after @data")
    if bad:
        warnings.warn(f"{path}: skipped {bad} unreadable cases", BadFileWarning, stacklevel=2)
    if missing:
        warnings.warn(
            f"{path}: {missing} missing values '?' set to 0", BadFileWarning, stacklevel=2
        )
    length = max(len(ch) for case in cases for ch in case)
    x = np.stack(
        [
            np.stack([np.pad(ch, (0, length - len(ch)), mode="edge") for ch in case])
            for case in cases
        ]
    )
    return x.astype(np.float32), np.array(labels, dtype=str)


def _test_file(train: Path) -> Path | None:
    for a, b in (("_TRAIN", "_TEST"), ("_train", "_test")):
        if a in train.name:
            cand = train.with_name(train.name.replace(a, b))
            return cand if cand.exists() else None
    return None


def load_ts(
    path: Path | str,
    *,
    test_path: Path | str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    skip_bad: bool = False,
) -> Dataset:
    """A ``sequence`` :class:`Dataset` from ``X_TRAIN.ts`` (+ ``X_TEST.ts`` found beside it).

    Without a test file the cases are split here (stratified by ``test_fraction``, ``seed``).
    """
    path = Path(path)
    x_tr, y_tr = read_ts(path, skip_bad=skip_bad)
    tpath = Path(test_path) if test_path is not None else _test_file(path)
    if tpath is not None:
        x_te, y_te = read_ts(tpath, skip_bad=skip_bad)
        if x_te.shape[1] != x_tr.shape[1]:
            raise ValueError(f"{tpath}: {x_te.shape[1]} channels, {path} has {x_tr.shape[1]}")
        length = max(x_tr.shape[2], x_te.shape[2])
        x_tr, x_te = (
            np.pad(a, ((0, 0), (0, 0), (0, length - a.shape[2])), mode="edge") for a in (x_tr, x_te)
        )
    else:
        _, codes = np.unique(y_tr, return_inverse=True)
        tr, te = stratified_split(codes, test_fraction=test_fraction, seed=seed)
        x_tr, x_te, y_tr, y_te = x_tr[tr], x_tr[te], y_tr[tr], y_tr[te]
    ys, names = encode_labels({"train": y_tr, "test": y_te}, source=str(path))
    stem = path.stem.replace("_TRAIN", "").replace("_train", "")
    return Dataset(
        name=stem,
        layout="sequence",
        train=SplitData(torch.from_numpy(x_tr), ys["train"]),
        test=SplitData(torch.from_numpy(x_te), ys["test"]),
        num_classes=len(names),
        class_names=names,
        meta={"modality": "sensor", "source": str(path)},
    )
