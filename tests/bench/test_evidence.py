"""Claim verdicts from contrasts (made-up contrasts, not results)."""

from __future__ import annotations

import math
from pathlib import Path

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


def test_learning_curve_section_and_plot(tmp_path: Path) -> None:
    from randquant.bench.report import Inputs, learning_curve_section
    from randquant.engine.references import ReferenceRecord, save_reference
    from randquant.engine.results import RunRecord, save_run

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
        refs = {"linear_acc": 0.4, "knn_acc": 0.3}
        save_reference(folder, ReferenceRecord("toy", 0, "enc", 8, refs, refs, "r0", n_train=100))
    inputs = Inputs(results=tmp_path / "results", docs=tmp_path / "docs")
    lines = learning_curve_section(inputs)
    text = "\n".join(lines)
    assert "`randquant compare --epochs 2`" in text and "`randquant compare --epochs 8`" in text
    assert "| 8 | rq | 2 | 58.5 ± 0.7 | 58.0 ± 0.0 |" in text
    png = (inputs.img / "learning_curve_toy.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
