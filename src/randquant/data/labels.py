"""Turn user labels (any ints, integral floats or strings) into class ids ``0..K-1``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

_INT64 = 2**63


def _decode_bytes(labels: np.ndarray, where: str) -> np.ndarray:
    """Byte-string labels as str, decoded as UTF-8; ``ValueError`` names the first label
    that is not UTF-8 (by index, with its first bytes), never a traceback."""
    out = []
    for i, raw in enumerate(labels.tolist()):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            raise ValueError(
                f"{where}: label at index {i} is not UTF-8 text ({raw[:16]!r}, {err.reason} "
                f"at byte {err.start}); save labels as a numpy str or int array"
            ) from None
    return np.array(out, dtype=str)


def _clean(labels: np.ndarray, where: str) -> np.ndarray:
    """Check one label array and return it as 1-D int64, str, or (for integers beyond int64,
    e.g. ``1e19`` or uint64 ``2**64 - 1``) object values holding exact Python ints."""
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{where}: labels must be 1-D, got shape {labels.shape}")
    kind = labels.dtype.kind
    if kind == "U":
        return labels.astype(str)
    if kind == "S":
        return _decode_bytes(labels, where)
    if kind == "b":
        return labels.astype(np.int64)
    if kind == "i":
        return labels.astype(np.int64)
    if kind == "u":
        if labels.size and int(labels.max()) >= _INT64:
            return np.array([int(v) for v in labels.tolist()], dtype=object)
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
        if labels.size and float(np.max(np.abs(labels))) >= _INT64:
            return np.array([int(v) for v in labels.tolist()], dtype=object)
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
    if any(y.dtype.kind == "O" for y in cleaned.values()):  # one split beyond int64: all exact
        cleaned = {
            name: y if y.dtype.kind != "i" else np.array(y.tolist(), dtype=object)
            for name, y in cleaned.items()
        }
    kinds = {name: "int" if y.dtype.kind in "iO" else "str" for name, y in cleaned.items()}
    if len(set(kinds.values())) > 1:
        raise ValueError(
            f"{source}: label types differ between splits ({kinds}); use all strings or all ints"
        )
    classes = np.unique(cleaned[train_name])
    out: dict[str, torch.Tensor] = {}
    for name, y in cleaned.items():
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            shown = ", ".join(_shown(v) for v in unknown[:5])
            raise ValueError(
                f"{source}: {name} has classes not present in {train_name}: {shown}"
                + (" …" if unknown.size > 5 else "")
            )
        out[name] = torch.from_numpy(np.searchsorted(classes, y).astype(np.int64))
    return out, tuple(str(_py(c)) for c in classes)


def _py(v: object) -> object:
    """A numpy scalar as the Python value (object arrays already hold Python ints)."""
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def _shown(v: object) -> str:
    text = repr(_py(v))
    return text if len(text) <= 40 else text[:37] + "..."
