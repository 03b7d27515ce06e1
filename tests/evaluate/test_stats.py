"""Paired contrasts against values worked out by hand from textbook formulas and tables."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from randquant.evaluate.stats import Contrast, holm, paired_contrasts, paired_test, verdict

# t quantile t_{0.975, 2} from a t table; differences [0.5, 1.0, 1.5]: mean 1, sd 0.5.
T975_DF2 = 4.302652729


def test_paired_test_matches_the_textbook_formulas() -> None:
    mean, lo, hi, p, mde, sd = paired_test([1.0, 2.0, 3.5], [0.5, 1.0, 2.0])
    half = T975_DF2 * 0.5 / math.sqrt(3)
    assert mean == pytest.approx(1.0)
    assert sd == pytest.approx(0.5)
    assert (lo, hi) == pytest.approx((1 - half, 1 + half), abs=1e-6)
    # t = 1 / (0.5 / sqrt 3) = 3.4641 on 2 df: two-sided p = 0.07418 (t table / R pt())
    assert p == pytest.approx(0.07418, abs=1e-4)
    assert mde > 0


def test_mde_is_the_power_table_effect_times_the_sd() -> None:
    # G*Power, paired t-test, n = 10, alpha 0.05 two-sided, power 0.8: dz = 0.9960
    a = [0.1 * i for i in range(10)]
    b = [v - d for v, d in zip(a, [0.01, 0.03] * 5, strict=True)]
    _, _, _, _, mde, sd = paired_test(a, b)
    assert mde == pytest.approx(0.9960 * sd, rel=1e-3)


def test_holm_against_hand_correction() -> None:
    # sorted 0.01, 0.03, 0.04 -> 3 x 0.01, 2 x 0.03, max(prev, 1 x 0.04)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    out = holm([0.2, math.nan])
    assert out[0] == pytest.approx(0.2) and math.isnan(out[1])


def test_degenerate_cases() -> None:
    # identical runs: no difference, with an exact bound of zero
    mean, lo, hi, p, mde, sd = paired_test([0.5, 0.6], [0.5, 0.6])
    assert (mean, lo, hi, p, mde, sd) == (0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # one seed or a constant non-zero difference: no t-test
    assert math.isnan(paired_test([0.5], [0.4])[3])
    assert math.isnan(paired_test([0.5, 0.7], [0.4, 0.6])[3])
    assert verdict(0.1, math.nan) == "untestable"
    with pytest.raises(ValueError, match="paired"):
        paired_test([0.1, 0.2], [0.1])


def test_contrasts_holm_within_the_family_and_verdicts() -> None:
    seeds = range(10)
    none = {s: 0.50 + 0.01 * (s % 3) for s in seeds}
    rq = {s: none[s] + 0.08 + 0.005 * (s % 2) for s in seeds}  # clearly better
    mask = {s: none[s] + (0.001 if s % 2 else -0.002 * (s % 4 == 0)) for s in seeds}  # noise
    values = {"rq": rq, "none": none, "mask": mask}
    out = paired_contrasts(
        values, [("rq", "none"), ("rq", "mask"), ("mask", "none")], metric="linear_acc", dataset="d"
    )
    raw = [c.p for c in out]
    assert [c.p_holm for c in out] == pytest.approx(holm(raw))
    assert out[0].verdict == "better" and out[0].n_seeds == 10 and out[0].dataset == "d"
    assert paired_contrasts({"a": none, "b": rq}, [("a", "b")], metric="m")[0].verdict == "worse"
    assert out[2].verdict == "no detectable difference"
    back = Contrast.from_dict(out[2].to_dict())
    assert back == out[2]


def test_contrasts_use_shared_seeds_and_refuse_unknown_arms() -> None:
    out = paired_contrasts(
        {"a": {0: 0.5, 1: 0.6, 2: 0.7}, "b": {1: 0.5, 2: 0.55}}, [("a", "b")], metric="m"
    )
    assert out[0].n_seeds == 2 and out[0].mean_diff == pytest.approx(0.125)
    with pytest.raises(ValueError, match="did not run"):
        paired_contrasts({"a": {0: 0.5}}, [("a", "zzz")], metric="m")
    nan_dict = paired_contrasts({"a": {0: 0.5}, "b": {0: 0.4}}, [("a", "b")], metric="m")[0]
    assert nan_dict.to_dict()["ci_low"] is None and nan_dict.verdict == "untestable"


def test_one_holm_family_across_datasets() -> None:
    from randquant.evaluate.stats import rejudged

    # three contrasts at raw p 0.02: each "better" alone, none after Holm over the three
    one = Contrast("a", "b", "linear_acc", 5, 0.02, 0.001, 0.04, 0.02, 0.02, 0.03, 0.01, "better")
    family = rejudged([one, replace(one, dataset="e"), replace(one, dataset="f")])
    assert [c.p_holm for c in family] == pytest.approx([0.06, 0.06, 0.06])
    assert {c.verdict for c in family} == {"no detectable difference"}
    assert rejudged([one])[0].verdict == "better"


def test_simultaneous_ci_is_the_bonferroni_t_interval() -> None:
    from randquant.evaluate.stats import simultaneous_ci

    (c,) = paired_contrasts(
        {"a": {0: 1.0, 1: 2.0, 2: 3.5}, "b": {0: 0.5, 1: 1.0, 2: 2.0}}, [("a", "b")], metric="m"
    )
    assert simultaneous_ci(c, 1) == pytest.approx((c.ci_low, c.ci_high))
    # t_{1 - 0.05 / (2 * 4), 2} = 8.8602 (between the table's 6.965 at 0.99 and 9.925 at 0.995):
    # four contrasts, each at 98.75 %
    half = 8.8602 * 0.5 / math.sqrt(3)
    assert simultaneous_ci(c, 4) == pytest.approx((1 - half, 1 + half), abs=1e-4)
    with pytest.raises(ValueError, match="family_size"):
        simultaneous_ci(c, 0)


def test_beats_needs_the_paired_interval_above_zero() -> None:
    from randquant.evaluate.stats import beats

    ref = {0: 0.50, 1: 0.52, 2: 0.51}
    assert beats({s: v + 0.05 for s, v in ref.items()}, ref)
    # higher on average but one seed lower: the interval crosses 0
    assert not beats({0: 0.60, 1: 0.50, 2: 0.56}, ref)
    assert not beats({0: 0.9}, {0: 0.1})  # one seed: no interval


def test_bootstrap_over_items_and_seeds_is_wider_than_over_seeds_alone() -> None:
    import numpy as np

    from randquant.evaluate.stats import bootstrap_items

    rng = np.random.default_rng(1)
    # 40 test items, 5 seeds; a is right on 60 % of items, b on 55 %, seed to seed alike
    a = {s: list(rng.random(40) < 0.6) for s in range(5)}
    b = {s: list(rng.random(40) < 0.55) for s in range(5)}
    mean, lo, hi = bootstrap_items(a, b, n_boot=400)
    assert mean == pytest.approx(np.mean([np.mean(a[s]) - np.mean(b[s]) for s in range(5)]))
    assert lo < mean < hi
    assert bootstrap_items(a, b, n_boot=400) == (mean, lo, hi)  # deterministic
    # identical items on every seed: only item sampling is left, and it is zero
    assert bootstrap_items(a, a, n_boot=50) == (0.0, 0.0, 0.0)
    # every seed gives the same accuracy difference (+10 points on 40 items): a t interval
    # over seeds has zero width, the item bootstrap does not
    same_a = {s: [True] * 24 + [False] * 16 for s in range(5)}
    same_b = {s: [True] * 20 + [False] * 20 for s in range(5)}
    assert paired_test([0.6] * 5, [0.5] * 5)[1:3] == pytest.approx((0.1, 0.1))
    mean, lo, hi = bootstrap_items(same_a, same_b, n_boot=400)
    assert mean == pytest.approx(0.1) and lo < 0.07 and hi > 0.13
    with pytest.raises(ValueError, match="seed 0"):
        bootstrap_items({0: [True]}, {0: [True, False]})
