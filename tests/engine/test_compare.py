"""run_compare with a stand-in trainer: files, table, resume after an interruption."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from sweep_kit import compare
from torch import nn

from randquant.config import PretrainConfig
from randquant.data import Dataset, SplitData
from randquant.device import resolve_device
from randquant.engine.compare import CompareOptions, run_compare
from randquant.engine.records import RunRecord
from randquant.engine.settings import CompareSettings, TrainedRun
from randquant.engine.store import load_runs
from randquant.engine.tables import markdown_table, summarize

torch.set_num_threads(1)


def toy_dataset() -> Dataset:
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat_interleave(10)
    x = torch.randn(30, 2, 8, generator=gen) + y[:, None, None] * 3.0
    yt = torch.arange(3).repeat_interleave(4)
    xt = torch.randn(12, 2, 8, generator=gen) + yt[:, None, None] * 3.0
    return Dataset("toy", "sequence", SplitData(x, y), SplitData(xt, yt), 3, ("a", "b", "c"))


class Counter:
    """A trainer stand-in: a flatten 'encoder'; counts calls and can fail on the n-th."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail_at = fail_at

    def __call__(
        self, data: Dataset, augment: str, seed: int, settings: CompareSettings, **kw: Any
    ) -> TrainedRun:
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-compare
        self.calls.append((augment, seed))
        assert data.meta["standardized"]
        assert kw["checkpoint_dir"].name.startswith(augment.replace("+", "_"))
        return TrainedRun(nn.Flatten(), final_loss=1.0 + seed, train_seconds=0.5)


def test_compare_writes_all_files(tmp_path: Path) -> None:
    trainer = Counter()
    options = CompareOptions(train=PretrainConfig(epochs=2), device="cpu", progress=False)
    recs = run_compare(toy_dataset(), ["none", "rq"], [0, 1], tmp_path, options, trainer=trainer)
    assert trainer.calls == [("none", 0), ("none", 1), ("rq", 0), ("rq", 1)]
    assert [r.augment for r in recs] == ["none", "none", "rq", "rq"]
    assert recs[0].linear_acc == 1.0 and recs[0].knn_acc > 0.5  # toy data separable as is
    index = json.loads((tmp_path / "results.json").read_text())
    assert set(index) == {"runs", "references", "contrasts", "item_tests", "analysis"}
    assert index["analysis"] == {"label": "declared", "seeds": [0, 1]}
    data = index["runs"]
    assert len(data) == 4
    # one reference row per seed; the raw toy input is separable, so the raw probe is perfect
    assert [r["seed"] for r in index["references"]] == [0, 1]
    assert index["references"][0]["raw_input"]["linear_acc"] == 1.0
    assert set(index["references"][0]["untrained"]) == {"linear_acc", "knn_acc"}
    # default contrast: rq against every other arm, on both metrics, paired over 2 seeds
    pairs = [(c["a"], c["b"], c["metric"], c["n_seeds"]) for c in index["contrasts"]]
    assert pairs == [("rq", "none", "linear_acc", 2), ("rq", "none", "knn_acc", 2)]
    declared = json.loads((tmp_path / "contrasts.json").read_text())
    assert declared["pairs"] == [["rq", "none"]] and declared["seeds"] == [0, 1]
    assert declared["dataset"] == "toy" and declared["not_run"] == {}
    assert len(data[0]["predictions"]["linear"]) == 12 and data[0]["probe"]["converged"] == 1.0
    required = {
        "augment",
        "method",
        "seed",
        "epochs",
        "linear_acc",
        "knn_acc",
        "train_seconds",
        "final_loss",
    }
    assert required | {"linear_f1", "knn_f1", "dataset", "encoder"} <= set(data[0])
    assert data[1]["final_loss"] == 2.0 and data[0]["encoder"] == "auto:Flatten"
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert len(rows) == 4 and rows[2]["augment"] == "rq"
    md = (tmp_path / "results.md").read_text()
    assert "| none | simclr | auto:Flatten | 2 | 2 | **100.0 ± 0.0**" in md
    # the reference rows and the contrast table come under the per-arm table
    assert md.index("| augment |") < md.index("| raw input") < md.index("| rq − none |")
    assert len(list((tmp_path / "runs").glob("*.json"))) == 4
    assert not list(tmp_path.rglob("*.tmp"))


def test_compare_resumes_after_interruption(tmp_path: Path) -> None:
    ds = toy_dataset()
    with pytest.raises(KeyboardInterrupt):
        compare(
            ds,
            ["none", "noise", "rq"],
            "simclr",
            1,
            [0, 1],
            tmp_path,
            device="cpu",
            progress=False,
            trainer=Counter(fail_at=3),
        )
    assert len(load_runs(tmp_path / "runs")) == 3
    index = json.loads((tmp_path / "results.json").read_text())
    assert len(index["runs"]) == 3  # written after each run
    again = Counter()
    recs = compare(
        ds,
        ["none", "noise", "rq"],
        "simclr",
        1,
        [0, 1],
        tmp_path,
        device="cpu",
        progress=False,
        trainer=again,
    )
    assert again.calls == [("noise", 1), ("rq", 0), ("rq", 1)]
    assert len(recs) == 6
    # a changed setting is a different run, not a cached one
    third = Counter()
    compare(
        ds,
        ["none"],
        "simclr",
        1,
        [0],
        tmp_path,
        batch_size=8,
        device="cpu",
        progress=False,
        trainer=third,
    )
    assert third.calls == [("none", 0)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"augments": []}, "augments must name"),
        ({"seeds": []}, "seeds must hold"),
        ({"seeds": [0, 0]}, "must not repeat"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"rq_on": "output"}, "rq_on must be"),
        ({"device": "tpu"}, "device must be one of"),
        ({"lr": -1.0}, "lr must be > 0"),
    ],
)
def test_compare_validates_options(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"augments": ["none"], "seeds": [0], "epochs": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        compare(
            toy_dataset(),
            args.pop("augments"),
            "simclr",
            args.pop("epochs"),
            args.pop("seeds"),
            tmp_path,
            trainer=Counter(),
            progress=False,
            **args,
        )


def test_resolve_device_cpu_and_missing_gpu() -> None:
    assert resolve_device("cpu") == ("cpu", torch.device("cpu"))
    if not torch.cuda.is_available():
        assert resolve_device("auto")[0] == "cpu"
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


def rec(augment: str, seed: int, acc: float) -> RunRecord:
    return RunRecord(
        augment,
        "simclr",
        seed,
        5,
        acc,
        acc / 2,
        acc,
        acc,
        1.0,
        0.1,
        "d",
        "cnn1d",
        8,
        "input",
        1e-4,
        f"{augment}{seed}",
    )


def test_summary_mean_and_sample_std() -> None:
    rows = summarize([rec("rq", 0, 0.5), rec("rq", 1, 0.7), rec("none", 0, 0.4)])
    assert [r["augment"] for r in rows] == ["rq", "none"]
    assert rows[0]["linear_acc_mean"] == pytest.approx(0.6)
    assert rows[0]["linear_acc_std"] == pytest.approx(0.1414213, rel=1e-5)
    assert rows[1]["n"] == 1 and rows[1]["linear_acc_std"] == 0.0
    md = markdown_table([rec("rq", 0, 0.5), rec("rq", 1, 0.7), rec("none", 0, 0.4)])
    assert "| rq | simclr | cnn1d | 5 | 2 | **60.0 ± 14.1** | **30.0 ± 7.1**" in md
    assert "| none | simclr | cnn1d | 5 | 1 | 40.0 ± 0.0 |" in md


def test_split_specs_keeps_options_with_their_augmentation() -> None:
    from randquant.augment.spec import split_specs

    assert split_specs("rq:bins=16,proxy=middle,noise, crop+rq:p=0.5,none") == [
        "rq:bins=16,proxy=middle",
        "noise",
        "crop+rq:p=0.5",
        "none",
    ]
    assert split_specs(" , ") == []


def test_a_stop_inside_pretrain_is_not_reported_as_success(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import randquant.engine.training
    from randquant.engine.run import pretrain_one

    def stopped(*args: Any, **kwargs: Any) -> None:
        raise SystemExit()  # what Lightning's SIGTERMException amounts to

    monkeypatch.setattr(randquant.engine.training, "pretrain", stopped)
    settings = CompareSettings(epochs=1, batch_size=4, device="cpu")
    with pytest.raises(SystemExit, match="was stopped; run again to resume") as info:
        pretrain_one(toy_dataset(), "none", 0, settings, checkpoint_dir=tmp_path, progress=False)
    assert info.value.code not in (None, 0)


def test_arms_identical_on_the_data_are_not_run_and_are_named(tmp_path: Path) -> None:
    from dataclasses import replace

    two = toy_dataset()
    one = replace(
        two,
        train=SplitData(two.train.x[:, :1], two.train.y),
        test=SplitData(two.test.x[:, :1], two.test.y),
    )
    trainer = Counter()
    recs = compare(
        one, ["none", "channel_mask", "rq"], "simclr", 1, [0], tmp_path,
        device="cpu", progress=False, trainer=trainer, references=False,
    )  # fmt: skip
    # one channel: channel_mask always keeps it, so it is none; it is never trained
    assert [a for a, _ in trainer.calls] == ["none", "rq"] and len(recs) == 2
    declared = json.loads((tmp_path / "contrasts.json").read_text())
    assert declared["not_run"] == {"channel_mask": "none"}
    assert ["rq", "channel_mask"] not in declared["pairs"]
    md = (tmp_path / "results.md").read_text()
    assert "Not run, their views equal another arm's on this data: channel_mask (= none)." in md
    # on two channels it is a real arm
    again = Counter()
    compare(
        two, ["none", "channel_mask"], "simclr", 1, [0], tmp_path / "two",
        device="cpu", progress=False, trainer=again, references=False,
    )  # fmt: skip
    assert [a for a, _ in again.calls] == ["none", "channel_mask"]
