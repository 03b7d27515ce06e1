"""The report's evidence sections: the paper's claims judged per modality, every suite
contrast, and the power profile with its cost estimate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from randquant.bench.report_inputs import Inputs, modality_of
from randquant.bench.results_io import Found, Setting, find_records, read_json

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
        PRIMARY,
        claims_table,
        folder_contrasts,
        mde_summary,
    )
    from randquant.engine.tables import contrast_table

    power = find_records(inputs.power)
    in_power = {f.record.dataset for f in power}
    quick = [f for f in find_records(inputs.suite) if f.record.dataset not in in_power]
    found = power + quick
    suite = folder_contrasts(found)
    ablation = folder_contrasts(find_records(inputs.ablation))
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
        "difference, 95 % t interval, Holm-corrected p within each dataset, minimum "
        "detectable effect (MDE) at 80 % power from the observed spread "
        "(`randquant.evaluate.stats`). Verdict rules: `randquant.bench.evidence` "
        f'("on par" = every CI above −{100 * PAR_MARGIN:.0f} points). n.d. = no detectable '
        "difference.",
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
    from randquant.bench.profiles import POWER_SEEDS

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
            "`randquant.bench.profiles.POWER_SEEDS`). Datasets without power records are judged "
            "on the quick profile's 3 seeds and 20–80 optimizer steps per run, whose MDEs "
            "(below) are far above the differences between augmentations, so *not "
            "detectable at this scale* is the expected verdict there: it says the experiment "
            "cannot tell, not that the claim fails. Claims on modalities without runs are "
            "*untested*.",
            "",
        ]
    lines += claims_table(suite, ablation, modality)
    lines += [
        "Minimum detectable effect per dataset (linear probe; goal of the power profile: "
        "≤ 4 points on at least 3 datasets of 3 modalities):",
        "",
        *mde_summary(suite),
        "The ablation's (3 seeds):",
        "",
        *mde_summary(ablation),
    ]
    if power:
        from randquant.bench.evidence import reference_table

        lines += [
            "What the power profile's runs learned, against the two references (means over "
            "seeds; same probes and test sets):",
            "",
            *reference_table(inputs.power, power),
        ]
    if plots and suite:
        from randquant.bench.plots import forest

        forest(suite, inputs.img / "suite_forest.png")
        lines += ["![paired differences per contrast](img/suite_forest.png)", ""]
    lines += [
        "Every suite contrast (linear probe; the kNN contrasts are in each folder's "
        "`results.json`):",
        "",
        *contrast_table(suite, metric=PRIMARY, by_dataset=True),
    ]
    return lines


def power_section(
    inputs: Inputs, suite_rows: Sequence[Setting], manifest: dict[str, Any] | None
) -> list[str]:
    """``## The power profile``: what it runs and what it costs."""
    return [
        "## The power profile",
        "",
        f"`{POWER_COMMAND}` runs the suite's main groups with the pre-declared contrasts on "
        "`randquant.bench.profiles.POWER_SEEDS` (10 seeds on digits, mnist1d and letter: image, "
        "sensor, tabular; 5 seeds on espeak_digits, furniture and wordnet_glosses: audio, "
        "points, text), each run sized in optimizer steps with the small-data recipe, test "
        "sets of at least 1,000 where the dataset has them. It is resumable: run it again "
        "after an interruption and finished runs (and reference records) are skipped. "
        "Estimated cost:",
        "",
        *power_estimate(suite_rows, manifest, find_records(inputs.power)),
    ]


def power_estimate(
    suite_rows: Sequence[Setting],
    manifest: dict[str, Any] | None,
    power: Sequence[Found] = (),
) -> list[str]:
    """The power profile's wall-time estimate on 2 cores, from the quick suite's measured
    seconds per optimizer step (same encoders, width and batch) and the power plan; beside
    it, for the datasets already run, the measured core-minutes (sum of the runs' walls,
    probes included) and the span from the first run's start to the last one's end."""
    from randquant.bench.plan import plan_dataset
    from randquant.bench.profiles import POWER_SEEDS, budget_for
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
