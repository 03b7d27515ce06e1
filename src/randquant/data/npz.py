"""Load a user's ``.npz`` file: ``x_train, y_train, x_test, y_test`` (+ optional ``x_val, y_val``).

``x`` is channels-first: ``(N, C, L)`` is a sequence, ``(N, C, H, W)`` an image, ``(N, F)`` a
vector; point sets ``(N, P, 3)`` need ``layout="points"`` and integer token ids ``(N, L)``
need ``layout="tokens"``. Labels may be any integers or strings.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch

from randquant.data.base import _NDIM, LAYOUTS, Dataset, Layout, SplitData
from randquant.data.labels import encode_labels

_BY_NDIM: dict[int, Layout] = {2: "vector", 3: "sequence", 4: "image"}
_SPLITS = ("train", "val", "test")


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise ValueError(
                f"{path}: holds object arrays; save labels as a numpy str or int array"
            ) from err
        raise ValueError(f"{path}: not a readable .npz file ({err})") from err
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{path}: not a readable .npz file ({err})") from err


def _pick_layout(x: np.ndarray, layout: str | None, where: str) -> Layout:
    if layout is None:
        if x.ndim not in _BY_NDIM:
            raise ValueError(
                f"{where}: x must have 2 (vector), 3 (sequence) or 4 (image) dims, got shape "
                f"{x.shape}; point sets (N, P, 3) need layout='points'"
            )
        return _BY_NDIM[x.ndim]
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS} or None, got {layout!r}")
    checked: Layout = layout  # type: ignore[assignment]
    if x.ndim != _NDIM[checked]:
        raise ValueError(
            f"{where}: layout {layout!r} needs {_NDIM[checked]} dims, got shape {x.shape}"
        )
    if checked == "points" and x.shape[-1] != 3:
        raise ValueError(f"{where}: layout 'points' needs shape (N, P, 3), got {x.shape}")
    return checked


def _to_tensor(x: np.ndarray, layout: Layout, where: str) -> torch.Tensor:
    if layout == "tokens":
        if x.dtype.kind not in "iu":
            raise ValueError(f"{where}: layout 'tokens' needs integer ids, got dtype {x.dtype}")
        return torch.from_numpy(x.astype(np.int64))
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: x must be numeric, got dtype {x.dtype}")
    out = x.astype(np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        raise ValueError(f"{where}: {int(bad.sum())} values are NaN or inf")
    return torch.from_numpy(out)


def load_npz(path: Path | str, *, layout: str | None = None) -> Dataset:
    """Load a :class:`Dataset` from a ``.npz`` file, named after the file's stem.

    Raises ``ValueError`` naming the file and the key for a missing key, an unreadable file,
    mismatched x/y lengths, wrong dimensions, NaN/inf or non-integer labels, NaN/inf inputs,
    an empty split, and classes in ``y_val``/``y_test`` that ``y_train`` lacks.

    >>> ds = load_npz("my_data.npz")  # doctest: +SKIP
    >>> ds.layout, ds.num_classes  # doctest: +SKIP
    ('sequence', 4)
    """
    path = Path(path)
    arrays = _read(path)
    has_val = "x_val" in arrays or "y_val" in arrays
    splits = [s for s in _SPLITS if s != "val" or has_val]
    for split in splits:
        for key in (f"x_{split}", f"y_{split}"):
            if key not in arrays:
                raise ValueError(
                    f"{path}: missing key {key!r} (found {sorted(arrays)}); needed: "
                    "x_train, y_train, x_test, y_test (x_val, y_val optional, together)"
                )
    chosen = _pick_layout(arrays["x_train"], layout, f"{path}: x_train")
    xs: dict[str, torch.Tensor] = {}
    for split in splits:
        key = f"x_{split}"
        x, y = arrays[key], arrays[f"y_{split}"]
        _pick_layout(x, chosen, f"{path}: {key}")
        if x.shape[0] == 0:
            raise ValueError(f"{path}: {key} has no samples")
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(
                f"{path}: {key} has {len(x)} samples but y_{split} has shape {y.shape}"
            )
        if x.shape[1:] != arrays["x_train"].shape[1:]:
            raise ValueError(
                f"{path}: {key} samples have shape {x.shape[1:]}, "
                f"x_train's {arrays['x_train'].shape[1:]}"
            )
        xs[split] = _to_tensor(x, chosen, f"{path}: {key}")
    ys, names = encode_labels({f"y_{s}": arrays[f"y_{s}"] for s in splits}, source=str(path))
    data = {s: SplitData(xs[s], ys[f"y_{s}"]) for s in splits}
    meta: dict[str, object] = {"source": str(path)}
    if chosen == "tokens":
        meta["vocab_size"] = int(max(int(t.max()) for t in xs.values())) + 1
    return Dataset(
        name=path.stem,
        layout=chosen,
        train=data["train"],
        test=data["test"],
        val=data.get("val"),
        num_classes=len(names),
        class_names=names,
        meta=meta,
    )
