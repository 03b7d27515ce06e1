"""Seeded, stratified train/test splits and subsets (numpy index arrays, no global RNG)."""

from __future__ import annotations

import numpy as np


def _check_fraction(test_fraction: float) -> None:
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")


def stratified_split(
    labels: np.ndarray,
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into ``(train, test)``, about ``test_fraction`` of each class in test.

    With ``groups``, whole groups (e.g. one recording) go to one side, so windows of a
    recording never straddle the split; a group's class is its first sample's label.
    Every class with at least two samples (or groups) gets one in each side.

    >>> tr, te = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1]), test_fraction=0.25)
    >>> sorted(np.bincount(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])[te]).tolist())
    [1, 1]
    """
    _check_fraction(test_fraction)
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    units = np.arange(len(labels)) if groups is None else np.unique(np.asarray(groups))
    if groups is None:
        unit_label = labels
    else:
        first = {g: i for i, g in reversed(list(enumerate(np.asarray(groups).tolist())))}
        unit_label = np.array([labels[first[g]] for g in units.tolist()])
    test_units: list[np.ndarray] = []
    for c in np.unique(unit_label):
        members = rng.permutation(units[unit_label == c])
        n_test = round(len(members) * test_fraction)
        if len(members) >= 2:
            n_test = min(max(n_test, 1), len(members) - 1)
        test_units.append(members[:n_test])
    test_set = np.concatenate(test_units) if test_units else np.array([], dtype=np.int64)
    if groups is None:
        is_test = np.zeros(len(labels), dtype=bool)
        is_test[test_set.astype(np.int64)] = True
    else:
        is_test = np.isin(np.asarray(groups), test_set)
    idx = np.arange(len(labels))
    return idx[~is_test], idx[is_test]


def stratified_subset(indices: np.ndarray, labels: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """At most ``n`` of ``indices``, keeping each class's share (at least one per class if room).

    ``labels`` are the labels of all samples (indexed by ``indices``). Order is sorted.
    """
    indices = np.asarray(indices)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if len(indices) <= n:
        return np.sort(indices)
    rng = np.random.default_rng(seed)
    lab = np.asarray(labels)[indices]
    classes, counts = np.unique(lab, return_counts=True)
    quota = np.floor(counts * n / len(indices)).astype(np.int64)
    if n >= len(classes):
        quota = np.maximum(quota, 1)
    # Hand out what rounding left to the largest remainders, never past a class's size.
    while quota.sum() < n:
        room = counts - quota
        frac = counts * n / len(indices) - quota
        frac[room <= 0] = -np.inf
        quota[int(np.argmax(frac))] += 1
    while quota.sum() > n:
        quota[int(np.argmax(quota))] -= 1
    picked = [
        rng.choice(indices[lab == c], size=int(q), replace=False)
        for c, q in zip(classes, quota, strict=True)
    ]
    return np.sort(np.concatenate(picked))
