"""Fuzzing the op: generated inputs through the numba and torch backends and the numpy twin.

``pytest -m fuzz`` (``make fuzz``) runs :data:`FUZZ_EXAMPLES` cases (10,000 unless
``RANDQUANT_FUZZ_EXAMPLES`` says otherwise); the same test runs in CI on fewer cases. Each case
is counted, and the run fails if fewer were checked than asked for.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings

from tests.ops.op_cases import Case, cases, check_case

FUZZ_EXAMPLES = int(os.environ.get("RANDQUANT_FUZZ_EXAMPLES", "10000"))
CI_EXAMPLES = 200
_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _run(examples: int) -> tuple[int, float]:
    """Check ``examples`` generated cases; return how many ran and the wall time."""
    seen = {"count": 0}

    @settings(max_examples=examples, deadline=None, suppress_health_check=_RELAXED)
    @given(cases())
    def one(case: Case) -> None:
        seen["count"] += 1
        check_case(case)

    start = time.perf_counter()
    one()
    return int(seen["count"]), time.perf_counter() - start


def test_op_properties_on_generated_inputs() -> None:
    count, _ = _run(CI_EXAMPLES)
    assert count >= CI_EXAMPLES


@pytest.mark.fuzz
def test_fuzz_op(capsys: pytest.CaptureFixture[str]) -> None:
    count, seconds = _run(FUZZ_EXAMPLES)
    with capsys.disabled():
        print(f"\nfuzz: {count} generated inputs checked in {seconds:.1f} s")
    assert count >= FUZZ_EXAMPLES
