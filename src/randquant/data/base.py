"""The in-memory dataset every part of randquant exchanges.

A :class:`Dataset` is a set of tensors with a *layout* that says which axis is what:

=========  ====================  ===========================================  ===============
layout     ``x`` shape            meaning                                      RQ channel axis
=========  ====================  ===========================================  ===============
sequence   ``(N, C, L)``          time series, spectrograms (C = mel bands)    1
image      ``(N, C, H, W)``       images                                       1
points     ``(N, P, 3)``          point sets, xyz last                         -1
vector     ``(N, F)``             flat feature vectors (tabular)               whole sample
tokens     ``(N, L)`` int64       token ids (text); ``meta["vocab_size"]``     embedding only
=========  ====================  ===========================================  ===============

Float layouts hold ``float32`` tensors, ``tokens`` holds ``int64``; labels are ``int64`` in
``[0, num_classes)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import torch

Layout = Literal["sequence", "image", "points", "vector", "tokens"]
LAYOUTS: tuple[str, ...] = get_args(Layout)
_NDIM: dict[str, int] = {"sequence": 3, "image": 4, "points": 3, "vector": 2, "tokens": 2}


@dataclass(frozen=True)
class SplitData:
    """One split: inputs ``x`` and integer labels ``y`` of the same length."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Dataset:
    """A labelled dataset with fixed splits. ``val`` is optional."""

    name: str
    layout: Layout
    train: SplitData
    test: SplitData
    num_classes: int
    class_names: tuple[str, ...]
    val: SplitData | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_dataset(self)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, without the leading N."""
        return tuple(self.train.x.shape[1:])

    @classmethod
    def from_splits(
        cls,
        name: str,
        layout: Layout,
        splits: Mapping[str, SplitData],
        class_names: tuple[str, ...],
        meta: dict[str, Any] | None = None,
    ) -> Dataset:
        """A dataset from ``{"train": ..., "test": ..., ["val": ...]}`` and its class names."""
        return cls(
            name=name,
            layout=layout,
            train=splits["train"],
            test=splits["test"],
            val=splits.get("val"),
            num_classes=len(class_names),
            class_names=class_names,
            meta=meta or {},
        )

    def splits(self) -> dict[str, SplitData]:
        out = {"train": self.train, "test": self.test}
        if self.val is not None:
            out["val"] = self.val
        return out


def validate_dataset(ds: Dataset) -> None:
    """Raise ``ValueError`` naming the dataset, split and problem when ``ds`` is malformed."""
    where = f"dataset {ds.name!r}"
    if ds.layout not in LAYOUTS:
        raise ValueError(f"{where}: layout must be one of {LAYOUTS}, got {ds.layout!r}")
    if ds.num_classes < 1:
        raise ValueError(f"{where}: num_classes must be >= 1, got {ds.num_classes}")
    if len(ds.class_names) != ds.num_classes:
        raise ValueError(f"{where}: {len(ds.class_names)} class names for {ds.num_classes} classes")
    shape: tuple[int, ...] | None = None
    for split_name, split in ds.splits().items():
        at = f"{where}, split {split_name!r}"
        x, y = split.x, split.y
        if x.ndim != _NDIM[ds.layout]:
            raise ValueError(
                f"{at}: layout {ds.layout!r} needs x with {_NDIM[ds.layout]} dims, "
                f"got shape {tuple(x.shape)}"
            )
        if ds.layout == "points" and x.shape[-1] != 3:
            raise ValueError(f"{at}: points need shape (N, P, 3), got {tuple(x.shape)}")
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(
                f"{at}: y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}"
            )
        if y.dtype != torch.int64:
            raise ValueError(f"{at}: y must be int64, got {y.dtype}")
        if ds.layout == "tokens":
            if x.dtype != torch.int64:
                raise ValueError(f"{at}: tokens must be int64, got {x.dtype}")
        elif not x.dtype.is_floating_point:
            raise ValueError(f"{at}: x must be floating point, got {x.dtype}")
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= ds.num_classes):
            raise ValueError(
                f"{at}: labels must lie in [0, {ds.num_classes}), "
                f"got range [{int(y.min())}, {int(y.max())}]"
            )
        if shape is None:
            shape = tuple(x.shape[1:])
        elif tuple(x.shape[1:]) != shape:
            raise ValueError(
                f"{at}: sample shape {tuple(x.shape[1:])} differs from train's {shape}"
            )
    if len(ds.train) == 0:
        raise ValueError(f"{where}: the train split is empty")


def require_classes(ds: Dataset, splits: tuple[str, ...] = ("train", "test")) -> None:
    """Raise ``ValueError`` naming the split when one of ``splits`` holds fewer than two
    classes: a probe on it scores 100 % whatever the features, which is no result."""
    present = ds.splits()
    for name in splits:
        split = present.get(name)
        if split is None:
            continue
        found = torch.unique(split.y).numel()
        if found < 2:
            raise ValueError(
                f"dataset {ds.name!r}, split {name!r}: {found} class(es) in its labels; "
                "evaluating a classifier needs at least two"
            )
