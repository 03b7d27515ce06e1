"""What the result folders say about the paper's claims: paired contrasts and verdicts.

Every number comes from run records (``<root>/<dataset>/<group>/runs``) and reference
records (``.../references``). Contrasts are the pre-declared ones
(:data:`randquant.bench.plan.SUITE_CONTRASTS` for the suite's ``main`` groups,
:data:`randquant.bench.ablation.ABLATION_CONTRASTS` for the ablation's ``factors``), tested
by :func:`randquant.engine.contrasts.run_contrasts`: paired over seeds, 95 % t interval,
Holm within each dataset and metric, minimum detectable effect at 80 % power.

The claims and their verdicts are in :mod:`randquant.bench.claims`; this module gives the
contrasts, the learned-rule assessment of each folder, the item bootstrap and the tables
beside the claims.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from pathlib import Path

from randquant.bench.claims import PRIMARY, ItemCI
from randquant.bench.results_io import Found, find_records
from randquant.engine.records import ReferenceRecord, RunRecord
from randquant.engine.store import load_references
from randquant.evaluate.learned import Learning, assess
from randquant.evaluate.stats import Contrast


def folder_contrasts(found: Sequence[Found]) -> list[Contrast]:
    """The declared contrasts of every suite ``main`` and ablation ``factors`` folder."""
    from randquant.bench.ablation import ABLATION_CONTRASTS
    from randquant.bench.plan import SUITE_CONTRASTS
    from randquant.engine.contrasts import run_contrasts

    declared = {"main": SUITE_CONTRASTS, "factors": ABLATION_CONTRASTS}
    by_folder: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        if f.group in declared:
            by_folder.setdefault((f.record.dataset, f.group), []).append(f)
    out: list[Contrast] = []
    for (dataset, group), items in sorted(by_folder.items()):
        records = sorted((f.record for f in items), key=lambda r: (r.augment, r.seed))
        arms = {r.augment for r in records}
        pairs = [(a, b) for a, b in declared[group] if a in arms and b in arms]
        out += run_contrasts(records, pairs, dataset=dataset)
    return out


def mde_summary(contrasts: Sequence[Contrast]) -> list[str]:
    """Per dataset: seeds, median SD of the paired differences and median MDE (pp)."""
    lines = [
        "| dataset | seeds | contrasts | median SD of differences pp | median MDE pp | "
        "MDE ≤ 4 pp |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for d in sorted({c.dataset for c in contrasts}):
        cs = [c for c in contrasts if c.dataset == d and c.metric == PRIMARY]
        mdes = [c.mde for c in cs if not math.isnan(c.mde)]
        sds = [c.sd_diff for c in cs if not math.isnan(c.sd_diff)]
        if not mdes:
            continue
        mde = statistics.median(mdes)
        lines.append(
            f"| {d} | {max(c.n_seeds for c in cs)} | {len(cs)} | "
            f"{100 * statistics.median(sds):.1f} | {100 * mde:.1f} | "
            f"{'yes' if mde <= 0.04 else 'no'} |"
        )
    return [*lines, ""]


def learning_table(learning: dict[tuple[str, str], Learning], found: Sequence[Found]) -> list[str]:
    """Per dataset the verdicts rest on: both references, the best arm, and which arms beat
    each reference by the rule of :mod:`randquant.evaluate.learned` (linear probe, paired
    95 % interval over seeds above 0), then whether the dataset counts."""
    lines = [
        "| source | dataset | seeds | raw input lin % | untrained enc. lin % | best arm (lin %) | "
        "above the untrained encoder | above the raw input | counts toward claims |",
        "|---|---|---:|---:|---:|---|---|---|---|",
    ]
    for (source, dataset), learned in sorted(learning.items()):
        runs = [
            f.record
            for f in found
            if f.record.dataset == dataset and f.group in ("main", "factors")
        ]
        means: dict[str, list[float]] = {}
        for r in runs:
            means.setdefault(r.augment, []).append(r.linear_acc)
        if not means:
            continue
        best = max(means, key=lambda a: statistics.fmean(means[a]))
        seeds = len({r.seed for r in runs})
        unt = sorted(learned.above_untrained)
        raw = sorted(learned.above_raw)
        if learned.ceiling:
            status = f"no: {learned.ceiling}"
        elif learned.learned:
            status = "yes (contrasts whose arms learned)"
        elif not learned.above_untrained:
            status = "no: no arm above the untrained encoder"
        else:
            status = "no: no arm above both references"
        lines.append(
            f"| {source} | {dataset} | {seeds} | {100 * learned.raw:.1f} | "
            f"{100 * learned.untrained:.1f} | {best} ({100 * statistics.fmean(means[best]):.1f}) "
            f"| {len(unt)} of {len(means)}{': ' + ', '.join(unt) if unt else ''} "
            f"| {len(raw)} of {len(means)}{': ' + ', '.join(raw) if raw else ''} | {status} |"
        )
    return [*lines, ""]


def reference_table(root: Path, found: Sequence[Found]) -> list[str]:
    """Per dataset: both references, the best arm, and the arms above the untrained encoder.

    The kNN is the same probe for references and runs; the linear probe of records without
    ``probe`` detail (written before the cross-validated probe) is not, and is marked.
    """
    lines = [
        "| dataset | raw input lin / kNN % | untrained enc. lin / kNN % | best arm (kNN %) | "
        "arms above untrained, kNN mean | same linear probe |",
        "|---|---:|---:|---|---|---|",
    ]
    nothing: list[str] = []
    raw_wins: list[str] = []
    for folder in sorted(root.glob("*/main")):
        refs = load_references(folder)
        runs = [
            f.record for f in found if f.group == "main" and f.record.dataset == folder.parent.name
        ]
        if not refs or not runs:
            continue
        raw = _ref_mean(refs, "raw_input")
        unt = _ref_mean(refs, "untrained")
        arms: dict[str, list[float]] = {}
        for r in runs:
            arms.setdefault(r.augment, []).append(r.knn_acc)
        means = {a: statistics.fmean(v) for a, v in arms.items()}
        best = max(means, key=lambda a: means[a])
        above = sorted(a for a, v in means.items() if v > unt[1])
        if not above:
            nothing.append(folder.parent.name)
        if means[best] < raw[1]:
            raw_wins.append(folder.parent.name)
        same = "yes" if all(r.probe for r in runs) else "no (runs: old L-BFGS probe)"
        lines.append(
            f"| {folder.parent.name} | {100 * raw[0]:.1f} / {100 * raw[1]:.1f} | "
            f"{100 * unt[0]:.1f} / {100 * unt[1]:.1f} | {best} ({100 * means[best]:.1f}) | "
            f"{len(above)} of {len(means)}{': ' + ', '.join(above) if above else ''} | {same} |"
        )
    lines.append("")
    if nothing:
        lines += [
            "No setting beats the untrained encoder's kNN (mean over seeds) on: "
            + ", ".join(nothing)
            + ". There the runs measured how far the budget moved a random encoder, not "
            "what an augmentation teaches.",
            "",
        ]
    if raw_wins:
        lines += [
            "The kNN on the raw input beats every pretrained setting (mean over seeds) on: "
            + ", ".join(raw_wins)
            + ". There pretraining at this budget lost information the input had.",
            "",
        ]
    return lines


def folder_learning(folder: Path, runs: Sequence[RunRecord]) -> Learning | None:
    """The learned-rule assessment (:func:`randquant.evaluate.learned.assess`) of one
    result folder's runs against its reference records; ``None`` without references."""
    refs = load_references(folder)
    if not refs or not runs:
        return None
    arms: dict[str, dict[int, float]] = {}
    for r in runs:
        arms.setdefault(r.augment, {}).setdefault(r.seed, r.linear_acc)
    n_test = len(refs[0].predictions.get("raw_input_linear", [])) or len(
        runs[0].predictions.get("linear", [])
    )
    return assess(
        runs[0].dataset,
        arms,
        raw={x.seed: float(x.raw_input["linear_acc"]) for x in refs},
        untrained={x.seed: float(x.untrained["linear_acc"]) for x in refs},
        n_test=n_test or 10**9,  # unknown size: only a perfect reference is a ceiling
    )


def learning_of(
    source: str, roots: Sequence[Path], found: Sequence[Found], group: str
) -> dict[tuple[str, str], Learning]:
    """``{(source, dataset): Learning}`` for every ``<root>/<dataset>/<group>`` folder whose
    runs are in ``found`` (the first root that has the dataset wins)."""
    out: dict[tuple[str, str], Learning] = {}
    for dataset in sorted({f.record.dataset for f in found if f.group == group}):
        runs = [f.record for f in found if f.group == group and f.record.dataset == dataset]
        for root in roots:
            folder = root / dataset / group
            if (folder / "runs").is_dir():
                learned = folder_learning(folder, runs)
                if learned is not None:
                    out[(source, dataset)] = learned
                break
    return out


#: Test sets smaller than this get a bootstrap over test items beside the seed-level CI.
SMALL_TEST = 1000


def item_intervals(
    roots: Sequence[Path], found: Sequence[Found], contrasts: Sequence[Contrast], group: str
) -> ItemCI:
    """``{(dataset, a, b): (mean, low, high)}``: the bootstrap over seeds *and* test items
    (:func:`randquant.evaluate.stats.bootstrap_items`, linear probe) of every contrast on a
    dataset whose test set has fewer than :data:`SMALL_TEST` items and whose folder has
    labels (:func:`randquant.bench.labels.folder_labels`)."""
    from randquant.bench.labels import folder_labels
    from randquant.evaluate.stats import bootstrap_items

    out: ItemCI = {}
    for dataset in sorted({c.dataset for c in contrasts}):
        folder = next((r / dataset / group for r in roots if (r / dataset / group).is_dir()), None)
        labels = folder_labels(folder) if folder is not None else None
        if labels is None or len(labels) >= SMALL_TEST:
            continue
        correct: dict[str, dict[int, list[bool]]] = {}
        for f in found:
            r = f.record
            preds = r.predictions.get("linear")
            if f.group == group and r.dataset == dataset and preds and len(preds) == len(labels):
                correct.setdefault(r.augment, {}).setdefault(
                    r.seed, [int(p) == y for p, y in zip(preds, labels, strict=True)]
                )
        for c in contrasts:
            if c.dataset == dataset and c.metric == PRIMARY and c.a in correct and c.b in correct:
                out[(dataset, c.a, c.b)] = bootstrap_items(correct[c.a], correct[c.b])
    return out


def _ref_mean(refs: Sequence[ReferenceRecord], kind: str) -> tuple[float, float]:
    rows = [getattr(r, kind) for r in refs]
    return (
        statistics.fmean(float(x["linear_acc"]) for x in rows),
        statistics.fmean(float(x["knn_acc"]) for x in rows),
    )


def suite_and_ablation(
    suite_root: Path, ablation_root: Path
) -> tuple[list[Found], list[Contrast], list[Found], list[Contrast]]:
    """Records and contrasts of both result trees."""
    suite = find_records(suite_root)
    ablation = find_records(ablation_root)
    return suite, folder_contrasts(suite), ablation, folder_contrasts(ablation)


def reference_md_rows(folder: Path, dataset: str) -> list[str]:
    """Rows for the report's per-setting tables: both references of ``folder`` (mean ± std
    over seeds), in the table's columns."""
    from randquant.bench.results_io import cell
    from randquant.engine.records import KINDS

    refs = load_references(folder)
    rows = []
    for kind in KINDS if refs else ():
        lin = cell([float(getattr(r, kind)["linear_acc"]) for r in refs])
        knn = cell([float(getattr(r, kind)["knn_acc"]) for r in refs])
        label = kind.replace("_", " ")
        encoder = refs[0].encoder if kind == "untrained" else "–"
        rows.append(
            f"| {dataset} | _({label}, reference)_ | – | {encoder} "
            f"| {lin.pct()} | {knn.pct()} | – | – | {len(refs)} | – |"
        )
    return rows
