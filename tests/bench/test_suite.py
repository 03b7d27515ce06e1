"""The suite's plan and its runs: a real 1-epoch run on a small stand-in dataset, resume, skips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from randquant.augment.spec import rq_bins
from randquant.bench.ablation import ablation_jobs, run_ablation
from randquant.bench.plan import CROP_AUGMENTS, Job, plan_dataset, plan_suite
from randquant.bench.profiles import Budget, budget_for, subset
from randquant.bench.runner import run_jobs
from randquant.data import Dataset, SplitData
from randquant.engine.run import pretrain_one
from randquant.engine.store import load_runs

torch.set_num_threads(1)
TINY = Budget(epochs=1, batch_size=8, width=8, train=None, test=None, probe_max_iter=20)


def stand_in() -> Dataset:
    """Generated sensor-like data (3 classes, 2 channels x 16 steps), not a real dataset."""
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat_interleave(8)
    x = torch.randn(24, 2, 16, generator=gen) + y[:, None, None]
    return Dataset(
        "stand_in",
        "sequence",
        SplitData(x, y),
        SplitData(x[::2], y[::2]),
        3,
        ("a", "b", "c"),
        meta={"modality": "sensor"},
    )


def test_crop_on_tabular_is_skipped_with_a_note() -> None:
    jobs, notes = plan_dataset("wine", "vector", "tabular")
    main = next(j for j in jobs if j.group == "main")
    assert not set(CROP_AUGMENTS) & set(main.augments)
    assert len(notes) == 1 and "wine" in notes[0] and "crop+rq" in notes[0]
    assert {j.group for j in jobs} == {"main", "dabs", "shed"}
    dabs = next(j for j in jobs if j.group == "dabs")
    assert dabs.rq_on == "embedding" and dabs.encoder == "transformer"
    assert set(dabs.augments) == {"rq", "mixup"}


def test_tokens_run_rq_on_embeddings_and_images_get_crops() -> None:
    jobs, notes = plan_dataset("glosses", "tokens", "text")
    assert jobs[0].rq_on == "embedding" and "crop+rq" in jobs[0].augments and not notes
    assert [j.method for j in jobs] == ["moco_v3", "shed"]
    img, _ = plan_dataset("digits", "image", "image")
    assert len(img) == 1 and img[0].method == "simclr" and len(img[0].augments) == 12
    audio, _ = plan_dataset("speech", "sequence", "audio")
    assert audio[0].method == "byol"


def test_scarf_runs_on_feature_data_and_a_profile_row_can_name_its_arms() -> None:
    sensor, _ = plan_dataset("mnist1d", "sequence", "sensor")
    assert "scarf" in sensor[0].augments and ("rq", "scarf") in sensor[0].contrasts
    img, _ = plan_dataset("digits", "image", "image")
    assert "scarf" not in img[0].augments
    jobs, notes = plan_dataset(
        "letter", "vector", "tabular", arms=("rq", "scarf", "noise"), encoder="transformer"
    )
    assert len(jobs) == 1 and jobs[0].augments == ("rq", "scarf", "noise")  # no dabs, no shed
    assert jobs[0].encoder == "transformer" and jobs[0].contrasts == (
        ("rq", "noise"), ("rq", "scarf"),
    )  # fmt: skip
    assert "runs only rq, scarf, noise" in notes[-1]
    with pytest.raises(ValueError, match=r"letter: arms \['crop'\] not in its plan"):
        plan_dataset("letter", "vector", "tabular", arms=("rq", "crop"))


def test_profiles_and_groups() -> None:
    assert budget_for("quick", "digits").epochs == 10
    assert budget_for("quick", "no_such_set") == budget_for("quick", "default")
    with pytest.raises(ValueError, match="profile"):
        budget_for("huge", "digits")
    plan = plan_suite([("wine", "vector", "tabular")], "quick", groups=["shed"])
    assert [j.group for j in plan.jobs] == ["shed"] and plan.n_runs(3) == 3


def test_subset_is_stratified_and_fixed() -> None:
    ds = stand_in()
    small = subset(ds, 6, None)
    assert len(small.train) == 6 and sorted(small.train.y.tolist()) == [0, 0, 1, 1, 2, 2]
    assert torch.equal(subset(ds, 6, None).train.x, small.train.x)
    assert len(small.test) == len(ds.test)


class Counting:
    """Wraps the real trainer and counts the runs it trains."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, int]] = []

    def __call__(self, data: Dataset, augment: str, seed: int, *a: Any, **kw: Any) -> Any:
        self.runs.append((augment, seed))
        return pretrain_one(data, augment, seed, *a, **kw)


def test_real_one_epoch_run_then_resume_skips(tmp_path: Path) -> None:
    job = Job("stand_in", "main", ("rq",), "simclr", "input")
    counter = Counting()

    def run() -> None:
        run_jobs(
            [job],
            {"stand_in": TINY},
            [0],
            tmp_path,
            loader=lambda n, b: stand_in(),
            trainer=counter,
            progress=False,
        )

    run()
    records = load_runs(tmp_path / "stand_in" / "main" / "runs")
    assert len(records) == 1 and counter.runs == [("rq", 0)]
    r = records[0]
    assert r.augment == "rq" and r.epochs == 1 and 0.0 <= r.linear_acc <= 1.0
    assert r.final_loss == r.final_loss and r.final_loss > 0  # finite SSL loss recorded
    run()  # resumes: the finished run is skipped
    assert counter.runs == [("rq", 0)]


def test_a_failing_setting_is_noted_and_the_rest_runs(tmp_path: Path) -> None:
    jobs = [
        Job("stand_in", "bad", ("rq",), "simclr", "input"),
        Job("stand_in", "good", ("none",), "simclr", "input"),
    ]

    def trainer(data: Dataset, augment: str, *a: Any, **kw: Any) -> Any:
        if augment == "rq":
            raise RuntimeError("boom")
        return pretrain_one(data, augment, *a, **kw)

    run_jobs(
        jobs,
        {"stand_in": TINY},
        [0],
        tmp_path,
        loader=lambda n, b: stand_in(),
        trainer=trainer,
        progress=False,
    )
    assert "boom" in (tmp_path / "failures.json").read_text()
    assert len(load_runs(tmp_path / "stand_in" / "good" / "runs")) == 1


def test_ablation_specs() -> None:
    jobs = ablation_jobs("digits", "image")
    factors = jobs[0].augments
    assert [rq_bins(s) for s in factors[:7]] == [1, 2, 4, 8, 16, 32, 64]
    assert {"rq:spacing=uniform", "rq:proxy=middle", "rq:p=0.25", "rq:p=0.5"} <= set(factors)
    assert [(j.group, j.rq_on, j.encoder) for j in jobs[1:]] == [
        ("input_tf", "input", "transformer"),
        ("embedding_tf", "embedding", "transformer"),
    ]
    with pytest.raises(ValueError, match="unknown"):
        run_ablation("quick", [0], Path("unused"), datasets=["nope"], modalities={"x": "image"})


def test_manifest_merges_invocations(tmp_path: Path) -> None:
    from randquant.bench.manifest import write_manifest

    write_manifest(tmp_path, "suite", "quick", {"datasets": ["a"], "budgets": {"a": 1}})
    write_manifest(tmp_path, "suite", "quick", {"datasets": ["b", "a"], "budgets": {"b": 2}})
    import json

    m = json.loads((tmp_path / "suite.json").read_text())
    assert m["datasets"] == ["a", "b"] and m["budgets"] == {"a": 1, "b": 2}
    assert len(m["commands"]) == 1 and "pytest" in m["commands"][0]  # this process's command
    assert len(list((tmp_path / "invocations").glob("suite-*.json"))) == 2


def test_a_manifest_from_before_invocation_files_is_kept(tmp_path: Path) -> None:
    import json

    from randquant.bench.manifest import write_manifest

    old = {"kind": "suite", "commands": ["randquant bench suite --seeds 0"], "datasets": ["x"]}
    (tmp_path / "suite.json").write_text(json.dumps(old))
    write_manifest(tmp_path, "suite", "quick", {"datasets": ["y"]})
    m = json.loads((tmp_path / "suite.json").read_text())
    assert m["commands"][0] == "randquant bench suite --seeds 0" and len(m["commands"]) == 2
    assert m["datasets"] == ["x", "y"]


def test_demo_arms_are_compares_and_flat_vectors_get_no_crop() -> None:
    from randquant.bench.demo import DEMO_AUGMENTS, arms_for
    from randquant.cli.commands import DEFAULT_ARMS

    assert ",".join(DEMO_AUGMENTS) == DEFAULT_ARMS
    arms, pairs = arms_for("vector")
    assert "crop" not in ",".join(arms) and pairs[0] == ("rq", "noise")
    assert arms_for("image")[1][0] == ("crop+rq", "crop")  # the declared contrast


def test_demo_says_in_one_line_where_nothing_learned() -> None:
    from randquant.bench.demo import _learned_line

    acc = {"crop+rq": 80.0, "crop": 85.0, "rq": 60.0}
    assert _learned_line("d", acc, 90.0, 50.0).startswith("d: nothing learned past the references")
    assert "no RQ arm did" in _learned_line("d", acc, 82.0, 50.0)
    assert _learned_line("d", acc, 70.0, 50.0).startswith("d: crop+rq 80.0 beats both references")


def test_demo_contrast_line_reads_the_per_item_test() -> None:
    from randquant.bench.demo import _contrast_line

    tests = [{"a": "crop+rq", "b": "crop", "metric": "linear_acc", "seed": 0, "a_only": 20,
              "b_only": 3, "p": 0.0004}]  # fmt: skip
    line = _contrast_line("d", "crop+rq", "crop", {"crop+rq": 90.0, "crop": 85.5}, tests)
    assert "crop+rq − crop = +4.5 points" in line and line.endswith("crop+rq better")
    tests[0].update(a_only=3, b_only=4, p=1.0)
    assert _contrast_line("d", "crop+rq", "crop", {"crop+rq": 85.0, "crop": 85.5}, tests).endswith(
        "no detectable difference"
    )


def test_training_step_cost_is_measured() -> None:
    from randquant.bench.training_cost import measure_step

    cost = measure_step(stand_in(), "simclr", name="tiny", batch_size=8, width=8, repeats=2)
    assert cost.step_ms_none > 0 and cost.step_ms_rq > 0 and cost.rq_ms > 0
    assert 0 < cost.rq_share_pct < 100
    with pytest.raises(ValueError, match="repeats"):
        measure_step(stand_in(), "simclr", name="x", repeats=0)


def test_the_power_profile_refuses_a_dirty_tree_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import randquant.engine.provenance as sweep_mod
    from randquant.bench.suite import checked_code, run_suite

    dirty = {"randquant": "0.1.0", "git_commit": "abc", "git_dirty": True}
    monkeypatch.setattr(sweep_mod, "code_version", lambda: dict(dirty))
    with pytest.raises(ValueError, match="--allow-dirty"):
        run_suite("power", [0], tmp_path / "out", datasets=["digits"])
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert checked_code("power", True) == {**dirty, "allow_dirty": True}
    assert checked_code("quick", False) == dirty  # other profiles only record it
    monkeypatch.setattr(sweep_mod, "code_version", lambda: {**dirty, "git_dirty": False})
    assert "allow_dirty" not in checked_code("power", True)
