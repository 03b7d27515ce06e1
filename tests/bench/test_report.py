"""The report is generated from result files. The records here are FABRICATED test fixtures
(made-up numbers written to a tmp dir), never real results."""

from __future__ import annotations

import json
from pathlib import Path

from randquant.bench.demo import choose_datasets
from randquant.bench.report import Inputs, build_report, write_report
from randquant.engine.records import RunRecord
from randquant.engine.store import save_run

#: Fabricated linear accuracies: (dataset, group, augment) -> per-seed values.
FAKE = {
    ("setA", "main", "none"): [0.40, 0.42],
    ("setA", "main", "noise"): [0.50, 0.52],
    ("setA", "main", "rq"): [0.70, 0.72],
    ("setB", "main", "none"): [0.30, 0.30],
    ("setB", "main", "noise"): [0.61, 0.63],
    ("setB", "main", "rq"): [0.55, 0.57],
}
FAKE_ABLATION = {
    ("setA", "factors", f"rq:bins={n}" if n != 8 else "rq"): [0.1 * i, 0.1 * i]
    for i, n in enumerate((1, 2, 4, 8), start=1)
}


def fabricate(root: Path, table: dict[tuple[str, str, str], list[float]], kind: str) -> None:
    for (dataset, group, augment), accs in table.items():
        for seed, acc in enumerate(accs):
            rid = f"fake_{augment.replace(':', '_').replace('=', '')}_{seed}"
            save_run(
                root / dataset / group / "runs",
                RunRecord(
                    augment=augment,
                    method="simclr",
                    seed=seed,
                    epochs=3,
                    linear_acc=acc,
                    knn_acc=acc - 0.05,
                    linear_f1=acc,
                    knn_f1=acc,
                    train_seconds=12.0,
                    final_loss=0.05 if augment == "none" else 2.0,
                    dataset=dataset,
                    encoder="auto:Fake",
                    batch_size=8,
                    rq_on="input",
                    linear_weight_decay=1e-4,
                    run_id=rid,
                ),
            )
    manifest = {
        "kind": kind,
        "profile": "quick",
        "commands": [f"randquant bench {kind}"],
        "hardware": {"cpu": "fake cpu", "cores": 2},
        "seeds": [0, 1],
        "modalities": {"setA": "image", "setB": "audio"},
        "methods": {},
        "budgets": {"setA": {"epochs": 3, "batch_size": 8, "width": 8, "train": None, "test": 64}},
    }
    (root / f"{kind}.json").write_text(json.dumps(manifest))


def inputs(tmp_path: Path) -> Inputs:
    results = tmp_path / "results"
    fabricate(results / "suite" / "quick", FAKE, "suite")
    fabricate(results / "ablation" / "quick", FAKE_ABLATION, "ablation")
    op = {
        "hardware": {"cpu": "fake"},
        "shape": [2, 3],
        "threads": 1,
        "repeats": 3,
        "rows": [
            {
                "implementation": "numba",
                "bins": 8,
                "ms": 1.5,
                "x_clone": 3.0,
                "x_baseline": 0.1,
                "peak_extra_mb": 2.0,
            }
        ],
    }
    (results / "op.json").write_text(json.dumps(op))
    return Inputs(
        results=results,
        suite=results / "suite" / "quick",
        ablation=results / "ablation" / "quick",
        docs=tmp_path / "docs",
    )


def test_report_tables_come_from_the_files(tmp_path: Path) -> None:
    text = build_report(inputs(tmp_path), plots=False)
    # mean ± sample std of the fabricated seeds, best per column in bold
    assert "| rq | **71.0 ± 1.4** | 56.0 ± 1.4 ▼6.0 |" in text
    assert "| noise | 51.0 ± 1.4 | **62.0 ± 1.4** |" in text
    # paired contrasts: setB's rq - none differences 0.25, 0.27 (t = 26 on 1 df); the other
    # pairs differ by the same amount in both seeds, so no t-test exists for them
    assert "| setB | rq − none | 2 | +26.0 | [+13.3, +38.7] | – | 0.0245 | 16.3 | better |" in text
    assert "| setA | rq − noise | 2 | +20.0 | [+20.0, +20.0] | – | – | – | untestable |" in text
    assert "**The power profile has not been run in full.** Missing: digits, mnist1d" in text
    claims = text[text.index("## The paper's claims") : text.index("## Augmentation suite")]
    # no reference records: nothing shows the runs learned, so no verdict rests on them
    assert (
        "| RQ beats the other generic augmentations | image | **not learned at this budget** "
        "| – | setA (no reference records) | – |"
    ) in claims
    assert "| RQ beats the other generic augmentations | points | **untested** |" in claims
    assert "| random bin edges beat uniform ones | image | **untested** |" in claims
    assert "setA/none" in text and "setB/none" in text  # loss < 0.1 flagged
    assert "randquant bench suite" in text and "fake cpu" in text
    assert "| numba | 8 | 1.5 | 3.00 | 0.100 | 2 |" in text
    assert "No `benchmarks/results/train_step*.json`" in text
    assert "### setA" in text and "| setA | rq:bins=1 |" in text
    assert "42.9" in text and "79.6" in text


def test_write_report_writes_markdown_and_plots(tmp_path: Path) -> None:
    inp = inputs(tmp_path)
    path = write_report(inp)
    assert path == inp.docs / "benchmarks.md" and path.read_text().startswith("# Benchmarks")
    for png in ("suite_forest.png", "ablation_bins.png"):
        data = (inp.img / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_demo_falls_back_to_pypi_datasets() -> None:
    installed = {
        "digits": (True, "image", "pip install scikit-learn"),
        "espeak_digits": (False, "audio", "apt-get install -y espeak-ng"),
        "mnist1d": (True, "sensor", "pip install mnist1d"),
        "watch": (True, "sensor", "pip install seglearn"),
        "wine": (True, "tabular", "pip install scikit-learn"),
    }
    choice = choose_datasets(installed)
    assert choice.datasets == ("digits", "mnist1d", "wine")
    assert len(choice.notes) == 1 and "espeak-ng" in choice.notes[0]
    installed["espeak_digits"] = (True, "audio", "")
    assert choose_datasets(installed).datasets == ("digits", "espeak_digits", "mnist1d")


def test_power_records_replace_the_quick_ones_per_dataset(tmp_path: Path) -> None:
    inp = inputs(tmp_path)
    power = {
        ("setA", "main", "none"): [0.40, 0.42, 0.41, 0.43],
        ("setA", "main", "rq"): [0.60, 0.63, 0.61, 0.62],
    }
    fabricate(inp.suite.parent / "power", power, "suite")
    text = build_report(inp, plots=False)
    claims = text[text.index("## The paper's claims") : text.index("## Augmentation suite")]
    assert "It has records for setA only." in claims
    assert (
        "power`: 1 dataset(s) (setA), 4 seeds" in claims and "quick`: 1 dataset(s) (setB)" in claims
    )
    assert "| setA | rq − none | 4 | +20.0 |" in claims  # the power records, not the quick ones
    assert "| setB | rq − none | 2 | +26.0 |" in claims
