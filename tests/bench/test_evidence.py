"""Claim verdicts from contrasts (made-up contrasts, not results)."""

from __future__ import annotations

import math

from randquant.bench.evidence import CLAIMS, judge
from randquant.evaluate.stats import Contrast


def c(a: str, b: str, verdict: str, lo: float = -0.01, dataset: str = "d") -> Contrast:
    return Contrast(a, b, "linear_acc", 5, 0.0, lo, 0.02, 0.5, 0.5, 0.03, 0.01, verdict, dataset)


BEATS, PAR, _, INTERIOR = CLAIMS[0], CLAIMS[1], CLAIMS[2], CLAIMS[3]


def test_beats_claims() -> None:
    nd = "no detectable difference"
    assert judge(BEATS, []) == "untested"
    assert judge(BEATS, [c("rq", "noise", "better"), c("rq", "mask", nd)]) == "supported"
    assert judge(BEATS, [c("rq", "noise", "worse"), c("rq", "mask", nd)]) == "contradicted"
    assert judge(BEATS, [c("rq", "noise", "worse"), c("rq", "mask", "better")]) == "mixed"
    assert judge(BEATS, [c("rq", "noise", nd)]) == "not detectable at this scale"


def test_par_claim_needs_every_ci_above_the_margin() -> None:
    nd = "no detectable difference"
    assert judge(PAR, [c("rq", "specific", nd, lo=-0.049)]) == "supported"
    assert judge(PAR, [c("rq", "specific", nd, lo=-0.06)]) == "not detectable at this scale"
    assert judge(PAR, [c("rq", "specific", nd, lo=math.nan)]) == "not detectable at this scale"
    assert judge(PAR, [c("rq", "specific", "worse", lo=-0.01)]) == "contradicted"


def test_interior_optimum_needs_both_ends_beaten_on_a_dataset() -> None:
    one_end = [c("rq", "rq:bins=1", "better"), c("rq", "rq:bins=64", "no detectable difference")]
    assert judge(INTERIOR, one_end) == "not detectable at this scale"
    both = [c("rq", "rq:bins=1", "better"), c("rq", "rq:bins=64", "better")]
    assert judge(INTERIOR, both) == "supported"
    other = [
        c("rq", "rq:bins=1", "worse", dataset="e"),
        c("rq", "rq:bins=64", "better", dataset="e"),
    ]
    assert judge(INTERIOR, both + other) == "mixed"
