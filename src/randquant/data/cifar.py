"""CIFAR-10 / CIFAR-100 "python version" folders (pickled batches).

CIFAR-10: ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and ``batches.meta``;
CIFAR-100: ``train``, ``test`` and ``meta`` (fine labels). Each batch is a pickled dict with
``data`` (N x 3072 uint8, channel-major) and ``labels`` / ``fine_labels``. Pickles are read
with an unpickler that only builds numpy arrays, so a hostile file cannot run code.

>>> ds = load_cifar("cifar-10-batches-py/")  # doctest: +SKIP
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from randquant.data.base import Dataset, SplitData
from randquant.data.files import decode_each

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays")
        return super().find_class(module, name)


def load_array_pickle(f: BinaryIO) -> Any:
    """Unpickle ``f`` allowing only numpy arrays, dtypes and plain containers: a pickle that
    names any other object (code to run) raises ``pickle.UnpicklingError``."""
    return _ArrayUnpickler(f, encoding="bytes").load()


def read_npy_pickle(path: Path) -> Any:
    """The object of an object-dtype ``.npy`` file, read with :func:`load_array_pickle`
    instead of ``np.load(allow_pickle=True)``; ``ValueError`` names a bad file."""
    try:
        with path.open("rb") as f:
            npy: Any = np.lib.format  # untyped in numpy's stubs
            version = npy.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unknown .npy version {version}")
            getattr(npy, f"read_array_header_{version[0]}_0")(f)
            obj = load_array_pickle(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as err:
        raise ValueError(f"cannot read {path}: {err}") from err
    return obj.item() if isinstance(obj, np.ndarray) and obj.ndim == 0 else obj


def read_pickle(path: Path) -> dict[str, Any]:
    """Load a CIFAR pickle as a dict with ``str`` keys; ``ValueError`` names a bad file."""
    try:
        with path.open("rb") as f:
            obj = load_array_pickle(f)
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        ValueError,
        TypeError,
        AttributeError,
    ) as err:
        raise ValueError(f"cannot read CIFAR pickle {path}: {err}") from err
    if not isinstance(obj, dict):
        raise ValueError(f"CIFAR pickle {path} holds a {type(obj).__name__}, not a dict")
    return {k.decode() if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


#: Most values one pickled field may expand to (CIFAR-10's training set is 1.5e8).
MAX_VALUES = 2**28


def _count(obj: Any, limit: int, where: str) -> int:
    """How many values ``obj`` (nested lists/tuples of numbers or arrays) expands to, counted
    without building it (each shared object once, by identity) and refused past ``limit`` or
    4 levels of nesting: a pickle of shared references (a list holding one list a thousand
    times, nested) is small on disk and in memory, but ``np.asarray`` expands every one."""
    memo: dict[int, int] = {}

    def size(item: Any, depth: int) -> int:
        if isinstance(item, np.ndarray):
            return int(item.size)
        if not isinstance(item, (list, tuple)):
            return 1
        if depth > 4:
            raise ValueError(f"{where} is nested deeper than a batch of images")
        if id(item) not in memo:
            total = 0
            for sub in item:
                total += size(sub, depth + 1)
                if total > limit:
                    break
            memo[id(item)] = total
        return memo[id(item)]

    total = size(obj, 0)
    if total > limit:
        raise ValueError(f"{where} expands to more than {limit:,} values; not a CIFAR batch")
    return total


def _bounded_array(obj: Any, where: str, dtype: Any = None) -> np.ndarray:
    _count(obj, MAX_VALUES, where)
    try:
        return np.asarray(obj, dtype=dtype)
    except (ValueError, TypeError, OverflowError) as err:
        raise ValueError(f"{where} is not a numeric array ({str(err)[:120]})") from None


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images (N, 3, 32, 32) uint8, labels (N,) int64)`` of one batch file.

    Each field's size is counted before it becomes an array (at most :data:`MAX_VALUES`);
    ``data`` must be integers in [0, 255]."""
    d = read_pickle(path)
    key = "labels" if "labels" in d else "fine_labels"
    if "data" not in d or key not in d:
        raise ValueError(f"CIFAR batch {path} lacks 'data' or 'labels' (keys: {sorted(d)[:10]})")
    data = _bounded_array(d["data"], f"CIFAR batch {path}: 'data'")
    labels = _bounded_array(d[key], f"CIFAR batch {path}: {key!r}", np.int64)
    if data.dtype.kind not in "iu" or (data.size and (data.min() < 0 or data.max() > 255)):
        raise ValueError(f"CIFAR batch {path}: 'data' must hold bytes 0..255, got {data.dtype}")
    if data.ndim != 2 or data.shape[1] != 3072 or labels.ndim != 1 or len(labels) != len(data):
        raise ValueError(
            f"CIFAR batch {path}: data {data.shape} and labels {labels.shape}; "
            "need (N, 3072) and (N,)"
        )
    return data.reshape(-1, 3, 32, 32).astype(np.uint8), labels


def _names(meta: Path, key: str) -> list[str]:
    names = read_pickle(meta).get(key)
    if not isinstance(names, list):
        raise ValueError(f"CIFAR meta file {meta} has no list {key!r}")
    if len(names) > 100_000 or not all(isinstance(n, (bytes, str)) for n in names):
        raise ValueError(f"CIFAR meta file {meta}: {key!r} must be a list of class names")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def load_cifar(root: Path | str, *, skip_bad: bool = False) -> Dataset:
    """An ``image`` :class:`Dataset` (float32 in [0, 1]) from a CIFAR-10 or CIFAR-100 folder.

    A missing or unreadable batch raises ``ValueError`` naming it; with ``skip_bad`` unreadable
    training batches are skipped with a warning (the test batch is always required).
    """
    root = Path(root)
    if (root / "batches.meta").exists():
        train_files = sorted(root.glob("data_batch_*"))
        test_file, classes = root / "test_batch", _names(root / "batches.meta", "label_names")
    elif (root / "meta").exists():
        train_files, test_file = [root / "train"], root / "test"
        classes = _names(root / "meta", "fine_label_names")
    else:
        raise ValueError(f"{root}: no batches.meta (CIFAR-10) or meta (CIFAR-100) file")
    if not train_files or not all(p.exists() for p in [*train_files, test_file]):
        raise ValueError(
            f"{root}: missing CIFAR batch files (need training batches and {test_file.name})"
        )
    batches, _ = decode_each(train_files, read_batch, skip_bad=skip_bad, what="CIFAR batches")
    x_te, y_te = read_batch(test_file)
    x_tr = np.concatenate([b[0] for b in batches])
    y_tr = np.concatenate([b[1] for b in batches])
    for name, y in (("train", y_tr), ("test", y_te)):
        if len(y) and (y.min() < 0 or y.max() >= len(classes)):
            raise ValueError(f"{root}: {name} labels outside [0, {len(classes)}) of the meta file")
    return Dataset(
        name=root.resolve().name,
        layout="image",
        train=SplitData(torch.from_numpy(x_tr).float() / 255.0, torch.from_numpy(y_tr)),
        test=SplitData(torch.from_numpy(x_te).float() / 255.0, torch.from_numpy(y_te)),
        num_classes=len(classes),
        class_names=tuple(classes),
        meta={"modality": "image", "source": str(root)},
    )
