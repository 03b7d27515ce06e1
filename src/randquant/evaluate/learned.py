"""Which runs learned: the rule that decides whether a contrast may count toward a claim.

A comparison of two augmentations says something about what they *teach* only where the
runs learned something. This module states that rule once; every claim verdict goes
through it (:mod:`randquant.bench.evidence`).

**Beats.** Arm X *beats* a reference on a dataset when the paired (by seed) difference of
their linear-probe accuracies, X − reference, has a 95 % t interval whose lower end is above
0 (:func:`randquant.evaluate.stats.beats`; the reference of seed s is that seed's untrained
encoder, or the raw input probed with that seed's folds). One seed gives no interval, so it
never beats anything.

**Ceiling.** A dataset is at its ceiling when a reference leaves at most one test item
wrong per seed on average (mean accuracy ≥ 1 − 1 / test items): nothing can beat it by more
than one item, so no contrast there can fail. Ceiling datasets are dropped and named.

**Counts.** A contrast ``a − b`` counts toward a ``beats`` claim on a dataset that is not at
its ceiling, where *both* arms beat the untrained encoder and *at least one* beats the raw
input. An equivalence ("on par") contrast counts only where *both* arms beat *both*
references: an equivalence between runs that learned nothing cannot fail.

>>> L = assess("d", {"rq": {0: 0.8, 1: 0.82, 2: 0.81}, "noise": {0: 0.6, 1: 0.62, 2: 0.61}},
...            raw={0: 0.7, 1: 0.7, 2: 0.7}, untrained={0: 0.5, 1: 0.52, 2: 0.5}, n_test=500)
>>> L.counts("rq", "noise"), L.counts_par("rq", "noise")
(True, False)
>>> L.why_not("rq", "noise", par=True)
'noise not above the raw input'
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from randquant.evaluate.stats import ALPHA, beats

Values = Mapping[int, float]


@dataclass(frozen=True)
class Learning:
    """What the runs of one dataset learned against its two references (linear probe).

    ``above_untrained`` / ``above_raw``: the arms that beat each reference; ``ceiling``: why
    the dataset cannot rank arms (``""`` when it can); ``raw`` / ``untrained``: the
    references' mean accuracies.
    """

    dataset: str
    arms: frozenset[str]
    above_untrained: frozenset[str]
    above_raw: frozenset[str]
    raw: float
    untrained: float
    ceiling: str = ""

    def counts(self, a: str, b: str) -> bool:
        """May the contrast ``a − b`` count toward a ``beats`` claim here?"""
        return not self.why_not(a, b)

    def counts_par(self, a: str, b: str) -> bool:
        """May the contrast ``a − b`` count toward an equivalence ("on par") claim here?"""
        return not self.why_not(a, b, par=True)

    def why_not(self, a: str, b: str, *, par: bool = False) -> str:
        """``""`` when the contrast counts, else the reason in a few words."""
        if self.ceiling:
            return self.ceiling
        for arm in (a, b):
            if arm not in self.above_untrained:
                return f"{arm} not above the untrained encoder"
        if par:
            for arm in (a, b):
                if arm not in self.above_raw:
                    return f"{arm} not above the raw input"
        elif a not in self.above_raw and b not in self.above_raw:
            return "neither arm above the raw input"
        return ""

    @property
    def learned(self) -> bool:
        """Did any arm learn here (above the untrained encoder and the raw input, no ceiling)?"""
        return not self.ceiling and bool(self.above_untrained & self.above_raw)


def assess(
    dataset: str,
    arms: Mapping[str, Values],
    *,
    raw: Values,
    untrained: Values,
    n_test: int,
    alpha: float = ALPHA,
) -> Learning:
    """Apply the rule to one dataset: ``arms[arm][seed]``, ``raw[seed]`` and
    ``untrained[seed]`` are linear-probe accuracies (fractions) on a test set of ``n_test``
    items."""
    if n_test < 1:
        raise ValueError(f"n_test must be >= 1, got {n_test}")
    raw_mean = statistics.fmean(raw.values()) if raw else float("nan")
    unt_mean = statistics.fmean(untrained.values()) if untrained else float("nan")
    ceiling = ""
    top = max((v for v in (raw_mean, unt_mean) if v == v), default=0.0)
    if top >= 1 - 1 / n_test:
        which = "untrained encoder" if unt_mean >= raw_mean else "raw input"
        ceiling = f"ceiling: the {which} scores {100 * top:.1f} % on {n_test} test items"
    return Learning(
        dataset=dataset,
        arms=frozenset(arms),
        above_untrained=frozenset(a for a, v in arms.items() if beats(v, untrained, alpha=alpha)),
        above_raw=frozenset(a for a, v in arms.items() if beats(v, raw, alpha=alpha)),
        raw=raw_mean,
        untrained=unt_mean,
        ceiling=ceiling,
    )
