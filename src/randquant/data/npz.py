"""Load a user's ``.npz`` file: ``x_train, y_train, x_test, y_test`` (+ optional ``x_val, y_val``).

``x`` is channels-first: ``(N, C, L)`` is a sequence, ``(N, C, H, W)`` an image, ``(N, F)`` a
vector; point sets ``(N, P, 3)`` need ``layout="points"`` and integer token ids ``(N, L)``
need ``layout="tokens"``. Labels may be any integers or strings.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from randquant.data.base import _NDIM, LAYOUTS, Dataset, Layout, SplitData
from randquant.data.labels import encode_labels

_BY_NDIM: dict[int, Layout] = {2: "vector", 3: "sequence", 4: "image"}
_SPLITS = ("train", "val", "test")


#: Bound on the bytes the needed arrays of one ``.npz`` may declare together (checked in
#: their headers before any is read); ``load_npz(max_bytes=...)`` changes it.
MAX_BYTES = 8 * 2**30
_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB" if n >= 2**20 else f"{n} bytes"


def _header(f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype[Any]]:
    fmt: Any = np.lib.format  # untyped in numpy's stubs
    version = fmt.read_magic(f)
    if version not in ((1, 0), (2, 0)):  # 3.0 (utf-8 field names): read like 2.0 by numpy
        raise ValueError(f"unsupported .npy version {version}; save it with numpy.savez")
    shape, _, dtype = getattr(fmt, f"read_array_header_{version[0]}_0")(f)
    return tuple(int(n) for n in shape), np.dtype(dtype)


def _read(path: Path, max_bytes: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """The arrays of :data:`_KEYS` in ``path`` and the names of all its keys; nothing else
    is read: every other key stays
    compressed and unread. Each array's header (shape, dtype) is read first and the declared
    sizes checked against ``max_bytes`` before any data is decompressed."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = {n.removesuffix(".npy"): n for n in zf.namelist() if n.endswith(".npy")}
            needed = [k for k in _KEYS if k in members]
            total = 0
            for key in needed:
                with zf.open(members[key]) as f:
                    try:
                        shape, dtype = _header(f)
                    except (ValueError, SyntaxError, EOFError) as err:
                        raise ValueError(
                            f"{path}: key {key!r} has no readable header ({err})"
                        ) from err
                if dtype.hasobject:
                    raise ValueError(
                        f"{path}: key {key!r} holds object arrays; save labels as a numpy str "
                        "or int array"
                    )
                size = math.prod(shape) * dtype.itemsize
                total += size
                if total > max_bytes:
                    raise ValueError(
                        f"{path}: key {key!r} declares shape {shape} of {dtype} "
                        f"({_gib(size)}), which brings the arrays to read over the bound of "
                        f"{_gib(max_bytes)} (load_npz(max_bytes=...) raises it)"
                    )
            out: dict[str, np.ndarray] = {}
            fmt: Any = np.lib.format
            for key in needed:
                with zf.open(members[key]) as f:
                    try:
                        out[key] = fmt.read_array(f, allow_pickle=False)
                    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as err:
                        raise ValueError(f"{path}: key {key!r} cannot be read ({err})") from err
            return out, sorted(members)
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


#: Largest token id + 1 accepted: the embedding table has one row per id.
MAX_VOCAB = 2**22


def _to_tensor(x: np.ndarray, layout: Layout, where: str, shift: _Shift) -> torch.Tensor:
    if layout == "tokens":
        if x.dtype.kind not in "iu":
            raise ValueError(f"{where}: layout 'tokens' needs integer ids, got dtype {x.dtype}")
        if x.size and (int(x.min()) < 0 or int(x.max()) >= MAX_VOCAB):
            raise ValueError(
                f"{where}: token ids must lie in [0, {MAX_VOCAB}) (one embedding row each), "
                f"got range [{int(x.min())}, {int(x.max())}]"
            )
        return torch.from_numpy(x.astype(np.int64))
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: x must be numeric, got dtype {x.dtype}")
    if x.dtype.kind == "f":
        _check_finite(x, where)
    if shift == _Shift():
        return torch.from_numpy(x.astype(np.float32))
    return torch.from_numpy(_shifted(x, shift).astype(np.float32))


def _check_finite(x: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        first = np.unravel_index(int(np.flatnonzero(bad)[0]), x.shape)
        raise ValueError(
            f"{where}: {int(bad.sum())} values are NaN or inf (first at index "
            f"{tuple(int(i) for i in first)})"
        )


def _shifted(x: np.ndarray, shift: _Shift) -> np.ndarray:
    """``(x - offset) * scale`` in float64, the same rule for every dtype; integers are
    subtracted exactly (two's-complement difference in uint64, which never overflows)."""
    if x.dtype.kind in "iu" and shift.offset:
        as_u64 = x.astype(np.uint64 if x.dtype.kind == "u" else np.int64).view(np.uint64)
        dtype = np.uint64 if shift.offset >= 0 else np.int64
        base = np.array(shift.offset, dtype).view(np.uint64)
        out = (as_u64 - base).astype(np.float64)  # >= 0: offset is the smallest integer
    else:
        out = x.astype(np.float64)
        if shift.offset:
            out -= float(shift.offset)
    if shift.scale != 1.0:
        out *= shift.scale
    return out


@dataclass(frozen=True)
class _Shift:
    """How every split's ``x`` is brought into float32 without losing it, one rule for all
    splits whatever their dtype: ``(x - offset) * scale``. Wide integers (int64 near 2**62)
    set ``offset``, the smallest integer of any split, subtracted exactly from integer splits;
    values beyond float32's range (1e300) or below its normal range set ``scale``, a power of
    two (exact). Standardisation removes both, so the data a model sees is unchanged, and a
    split stored as int32 lands where the same signal stored as float32 does."""

    offset: int = 0
    scale: float = 1.0


def _shift(arrays: list[np.ndarray]) -> _Shift:
    arrays = [a for a in arrays if a.size]
    ints = [a for a in arrays if a.dtype.kind in "iu"]
    offset = 0
    if any(a.dtype.itemsize > 2 for a in ints):
        offset = min(int(a.min()) for a in ints)
    top = 0.0
    for a in arrays:
        if a.dtype.kind == "f":
            if not np.isfinite(a).all():
                continue  # named by _check_finite
            lo, hi = float(a.min()) - offset, float(a.max()) - offset
        elif a.dtype.kind in "iu":
            lo, hi = float(int(a.min()) - offset), float(int(a.max()) - offset)
        else:
            lo, hi = 0.0, 1.0
        top = max(top, abs(lo), abs(hi))
    scale = 1.0
    if np.isfinite(top) and top > 0 and not 1e-30 <= top <= 1e38:
        scale = float(np.ldexp(1.0, -np.frexp(top)[1]))  # brings the largest into [0.5, 1)
    return _Shift(offset, scale)


def load_npz(path: Path | str, *, layout: str | None = None, max_bytes: int = MAX_BYTES) -> Dataset:
    """Load a :class:`Dataset` from a ``.npz`` file, named after the file's stem.

    Raises ``ValueError`` naming the file and the key for a missing key, an unreadable file,
    mismatched x/y lengths, wrong dimensions, NaN/inf or non-integer labels, NaN/inf inputs,
    an empty split, and classes in ``y_val``/``y_test`` that ``y_train`` lacks. Only those
    six keys are read, and only after their headers declare at most ``max_bytes`` together.

    >>> ds = load_npz("my_data.npz")  # doctest: +SKIP
    >>> ds.layout, ds.num_classes  # doctest: +SKIP
    ('sequence', 4)
    """
    path = Path(path)
    arrays, found = _read(path, max_bytes)
    has_val = "x_val" in arrays or "y_val" in arrays
    splits = [s for s in _SPLITS if s != "val" or has_val]
    for split in splits:
        for key in (f"x_{split}", f"y_{split}"):
            if key not in arrays:
                raise ValueError(
                    f"{path}: missing key {key!r} (found {found[:10]}); needed: "
                    "x_train, y_train, x_test, y_test (x_val, y_val optional, together)"
                )
    chosen = _pick_layout(arrays["x_train"], layout, f"{path}: x_train")
    xs: dict[str, torch.Tensor] = {}
    shift = _Shift() if chosen == "tokens" else _shift([arrays[f"x_{s}"] for s in splits])
    for split in splits:
        key = f"x_{split}"
        x, y = arrays[key], arrays[f"y_{split}"]
        _pick_layout(x, chosen, f"{path}: {key}")
        if x.shape[0] == 0:
            raise ValueError(f"{path}: {key} has no samples")
        if 0 in x.shape[1:]:
            raise ValueError(f"{path}: {key} has a zero-size axis: shape {x.shape}")
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(
                f"{path}: {key} has {len(x)} samples but y_{split} has shape {y.shape}"
            )
        if x.shape[1:] != arrays["x_train"].shape[1:]:
            raise ValueError(
                f"{path}: {key} samples have shape {x.shape[1:]}, "
                f"x_train's {arrays['x_train'].shape[1:]}"
            )
        xs[split] = _to_tensor(x, chosen, f"{path}: {key}", shift)
    ys, names = encode_labels({f"y_{s}": arrays[f"y_{s}"] for s in splits}, source=str(path))
    data = {s: SplitData(xs[s], ys[f"y_{s}"]) for s in splits}
    meta: dict[str, object] = {"source": str(path)}
    if shift != _Shift():
        meta.update(shifted_by=shift.offset, scaled_by=shift.scale)  # x = (raw - by) * scale
    if chosen == "tokens":
        meta["vocab_size"] = int(max(int(t.max()) for t in xs.values())) + 1
    return Dataset.from_splits(path.stem, chosen, data, names, meta)
