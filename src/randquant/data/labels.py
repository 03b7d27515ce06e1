"""Turn user labels (any ints, integral floats or strings) into class ids ``0..K-1``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


def _clean(labels: np.ndarray, where: str) -> np.ndarray:
    """Check one label array and return it as 1-D int64 or str values."""
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{where}: labels must be 1-D, got shape {labels.shape}")
    kind = labels.dtype.kind
    if kind in "US":
        return labels.astype(str)
    if kind == "b":
        return labels.astype(np.int64)
    if kind in "iu":
        return labels.astype(np.int64)
    if kind == "f":
        bad = ~np.isfinite(labels)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{where}: {int(bad.sum())} labels are NaN or inf (first at index {first})"
            )
        frac = labels != np.round(labels)
        if frac.any():
            first = int(np.flatnonzero(frac)[0])
            raise ValueError(
                f"{where}: labels must be integers or strings, got non-integer float "
                f"{labels[first].item()!r} at index {first}"
            )
        return labels.astype(np.int64)
    raise ValueError(
        f"{where}: labels must be integers or strings, got dtype {labels.dtype} "
        "(save string labels as a numpy str array, not dtype=object)"
    )


def encode_labels(
    splits: Mapping[str, np.ndarray], *, source: str
) -> tuple[dict[str, torch.Tensor], tuple[str, ...]]:
    """Map the labels of every split to ``0..K-1`` by the sorted classes of the first split.

    ``splits`` maps a name (``"y_train"``, ``"y_test"``, …) to its labels; the first entry is the
    training split and defines the classes. Returns int64 tensors under the same names and the
    class names (``str`` of each original label). ``ValueError`` names ``source`` and the split
    for NaN/inf or non-integer float labels, mixed string/number labels, and classes that occur
    in another split but not in training.

    >>> ids, names = encode_labels({"y_train": np.array(["b", "a"]), "y_test": np.array(["a"])},
    ...                            source="f.npz")
    >>> ids["y_train"].tolist(), names
    ([1, 0], ('a', 'b'))
    """
    cleaned = {name: _clean(np.asarray(y), f"{source}: {name}") for name, y in splits.items()}
    train_name = next(iter(cleaned))
    kinds = {name: y.dtype.kind for name, y in cleaned.items()}
    if len(set(kinds.values())) > 1:
        raise ValueError(
            f"{source}: label types differ between splits ({kinds}); use all strings or all ints"
        )
    classes = np.unique(cleaned[train_name])
    out: dict[str, torch.Tensor] = {}
    for name, y in cleaned.items():
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            shown = ", ".join(repr(v.item()) for v in unknown[:5])
            raise ValueError(
                f"{source}: {name} has classes not present in {train_name}: {shown}"
                + (" …" if unknown.size > 5 else "")
            )
        out[name] = torch.from_numpy(np.searchsorted(classes, y).astype(np.int64))
    return out, tuple(str(c.item()) for c in classes)
