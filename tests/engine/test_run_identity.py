"""A comparison's run id covers the data's content and every result-changing setting, so a
finished run is reused only for the same run; summaries never average different runs."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from randquant.data.base import Dataset, SplitData
from randquant.engine.records import RunRecord
from randquant.engine.settings import CompareSettings, run_id
from randquant.engine.tables import markdown_table, summarize


def _data(scale: float = 1.0, name: str = "tiny") -> Dataset:
    x = torch.arange(24, dtype=torch.float32).reshape(6, 1, 4) * scale
    y = torch.tensor([0, 1] * 3)
    return Dataset(name, "sequence", SplitData(x, y), SplitData(x[:2], y[:2]), 2, ("a", "b"))


def test_other_data_under_the_same_name_and_shape_gets_another_id() -> None:
    s = CompareSettings()
    assert run_id(_data(), "rq", 0, s) == run_id(_data(), "rq", 0, s)
    assert run_id(_data(), "rq", 0, s) != run_id(_data(2.0), "rq", 0, s)
    labels = _data()
    swapped = dataclasses.replace(labels, train=SplitData(labels.train.x, 1 - labels.train.y))
    assert run_id(labels, "rq", 0, s) != run_id(swapped, "rq", 0, s)


@pytest.mark.parametrize(
    "change",
    [
        {"method": "byol"},
        {"epochs": 7},
        {"encoder": "cnn1d"},
        {"width": 16},
        {"batch_size": 32},
        {"rq_on": "embedding"},
        {"lr": 0.1},
        {"weight_decay": 0.5},
        {"pretrain_options": {"warmup_epochs": 3}},
    ],
)
def test_every_setting_changes_the_id(change: dict[str, object]) -> None:
    base = CompareSettings()
    other = dataclasses.replace(base, **change)  # type: ignore[arg-type]
    assert run_id(_data(), "rq", 0, base) != run_id(_data(), "rq", 0, other)


def test_probe_options_and_not_the_device_change_the_id() -> None:
    s = CompareSettings()
    assert run_id(_data(), "rq", 0, s, probe={"max_iter": 5}) != run_id(
        _data(), "rq", 0, s, probe={"max_iter": 500}
    )
    assert run_id(_data(), "rq", 0, s) == run_id(
        _data(), "rq", 0, dataclasses.replace(s, device="cpu")
    )


def test_a_long_spec_gives_a_legal_file_name() -> None:
    spec = "+".join(["rq:bins=8,p=0.5,spacing=uniform"] * 10)  # ~320 characters
    rid = run_id(_data(), spec, 0, CompareSettings())
    assert len(rid.encode()) + len(".json") < 255
    assert rid != run_id(_data(), spec + "+noise", 0, CompareSettings())


def _record(seed: int, acc: float, rid: str, **kw: object) -> RunRecord:
    fields = dict(
        augment="rq", method="simclr", seed=seed, epochs=5, linear_acc=acc, knn_acc=acc,
        linear_f1=acc, knn_f1=acc, train_seconds=1.0, final_loss=0.1, dataset="d",
        encoder="cnn1d", batch_size=8, rq_on="input", linear_weight_decay=1e-4, run_id=rid,
    )  # fmt: skip
    fields.update(kw)
    return RunRecord(**fields)  # type: ignore[arg-type]


def test_summaries_group_by_every_setting_that_differs() -> None:
    s = CompareSettings()
    wide = dataclasses.replace(s, width=16)  # a setting the record has no column for
    records = [
        _record(0, 0.5, run_id(_data(), "rq", 0, s)),
        _record(1, 0.7, run_id(_data(), "rq", 1, s)),
        _record(0, 0.9, run_id(_data(), "rq", 0, wide)),
        _record(0, 0.1, run_id(_data(), "rq", 0, s), batch_size=16),
        _record(0, 0.2, run_id(_data(), "rq", 0, s), dataset="other"),
    ]
    rows = summarize(records)
    assert [r["n"] for r in rows] == [2, 1, 1, 1]
    assert rows[0]["linear_acc_mean"] == pytest.approx(0.6)
    md = markdown_table(records)
    assert "| dataset |" in md and "| batch |" in md and "| settings |" in md


def test_run_ids_stay_those_of_finished_folders() -> None:
    """An id is how a rerun finds its finished record: the same settings must give the
    same id across versions (these were written before the engine was split into floors)."""
    s = CompareSettings(
        method="byol", epochs=3, encoder="cnn1d", width=8, batch_size=4, rq_on="input",
        lr=0.01, device="cpu", pretrain_options={"optimizer": "adamw", "warmup_epochs": 1},
    )  # fmt: skip
    assert run_id(_data(), "crop+rq:bins=16", 2, s, probe={"max_iter": 500}) == (
        "crop_rq_bins=16__byol__e3__s2__467e6bcae445"
    )
    assert run_id(_data(), "none", 0, s) == "none__byol__e3__s0__e40a5991949f"
    # the planner names compare's runs with the probe's options, the bench's without
    from pathlib import Path

    from randquant.engine.plan import Experiment

    arms = ("crop+rq:bins=16", "none")
    bench = Experiment(Path("out"), "tiny", arms, (0,), s, probe_in_id=False)
    compare = Experiment(Path("out"), "tiny", arms, (2,), s, probe_max_iter=500)
    assert bench.spec(_data(), "none", 0).run_id == "none__byol__e3__s0__e40a5991949f"
    assert compare.spec(_data(), "crop+rq:bins=16", 2).run_id == (
        "crop_rq_bins=16__byol__e3__s2__467e6bcae445"
    )
