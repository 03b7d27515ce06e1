"""CSV tables: numeric feature columns and one named (or numbered) label column.

>>> ds = load_csv("patients.csv", label_column="diagnosis")  # doctest: +SKIP

Every feature cell must parse as a number; a row that does not (or has the wrong number of
cells) raises ``ValueError`` naming the file, line and column, or is skipped and counted in a
:class:`~randquant.data.files.BadFileWarning` with ``skip_bad=True``.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.files import BadFileWarning
from randquant.data.labels import encode_labels
from randquant.data.splits import stratified_split

FLOAT32_MAX = float(np.finfo(np.float32).max)


def _row(cells: list[str], label_at: int, where: str) -> tuple[list[float], str]:
    feats = []
    for j, cell in enumerate(cells):
        if j == label_at:
            continue
        shown = repr(cell) if len(cell) <= 40 else repr(cell[:37]) + "..."
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(f"{where}, column {j + 1}: {shown} is not a number") from None
        if not abs(value) <= FLOAT32_MAX:  # also NaN
            raise ValueError(
                f"{where}, column {j + 1}: {shown} is NaN, inf or beyond float32's range"
            )
        feats.append(value)
    return feats, cells[label_at].strip()


def read_csv_table(
    path: Path | str,
    *,
    label_column: str | int,
    header: bool = True,
    delimiter: str = ",",
    skip_bad: bool = False,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(features (N, F) float32, labels (N,) str, feature names)`` from a CSV file."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter=delimiter))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"cannot read CSV file {path}: {err}") from err
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"CSV file {path} is empty")
    columns = [c.strip() for c in rows[0]] if header else [f"f{j}" for j in range(len(rows[0]))]
    body, first = (rows[1:], 2) if header else (rows, 1)
    if isinstance(label_column, str):
        if label_column not in columns:
            raise ValueError(f"label_column {label_column!r} is not a column of {path}: {columns}")
        label_at = columns.index(label_column)
    elif not -len(columns) <= label_column < len(columns):
        raise ValueError(
            f"label_column {label_column} is out of range for {len(columns)} columns in {path}"
        )
    else:
        label_at = label_column % len(columns)
    feats, labels, bad = [], [], []
    for n, cells in enumerate(body, start=first):
        where = f"{path}, line {n}"
        try:
            if len(cells) != len(columns):
                raise ValueError(
                    f"{where}: {len(cells)} cells, the table has {len(columns)} columns"
                )
            f_row, lab = _row(cells, label_at, where)
        except ValueError as err:
            if not skip_bad:
                raise
            bad.append(str(err))
            continue
        feats.append(f_row)
        labels.append(lab)
    if bad:
        warnings.warn(
            f"{path}: skipped {len(bad)} bad rows; first: {bad[0]}", BadFileWarning, stacklevel=2
        )
    if not feats:
        raise ValueError(f"CSV file {path} has no readable data rows")
    names = tuple(c for j, c in enumerate(columns) if j != label_at)
    return np.array(feats, dtype=np.float32), np.array(labels, dtype=str), names


def load_csv(
    path: Path | str,
    *,
    label_column: str | int,
    header: bool = True,
    delimiter: str = ",",
    test_fraction: float = 0.2,
    seed: int = 0,
    skip_bad: bool = False,
) -> Dataset:
    """A ``vector`` :class:`Dataset` from a CSV table, split here (stratified, seeded)."""
    path = Path(path)
    x, y, feature_names = read_csv_table(
        path, label_column=label_column, header=header, delimiter=delimiter, skip_bad=skip_bad
    )
    _, codes = np.unique(y, return_inverse=True)
    tr, te = stratified_split(codes, test_fraction=test_fraction, seed=seed)
    ys, names = encode_labels({"train": y[tr], "test": y[te]}, source=str(path))
    return Dataset(
        name=path.stem,
        layout="vector",
        train=SplitData(torch.from_numpy(x[tr]), ys["train"]),
        test=SplitData(torch.from_numpy(x[te]), ys["test"]),
        num_classes=len(names),
        class_names=names,
        meta={"modality": "tabular", "source": str(path), "feature_names": list(feature_names)},
    )
