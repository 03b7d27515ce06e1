"""Paired comparisons of two settings over seeds: difference, CI, Holm p, MDE, verdict.

Every arm of one seed shares the encoder's initial weights, the data order, the probe split
and the test set, so the runs of two arms are *paired by seed*: the test is a paired t-test
on the per-seed differences ``a - b`` (:func:`scipy.stats.ttest_rel`), its 95 % confidence
interval is the one scipy gives, the p-values of one family (the contrasts of one dataset
and metric) are Holm-corrected (:func:`statsmodels.stats.multitest.multipletests`), and the
minimum detectable effect is the effect size a paired t-test with this many seeds detects
with 80 % power (:class:`statsmodels.stats.power.TTestPower`), turned into accuracy points
with the observed standard deviation of the differences. No statistic is computed by hand.

The verdict of a contrast is ``better`` / ``worse`` when its Holm-corrected p is below
``alpha``, otherwise ``no detectable difference`` (read it with ``mde``: differences of
that size or larger would have been seen 80 % of the time). With fewer than two seeds, or
differences that are all equal but not zero, the t-test is undefined: ``untestable``.

>>> c = paired_contrasts({"rq": {0: 0.8, 1: 0.9, 2: 0.85}, "none": {0: 0.7, 1: 0.75, 2: 0.8}},
...                      [("rq", "none")], metric="linear_acc")[0]
>>> c.n_seeds, round(c.mean_diff, 3), c.verdict
(3, 0.1, 'no detectable difference')
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

VERDICTS: tuple[str, ...] = ("better", "worse", "no detectable difference", "untestable")
ALPHA = 0.05
POWER = 0.8
#: Differences are rounded to this many decimals before testing: accuracies are fractions of
#: a test set, so differences that are equal on paper must not differ by float noise.
_DECIMALS = 12


@dataclass(frozen=True)
class Contrast:
    """One paired contrast ``a - b`` on ``metric`` over ``n_seeds`` shared seeds.

    Accuracy differences are fractions (0.01 = one point). ``p`` is the raw paired t-test
    p-value, ``p_holm`` the Holm-corrected one within its family, ``mde`` the minimum
    detectable effect at 80 % power, ``sd_diff`` the sample std of the per-seed differences.
    ``nan`` marks what a test with these seeds cannot give.
    """

    a: str
    b: str
    metric: str
    n_seeds: int
    mean_diff: float
    ci_low: float
    ci_high: float
    p: float
    p_holm: float
    mde: float
    sd_diff: float
    verdict: str
    dataset: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``nan`` becomes ``None``."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contrast:
        """Rebuild from :meth:`to_dict` output (``None`` back to ``nan``)."""
        fields: dict[str, Any] = {k: (math.nan if v is None else v) for k, v in data.items()}
        return cls(**fields)


def paired_test(
    a: Sequence[float], b: Sequence[float], *, alpha: float = ALPHA, power: float = POWER
) -> tuple[float, float, float, float, float, float]:
    """``(mean_diff, ci_low, ci_high, p, mde, sd_diff)`` of the paired values ``a - b``.

    ``a[i]`` and ``b[i]`` come from the same seed. CI and p are those of a two-sided paired
    t-test; ``mde`` is the smallest true mean difference that test detects with probability
    ``power`` at level ``alpha`` (statsmodels' ``TTestPower``, times the observed std of the
    differences).

    >>> [round(v, 4) for v in paired_test([1.0, 2.0, 3.5], [0.5, 1.0, 2.0])[:4]]
    [1.0, -0.2421, 2.2421, 0.0742]
    """
    import numpy as np
    from scipy import stats

    if len(a) != len(b):
        raise ValueError(f"a and b must be paired (same length), got {len(a)} and {len(b)}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    diff = np.round(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), _DECIMALS)
    n = len(diff)
    nan = math.nan
    if n == 0:
        return nan, nan, nan, nan, nan, nan
    mean = float(np.mean(diff))
    if n < 2:
        return mean, nan, nan, nan, nan, nan
    sd = float(np.std(diff, ddof=1))
    if sd == 0.0:
        # every seed gave the same difference: the t statistic is undefined (0/0 or x/0)
        zero = mean == 0.0
        return mean, mean, mean, (1.0 if zero else nan), (0.0 if zero else nan), 0.0
    res = stats.ttest_rel(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    ci = res.confidence_interval(confidence_level=1 - alpha)
    return mean, float(ci.low), float(ci.high), float(res.pvalue), sd * _effect(n, alpha, power), sd


def _effect(n: int, alpha: float, power: float) -> float:
    """Standardised effect a two-sided paired t-test on ``n`` pairs detects with ``power``."""
    from statsmodels.stats.power import TTestPower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = TTestPower().solve_power(
            effect_size=None, nobs=n, alpha=alpha, power=power, alternative="two-sided"
        )
    return float(d)


def holm(pvalues: Sequence[float], *, alpha: float = ALPHA) -> list[float]:
    """Holm-corrected p-values (statsmodels); ``nan`` entries stay ``nan`` and do not count.

    >>> holm([0.01, 0.04, 0.03, float("nan")])
    [0.03, 0.06, 0.06, nan]
    """
    from statsmodels.stats.multitest import multipletests

    idx = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    out = [math.nan] * len(pvalues)
    if idx:
        corrected = multipletests([pvalues[i] for i in idx], alpha=alpha, method="holm")[1]
        for i, p in zip(idx, corrected, strict=True):
            out[i] = float(p)
    return out


def verdict(mean_diff: float, p_holm: float, *, alpha: float = ALPHA) -> str:
    """``better`` / ``worse`` when ``p_holm < alpha``; ``untestable`` when ``p_holm`` is nan."""
    if math.isnan(p_holm):
        return "untestable"
    if p_holm < alpha:
        return "better" if mean_diff > 0 else "worse"
    return "no detectable difference"


def paired_contrasts(
    values: Mapping[str, Mapping[int, float]],
    pairs: Sequence[tuple[str, str]],
    *,
    metric: str,
    dataset: str = "",
    alpha: float = ALPHA,
    power: float = POWER,
) -> list[Contrast]:
    """Test every pair ``(a, b)`` on the seeds both arms have; Holm over ``pairs``.

    ``values[arm][seed]`` is the metric of one run. ``pairs`` is one family: a pair naming an
    arm absent from ``values`` raises ``ValueError`` (declared contrasts are not dropped
    silently); pairs with no shared seed are tested on zero seeds (``untestable``).
    """
    missing = sorted({arm for pair in pairs for arm in pair} - set(values))
    if missing:
        raise ValueError(f"contrasts name arms that did not run: {missing}; ran {sorted(values)}")
    tests = []
    for a, b in pairs:
        seeds = sorted(set(values[a]) & set(values[b]))
        test = paired_test(
            [values[a][s] for s in seeds], [values[b][s] for s in seeds], alpha=alpha, power=power
        )
        tests.append((a, b, len(seeds), *test))
    corrected = holm([t[6] for t in tests], alpha=alpha)
    out = []
    for (a, b, n, mean, lo, hi, p, mde, sd), ph in zip(tests, corrected, strict=True):
        out.append(
            Contrast(
                a,
                b,
                metric,
                n,
                mean,
                lo,
                hi,
                p,
                ph,
                mde,
                sd,
                verdict(mean, ph, alpha=alpha),
                dataset,
            )
        )
    return out


def with_dataset(contrasts: Sequence[Contrast], dataset: str) -> list[Contrast]:
    """The same contrasts labelled with ``dataset``."""
    return [replace(c, dataset=dataset) for c in contrasts]


def mcnemar_exact(
    pred_a: Sequence[int], pred_b: Sequence[int], labels: Sequence[int]
) -> tuple[int, int, float]:
    """Items only ``a`` got right, items only ``b`` got right, and the exact McNemar p
    (:func:`statsmodels.stats.contingency_tables.mcnemar`) of two probes' predictions on the
    same test items (one seed: same test set and labels).

    >>> mcnemar_exact([1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1])
    (2, 0, 0.5)
    """
    from statsmodels.stats.contingency_tables import mcnemar

    if not len(pred_a) == len(pred_b) == len(labels):
        raise ValueError(
            f"predictions and labels must have one entry per test item, got {len(pred_a)}, "
            f"{len(pred_b)} and {len(labels)}"
        )
    # (a right, b right) per item: the 2 x 2 table of paired outcomes
    n = Counter((x == t, y == t) for x, y, t in zip(pred_a, pred_b, labels, strict=True))
    table = [[n[True, True], n[True, False]], [n[False, True], n[False, False]]]
    result = mcnemar(table, exact=True)
    return n[True, False], n[False, True], float(result.pvalue)


def rejudged(contrasts: Sequence[Contrast], *, alpha: float = ALPHA) -> list[Contrast]:
    """The same contrasts as one Holm family: ``p_holm`` and ``verdict`` recomputed over
    exactly ``contrasts`` (e.g. every contrast that feeds one claim in one modality, across
    datasets), the raw ``p`` and the intervals unchanged.

    >>> c = paired_contrasts({"a": {0: 0.9, 1: 0.8, 2: 0.85}, "b": {0: 0.5, 1: 0.45, 2: 0.5}},
    ...                      [("a", "b")], metric="linear_acc")[0]
    >>> rejudged([c, c])[0].p_holm == min(1.0, 2 * c.p)
    True
    """
    corrected = holm([c.p for c in contrasts], alpha=alpha)
    return [
        replace(c, p_holm=ph, verdict=verdict(c.mean_diff, ph, alpha=alpha))
        for c, ph in zip(contrasts, corrected, strict=True)
    ]


def simultaneous_ci(c: Contrast, family_size: int, *, alpha: float = ALPHA) -> tuple[float, float]:
    """The Bonferroni-adjusted interval of ``c`` in a family of ``family_size`` contrasts:
    the paired t interval at level ``1 - alpha / family_size``, so that all the family's
    intervals cover their true differences together with probability at least ``1 - alpha``
    (:func:`scipy.stats.t.interval` on the contrast's mean, sd and seeds). ``(nan, nan)``
    where the contrast has no t interval; the exact bound where every seed gave the same
    difference.

    >>> c = paired_contrasts({"a": {0: 1.0, 1: 2.0, 2: 3.5}, "b": {0: 0.5, 1: 1.0, 2: 2.0}},
    ...                      [("a", "b")], metric="m")[0]
    >>> [round(v, 4) for v in simultaneous_ci(c, 1)] == [round(c.ci_low, 4), round(c.ci_high, 4)]
    True
    """
    from scipy import stats

    if family_size < 1:
        raise ValueError(f"family_size must be >= 1, got {family_size}")
    if c.n_seeds < 2 or math.isnan(c.sd_diff):
        return math.nan, math.nan
    if c.sd_diff == 0.0:
        return c.mean_diff, c.mean_diff
    lo, hi = stats.t.interval(
        1 - alpha / family_size, c.n_seeds - 1, loc=c.mean_diff, scale=c.sd_diff / c.n_seeds**0.5
    )
    return float(lo), float(hi)


def beats(a: Mapping[int, float], b: Mapping[int, float], *, alpha: float = ALPHA) -> bool:
    """Does ``a`` beat ``b``? Yes when the paired (by seed) difference ``a - b`` over the seeds
    both have has a two-sided ``1 - alpha`` t interval whose lower end is above 0; with one
    seed or no shared seed there is no interval, so no.

    >>> beats({0: 0.9, 1: 0.8, 2: 0.85}, {0: 0.5, 1: 0.45, 2: 0.5})
    True
    >>> beats({0: 0.9}, {0: 0.5})
    False
    """
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        return False
    _, lo, _, _, _, _ = paired_test([a[s] for s in seeds], [b[s] for s in seeds], alpha=alpha)
    return not math.isnan(lo) and lo > 0


def bootstrap_items(
    correct_a: Mapping[int, Sequence[bool]],
    correct_b: Mapping[int, Sequence[bool]],
    *,
    n_boot: int = 2000,
    alpha: float = ALPHA,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``(mean_diff, low, high)``: a percentile bootstrap interval of the accuracy difference
    ``a - b`` that resamples seeds *and* test items.

    ``correct_x[seed][i]`` says whether arm x's probe got test item ``i`` right on that seed
    (same test set for both arms of a seed). Each replicate draws the seeds with replacement,
    then, within each drawn seed, the test items with replacement (the same items for both
    arms: the pairing is kept), and averages the per-seed differences. A seed-level t interval
    leaves out the error of sampling a small test set; this one includes it. Deterministic
    for a given ``seed`` (numpy's PCG64).

    >>> a = {0: [True, True, False, True], 1: [True, False, True, True]}
    >>> b = {0: [True, False, False, True], 1: [False, False, True, True]}
    >>> mean, lo, hi = bootstrap_items(a, b, n_boot=500)
    >>> round(mean, 3), lo <= mean <= hi
    (0.25, True)
    """
    import numpy as np

    seeds = sorted(set(correct_a) & set(correct_b))
    if not seeds:
        return math.nan, math.nan, math.nan
    diffs = []
    for s in seeds:
        xa = np.asarray(correct_a[s], dtype=float)
        xb = np.asarray(correct_b[s], dtype=float)
        if xa.shape != xb.shape or xa.ndim != 1 or len(xa) == 0:
            raise ValueError(
                f"seed {s}: both arms need one entry per test item, got {xa.shape} and {xb.shape}"
            )
        diffs.append(xa - xb)
    mean = float(np.mean([d.mean() for d in diffs]))
    rng = np.random.default_rng(seed)
    k = len(diffs)
    # item means of every (replicate, slot) for every seed, then one seed drawn per slot:
    # a seed drawn twice in a replicate gets two independent item resamples
    item_means = np.stack(
        [d[rng.integers(0, len(d), size=(n_boot, k, len(d)))].mean(axis=2) for d in diffs]
    )  # (seed, replicate, slot)
    picked = rng.integers(0, k, size=(n_boot, k))
    reps = item_means[picked, np.arange(n_boot)[:, None], np.arange(k)[None, :]].mean(axis=1)
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    return mean, float(lo), float(hi)
