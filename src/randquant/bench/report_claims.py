"""The report's evidence sections: the paper's claims judged per modality, every suite
contrast, and the power profile with its cost estimate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from randquant.bench.report_inputs import Inputs, modality_of
from randquant.bench.results_io import Found, find_records, read_json

POWER_COMMAND = (
    "randquant bench suite --profile power --seeds 0,1,2,3,4,5,6,7,8,9 --workers 2 "
    "--threads 1 --no-progress"
)


def claims_section(inputs: Inputs, *, plots: bool = True) -> list[str]:
    """The paper's claims, each supported / contradicted / not detectable, per modality:
    each dataset's contrasts come from the power profile's records where it has that
    dataset, else from the quick suite's."""
    from randquant.bench.claims import (
        PAR_MARGIN,
        PRIMARY,
        claims_table,
        identical_runs,
        judge_cells,
    )
    from randquant.bench.evidence import (
        folder_contrasts,
        item_intervals,
        learning_of,
        learning_table,
        mde_summary,
    )
    from randquant.engine.tables import contrast_table

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
    modality = {d: modality_of(manifest, d) for d in sorted(names)}

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
        f'`randquant.bench.claims` ("on par" = every simultaneous CI above '
        f"−{100 * PAR_MARGIN:.0f} points). n.d. = no detectable difference; *not learned "
        "at this budget* = the modality has runs but no contrast that counts.",
        "",
        "**Scale gap.** The paper pretrains on ImageNet (1.28 M images) and AudioSet (2 M "
        "clips) for 100–800 epochs of ResNet-50/ViT-scale encoders on GPUs and probes "
        "transfer. These runs pretrain small encoders for hundreds to a few thousand "
        "optimizer steps on a few hundred to a few thousand samples on a 2-core CPU, and "
        "probe on the same small dataset. A verdict here is about this scale only. Where the "
        "raw input or the untrained encoder still probes as high (the table of which runs "
        "learned, below), a verdict would be about augmentations that have not learned what "
        "the input holds; the rule above keeps such verdicts out.",
        "",
    ]
    from randquant.bench.profiles import POWER_SEEDS

    missing = [d for d in POWER_SEEDS if d not in in_power]
    if missing:
        lines += [
            "**The power profile has not been run in full.** "
            + (f"It has records for {', '.join(sorted(in_power))} only. " if in_power else "")
            + f"Missing: {', '.join(missing)}. Its plan and the measured cost of the "
            "datasets already run are in section *The power profile* below; it is resumable "
            "(finished runs are skipped), "
            f"and its command is `{POWER_COMMAND}` (datasets and seeds: "
            "`randquant.bench.profiles.POWER_SEEDS`). Datasets without power records are judged "
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
    lines += [
        "**Stopping rule.** Seeds, datasets and contrasts are declared in each folder's "
        "`contrasts.json` before its first run, with the seed count "
        "(`randquant.engine.declaration`); the index tests the declared contrasts on the "
        "declared seeds. Seeds added later start a new, separately labelled analysis (an "
        "*extension*, post hoc), never merged into the declared one. Folders older than "
        "this rule get their declared seed count from the git history "
        "(`benchmarks/results/history.json`: the seeds of the first commit that held runs, "
        "or the count fixed in code before the first run, e.g. the power profile's "
        "`POWER_SEEDS`)."
        + (
            " Post hoc (a commit held these folders' run records before their "
            "`contrasts.json`, so the contrasts were declared after the runs could be read): "
            + ", ".join(late)
            + ". A verdict resting only on them says so."
            if late
            else ""
        ),
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
        *contrast_table(suite, metric=PRIMARY, by_dataset=True, items=items),
    ]
    return lines


def power_section(inputs: Inputs) -> list[str]:
    """``## The power profile``: what it runs and what it cost."""
    from randquant.bench.profiles import POWER_SEEDS

    by_count: dict[int, list[str]] = {}
    for name, n in POWER_SEEDS.items():
        by_count.setdefault(n, []).append(name)
    counts = "; ".join(
        f"{n} on {', '.join(names)}" for n, names in sorted(by_count.items(), reverse=True)
    )
    return [
        "## The power profile",
        "",
        f"`{POWER_COMMAND}` runs, on one dataset of each modality, the arms its row of "
        "`src/randquant/bench/budgets/power.yaml` names, with the pre-declared contrasts, on "
        f"the seeds of `randquant.bench.profiles.POWER_SEEDS` ({counts}). Each run is sized in "
        "optimizer steps with the small-data recipe at a budget where pilots on the "
        "same data learned past both references (benchmarks/recipe_search/README.md); test "
        "sets have at least 1,000 items where the dataset has them. It is resumable: run it "
        "again after an interruption and finished runs (and reference records) are skipped. "
        "Plan and measured cost (core-minutes: the runs' wall times summed, probes included; "
        "span: first start to last end):",
        "",
        *power_plan(find_records(inputs.power)),
    ]


def power_plan(power: Sequence[Found] = ()) -> list[str]:
    """One row per power dataset: its seeds, arms, encoder, method, steps and batch, and for
    the datasets already run the runs recorded, their core-minutes and span."""
    from randquant.bench.plan import plan_for_budget
    from randquant.bench.profiles import POWER_SEEDS, budget_for
    from randquant.data.registry import list_datasets
    from randquant.models.registry import resolve_encoder_name

    infos = {d.name: d for d in list_datasets()}
    lines = [
        "| dataset | seeds | arms | encoder, width | method | steps × batch | planned runs "
        "| recorded runs | core-min | span min |",
        "|---|---:|---|---|---|---|---:|---:|---:|---:|",
    ]
    total = 0.0
    for name, n_seeds in POWER_SEEDS.items():
        row = budget_for("power", name)
        if name not in infos:
            lines.append(f"| {name} | {n_seeds} | not installed | | | | | | | |")
            continue
        info = infos[name]
        job = plan_for_budget(name, info.layout, info.modality, row)[0][0]
        encoder = resolve_encoder_name(job.encoder, info.layout, {"modality": info.modality})
        prov = [f.record.provenance for f in power if f.record.dataset == name]
        prov = [p for p in prov if "started" in p and "ended" in p]
        core = sum(float(p.get("wall_seconds", 0.0)) for p in prov) / 60
        total += core
        span = (
            (
                time.mktime(time.strptime(max(p["ended"] for p in prov), "%Y-%m-%dT%H:%M:%SZ"))
                - time.mktime(time.strptime(min(p["started"] for p in prov), "%Y-%m-%dT%H:%M:%SZ"))
            )
            / 60
            if prov
            else 0.0
        )
        points = f", {row.points} points" if row.points else ""
        lines.append(
            f"| {name} | {n_seeds} | {', '.join(job.augments)} | {encoder}, {row.width}{points} "
            f"| {job.method} | {row.steps} × {row.batch_size} | {n_seeds * len(job.augments)} "
            f"| {len(prov)} | {core:.0f} | {span:.0f} |"
        )
    return [*lines, "", f"Recorded so far: {total:.0f} core-minutes.", ""]
