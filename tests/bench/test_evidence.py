"""Claim verdicts from contrasts (made-up contrasts, not results)."""

from __future__ import annotations

import math
from pathlib import Path

from randquant.bench.claims import CLAIMS, judge
from randquant.evaluate.stats import Contrast


def c(a: str, b: str, verdict: str, lo: float = -0.01, dataset: str = "d") -> Contrast:
    return Contrast(a, b, "linear_acc", 5, 0.0, lo, 0.02, 0.5, 0.5, 0.03, 0.01, verdict, dataset)


BEATS, PAR, _, INTERIOR = CLAIMS[0], CLAIMS[1], CLAIMS[2], CLAIMS[3]


def test_beats_claims() -> None:
    nd = "no detectable difference"
    assert judge(BEATS, []) == "untested"
    assert judge(BEATS, [c("rq", "noise", "better"), c("rq", "mask", nd)]) == "partly supported"
    whole = [c("rq", "noise", "better"), c("rq", "mask", "better")]
    assert judge(BEATS, [*whole, c("rq", "noise", nd, dataset="e")]) == "supported"
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


def test_learning_curve_section_and_plot(tmp_path: Path) -> None:
    from randquant.bench.report import Inputs, learning_curve_section
    from randquant.engine.records import ReferenceRecord, RunRecord
    from randquant.engine.store import save_reference, save_run

    root = tmp_path / "results" / "learning_curve"
    for epochs in (2, 8):
        folder = root / f"toy_e{epochs}"
        for seed in (0, 1):
            for arm, acc in (("none", 0.5), ("rq", 0.5 + 0.01 * epochs)):
                save_run(
                    folder / "runs",
                    RunRecord(
                        arm,
                        "simclr",
                        seed,
                        epochs,
                        acc + 0.01 * seed,
                        acc,
                        acc,
                        acc,
                        1.0,
                        1.0,
                        "toy",
                        "enc",
                        10,
                        "input",
                        1e-4,
                        f"{arm}_{seed}",
                        provenance={"command": f"randquant compare --epochs {epochs}"},
                    ),
                )
        refs = {"linear_acc": 0.52, "knn_acc": 0.3}
        save_reference(folder, ReferenceRecord("toy", 0, "enc", 8, refs, refs, "r0", n_train=100))
    inputs = Inputs(results=tmp_path / "results", docs=tmp_path / "docs")
    lines = learning_curve_section(inputs)
    text = "\n".join(lines)
    assert "`randquant compare --epochs 2`" in text and "`randquant compare --epochs 8`" in text
    assert "| 8 | rq | 2 | 58.5 ± 0.7 | 58.0 ± 0.0 |" in text
    # 100 samples // batch 10 = 10 steps an epoch. Two seeds: mean ± 12.71 x 0.5 (t, 1 df).
    # none (50, 51) never clears 52 %; rq at 2 epochs (52, 53) does not, at 8 (58, 59) does
    assert "both references: 80 steps (`rq`)" in text
    png = (inputs.img / "learning_curve_toy.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_suite_sizes_runs_in_steps_caps_seeds_and_declares_contrasts(tmp_path: Path) -> None:
    import json
    from typing import Any

    import torch
    from torch import nn

    from randquant.bench.plan import SUITE_CONTRASTS, plan_dataset
    from randquant.bench.profiles import Budget
    from randquant.bench.runner import run_jobs
    from randquant.data import Dataset, SplitData
    from randquant.engine.settings import CompareSettings, TrainedRun

    gen = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat_interleave(20)
    x = torch.randn(60, 2, 16, generator=gen) + y[:, None, None]
    data = Dataset(
        "toy",
        "sequence",
        SplitData(x, y),
        SplitData(x[::3], y[::3]),
        3,
        ("a", "b", "c"),
        meta={"modality": "sensor"},
    )
    seen: list[tuple[str, int, CompareSettings]] = []

    def trainer(d: Dataset, augment: str, seed: int, settings: CompareSettings, **kw: Any) -> Any:
        seen.append((augment, seed, settings))
        return TrainedRun(nn.Flatten(), final_loss=1.0, train_seconds=0.1)

    from dataclasses import replace

    main = plan_dataset("toy", "sequence", "sensor")[0][0]
    jobs = [replace(main, augments=("none", "rq", "crop", "crop+rq"))]
    budget = Budget(
        epochs=None,
        steps=30,
        batch_size=None,
        width=8,
        train=None,
        test=None,
        probe_max_iter=50,
        recipe="small",
    )
    run_jobs(
        jobs,
        {"toy": budget},
        [0, 1, 2],
        tmp_path,
        loader=lambda n, b: data,
        trainer=trainer,
        progress=False,
        seed_counts={"toy": 2},
    )
    # small recipe on 60 samples: batch 32 (1 step an epoch), so 30 steps = 30 epochs
    settings = seen[0][2]
    assert (settings.batch_size, settings.epochs, settings.lr) == (32, 30, 1e-3)
    assert settings.pretrain_options == {"optimizer": "adamw", "warmup_epochs": 3}
    assert {s for _, s, _ in seen} == {0, 1}  # the dataset's seed cap
    folder = tmp_path / "toy" / "main"
    declared = json.loads((folder / "contrasts.json").read_text())["pairs"]
    assert [tuple(p) for p in declared] == list(SUITE_CONTRASTS)
    index = json.loads((folder / "results.json").read_text())
    assert [r["seed"] for r in index["references"]] == [0, 1]
    assert {c["a"] for c in index["contrasts"]} == {"rq", "crop+rq"}


def test_demo_table_shows_the_reference_rows(tmp_path: Path) -> None:
    from randquant.bench.demo import comparison_rows
    from randquant.engine.records import ReferenceRecord, RunRecord
    from randquant.engine.store import save_reference, save_run

    folder = tmp_path / "runs" / "digits" / "main"
    save_run(
        folder / "runs",
        RunRecord(
            "rq",
            "simclr",
            0,
            1,
            0.7,
            0.7,
            0.7,
            0.7,
            1.0,
            1.0,
            "digits",
            "enc",
            8,
            "input",
            1e-4,
            "rq_0",
        ),
    )
    raw, unt = {"linear_acc": 0.9, "knn_acc": 0.95}, {"linear_acc": 0.4, "knn_acc": 0.3}
    save_reference(folder, ReferenceRecord("digits", 0, "enc", 8, raw, unt, "r0"))
    header, rows = comparison_rows(tmp_path, ["digits"])
    assert header == ["augmentation", "digits"]
    assert rows[-2:] == [["(raw input, reference)", "90.0"], ["(untrained, reference)", "40.0"]]


def test_defaults_table_tests_the_declared_arm_against_both_references(tmp_path: Path) -> None:
    from dataclasses import replace

    from randquant.bench.report_training import defaults_table
    from randquant.engine.records import ReferenceRecord, RunRecord
    from randquant.engine.store import save_reference, save_run

    def run(arm: str, seed: int, acc: float) -> RunRecord:
        return RunRecord(arm, "simclr", seed, 100, acc, acc, acc, acc, 1.0, 1.0, "digits",
                         "enc", 64, "input", 1e-4, f"{arm}_{seed}")  # fmt: skip

    folder = tmp_path / "digits_defaults"
    for seed in range(4):
        save_run(folder / "runs", run("crop+rq", seed, 0.90 + 0.01 * (seed % 2)))
        save_run(folder / "runs", run("crop", seed, 0.95))  # the best arm, not the declared one
        raw = {"linear_acc": 0.85 + 0.02 * (seed % 2), "knn_acc": 0.0}
        untrained = {"linear_acc": 0.905, "knn_acc": 0.0}
        save_reference(
            folder, ReferenceRecord("digits", seed, "enc", 64, raw, untrained, f"r{seed}")
        )
    save_run(tmp_path / "mnist1d_defaults" / "runs", run("rq", 0, 0.5))  # no references: no row
    history = {"defaults_fixed": {"commit": "abcdef0"}, "datasets": {"digits": {}}, "folders": {}}
    lines = defaults_table([folder, tmp_path / "mnist1d_defaults", tmp_path / "x_small"], history)
    text = "\n".join(lines)
    # crop+rq 90.5 on average: 4.5 points above the raw input (paired differences 5, 4, 5, 4:
    # a tight CI above 0) and level with the untrained encoder (0.5 points, differences -0.5,
    # +0.5: no detectable difference); the best arm is reported apart from the declared one
    row = "| digits | image | tuning | 4 | `crop+rq` 90.5 | +4.5 [+3.6, +5.4] (above) |"
    assert row in text and "+0.0 [-0.9, +0.9] (n.d.) | `crop` 95.0 |" in text, text
    # kNN: the runs' 90.5 against the raw input's 0 on every seed
    assert text.splitlines()[-1].endswith("| +90.5 [+89.6, +91.4] (above) |"), text
    assert text.count("| digits |") == 1 and "mnist1d" not in text
    # at a shared ceiling the declared arm is the best one, and zero spread gets no interval
    top = tmp_path / "watch_defaults"
    for seed in range(3):
        for arm in ("crop", "crop+rq"):
            save_run(top / "runs", replace(run(arm, seed, 1.0), dataset="watch"))
        full = {"linear_acc": 1.0, "knn_acc": 1.0}
        save_reference(top, ReferenceRecord("watch", seed, "enc", 64, raw, full, f"w{seed}"))
    text = "\n".join(defaults_table([top]))
    assert "| +0.0 (the same on every seed) | `crop+rq` 100.0 | +100.0 (the same" in text, text
    # no history: no dataset is called held out
    assert (
        "| watch | sensor | unknown; at its ceiling: the untrained encoder scores 100.0 %" in text
    )
    # a dataset the history does not name is held out; seeds grown after looking: the
    # declared (first committed) count is the analysis, the extension is labelled post hoc
    grown = {"declared_seeds": 2, "seeds_beyond_declaration": True}
    history = {
        "defaults_fixed": {"commit": "abcdef0"},
        "datasets": {},
        "folders": {f"{tmp_path.name}/digits_defaults": grown},
    }
    text = "\n".join(defaults_table([folder], history))
    assert "| digits | image | held out | 2 | `crop+rq` 90.5 |" in text, text
    assert "| digits | image | held out, post hoc | 4 (grown from 2 after looking) |" in text


def test_claim_cells_rest_only_on_runs_that_learned() -> None:
    from randquant.bench.claims import judge_cells
    from randquant.evaluate.learned import assess

    seeds = range(4)
    raw = {s: 0.70 for s in seeds}
    unt = {s: 0.50 for s in seeds}

    def arm(level: float) -> dict[int, float]:
        return {s: level + 0.004 * (s % 3) for s in seeds}

    learned = assess("good", {"rq": arm(0.8), "noise": arm(0.6), "mask": arm(0.62)},
                     raw=raw, untrained=unt, n_test=500)  # fmt: skip
    flat = assess("flat", {"rq": arm(0.55), "noise": arm(0.52), "mask": arm(0.52)},
                  raw=raw, untrained=unt, n_test=500)  # fmt: skip
    p = 0.02  # "better" alone; after Holm over the cell's contrasts it depends on the family
    contrasts = [
        Contrast(a, b, "linear_acc", 4, 0.05, 0.01, 0.09, p, p, 0.03, 0.01, "better", d)
        for d in ("good", "flat")
        for a, b in (("rq", "noise"), ("rq", "mask"))
    ]
    modality = {"good": "image", "flat": "image"}
    learning = {("suite", "good"): learned, ("suite", "flat"): flat}
    cells = judge_cells(contrasts, [], modality, learning)
    image = next(c for c in cells if c.claim is BEATS and c.modality == "image")
    assert image.rests_on == ("good",)
    assert image.excluded == ("flat (neither arm above the raw input)",)
    # Holm over the two contrasts that count (not four): 2 x 0.02 = 0.04 < 0.05
    assert [c.p_holm for c in image.counted] == [0.04, 0.04]
    assert image.verdict == "supported"
    # nothing learned: the cell says so instead of judging
    only_flat = judge_cells(contrasts[2:], [], modality, learning)
    cell = next(c for c in only_flat if c.claim is BEATS and c.modality == "image")
    assert cell.verdict == "not learned at this budget" and not cell.counted
    # an arm whose runs equal another's (channel_mask = none on one channel) never counts
    twins = judge_cells(contrasts[:2], [], modality, learning, {("good", "mask"): "none"})
    cell = next(c for c in twins if c.claim is BEATS and c.modality == "image")
    assert cell.excluded == ("good: rq−mask: mask = none on every seed",)
    assert [c.p_holm for c in cell.counted] == [0.02]
    audio = next(c for c in cells if c.claim is BEATS and c.modality == "audio")
    assert audio.verdict == "untested"
