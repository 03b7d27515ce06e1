"""Stratified splits and subsets."""

from __future__ import annotations

import numpy as np
import pytest

from randquant.data.splits import stratified_split, stratified_subset


def test_split_covers_everything_once_and_keeps_class_shares() -> None:
    labels = np.repeat(np.arange(4), [50, 30, 10, 2])
    tr, te = stratified_split(labels, test_fraction=0.2, seed=3)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(len(labels)))
    assert np.bincount(labels[te]).tolist() == [10, 6, 2, 1]
    _, te2 = stratified_split(labels, test_fraction=0.2, seed=3)
    assert np.array_equal(te, te2)
    assert not np.array_equal(te, stratified_split(labels, test_fraction=0.2, seed=4)[1])


def test_groups_never_straddle_the_split() -> None:
    groups = np.repeat(np.arange(20), 7)
    labels = groups % 4
    tr, te = stratified_split(labels, test_fraction=0.25, seed=0, groups=groups)
    assert set(groups[tr]).isdisjoint(groups[te])
    assert set(labels[te]) == {0, 1, 2, 3}


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1])
def test_bad_fraction(bad: float) -> None:
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(np.zeros(4), test_fraction=bad)


def test_subset_is_proportional_and_keeps_rare_classes() -> None:
    labels = np.repeat(np.arange(3), [900, 90, 10])
    idx = np.arange(len(labels))
    sub = stratified_subset(idx, labels, 100, seed=0)
    assert len(sub) == 100 and len(set(sub.tolist())) == 100
    counts = np.bincount(labels[sub]).tolist()
    assert counts[0] in (89, 90, 91) and counts[2] >= 1
    assert np.array_equal(stratified_subset(idx, labels, 5000, seed=0), idx)
