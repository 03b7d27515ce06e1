"""Reference probes, paired seeds, declared contrasts and recipes (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import randquant.engine.training as engine_pkg
from randquant.data import Dataset, SplitData
from randquant.data.standardize import standardize
from randquant.engine.contrasts import default_contrasts, parse_contrast, run_contrasts
from randquant.engine.declaration import declare
from randquant.engine.index import rebuild_index
from randquant.engine.recipe import choose_recipe, epochs_for_steps, resolve
from randquant.engine.records import RunRecord
from randquant.engine.references import ensure_references, reference_for
from randquant.engine.run import pretrain_one, seeded_encoder
from randquant.engine.settings import CompareSettings
from randquant.engine.store import load_references, save_run
from randquant.evaluate.probe import evaluate_encoder

torch.set_num_threads(1)
SETTINGS = CompareSettings(encoder="cnn1d", width=8, epochs=1, batch_size=8, device="cpu")


def toy() -> Dataset:
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat_interleave(10)
    x = torch.randn(30, 2, 8, generator=gen) + y[:, None, None] * 3.0
    yt = torch.arange(3).repeat_interleave(4)
    xt = torch.randn(12, 2, 8, generator=gen) + yt[:, None, None] * 3.0
    return standardize(
        Dataset("toy", "sequence", SplitData(x, y), SplitData(xt, yt), 3, ("a", "b", "c"))
    )


def _state(model: nn.Module) -> list[torch.Tensor]:
    return [t.clone() for t in model.state_dict().values()]


def test_every_arm_of_a_seed_starts_from_the_same_encoder_and_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[list[torch.Tensor], int]] = []

    def fake_pretrain(data: Dataset, views: Any, encoder: nn.Module, cfg: Any) -> Any:
        seen.append((_state(encoder), cfg.seed))
        raise KeyboardInterrupt  # stop before training: only the start matters here

    monkeypatch.setattr(engine_pkg, "pretrain", fake_pretrain)
    data = toy()
    for augment, seed in (("none", 3), ("rq", 3), ("noise", 4)):
        with pytest.raises(KeyboardInterrupt):
            pretrain_one(data, augment, seed, SETTINGS, progress=False)
    (w_none, s_none), (w_rq, s_rq), (w_other, s_other) = seen
    assert s_none == s_rq == 3 and s_other == 4  # the data order follows the seed
    assert all(torch.equal(a, b) for a, b in zip(w_none, w_rq, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(w_none, w_other, strict=True))
    # ... and the untrained reference probes exactly that start
    assert all(
        torch.equal(a, b)
        for a, b in zip(_state(seeded_encoder(data, 3, SETTINGS)), w_rq, strict=True)
    )


def test_reference_probes_raw_input_and_the_seed_init(tmp_path: Path) -> None:
    data = toy()
    ref = reference_for(data, 1, SETTINGS)
    raw = evaluate_encoder(nn.Flatten(), data, seed=1, linear_max_iter=1000)
    unt = evaluate_encoder(seeded_encoder(data, 1, SETTINGS), data, seed=1, linear_max_iter=1000)
    assert ref.raw_input["linear_acc"] == raw["linear"].accuracy
    assert ref.raw_input["knn_acc"] == raw["knn"].accuracy
    assert ref.untrained["knn_acc"] == unt["knn"].accuracy
    assert ref.predictions["untrained_linear"] == list(unt["linear"].predictions)
    assert ref.summary() == {
        "seed": 1,
        "raw_input": {"linear_acc": raw["linear"].accuracy, "knn_acc": raw["knn"].accuracy},
        "untrained": {"linear_acc": unt["linear"].accuracy, "knn_acc": unt["knn"].accuracy},
    }


def test_references_are_records_that_are_not_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = toy()
    first = ensure_references(tmp_path, data, [0, 1], SETTINGS)
    assert [r.seed for r in load_references(tmp_path)] == [0, 1]

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed a reference that was on disk")

    monkeypatch.setattr("randquant.engine.references.reference_for", boom)
    assert ensure_references(tmp_path, data, [0, 1], SETTINGS) == first


def rec(augment: str, seed: int, acc: float) -> RunRecord:
    return RunRecord(
        augment,
        "simclr",
        seed,
        1,
        acc,
        acc,
        acc,
        acc,
        1.0,
        1.0,
        "toy",
        "enc",
        8,
        "input",
        1e-4,
        f"{augment.replace(':', '_')}__s{seed}",
    )


def test_index_is_rebuilt_with_references_and_the_declared_contrasts(tmp_path: Path) -> None:
    for seed in range(4):
        save_run(tmp_path / "runs", rec("rq", seed, 0.80 + 0.01 * seed))
        save_run(tmp_path / "runs", rec("none", seed, 0.60 + 0.02 * (seed % 2)))
        save_run(tmp_path / "runs", rec("rq:p=0.5", seed, 0.70))
    ensure_references(tmp_path, toy(), [0], SETTINGS)
    rebuild_index(tmp_path)
    index = json.loads((tmp_path / "results.json").read_text())
    got = [(c["a"], c["b"], c["metric"]) for c in index["contrasts"]]
    assert got == [
        (a, b, m)
        for m in ("linear_acc", "knn_acc")
        for a, b in (("rq", "none"), ("rq", "rq:p=0.5"), ("rq:p=0.5", "none"))
    ]
    assert index["contrasts"][0]["verdict"] == "better" and index["references"][0]["seed"] == 0
    declare(tmp_path, [("rq:p=0.5", "none")], range(4))
    rebuild_index(tmp_path)
    index = json.loads((tmp_path / "results.json").read_text())
    assert {(c["a"], c["b"]) for c in index["contrasts"]} == {("rq:p=0.5", "none")}
    assert index["analysis"] == {"label": "declared", "seeds": [0, 1, 2, 3]}
    assert "| rq:p=0.5 − none | linear_acc | 4 |" in (tmp_path / "results.md").read_text()


def test_seeds_beyond_the_declaration_are_a_separate_labelled_analysis(tmp_path: Path) -> None:
    declare(tmp_path, [("rq", "none")], [0, 1, 2])
    for seed in range(5):
        save_run(tmp_path / "runs", rec("rq", seed, 0.80 + 0.01 * seed))
        save_run(tmp_path / "runs", rec("none", seed, 0.60 + 0.02 * (seed % 2)))
    declare(tmp_path, [("rq", "none")], range(5), runs=6)  # seeds added after looking
    rebuild_index(tmp_path)
    index = json.loads((tmp_path / "results.json").read_text())
    # the declared analysis stays on its 3 seeds; the 5-seed one is apart and labelled
    assert {c["n_seeds"] for c in index["contrasts"]} == {3}
    (ext,) = index["extensions"]
    assert ext["label"] == "extension 1 (post hoc)" and ext["seeds"] == [0, 1, 2, 3, 4]
    assert {c["n_seeds"] for c in ext["contrasts"]} == {5}
    md = (tmp_path / "results.md").read_text()
    assert "Contrasts, declared (3 seeds: 0, 1, 2):" in md
    assert "Contrasts, extension 1 (post hoc) (5 seeds: 0, 1, 2, 3, 4): a separate" in md


def test_contrast_parsing_and_defaults() -> None:
    arms = ["none", "rq", "rq:p=0.5", "crop+rq"]
    assert parse_contrast("rq:p=0.5:rq", arms) == ("rq:p=0.5", "rq")
    assert parse_contrast("crop+rq:none", arms) == ("crop+rq", "none")
    for bad in ("rq:rq", "rq:zzz", "rq"):
        with pytest.raises(ValueError, match="two different arms"):
            parse_contrast(bad, arms)
    assert default_contrasts(arms) == [("rq", "none"), ("rq", "rq:p=0.5"), ("rq:p=0.5", "none")]
    assert default_contrasts(["none", "noise"]) == []
    # compare's default arms: RQ on top of crop against crop and crop + another augmentation,
    # RQ alone against the other single augmentations; never crop+rq against rq or none
    defaults = ["crop+rq", "crop", "crop+noise", "rq", "noise", "none"]
    assert default_contrasts(defaults) == [
        ("crop+rq", "crop"),
        ("crop+rq", "crop+noise"),
        ("rq", "crop"),
        ("rq", "noise"),
        ("rq", "none"),
    ]
    assert default_contrasts(["Crop+RQ:bins=16", "crop", "rq+crop"]) == [
        ("Crop+RQ:bins=16", "crop")
    ]
    # a declared pair whose arm has not run yet is left out, not an error
    assert run_contrasts([rec("rq", 0, 0.5)], [("rq", "none")]) == []


def test_recipes_by_data_size() -> None:
    assert choose_recipe("auto", 1_281_167).name == "paper"
    assert choose_recipe("auto", 1000).name == "small"
    small = resolve("auto", 1000, 40)
    assert (small.batch_size, small.lr) == (64, 1e-3)
    assert small.pretrain_options == {"optimizer": "adamw", "warmup_epochs": 4}
    paper = resolve("auto", 100_000, 100)
    assert (paper.batch_size, paper.lr, paper.pretrain_options) == (
        256,
        None,
        {"warmup_epochs": 10},
    )
    mine = resolve("small", 1000, 40, batch_size=16, lr=0.5, pretrain_options={"optimizer": "lars"})
    assert (mine.batch_size, mine.lr, mine.pretrain_options["optimizer"]) == (16, 0.5, "lars")
    assert epochs_for_steps(300, 1000, 64) == 20 and epochs_for_steps(1, 10, 64) == 1
    with pytest.raises(ValueError, match="recipe must be one of"):
        choose_recipe("imagenet", 10)


def test_mcnemar_counts_the_discordant_items_and_tests_them_exactly() -> None:
    from randquant.evaluate.stats import mcnemar_exact

    labels = [0] * 20
    a = [0] * 10 + [1] * 10  # right on items 0-9
    b = [0] * 2 + [1] * 8 + [0] * 1 + [1] * 9  # right on 0, 1 and 10
    # 8 items only a got right, 1 only b: two-sided exact binomial, 2 x (1 + 9) / 2**9
    a_only, b_only, p = mcnemar_exact(a, b, labels)
    assert (a_only, b_only) == (8, 1) and p == pytest.approx(20 / 512)
    assert mcnemar_exact(b, a, labels)[:2] == (1, 8)
    with pytest.raises(ValueError, match="one entry per test item"):
        mcnemar_exact(a, b[:-1], labels)


def test_index_has_per_seed_item_tests_from_the_reference_labels(tmp_path: Path) -> None:
    data = toy()
    ensure_references(tmp_path, data, [0, 1], SETTINGS)
    truth = data.test.y.tolist()
    assert all(ref.predictions["labels"] == truth for ref in load_references(tmp_path))
    wrong = [(t + 1) % 3 for t in truth]
    for seed in (0, 1):
        good, bad = rec("rq", seed, 1.0), rec("none", seed, 0.0)
        good.predictions.update(linear=truth, knn=truth)
        bad.predictions.update(linear=wrong, knn=truth)
        save_run(tmp_path / "runs", good)
        save_run(tmp_path / "runs", bad)
    save_run(tmp_path / "runs", rec("rq", 2, 1.0))  # no reference labels for seed 2: no test
    rebuild_index(tmp_path)
    tests = json.loads((tmp_path / "results.json").read_text())["item_tests"]
    linear = [t for t in tests if t["metric"] == "linear_acc"]
    assert [(t["seed"], t["a_only"], t["b_only"]) for t in linear] == [(0, 12, 0), (1, 12, 0)]
    assert linear[0]["p"] == pytest.approx(2 / 2**12)
    knn = [t for t in tests if t["metric"] == "knn_acc"]
    assert [(t["a_only"], t["b_only"], t["p"]) for t in knn] == [(0, 0, 1.0)] * 2
    md = (tmp_path / "results.md").read_text()
    assert "- rq − none, linear_acc: 2 / 0 / 0 of 2 seeds" in md
    assert "- rq − none, knn_acc: 0 / 0 / 2 of 2 seeds" in md


def test_identical_arms_get_no_bound_in_the_verdict() -> None:
    from randquant.engine.tables import contrast_table, verdict_text

    same = run_contrasts([rec(a, s, 1.0) for a in ("rq", "none") for s in range(3)], None)
    assert [verdict_text(c) for c in same] == ["no difference on any seed"] * 2
    close = [rec("rq", s, 0.9 + 0.01 * s) for s in range(3)]
    close += [rec("none", s, 0.9 + 0.01 * (s % 2)) for s in range(3)]
    text = verdict_text(run_contrasts(close, None)[0])
    # the CI is the plausible range and the MDE has its own column: no "± MDE" in the verdict
    assert text == "no detectable difference"
    md = "\n".join(contrast_table(run_contrasts(close, None)))
    assert "| MDE pp |" in md and "±" not in md


def test_rq_on_auto_puts_rq_on_the_embedded_tokens_and_on_the_input_elsewhere() -> None:
    from randquant.augment.views import resolve_rq_on
    from randquant.config import ModelOptions

    assert ModelOptions().rq_on == "auto"
    assert [resolve_rq_on("auto", lay) for lay in ("tokens", "image", "vector")] == [
        "embedding",
        "input",
        "input",
    ]
    assert resolve_rq_on("input", "tokens") == "input"  # an explicit choice stays (and fails later)
    from randquant.augment import build_views

    views = build_views("rq", "tokens", rq_on="auto")  # the views record the place chosen
    assert views.rq_on == "embedding" and views.embedding_transform is not None
    with pytest.raises(ValueError, match="rq_on must be one of auto, input, embedding"):
        resolve_rq_on("tokens", "image")
    with pytest.raises(ValueError, match="rq_on must be one of"):
        ModelOptions(rq_on="middle")
