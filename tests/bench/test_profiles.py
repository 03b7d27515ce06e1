"""The bench profiles are data: one YAML file per profile, read into Budget rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from randquant.bench.profiles import POWER_SEEDS, PROFILE_TABLE, Budget, budget_for, read_profile


def test_a_named_row_gives_only_what_differs_from_the_default() -> None:
    power = PROFILE_TABLE["power"]
    assert power["letter"] == Budget(
        epochs=None, steps=1000, batch_size=256, width=256, train=4000, test=2000,
        data_profile="full", probe_max_iter=1000, recipe="small",
        arms=("rq", "noise", "scarf", "mixup"), encoder="mlp", method="simclr",
    )  # fmt: skip
    assert budget_for("quick", "digits") == Budget(
        epochs=10, batch_size=64, width=16, train=512, test=256
    )
    assert budget_for("full", "no_such_dataset") == PROFILE_TABLE["full"]["default"]
    assert POWER_SEEDS == {
        "digits": 10, "mnist1d": 10, "letter": 10,
        "espeak_digits": 5, "furniture": 5, "wordnet_glosses": 5,
    }  # fmt: skip


def test_a_bad_profile_file_names_the_file_and_the_row(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("budgets:\n  default: {epochs: 5, batch_size: 8, width: 8, train: 1, test: 1}\n"
                    "  digits: {steps: 10}\n")  # fmt: skip
    with pytest.raises(ValueError, match=r"mine.yaml: budgets.digits: a budget needs epochs or"):
        read_profile(path)
    path.write_text("budgets:\n  digits: {epochs: 5}\n")
    with pytest.raises(ValueError, match=r"needs budgets\.default"):
        read_profile(path)
