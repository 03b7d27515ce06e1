"""The report's training sections: the recipe check, compare's defaults against the
references, and the learning curves (``benchmarks/results/recipe_check`` and
``learning_curve``)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from randquant.bench.report_inputs import Inputs
    from randquant.evaluate.stats import Contrast

#: The arm each defaults check declares before it runs: RQ on top of a crop, or RQ alone
#: where nothing can be cropped (flat vectors).
DECLARED_ARMS: tuple[str, ...] = ("crop+rq", "rq")


def recipe_contrasts(folders: Sequence[Path]) -> list[str]:
    """Small vs paper recipe, paired by seed, for every ``<name>_small``/``<name>_paper``
    pair of folders and every arm both ran (Holm within each dataset and metric)."""
    from randquant.engine.store import load_runs
    from randquant.engine.tables import contrast_table
    from randquant.evaluate.stats import paired_contrasts

    by_name = {f.name: f for f in folders}
    found = []
    for name, folder in by_name.items():
        if not name.endswith("_small") or name[:-6] + "_paper" not in by_name:
            continue
        small, paper = load_runs(folder / "runs"), load_runs(by_name[name[:-6] + "_paper"] / "runs")
        for metric in ("linear_acc", "knn_acc"):
            values: dict[str, dict[int, float]] = {}
            for tag, runs in (("small", small), ("paper", paper)):
                for r in runs:
                    values.setdefault(f"{r.augment} ({tag})", {})[r.seed] = getattr(r, metric)
            arms = sorted({r.augment for r in small} & {r.augment for r in paper})
            pairs = [(f"{a} (small)", f"{a} (paper)") for a in arms]
            found += paired_contrasts(values, pairs, metric=metric, dataset=name[:-6])
    if not found:
        return []
    return [
        "Small recipe against the paper's, paired by seed (same init, data and test set), "
        "linear probe:",
        "",
        *contrast_table(found, metric="linear_acc", by_dataset=True),
        "kNN:",
        "",
        *contrast_table(found, metric="knn_acc", by_dataset=True),
    ]


def recipe_section(inputs: Inputs) -> list[str]:
    """The recipe check: each ``benchmarks/results/recipe_check/*`` index, with the
    commands recorded in its run records."""
    from randquant.engine.store import load_runs

    root = inputs.results / "recipe_check"
    lines = [
        "## Training recipes: small data vs the paper's",
        "",
        "`randquant compare --recipe auto` (the default) picks the recipe by the size of the "
        "training split (`randquant.engine.recipe`): **paper** for 50,000 samples or more "
        "(LARS, lr = base × batch / 256 with the method's base lr, e.g. 0.3 for SimCLR, batch "
        "256, 10 warm-up epochs, then cosine), **small** below (AdamW, lr 1e-3, weight "
        "decay 1e-4, batch = train / 8 as a power of two in [32, 256], warm-up 10 % of the "
        "run, then cosine). Anything set explicitly wins over the recipe. Profiles of "
        "`randquant bench suite` name their recipe and may size runs in optimizer steps.",
        "",
    ]
    folders = sorted(p for p in root.glob("*") if (p / "results.md").is_file())
    if not folders:
        return [*lines, "_No recipe check has run yet._", ""]
    lines += [
        "Checks, each folder with the command that made it: `<dataset>_small` and "
        "`<dataset>_paper` are the same command and epochs under both recipes, 3 paired "
        "seeds (on 1,000 training samples the small recipe's batch is 64 against the "
        "paper's 256, so it takes about 5× more, smaller steps in the same epochs); "
        "`<dataset>_defaults` is `randquant compare` with its defaults (below), and "
        "`digits_defaults_e100` the same with the arms `none,rq` only, before crop joined "
        "the defaults:",
        "",
    ]
    from randquant.bench.history import read_history

    lines += defaults_table(folders, read_history(inputs.results))
    lines += recipe_contrasts(folders)
    for folder in folders:
        commands = sorted(
            {str(r.provenance.get("command", "?")) for r in load_runs(folder / "runs")}
        )
        body = (folder / "results.md").read_text(encoding="utf-8").strip().splitlines()[2:]
        lines += [f"### `{folder.relative_to(inputs.results)}`", ""]
        lines += [f"`{c}`" for c in commands] + ["", *body, ""]
        lines += [against_references(folder), ""]
    return lines


def against_references(folder: Path) -> str:
    """One sentence: does the folder's best arm beat the raw input and the untrained encoder
    (means over seeds, both probes)?"""
    import statistics

    from randquant.engine.records import KINDS, LABELS
    from randquant.engine.store import load_references, load_runs

    runs, refs = load_runs(folder / "runs"), load_references(folder)
    if not runs or not refs:
        return "_No reference records here._"
    parts = []
    for metric, name in (("linear_acc", "linear"), ("knn_acc", "kNN")):
        arms: dict[str, list[float]] = {}
        for r in runs:
            arms.setdefault(r.augment, []).append(float(getattr(r, metric)))
        best = max(arms, key=lambda a: statistics.fmean(arms[a]))
        mean = statistics.fmean(arms[best])
        verdicts = []
        for kind in KINDS:
            ref = statistics.fmean(float(getattr(x, kind)[metric]) for x in refs)
            word = "above" if mean > ref else "below"
            verdicts.append(f"{word} the {LABELS[kind].split(' (')[0]} ({100 * ref:.1f})")
        parts.append(f"{name}: best arm `{best}` {100 * mean:.1f}, " + " and ".join(verdicts))
    return "Against the references (means over seeds) — " + "; ".join(parts) + "."


def learning_curve_section(inputs: Inputs, *, plots: bool = True) -> list[str]:
    """One learning curve per dataset from ``benchmarks/results/learning_curve/<dataset>_e*``
    (comparison folders that differ only in epochs), with the commands from the records."""
    from randquant.engine.store import load_runs
    from randquant.engine.tables import summarize

    root = inputs.results / "learning_curve"
    folders = sorted(p for p in root.glob("*") if (p / "runs").is_dir())
    if not folders:
        return []
    lines = [
        "## Learning curve",
        "",
        "Probe accuracy against optimizer steps for `none`, `rq` and the best other arm of "
        "the quick suite on the dataset (on digits also `crop+rq`, the arm compare's "
        "defaults declare), 3 paired seeds per budget, the two references as lines; the "
        "budget worth spending is where the best arm clearly clears both references. One "
        "dataset per modality.",
        "",
    ]
    datasets: dict[str, list[Path]] = {}
    for f in folders:
        runs = load_runs(f / "runs")
        if runs:
            datasets.setdefault(runs[0].dataset, []).append(f)
    for dataset, mine in datasets.items():
        commands = sorted(
            {str(r.provenance.get("command", "?")) for f in mine for r in load_runs(f / "runs")}
        )
        lines += [f"### {dataset}", "", *[f"`{c}`" for c in commands], ""]
        lines += [
            "| epochs | arm | seeds | linear % | kNN % |",
            "|---:|---|---:|---:|---:|",
        ]
        rows = summarize([r for f in mine for r in load_runs(f / "runs")])
        for row in sorted(rows, key=lambda r: (r["epochs"], r["augment"])):
            lines.append(
                f"| {row['epochs']} | {row['augment']} | {row['n']} | "
                f"{100 * row['linear_acc_mean']:.1f} ± {100 * row['linear_acc_std']:.1f} | "
                f"{100 * row['knn_acc_mean']:.1f} ± {100 * row['knn_acc_std']:.1f} |"
            )
        lines.append("")
        from randquant.bench.plots import curve_points

        curves, refs, _ = curve_points(mine)
        clear = sorted(
            (steps, arm)
            for arm, pts in curves.items()
            for steps, _, lo, _ in pts
            if refs and lo > max(refs.values())
        )
        lines += [
            f"Smallest budget at which an arm's 95 % interval (linear) lies above both "
            f"references: {clear[0][0]} steps (`{clear[0][1]}`)."
            if clear
            else "No budget here lifts an arm's 95 % interval (linear) above both references.",
            "",
        ]
        if plots:
            from randquant.bench.plots import learning_curves

            name = f"learning_curve_{dataset}.png"
            learning_curves(mine, inputs.img / name)
            lines += [f"![learning curve on {dataset}](img/{name})", ""]
    return lines


def defaults_contrasts(folder: Path, seeds: int | None = None) -> tuple[str, list[Contrast]]:
    """The declared arm of a ``<dataset>_defaults`` folder against both references, paired
    by seed: linear probe against each (Holm over the two), then kNN against the raw input.
    ``seeds``: only the first that many seeds (the declared analysis)."""
    from randquant.engine.records import KINDS
    from randquant.engine.store import load_references, load_runs
    from randquant.evaluate.stats import paired_contrasts

    runs, refs = load_runs(folder / "runs"), load_references(folder)
    if seeds is not None:
        kept = sorted({r.seed for r in runs})[:seeds]
        runs = [r for r in runs if r.seed in kept]
        refs = [x for x in refs if x.seed in kept]
    arms = {r.augment for r in runs}
    arm = next((a for a in DECLARED_ARMS if a in arms), "")
    if not arm or not refs:
        return arm, []
    found = []
    for metric, kinds in (("linear_acc", KINDS), ("knn_acc", ("raw_input",))):
        values = {arm: {r.seed: float(getattr(r, metric)) for r in runs if r.augment == arm}}
        for kind in kinds:
            values[kind] = {x.seed: float(getattr(x, kind)[metric]) for x in refs}
        pairs = [(arm, kind) for kind in kinds]
        found += paired_contrasts(values, pairs, metric=metric, dataset=runs[0].dataset)
    return arm, found


def defaults_table(folders: Sequence[Path], history: dict[str, Any] | None = None) -> list[str]:
    """Does ``randquant compare`` with its defaults learn? One row per ``*_defaults``
    folder: the declared arm against the raw input and the untrained encoder.

    ``history`` (:func:`randquant.bench.history.read_history`) gives each dataset's role
    (tuning or held out) and each folder's declared seed count: a folder whose seeds grew
    after its first runs were committed shows the declared analysis, and under it the
    extended one labelled post hoc.
    """
    from randquant.bench.history import dataset_status

    facts = history or {}
    rows = []
    for folder in folders:
        if not folder.name.endswith("_defaults"):
            continue
        entry = facts.get("folders", {}).get(f"{folder.parent.name}/{folder.name}", {})
        declared = entry.get("declared_seeds") if entry.get("seeds_beyond_declaration") else None
        row = _defaults_row(folder, declared, dataset_status(facts, _dataset_of(folder)), "")
        if row and declared:
            status = dataset_status(facts, _dataset_of(folder))
            row += _defaults_row(
                folder, None, f"{status}, post hoc", f" (grown from {declared} after looking)"
            )
        rows += row
    if not rows:
        return []
    roles = sorted({re.split("[,;]", r.split(" | ")[2])[0] for r in rows})
    return [
        "### Does `randquant compare` learn with its defaults?",
        "",
        "Each `<dataset>_defaults` folder is `randquant compare` on that dataset with "
        "nothing else set but seeds, threads and workers, under the defaults of its time "
        "(the encoder column of its section says which): issue 10's (arms "
        "`crop+rq,crop,rq,noise,none`, SimCLR, 100 epochs, ResNet or the layout's encoder at "
        "width 64, recipe auto (small), the quick profile's 1,000-sample cap), or, for "
        "`mnist_2k` (held out, built by `scripts/heldout_npz.py`), issue 18's "
        "(`randquant.engine.defaults`: arms `crop+rq,crop,rq,noise`, the ConvNet at width 256 "
        "for small images, the steps that fit 15 minutes on the reference 2-core CPU). "
        "The arm named before the runs is `crop+rq`; its linear probe is compared with both "
        "references, paired by seed (mean difference in points, 95 % CI, Holm over the two; "
        "above/below = significant at 5 %); the last column is the same for the kNN probe "
        "against the raw input. The role is earned from the git history "
        "(`benchmarks/results/history.json`, `randquant.bench.history`): a dataset with any "
        "run committed before the defaults were fixed "
        + _fixed(facts)
        + " is *tuning*, whatever its folder is called"
        + (
            "; none of these datasets is held out, so this table checks the defaults on "
            "data that was looked at while choosing them."
            if roles == ["tuning"]
            else "."
        )
        + " Where a folder's seeds were extended after its first runs were committed, the "
        "declared (first committed) seed count is the analysis; the extended one is shown "
        "under it and labelled post hoc.",
        "",
        "| dataset | modality | role | seeds | declared arm, linear % | − raw input | "
        "− untrained encoder | best arm (linear %) | kNN: declared arm − raw input |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def _fixed(history: dict[str, Any]) -> str:
    fixed = history.get("defaults_fixed") or {}
    commit = str(fixed.get("commit", ""))[:7]
    return f"(commit {commit})" if commit else "(no history recorded: every role unknown)"


def _dataset_of(folder: Path) -> str:
    from randquant.engine.store import load_runs

    runs = load_runs(folder / "runs")
    return runs[0].dataset if runs else folder.name.removesuffix("_defaults")


def _defaults_row(folder: Path, seeds: int | None, role: str, note: str) -> list[str]:
    """One row of :func:`defaults_table` (``[]`` when the folder lacks the contrasts)."""
    import statistics

    from randquant.bench.report_inputs import modality_of
    from randquant.engine.store import load_runs

    arm, found = defaults_contrasts(folder, seeds)
    if len(found) != 3:
        return []
    runs = load_runs(folder / "runs")
    if seeds is not None:
        kept = sorted({r.seed for r in runs})[:seeds]
        runs = [r for r in runs if r.seed in kept]
    means: dict[str, list[float]] = {}
    for r in runs:
        means.setdefault(r.augment, []).append(r.linear_acc)
    # the declared arm wins ties: "best" must not name another arm for a shared 100 %
    best = max(means, key=lambda a: (statistics.fmean(means[a]), a == arm))
    cells = []
    for c in found:
        diff = f"{100 * c.mean_diff:+.1f}"
        if c.n_seeds > 1 and math.isfinite(c.ci_low):
            diff += f" [{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}]"
        word = {"better": "above", "worse": "below"}.get(c.verdict, "")
        if word:
            cells.append(f"{diff} ({word})")
        elif c.n_seeds < 2:
            cells.append(f"{diff} (1 seed, no test)")
        elif c.sd_diff == 0:
            cells.append(f"{100 * c.mean_diff:+.1f} (the same on every seed)")
        else:
            cells.append(f"{diff} (n.d.)")
    dataset = runs[0].dataset
    from randquant.bench.evidence import folder_learning

    learned = folder_learning(folder, runs)
    if learned is not None and learned.ceiling:
        role += f"; {learned.ceiling.replace('ceiling: ', 'at its ceiling: ')}"
    row = (
        f"| {dataset} | {modality_of(None, dataset)} | {role} | {found[0].n_seeds}{note} | "
        f"`{arm}` {100 * statistics.fmean(means[arm]):.1f} | {cells[0]} | {cells[1]} | "
        f"`{best}` {100 * statistics.fmean(means[best]):.1f} | {cells[2]} |"
    )
    return [row]
