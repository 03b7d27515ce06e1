"""Shared plumbing of the file-format loaders: class folders, per-file decoding, bad files.

A file that cannot be decoded raises a ``ValueError`` naming it; with ``skip_bad=True`` it is
skipped instead and a :class:`BadFileWarning` says how many were skipped and why the first
was. A dataset is never returned silently short: either every file loaded, or the caller
asked for skipping and was told the count.
"""

from __future__ import annotations

import os
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


def check_inside(path: Path, root: Path) -> None:
    """``ValueError`` naming ``path`` when it is a link (or under one) that leads out of
    ``root``: a data folder received from someone else may link a class folder to ``/usr``
    or a file to ``~/.ssh``, and randquant reads only what lies in the folder it was given."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
        raise ValueError(
            f"{path}: a link to {real}, outside {root}; randquant does not follow links "
            "out of a data folder (copy the files in instead)"
        )


def class_dirs(folder: Path) -> list[Path]:
    """The visible sub-folders of ``folder``, sorted; ``ValueError`` if it cannot be read or
    one is a link out of it."""
    try:
        found = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as err:
        raise ValueError(f"{folder}: cannot read folder ({err.strerror or err})") from err
    for p in found:
        check_inside(p, folder)
    return found


def list_files(
    folder: Path, extensions: frozenset[str], what: str = "", *, root: Path | None = None
) -> list[Path]:
    """Files under ``folder`` (any depth) with one of ``extensions``, sorted; a file that
    links out of ``root`` (default: the folder's parent, the data folder) is refused.

    Hidden files and folders (a leading ``.``: macOS ``._x.png``, ``.ipynb_checkpoints/``,
    ``.git/``) are skipped; a folder that cannot be read raises ``ValueError`` naming it (it
    is never taken for an empty one), as does a folder with no matching file.
    """

    def fail(err: OSError) -> None:
        where = err.filename or folder
        raise ValueError(f"{where}: cannot read folder ({err.strerror or err})") from err

    found: list[Path] = []
    for top, dirs, names in os.walk(folder, onerror=fail):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(top) / n
            for n in names
            if not n.startswith(".") and Path(n).suffix.lower() in extensions
        ]
    for f in found:
        check_inside(f, root if root is not None else folder.parent)
    if not found:
        kind = (
            f"{what} files (looked for {', '.join(sorted(extensions))})"
            if what
            else ("/".join(sorted(extensions)) + " files")
        )
        raise ValueError(f"{folder}: class folder has no {kind}")
    return sorted(found)


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
        for s in ("train", "test"):
            check_inside(root / s, root)
        return {
            s: [(f, c.name) for c in class_dirs(root / s) for f in list_files(c, extensions)]
            for s in ("train", "test")
        }
    classes = class_dirs(root)
    if not classes:
        raise ValueError(f"{root}: no class sub-folders found")
    if all((c / "train").is_dir() and (c / "test").is_dir() for c in classes):
        return {
            s: [(f, c.name) for c in classes for f in list_files(c / s, extensions)]
            for s in ("train", "test")
        }
    pairs = [(f, c.name) for c in classes for f in list_files(c, extensions)]
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

    def finite(path: Path) -> np.ndarray:
        arr = decode(path)
        if not (np.abs(arr) <= np.finfo(np.float32).max).all():
            raise ValueError(f"{path}: decodes to NaN, inf or beyond-float32 values")
        return arr

    for split, pairs in splits.items():
        arrays, kept = decode_each([p for p, _ in pairs], finite, skip_bad=skip_bad, what=what)
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"{name}: {what} decode to different shapes {sorted(shapes)[:3]}")
        xs[split] = torch.from_numpy(np.stack(arrays).astype(np.float32))
        names[split] = np.array([pairs[i][1] for i in kept], dtype=str)
    ys, class_names = encode_labels(names, source=name)
    data = {s: SplitData(xs[s], ys[s]) for s in xs}
    return Dataset.from_splits(name, layout, data, class_names, meta)
