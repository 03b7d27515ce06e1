"""The rule that decides which contrasts may count toward a claim (made-up accuracies)."""

from __future__ import annotations

import pytest

from randquant.evaluate.learned import assess

SEEDS = range(4)
RAW = {s: 0.70 for s in SEEDS}
UNTRAINED = {s: 0.50 + 0.01 * (s % 2) for s in SEEDS}


def arm(level: float) -> dict[int, float]:
    return {s: level + 0.005 * (s % 3) for s in SEEDS}


def test_a_contrast_counts_only_where_both_arms_learned() -> None:
    learned = assess(
        "d",
        {"rq": arm(0.80), "noise": arm(0.60), "none": arm(0.505), "mask": arm(0.75)},
        raw=RAW,
        untrained=UNTRAINED,
        n_test=500,
    )
    assert learned.above_untrained == {"rq", "noise", "mask"}
    assert learned.above_raw == {"rq", "mask"}
    assert learned.counts("rq", "noise")  # both above untrained, rq above raw
    assert not learned.counts("rq", "none")  # none did not learn
    assert learned.why_not("rq", "none") == "none not above the untrained encoder"
    # on par needs both arms above both references
    assert learned.counts_par("rq", "mask") and not learned.counts_par("rq", "noise")
    assert learned.learned


def test_no_arm_above_the_raw_input_counts_nothing() -> None:
    learned = assess("d", {"rq": arm(0.65), "noise": arm(0.60)}, raw=RAW, untrained=UNTRAINED,
                     n_test=500)  # fmt: skip
    assert not learned.counts("rq", "noise") and not learned.learned
    assert learned.why_not("rq", "noise") == "neither arm above the raw input"


def test_a_reference_at_the_ceiling_drops_the_dataset() -> None:
    # 40 test items: 97.5 % is one item wrong, nothing can beat it by more than one item
    learned = assess("d", {"rq": arm(0.99), "none": arm(0.99)}, raw={s: 0.8 for s in SEEDS},
                     untrained={s: 0.975 for s in SEEDS}, n_test=40)  # fmt: skip
    assert learned.ceiling.startswith("ceiling: the untrained encoder scores 97.5 %")
    assert not learned.counts("rq", "none")
    below = assess("d", {"rq": arm(0.99)}, raw={s: 0.8 for s in SEEDS},
                   untrained={s: 0.95 for s in SEEDS}, n_test=40)  # fmt: skip
    assert below.ceiling == ""
    with pytest.raises(ValueError, match="n_test"):
        assess("d", {}, raw=RAW, untrained=UNTRAINED, n_test=0)
