"""The defaults plan of `randquant compare` (randquant.engine.defaults): the rule, the budget."""

from __future__ import annotations

from typing import Any

import pytest
from torch import nn

from randquant.engine.defaults import (
    DEFAULT_BUDGET_S,
    MAX_STEPS,
    MIN_STEPS,
    REFERENCE_RUNS,
    REFERENCE_WORKERS,
    TRAIN_SHARE,
    Budget,
    Plan,
    default_encoder,
    make_plan,
    parse_budget,
    plan_steps,
    sample_macs,
)
from randquant.engine.sweep import SweepClock


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("10m", Budget(seconds=600.0)),
        ("10min", Budget(seconds=600.0)),
        (" 90s ", Budget(seconds=90.0)),
        ("1.5h", Budget(seconds=5400.0)),
        ("2000steps", Budget(steps=2000)),
        ("1step", Budget(steps=1)),
        ("300 STEPS", Budget(steps=300)),
    ],
)
def test_budget_parses_times_and_steps(text: str, budget: Budget) -> None:
    assert parse_budget(text) == budget


@pytest.mark.parametrize("text", ["10", "ten minutes", "0m", "1.5steps", "0steps", "-3m", ""])
def test_a_bad_budget_is_one_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="budget"):
        parse_budget(text)


def test_small_images_get_the_wide_convnet_and_everything_else_the_auto_encoder() -> None:
    assert default_encoder("image", (1, 8, 8)) == ("convnet", 256)
    assert default_encoder("image", (3, 64, 64)) == ("convnet", 256)
    assert default_encoder("image", (3, 65, 64)) == ("auto", 64)
    assert default_encoder("sequence", (6, 100)) == ("auto", 64)
    assert default_encoder("points", (1024, 3)) == ("auto", 64)


def test_sample_macs_counts_convolutions_and_linear_layers() -> None:
    net = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 10, 5))
    # conv: 10 positions x 4 outputs x (2 inputs x 3 taps); linear: 40 x 5
    assert sample_macs(net, (2, 10), "sequence") == 10 * 4 * 6 + 40 * 5


def test_default_steps_fill_the_reference_sweep_whatever_the_seeds_and_workers() -> None:
    """Adding seeds or workers must not change the default runs (their ids, their results)."""
    a = plan_steps(None, step_seconds=0.2, probe_seconds=10.0, runs=12, workers=2)
    b = plan_steps(None, step_seconds=0.2, probe_seconds=10.0, runs=40, workers=16)
    waves = -(-REFERENCE_RUNS // REFERENCE_WORKERS)
    assert a == b == int((DEFAULT_BUDGET_S * TRAIN_SHARE / waves - 10.0) / 0.2)


def test_default_steps_stay_within_bounds() -> None:
    assert plan_steps(None, step_seconds=1e-4, probe_seconds=0.0, runs=1, workers=1) == MAX_STEPS
    assert plan_steps(None, step_seconds=100.0, probe_seconds=0.0, runs=1, workers=1) == MIN_STEPS


def test_a_time_budget_sizes_the_users_own_sweep() -> None:
    ten = Budget(seconds=600.0)
    one_worker = plan_steps(ten, step_seconds=0.1, probe_seconds=0.0, runs=8, workers=1)
    two_workers = plan_steps(ten, step_seconds=0.1, probe_seconds=0.0, runs=8, workers=2)
    assert one_worker == int(600 * TRAIN_SHARE / 8 / 0.1)
    assert two_workers == 2 * one_worker
    # a budget too small for the minimum gets what fits, at least one step
    assert plan_steps(Budget(seconds=1.0), step_seconds=5.0, probe_seconds=0.0, runs=4,
                      workers=1) == 1  # fmt: skip


def test_steps_named_by_the_budget_are_taken_as_given() -> None:
    assert plan_steps(Budget(steps=77), step_seconds=9.0, probe_seconds=9.0, runs=99,
                      workers=1) == 77  # fmt: skip


def _plan(**kw: Any) -> Plan:
    args: dict[str, Any] = dict(layout="image", sample_shape=(3, 32, 32), n_train=1000,
                                n_test=300, runs=8, workers=2)  # fmt: skip
    args.update(kw)
    return make_plan(**args)


def test_the_defaults_never_time_this_machine() -> None:
    def measure(model: nn.Module, batch: int) -> float:
        raise AssertionError("the default plan must not depend on a measurement")

    plan = _plan(measure=measure)
    assert (plan.encoder, plan.width, plan.basis) == ("convnet", 256, "defaults")
    assert MIN_STEPS <= plan.steps <= MAX_STEPS


def test_a_time_budget_uses_the_measured_cost_per_step() -> None:
    seen: list[int] = []

    def measure(model: nn.Module, batch: int) -> float:
        seen.append(batch)
        return 0.5

    plan = _plan(budget=Budget(seconds=1200.0), measure=measure)
    assert seen == [64]  # the small recipe's batch for 1,000 samples
    assert plan.step_seconds == 0.5 and plan.cost_source == "measured here"
    assert plan.steps == int((1200 * TRAIN_SHARE / 4 - plan.probe_seconds) / 0.5)
    assert plan.epochs * (1000 // 64) >= plan.steps
    assert "budget 20 min" in plan.describe()


def test_explicit_encoder_width_and_batch_win_over_the_rule() -> None:
    plan = _plan(encoder="resnet", width=32, batch_size=16)
    assert (plan.encoder, plan.width, plan.batch_size) == ("resnet", 32, 16)
    # an explicit encoder without a width gets the plain default width, not the ConvNet's
    assert _plan(encoder="resnet").width == 64
    assert _plan(width=128).encoder == "convnet"


def test_the_sweep_clock_counts_every_run_left() -> None:
    clock = SweepClock(todo=6, workers=2, run_seconds=100.0, started=0.0)
    assert clock.left(finished=0, now=0.0) == 300.0  # three waves of two
    assert clock.left(finished=0, now=500.0) == 0.0
    assert clock.left(finished=3, now=150.0) == 150.0  # the pace so far: 50 s a run
    assert SweepClock(todo=2, workers=1, run_seconds=None, started=0.0).left(
        finished=0, now=1.0) is None  # fmt: skip
    assert "min left" in clock.text(finished=0, now=0.0)


def test_a_time_budget_without_a_measurement_uses_the_estimate() -> None:
    """The demo sizes its runs this way: the same steps on every machine."""
    plan = _plan(budget=Budget(seconds=240.0))
    assert plan.cost_source == "reference machine, estimate"
    expected = int((240 * TRAIN_SHARE / 4 - plan.probe_seconds) / plan.step_seconds)
    assert plan.steps == max(1, expected)
