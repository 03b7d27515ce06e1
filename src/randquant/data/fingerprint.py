"""A content hash of a dataset: same arrays, labels and layout → same fingerprint.

A comparison keys its finished runs by this fingerprint, so different data saved under the
same name and shapes is never mistaken for the data a stored run was trained on.

Example::

    >>> import torch
    >>> from randquant.data.base import Dataset, SplitData
    >>> s = SplitData(torch.zeros(2, 3), torch.tensor([0, 1]))
    >>> ds = Dataset("d", "vector", s, s, 2, ("a", "b"))
    >>> len(fingerprint(ds))
    64
"""

from __future__ import annotations

import hashlib
import json
import weakref

import torch

from randquant.data.base import Dataset

# id(tensor) -> (weak reference, in-place version counter, digest): a sweep hashes each
# tensor once. (A WeakKeyDictionary would compare tensors with ``==``.)
_DIGESTS: dict[int, tuple[weakref.ref[torch.Tensor], int, str]] = {}


def tensor_digest(t: torch.Tensor) -> str:
    """SHA-256 of a tensor's dtype, shape and values (as laid out in C order, on the CPU)."""
    cached = _DIGESTS.get(id(t))
    if cached is not None and cached[0]() is t and cached[1] == t._version:
        return cached[2]
    h = hashlib.sha256(f"{t.dtype}{tuple(t.shape)}".encode())
    flat = t.detach().cpu().contiguous().reshape(-1)
    if flat.dtype == torch.bfloat16:  # numpy has no bfloat16: hash the same bits as int16
        flat = flat.view(torch.int16)
    h.update(flat.numpy().tobytes())
    digest = h.hexdigest()
    key = id(t)
    _DIGESTS[key] = (weakref.ref(t, lambda _: _DIGESTS.pop(key, None)), t._version, digest)
    return digest


def fingerprint(ds: Dataset) -> str:
    """SHA-256 over every split's ``x`` and ``y``, the layout, classes and the ``meta`` keys
    that change what a model sees (``vocab_size``)."""
    parts = {
        "layout": ds.layout,
        "num_classes": ds.num_classes,
        "class_names": list(ds.class_names),
        "vocab_size": ds.meta.get("vocab_size"),
        "splits": {
            name: [tensor_digest(split.x), tensor_digest(split.y)]
            for name, split in ds.splits().items()
        },
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
