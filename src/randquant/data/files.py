"""Shared plumbing of the file-format loaders: class folders, per-file decoding, bad files.

A file that cannot be decoded raises a ``ValueError`` naming it; with ``skip_bad=True`` it is
skipped instead and a :class:`BadFileWarning` says how many were skipped and why the first
was. A dataset is never returned silently short: either every file loaded, or the caller
asked for skipping and was told the count.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from randquant.data.base import Dataset, Layout, SplitData
from randquant.data.labels import encode_labels
from randquant.data.splits import stratified_split

T = TypeVar("T")
R = TypeVar("R")
SplitFiles = dict[str, list[tuple[Path, str]]]


class BadFileWarning(UserWarning):
    """Some input files were unreadable and were skipped (``skip_bad=True``)."""


def decode_each(
    items: Sequence[T], decode: Callable[[T], R], *, skip_bad: bool, what: str
) -> tuple[list[R], list[int]]:
    """Decode every item; return the results and the indices that decoded.

    ``decode`` raises ``ValueError`` naming the file on bad input: re-raised unless
    ``skip_bad``, in which case the item is skipped and counted in one warning.
    """
    out: list[R] = []
    kept: list[int] = []
    bad: list[str] = []
    for i, item in enumerate(items):
        try:
            out.append(decode(item))
        except ValueError as err:
            if not skip_bad:
                raise
            bad.append(str(err))
            continue
        kept.append(i)
    if bad:
        warnings.warn(
            f"skipped {len(bad)} of {len(items)} {what} that could not be read; first: {bad[0]}",
            BadFileWarning,
            stacklevel=2,
        )
    if items and not out:
        raise ValueError(f"none of the {len(items)} {what} could be read; first error: {bad[0]}")
    return out, kept


def _class_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _files_in(folder: Path, extensions: frozenset[str]) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in extensions)
    if not files:
        raise ValueError(f"{folder}: class folder has no {'/'.join(sorted(extensions))} files")
    return files


def class_folder_files(
    root: Path, extensions: frozenset[str], *, test_fraction: float = 0.2, seed: int = 0
) -> SplitFiles:
    """``{split: [(file, class name)]}`` for one of three folder arrangements.

    ``root/train/<class>/*`` + ``root/test/<class>/*`` (ImageNet style); ``root/<class>/train/*``
    + ``root/<class>/test/*`` (ModelNet style); or ``root/<class>/*``, split here (stratified,
    seeded). A missing folder or a class folder without matching files raises ``ValueError``.
    """
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    if (root / "train").is_dir() and (root / "test").is_dir():
        return {
            s: [(f, c.name) for c in _class_dirs(root / s) for f in _files_in(c, extensions)]
            for s in ("train", "test")
        }
    classes = _class_dirs(root)
    if not classes:
        raise ValueError(f"{root}: no class sub-folders found")
    if all((c / "train").is_dir() and (c / "test").is_dir() for c in classes):
        return {
            s: [(f, c.name) for c in classes for f in _files_in(c / s, extensions)]
            for s in ("train", "test")
        }
    pairs = [(f, c.name) for c in classes for f in _files_in(c, extensions)]
    labels = np.array([c for _, c in pairs])
    _, codes = np.unique(labels, return_inverse=True)
    train, test = stratified_split(codes, test_fraction=test_fraction, seed=seed)
    return {"train": [pairs[i] for i in train], "test": [pairs[i] for i in test]}


def dataset_from_files(
    name: str,
    layout: Layout,
    splits: SplitFiles,
    decode: Callable[[Path], np.ndarray],
    *,
    skip_bad: bool,
    what: str,
    meta: dict[str, Any],
) -> Dataset:
    """Decode each split's files into one float32 tensor and encode the class names."""
    xs: dict[str, torch.Tensor] = {}
    names: dict[str, np.ndarray] = {}
    for split, pairs in splits.items():
        arrays, kept = decode_each([p for p, _ in pairs], decode, skip_bad=skip_bad, what=what)
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"{name}: {what} decode to different shapes {sorted(shapes)[:3]}")
        xs[split] = torch.from_numpy(np.stack(arrays).astype(np.float32))
        names[split] = np.array([pairs[i][1] for i in kept], dtype=str)
    ys, class_names = encode_labels(names, source=name)
    data = {s: SplitData(xs[s], ys[s]) for s in xs}
    return Dataset(
        name=name,
        layout=layout,
        train=data["train"],
        test=data["test"],
        val=data.get("val"),
        num_classes=len(class_names),
        class_names=class_names,
        meta=meta,
    )
