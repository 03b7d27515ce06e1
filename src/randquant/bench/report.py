"""``randquant bench report``: ``docs/benchmarks.md`` generated from the result files.

Every number in the report is read from a file under ``benchmarks/results/`` (run records,
manifests, ``op.json``, ``train_step.json``); the few sentences written here by hand hold
whatever the numbers are. The discussion is assembled from counts over the records.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from randquant.bench.report_gpu import gpu_section
from randquant.bench.report_sections import ablation_discussion, ablation_section, op_section
from randquant.bench.report_training import learning_curve_section, recipe_section
from randquant.bench.results_io import Cell, Found, Setting, find_records, read_json, settings
from randquant.bench.sweep_speed import sweep_speed_lines
from randquant.bench.tables import (
    MODALITY_ORDER,
    budget_lines,
    coverage_lines,
    header,
    mod_rank,
    order_rows,
    setting_table,
)


@dataclass(frozen=True)
class Inputs:
    """Where the report reads from and writes to (the power profile's folder sits beside
    the suite's: ``<suite>/../power``)."""

    results: Path = Path("benchmarks/results")
    suite: Path = Path("benchmarks/results/suite/quick")
    ablation: Path = Path("benchmarks/results/ablation/quick")
    docs: Path = Path("docs")

    @property
    def img(self) -> Path:
        return self.docs / "img"

    @property
    def power(self) -> Path:
        return self.suite.parent / "power"


def _modality(manifest: dict[str, Any] | None, dataset: str) -> str:
    mods = (manifest or {}).get("modalities", {})
    if dataset in mods:
        return str(mods[dataset])
    from randquant.data.registry import list_datasets

    known = {d.name: d.modality for d in list_datasets()}
    return known.get(dataset, "other")


def summary_table(rows: Sequence[Setting], modality: dict[str, str]) -> list[str]:
    """Paper-shaped table: rows augmentations, columns datasets; best per column in bold.

    RQ cells (``rq``, ``crop+rq``, RQ on embeddings) that are not the column's best carry a
    ``▼`` and the gap to the best in points.
    """
    datasets = sorted({s.dataset for s in rows}, key=lambda d: (mod_rank(modality[d]), d))
    labels: list[str] = []
    for s in order_rows(rows):
        if s.label not in labels:
            labels.append(s.label)
    grid = {(s.label, s.dataset): s.metric("linear_acc") for s in rows}
    best = {d: max(c.mean for (lab, dd), c in grid.items() if dd == d) for d in datasets}
    lines = [
        "| augmentation | " + " | ".join(f"{d} ({modality[d]})" for d in datasets) + " |",
        "|---|" + "---:|" * len(datasets),
    ]
    for label in labels:
        cells = []
        for d in datasets:
            c = grid.get((label, d))
            if c is None:
                cells.append("–")
                continue
            text = f"{100 * c.mean:.1f} ± {100 * c.std:.1f}"
            if c.mean == best[d]:
                text = f"**{text}**"
            elif "rq" in label:
                text += f" ▼{100 * (best[d] - c.mean):.1f}"
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def discussion(rows: Sequence[Setting]) -> list[str]:
    """Sentences on what the records show besides the contrasts: nearly solved pretext
    tasks, augmentations that changed nothing, the transformer path."""
    main = {(s.dataset, s.augment): s for s in rows if s.group == "main"}
    lines: list[str] = []
    easy = sorted({f"{s.dataset}/{s.augment}" for s in rows if s.metric("final_loss").mean < 0.1})
    if easy:
        lines.append(
            f"- Final SSL loss below 0.1 (the pretext task is nearly solved, so the views "
            f"differ too little to teach much): {', '.join(easy)}."
        )
    same = sorted(
        f"{d}/{a}"
        for (d, a), s in main.items()
        if a != "none" and (d, "none") in main and _same(s, main[(d, "none")])
    )
    if same:
        lines.append(
            "- Exactly the result of `none` (the augmentation changed nothing there, e.g. "
            f"channel masking of single-channel data): {', '.join(same)}."
        )
    lines += dabs_lines(rows)
    return [*lines, ""] if lines else ["_No paired runs yet._", ""]


def dabs_lines(rows: Sequence[Setting]) -> list[str]:
    """One sentence per dataset with a DABS-style group: RQ on embeddings vs e-Mix vs ShED."""
    out = []
    for d in sorted({s.dataset for s in rows if s.group in ("dabs", "shed")}):
        mine = [s for s in rows if s.dataset == d and s.group in ("dabs", "shed")]
        if d in {s.dataset for s in rows if s.group == "main" and s.rq_on == "embedding"}:
            mine += [
                s
                for s in rows
                if s.dataset == d and s.group == "main" and s.augment in ("rq", "mixup")
            ]
        ranked = sorted(mine, key=lambda s: -s.metric("linear_acc").mean)
        text = ", ".join(f"{s.label} {100 * s.metric('linear_acc').mean:.1f}" for s in ranked)
        out.append(f"- Transformer path on {d} (ranked, linear %): {text}.")
    return out


def _same(a: Setting, b: Setting) -> bool:
    key = [(r.seed, r.linear_acc, r.knn_acc, r.final_loss) for r in a.runs]
    return key == [(r.seed, r.linear_acc, r.knn_acc, r.final_loss) for r in b.runs]


PAPER_LINES: tuple[str, ...] = (
    "## Against the paper's published numbers",
    "",
    "The paper's own figures (see `/work/shared/PAPER.md` for their sources): ImageNet, "
    "MoCo v3, 100 epochs, linear probe: RQ alone 42.9 %, RandomResizedCrop + RQ 67.9 %; the "
    "full image augmentation scores 68.9 % in the same setting according to this project's "
    "issue (that figure was not in the paper text available offline). BYOL-A on AudioSet, "
    "average over six downstream tasks: RRC + RQ 79.6 vs RRC + Mixup (BYOL-A) 77.8.",
    "",
    "Our runs differ in data and scale by orders of magnitude: a few hundred training samples "
    "of small real datasets instead of 1.28 M ImageNet images or 2 M AudioSet clips; a few "
    "epochs of a narrow encoder on a shared CPU instead of 100 epochs of a ResNet-50 on GPUs; "
    "the probe is trained and tested on the same small dataset (no transfer). Absolute "
    "accuracies are therefore not comparable; what can be compared is the ordering of the "
    "augmentations, which the measured figures below give for our setting.",
    "",
)


def paper_comparison(rows: Sequence[Setting], modality: dict[str, str]) -> list[str]:
    """The paper's gaps next to ours, per dataset (from the records).

    Paper gaps: crop+RQ − full augmentation = 67.9 − 68.9 = −1.0 (ImageNet); RQ − crop+RQ =
    42.9 − 67.9 = −25.0 (ImageNet); crop+RQ − crop+Mixup = 79.6 − 77.8 = +1.8 (BYOL-A).
    """
    main = {(s.dataset, s.augment): s.metric("linear_acc") for s in rows if s.group == "main"}
    lines = list(PAPER_LINES)
    lines += [
        "Gaps in points (linear probe). Paper: crop+RQ − full augmentation −1.0 (ImageNet); "
        "RQ − crop+RQ −25.0 (ImageNet); crop+RQ − crop+Mixup +1.8 (BYOL-A, audio). Ours, with "
        "`specific` as the full modality-specific augmentation:",
        "",
        "| dataset | modality | rq % | crop+rq % | specific % | crop+mixup % | "
        "crop+rq − specific | rq − crop+rq | crop+rq − crop+mixup |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in sorted({d for d, _ in main}, key=lambda d: (mod_rank(modality[d]), d)):
        acc = {a: main.get((d, a)) for a in ("rq", "crop+rq", "specific", "crop+mixup")}
        text = [f"{100 * c.mean:.1f}" if c is not None else "–" for c in acc.values()]
        gaps = [
            _gap(acc["crop+rq"], acc["specific"]),
            _gap(acc["rq"], acc["crop+rq"]),
            _gap(acc["crop+rq"], acc["crop+mixup"]),
        ]
        lines.append(f"| {d} | {modality[d]} | " + " | ".join(text + gaps) + " |")
    both = [d for d, _ in main if _ == "rq" and (d, "crop+rq") in main]
    above = [d for d in both if main[(d, "rq")].mean > main[(d, "crop+rq")].mean]
    if both:
        lines += [
            "",
            f"RQ alone scores above crop+RQ on {len(above)} of {len(both)} datasets here; on "
            "ImageNet it scored 25 points below. crop+RQ scores at or above `specific` on "
            f"{sum(_ge(main, d, 'crop+rq', 'specific') for d in both)} of "
            f"{sum((d, 'specific') in main for d in both)} datasets (ImageNet: 1 point below).",
        ]
    return [*lines, ""]


def _ge(main: dict[tuple[str, str], Cell], d: str, a: str, b: str) -> bool:
    return (d, a) in main and (d, b) in main and main[(d, a)].mean >= main[(d, b)].mean


def _gap(a: Cell | None, b: Cell | None) -> str:
    return "–" if a is None or b is None else f"{100 * (a.mean - b.mean):+.1f}"


def extra_sections(inputs: Inputs) -> list[str]:
    """Other engineers' comparisons: ``docs/benchmarks_sensors.md`` merged in when present,
    and a table per result folder outside the suite/ablation folders."""
    lines: list[str] = []
    sensors = inputs.docs / "benchmarks_sensors.md"
    merged = ""
    if sensors.is_file():
        merged = sensors.read_text(encoding="utf-8")
        body = [("#" + ln if ln.startswith("#") else ln) for ln in merged.strip().splitlines()]
        lines += [f"_Merged from `{sensors}` (written from its own result files)._", "", *body, ""]
    from randquant.engine.results import load_runs

    for runs_dir in sorted(inputs.results.glob("*/runs")):
        name = str(runs_dir.parent.relative_to(inputs.results))
        if runs_dir.parent.name in ("suite", "ablation") or f"benchmarks/results/{name}" in merged:
            continue

        rows = settings(Found("main", r) for r in load_runs(runs_dir))
        if rows:
            lines += [
                f"### `{runs_dir.parent.relative_to(inputs.results)}` (run records in "
                f"`{runs_dir}`)",
                "",
                *setting_table(order_rows(rows)),
            ]
    return lines


POWER_COMMAND = (
    "randquant bench suite --profile power --seeds 0,1,2,3,4,5,6,7,8,9 --workers 2 "
    "--threads 1 --no-progress"
)


def claims_section(inputs: Inputs, *, plots: bool = True) -> list[str]:
    """The paper's claims, each supported / contradicted / not detectable, per modality:
    each dataset's contrasts come from the power profile's records where it has that
    dataset, else from the quick suite's."""
    from randquant.bench.evidence import (
        PAR_MARGIN,
        claims_table,
        contrast_table,
        folder_contrasts,
        identical_runs,
        item_intervals,
        judge_cells,
        learning_of,
        learning_table,
        mde_summary,
    )

    power = find_records(inputs.power)
    in_power = {f.record.dataset for f in power}
    quick = [f for f in find_records(inputs.suite) if f.record.dataset not in in_power]
    found = power + quick
    suite = folder_contrasts(found)
    abl_found = find_records(inputs.ablation)
    ablation = folder_contrasts(abl_found)
    learning = learning_of("suite", (inputs.power, inputs.suite), found, "main")
    learning |= learning_of("ablation", (inputs.ablation,), abl_found, "factors")
    manifest = read_json(inputs.suite / "suite.json")
    names = {c.dataset for c in suite} | {c.dataset for c in ablation}
    modality = {d: _modality(manifest, d) for d in sorted(names)}

    def described(items: Sequence[Found], root: Path) -> str:
        per: dict[str, set[int]] = {}
        for f in items:
            per.setdefault(f.record.dataset, set()).add(f.record.seed)
        counts = sorted({len(v) for v in per.values()})
        return (
            f"`{root}`: {len(per)} dataset(s) ({', '.join(sorted(per))}), "
            f"{' or '.join(map(str, counts))} seeds, {len(items)} run records"
        )

    sources = [described(x, r) for x, r in ((power, inputs.power), (quick, inputs.suite)) if x]
    lines = [
        "## The paper's claims at this scale",
        "",
        f"Sources: {'; '.join(sources)}; ablation `{inputs.ablation}`. "
        "Each claim is tested by pre-declared paired contrasts (same seed = same initial "
        "weights, data order, probe folds and test set), linear probe: mean paired "
        "difference, 95 % t interval, minimum detectable effect (MDE) at 80 % power from "
        "the observed spread (`randquant.evaluate.stats`). **Only runs that learned count** "
        "(`randquant.evaluate.learned`): an arm *beats* a reference when the paired "
        "difference arm − reference over seeds has a 95 % t interval above 0; a contrast "
        "counts where both arms beat the untrained encoder and at least one beats the raw "
        'input, and an "on par" contrast only where both arms beat both references. A '
        "dataset where a reference misses at most one test item per seed on average is at "
        "its ceiling and left out; so is a contrast naming an arm whose runs equal another "
        "arm's on every seed (views equal by construction). The contrasts that count in one "
        "claim × modality cell are one Holm family across its datasets; beside each its 95 % "
        "interval and the simultaneous one (Bonferroni over the cell). Verdict rules: "
        f'`randquant.bench.evidence` ("on par" = every simultaneous CI above '
        f"−{100 * PAR_MARGIN:.0f} points). n.d. = no detectable difference; *not learned "
        "at this budget* = the modality has runs but no contrast that counts.",
        "",
        "**Scale gap.** The paper pretrains on ImageNet (1.28 M images) and AudioSet (2 M "
        "clips) for 100–800 epochs of ResNet-50/ViT-scale encoders on GPUs and probes "
        "transfer. These runs pretrain narrow encoders for tens to hundreds of optimizer "
        "steps on a few hundred to a few thousand samples on a shared 2-core CPU, and probe "
        "on the same small dataset. A verdict here is about this scale only. The power "
        "profile's budgets (60–200 steps) are short, and where the raw input still probes "
        "higher (the table of what the power profile's runs learned, below) a verdict is "
        "about augmentations that have not learned what the input holds. Contrasts at "
        "compare's default budget (100 epochs), where digits does beat its raw pixels, are "
        'in "Does `randquant compare` learn with its defaults?" below.',
        "",
    ]
    from randquant.bench.suite import POWER_SEEDS

    missing = [d for d in POWER_SEEDS if d not in in_power]
    if missing:
        lines += [
            "**The power profile has not been run in full.** "
            + (f"It has records for {', '.join(sorted(in_power))} only. " if in_power else "")
            + f"Missing: {', '.join(missing)}. The whole profile was estimated at about 2.5 "
            "hours on both cores of the 2-core machine (section *The power profile* below, "
            "with the measured cost of the datasets already run); it is resumable (finished "
            "runs are skipped), "
            f"and its command is `{POWER_COMMAND}` (datasets and seeds: "
            "`randquant.bench.suite.POWER_SEEDS`). Datasets without power records are judged "
            "on the quick profile's 3 seeds and 20–80 optimizer steps per run, whose MDEs "
            "(below) are far above the differences between augmentations, so *not "
            "detectable at this scale* is the expected verdict there: it says the experiment "
            "cannot tell, not that the claim fails. Claims on modalities without runs are "
            "*untested*.",
            "",
        ]
    from randquant.bench.history import read_history

    folders = read_history(inputs.results).get("folders", {})

    def after(root: Path, group: str, dataset: str) -> bool:
        try:
            key = (root / dataset / group).relative_to(inputs.results).as_posix()
        except ValueError:  # a folder outside the results tree has no history
            return False
        return bool(folders.get(key, {}).get("post_hoc"))

    post_hoc = {("suite", d) for d in {f.record.dataset for f in quick}
                if after(inputs.suite, "main", d)}  # fmt: skip
    post_hoc |= {("suite", d) for d in in_power if after(inputs.power, "main", d)}
    post_hoc |= {("ablation", d) for d in {f.record.dataset for f in abl_found}
                 if after(inputs.ablation, "factors", d)}  # fmt: skip
    cells = judge_cells(
        suite,
        ablation,
        modality,
        learning,
        identical_runs(found) | identical_runs(abl_found),
        frozenset(post_hoc),
    )
    items = item_intervals((inputs.power, inputs.suite), found, suite, "main")
    lines += claims_table(cells, items)
    late = sorted(f"{d} ({src})" for src, d in post_hoc)
    if late:
        lines += [
            "Post hoc (`benchmarks/results/history.json`: a commit held these folders' run "
            "records before their `contrasts.json`, so the contrasts were declared after the "
            "runs could be read): " + ", ".join(late) + ". A verdict resting only on them says "
            "so. Seeds, datasets and contrasts are declared in each folder's `contrasts.json` "
            "before its first run, with the seed count; seeds added later start a new, "
            "separately labelled analysis (an *extension*, post hoc), never merged into the "
            "declared one (`randquant.engine.declaration`).",
            "",
        ]
    lines += [
        "Which runs learned, by the rule the verdicts rest on (`randquant.evaluate.learned`; "
        "linear probe, an arm *above* a reference when its paired 95 % interval over seeds "
        "lies above 0; same probes and test sets as the runs):",
        "",
        *learning_table({k: v for k, v in learning.items() if k[0] == "suite"}, found)[:-1],
        *learning_table({k: v for k, v in learning.items() if k[0] == "ablation"}, abl_found)[2:],
    ]
    lines += [
        "Minimum detectable effect per dataset (linear probe; goal of the power profile: "
        "≤ 4 points on at least 3 datasets of 3 modalities):",
        "",
        *mde_summary(suite),
        "The ablation's (3 seeds):",
        "",
        *mde_summary(ablation),
    ]
    if plots and suite:
        from randquant.bench.plots import forest

        forest(suite, inputs.img / "suite_forest.png")
        lines += ["![paired differences per contrast](img/suite_forest.png)", ""]
    lines += [
        "Every suite contrast (linear probe; the kNN contrasts are in each folder's "
        "`results.json`). These p-values are Holm-corrected within each dataset (the "
        "folder's index), not over a claim's cell as above; a verdict here is about one "
        "dataset. Where the test set has fewer than 1,000 items the seed-level interval "
        "leaves out the error of sampling the test items, so the bootstrap over seeds and "
        "test items (2,000 replicates, labels from the reference records or "
        '`test_labels.json`) is given beside it; "–" there on a small test set means the '
        "runs kept no per-item predictions (the quick suite's, recorded before they were "
        "kept; every run record made since keeps them):",
        "",
        *contrast_table(suite, items=items),
    ]
    return lines


def power_estimate(
    suite_rows: Sequence[Setting],
    manifest: dict[str, Any] | None,
    power: Sequence[Found] = (),
) -> list[str]:
    """The power profile's wall-time estimate on 2 cores, from the quick suite's measured
    seconds per optimizer step (same encoders, width and batch) and the power plan; beside
    it, for the datasets already run, the measured core-minutes (sum of the runs' walls,
    probes included) and the span from the first run's start to the last one's end."""
    from randquant.bench.suite import POWER_SEEDS, budget_for, plan_dataset
    from randquant.data.registry import list_datasets

    budgets = (manifest or {}).get("budgets", {})
    infos = {d.name: d for d in list_datasets()}
    lines = [
        "| dataset | seeds | runs | steps/run | measured s/step (quick suite) | est. core-min "
        "| measured: runs, core-min, span min |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]

    def measured(name: str) -> str:
        prov = [f.record.provenance for f in power if f.record.dataset == name]
        prov = [p for p in prov if "started" in p and "ended" in p]
        if not prov:
            return "not run"
        core = sum(float(p.get("wall_seconds", 0.0)) for p in prov) / 60
        span = (
            time.mktime(time.strptime(max(p["ended"] for p in prov), "%Y-%m-%dT%H:%M:%SZ"))
            - time.mktime(time.strptime(min(p["started"] for p in prov), "%Y-%m-%dT%H:%M:%SZ"))
        ) / 60
        return f"{len(prov)}, {core:.0f}, {span:.0f}"

    total = 0.0
    for name, n_seeds in POWER_SEEDS.items():
        runs = [r for s in suite_rows if s.dataset == name for r in s.runs]
        b = budgets.get(name)
        if not runs or not b or name not in infos or not b.get("epochs"):
            lines.append(f"| {name} | {n_seeds} | – | – | not measured | – | {measured(name)} |")
            continue
        per_epoch = max(1, min(b["train"] or 10**9, 10**9) // b["batch_size"])
        per_step = sum(r.train_seconds for r in runs) / len(runs) / (b["epochs"] * per_epoch)
        jobs = plan_dataset(name, infos[name].layout, infos[name].modality)[0]
        n_runs = n_seeds * sum(len(j.augments) for j in jobs)
        steps = budget_for("power", name).steps or 0
        minutes = n_runs * steps * per_step / 60
        total += minutes
        lines.append(
            f"| {name} | {n_seeds} | {n_runs} | {steps} | {per_step:.3f} | {minutes:.0f} | "
            f"{measured(name)} |"
        )
    lines += [
        "",
        f"Training alone: about {total:.0f} core-minutes, {total / 120:.1f} hours on both "
        "cores (probes and references come on top: a few seconds per run). The per-step "
        "times were measured on the shared, loaded machine of the quick suite; the train caps "
        "of the power profile are larger but a step costs the same at the same batch.",
        "",
    ]
    return lines


def build_report(inputs: Inputs, *, plots: bool = True) -> str:
    """The whole Markdown report; writes the plots under ``inputs.img`` when ``plots``."""
    suite_manifest = read_json(inputs.suite / "suite.json")
    abl_manifest = read_json(inputs.ablation / "ablation.json")
    suite_rows = settings(find_records(inputs.suite))
    abl_rows = settings(find_records(inputs.ablation))
    modality = {s.dataset: _modality(suite_manifest, s.dataset) for s in suite_rows}
    abl_modality = {s.dataset: _modality(abl_manifest, s.dataset) for s in abl_rows}
    lines = [
        "# Benchmarks",
        "",
        "Generated by `randquant bench report` from the result files under "
        f"`{inputs.results}/`; do not edit by hand. Accuracies are linear-probe and kNN "
        "(k = 20) top-1 on each dataset's test split, mean ± sample std over seeds (± 0.0 "
        "with one seed). `final loss` is the SSL loss of the last epoch.",
        "",
        *claims_section(inputs, plots=plots),
        "## Augmentation suite",
        "",
        *header(suite_manifest, "suite"),
    ]
    if suite_manifest and suite_manifest.get("skipped"):
        lines += ["Skipped pairs:", ""] + [f"- {n}" for n in suite_manifest["skipped"]] + [""]
    if suite_manifest:
        lines += budget_lines(suite_manifest)
    lines += ["What ran (from the records):", "", *coverage_lines(suite_rows, suite_manifest)]
    lines += profile_lines()
    lines += ["### Summary (linear probe %)", ""]
    if suite_rows:
        lines += summary_table(suite_rows, modality)
        lines += ["▼: an RQ row below the column's best, by that many points.", ""]
        lines += ["### What the numbers say", "", *discussion(suite_rows)]
    if suite_rows:
        from randquant.bench.evidence import reference_table

        lines += [
            "### Reference rows and what learned",
            "",
            "Per dataset, mean over seeds: the probes on the raw input (standardised, "
            "flattened) and on the untrained encoder (that seed's initial weights), beside "
            "the best arm. A setting has learned only where it beats the untrained encoder.",
            "",
            *reference_table(inputs.suite, find_records(inputs.suite)),
        ]
    for m in (*MODALITY_ORDER, "other"):
        mine = [s for s in suite_rows if modality[s.dataset] == m]
        if mine:
            mine.sort(key=lambda s: s.dataset)
            table = setting_table(
                [
                    s
                    for d in sorted({s.dataset for s in mine})
                    for s in order_rows([x for x in mine if x.dataset == d])
                ]
            )
            from randquant.bench.evidence import reference_md_rows

            # each dataset's reference rows right under its last setting row
            out: list[str] = []
            for i, row in enumerate(table):
                out.append(row)
                this = row.split(" | ")[0].lstrip("| ") if row.startswith("| ") else None
                after = table[i + 1] if i + 1 < len(table) else ""
                nxt = after.split(" | ")[0].lstrip("| ") if after.startswith("| ") else None
                if this and this != "dataset" and this != nxt and not row.startswith("|---"):
                    out += reference_md_rows(inputs.suite / this / "main", this)
            lines += [f"### {m}", "", *out]
    lines += ["## Ablations", "", *header(abl_manifest, "ablation")]
    if abl_manifest:
        lines += budget_lines(abl_manifest)
    lines += ["What ran (from the records):", "", *coverage_lines(abl_rows, abl_manifest)]
    lines += ablation_section(abl_rows) + ablation_discussion(abl_rows)
    if abl_rows:
        from randquant.bench.evidence import contrast_table, folder_contrasts

        lines += [
            "Declared ablation contrasts (`randquant.bench.ablation.ABLATION_CONTRASTS`), "
            "linear probe, paired over seeds, Holm within each dataset:",
            "",
            *contrast_table(folder_contrasts(find_records(inputs.ablation))),
        ]
    if plots and abl_rows:
        from randquant.bench.plots import bins_curve

        bins_curve(abl_rows, abl_modality, inputs.img / "ablation_bins.png")
        lines += ["![accuracy vs bins](img/ablation_bins.png)", ""]
    steps = {p.name: read_json(p) for p in sorted(inputs.results.glob("train_step*.json"))}
    lines += op_section(
        read_json(inputs.results / "op.json"), {k: v for k, v in steps.items() if v}
    )
    lines += gpu_section(inputs.results)
    lines += sweep_speed_lines(read_json(inputs.results / "sweep_speed.json"))
    lines += recipe_section(inputs)
    lines += learning_curve_section(inputs, plots=plots)
    lines += [
        "## The power profile",
        "",
        f"`{POWER_COMMAND}` runs the suite's main groups with the pre-declared contrasts on "
        "`randquant.bench.suite.POWER_SEEDS` (10 seeds on digits, mnist1d and letter: image, "
        "sensor, tabular; 5 seeds on espeak_digits, furniture and wordnet_glosses: audio, "
        "points, text), each run sized in optimizer steps with the small-data recipe, test "
        "sets of at least 1,000 where the dataset has them. It is resumable: run it again "
        "after an interruption and finished runs (and reference records) are skipped. "
        "Estimated cost:",
        "",
        *power_estimate(suite_rows, suite_manifest, find_records(inputs.power)),
    ]
    lines += paper_comparison(suite_rows, modality) if suite_rows else []
    lines += ["## Other comparisons in this repository", "", *extra_sections(inputs)]
    return "\n".join(lines).rstrip() + "\n"


def profile_lines() -> list[str]:
    """The profile table of :mod:`randquant.bench.suite` (every profile, as coded)."""
    from dataclasses import asdict

    from randquant.bench.suite import PROFILE_TABLE

    lines = [
        "The profile table (`randquant.bench.suite.PROFILE_TABLE`); the tables above come "
        "from the profile named in the manifest:",
        "",
    ]
    lines += [
        "| profile | dataset | epochs or steps | batch | recipe | data | width | train cap | "
        "test cap | probe iters |",
        "|---|---|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for profile, table in PROFILE_TABLE.items():
        for name, b in table.items():
            d = asdict(b)
            size = f"{d['epochs']} epochs" if d["epochs"] else f"{d['steps']} steps"
            lines.append(
                f"| {profile} | {name} | {size} | {d['batch_size'] or 'recipe'} | "
                f"{d['recipe']} | {d['data_profile']} | {d['width']} | "
                f"{d['train'] or 'all'} | {d['test'] or 'all'} | {d['probe_max_iter']} |"
            )
    return [*lines, ""]


def write_report(inputs: Inputs, output: Path | None = None, *, plots: bool = True) -> Path:
    """Build the report and write it atomically (default ``docs/benchmarks.md``)."""
    from randquant.io import write_text_atomic

    path = output or inputs.docs / "benchmarks.md"
    write_text_atomic(path, build_report(inputs, plots=plots))
    return path
