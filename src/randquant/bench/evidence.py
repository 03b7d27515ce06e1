"""What the result folders say about the paper's claims: paired contrasts and verdicts.

Every number comes from run records (``<root>/<dataset>/<group>/runs``) and reference
records (``.../references``). Contrasts are the pre-declared ones
(:data:`randquant.bench.suite.SUITE_CONTRASTS` for the suite's ``main`` groups,
:data:`randquant.bench.ablation.ABLATION_CONTRASTS` for the ablation's ``factors``), tested
by :func:`randquant.engine.contrasts.run_contrasts`: paired over seeds, 95 % t interval,
Holm within each dataset and metric, minimum detectable effect at 80 % power.

A claim's verdict per modality (linear probe, the paper's metric) rests only on contrasts
from runs that learned (:mod:`randquant.evaluate.learned`: both arms above the untrained
encoder, at least one above the raw input, the dataset not at its ceiling; "on par" needs
both arms above both references) and never on two arms whose runs are identical on every
seed (their views are equal by construction, e.g. ``channel_mask`` on one channel). The
contrasts that count in one claim × modality cell are one Holm family, across its datasets
(:func:`randquant.evaluate.stats.rejudged`); beside each, the 95 % interval and the
simultaneous (Bonferroni over the cell) one. With that family:

- ``beats`` claims: *supported* when, on some dataset, every contrast of the claim is
  ``better`` and no contrast of the modality is ``worse``; *partly supported* when some are
  ``better``, none ``worse``, but no dataset has them all; *contradicted* when some is
  ``worse`` and none ``better``; *mixed* with both; otherwise *not detectable at this scale*.
- ``par`` (RQ on par with the modality-specific augmentation): *contradicted* when RQ is
  detectably worse; *supported* when every simultaneous CI stays above ``-PAR_MARGIN``;
  otherwise not detectable.
- ``interior`` (the bins curve has an interior optimum): per dataset, 8 bins must beat both
  1 and 64 bins; judged over datasets like a ``beats`` claim.

A cell with runs but no contrast that counts reads *not learned at this budget*; a cell
without runs, *untested*.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from randquant.bench.results_io import Found, find_records
from randquant.engine.references import ReferenceRecord, load_references
from randquant.engine.results import RunRecord
from randquant.evaluate.learned import Learning, assess
from randquant.evaluate.stats import Contrast, rejudged, simultaneous_ci

#: Equivalence margin of the "on par" claim, as a fraction (5 points).
PAR_MARGIN = 0.05
PRIMARY = "linear_acc"
MODALITIES: tuple[str, ...] = ("image", "audio", "points", "sensor", "text", "tabular")


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and the contrasts that test it."""

    text: str
    kind: str  # "beats" | "par" | "interior"
    source: str  # "suite" | "ablation"
    pairs: tuple[tuple[str, str], ...]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "RQ beats the other generic augmentations",
        "beats",
        "suite",
        (("rq", "noise"), ("rq", "mask"), ("rq", "channel_mask"), ("rq", "mixup")),
    ),
    Claim(
        "RQ is on par with the modality-specific augmentation",
        "par",
        "suite",
        (("rq", "specific"),),
    ),
    Claim(
        "crop + RQ beats crop + the other generic augmentations",
        "beats",
        "suite",
        (
            ("crop+rq", "crop"),
            ("crop+rq", "crop+noise"),
            ("crop+rq", "crop+mask"),
            ("crop+rq", "crop+mixup"),
        ),
    ),
    Claim(
        "the bins curve has an interior optimum (8 bins beat 1 and 64)",
        "interior",
        "ablation",
        (("rq", "rq:bins=1"), ("rq", "rq:bins=64")),
    ),
    Claim(
        "random bin edges beat uniform ones", "beats", "ablation", (("rq", "rq:spacing=uniform"),)
    ),
    Claim(
        "random in-bin values beat bin middles", "beats", "ablation", (("rq", "rq:proxy=middle"),)
    ),
)


def folder_contrasts(found: Sequence[Found]) -> list[Contrast]:
    """The declared contrasts of every suite ``main`` and ablation ``factors`` folder."""
    from randquant.bench.ablation import ABLATION_CONTRASTS
    from randquant.bench.suite import SUITE_CONTRASTS
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


def _counts(cs: Sequence[Contrast]) -> tuple[int, int, int]:
    better = sum(c.verdict == "better" for c in cs)
    worse = sum(c.verdict == "worse" for c in cs)
    return better, worse, len(cs) - better - worse


def judge(claim: Claim, cs: Sequence[Contrast], *, simultaneous: bool = False) -> str:
    """The claim's verdict on ``cs`` (its contrasts within one modality).

    ``simultaneous``: the "on par" margin is checked on the Bonferroni interval over ``cs``
    (:func:`~randquant.evaluate.stats.simultaneous_ci`) instead of each contrast's own.
    """
    if not cs:
        return "untested"
    if claim.kind == "par":
        if any(c.verdict == "worse" for c in cs):
            return "contradicted"
        lows = [simultaneous_ci(c, len(cs))[0] if simultaneous else c.ci_low for c in cs]
        ok = all(not math.isnan(lo) and lo >= -PAR_MARGIN for lo in lows)
        return "supported" if ok else "not detectable at this scale"
    if claim.kind == "interior":
        per_ds: dict[str, list[Contrast]] = {}
        for c in cs:
            per_ds.setdefault(c.dataset, []).append(c)
        better = sum(all(c.verdict == "better" for c in v) for v in per_ds.values())
        worse = sum(any(c.verdict == "worse" for c in v) for v in per_ds.values())
    else:
        better, worse, _ = _counts(cs)
        if better and not worse:
            per: dict[str, list[Contrast]] = {}
            for c in cs:
                per.setdefault(c.dataset, []).append(c)
            whole = any(all(c.verdict == "better" for c in v) for v in per.values())
            return "supported" if whole else "partly supported"
    if better and worse:
        return "mixed"
    if better:
        return "supported"
    if worse:
        return "contradicted"
    return "not detectable at this scale"


def _pp(v: float) -> str:
    return "–" if math.isnan(v) else f"{100 * v:+.1f}"


def evidence_text(cs: Sequence[Contrast], items: ItemCI | None = None) -> str:
    """A cell: counts of verdicts, then each contrast's paired difference, its 95 % CI, the
    simultaneous (Bonferroni over ``cs``) CI and, on small test sets, the bootstrap CI over
    seeds and test items (``items``)."""
    better, worse, _ = _counts(cs)
    untestable = sum(c.verdict == "untestable" for c in cs)
    nd = len(cs) - better - worse - untestable
    parts = [
        f"{better} better, {worse} worse, {nd} n.d."
        + (f", {untestable} untestable" if untestable else "")
    ]
    for c in cs:
        lo, hi = simultaneous_ci(c, len(cs))
        got = (items or {}).get((c.dataset, c.a, c.b))
        parts.append(
            f"{c.dataset} {c.a}−{c.b} {_pp(c.mean_diff)} [{_pp(c.ci_low)}, {_pp(c.ci_high)}] "
            f"sim. [{_pp(lo)}, {_pp(hi)}]"
            + (f" items [{_pp(got[1])}, {_pp(got[2])}]" if got else "")
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class Cell:
    """One claim × modality cell: the verdict, the contrasts it rests on (one Holm family)
    and the datasets or contrasts left out, each with its reason."""

    claim: Claim
    modality: str
    verdict: str
    counted: tuple[Contrast, ...]
    rests_on: tuple[str, ...]
    excluded: tuple[str, ...]


def identical_runs(found: Sequence[Found]) -> dict[tuple[str, str], str]:
    """``{(dataset, arm): other}`` for every arm whose runs equal another arm's of the same
    folder on every seed (both probes and the final loss; ``other`` is the first such arm in
    name order): the two arms' views are equal by construction (e.g. ``channel_mask`` on one
    channel is ``none``), so a contrast naming either tests something else than it says."""
    runs: dict[tuple[str, str], dict[str, dict[int, tuple[float, float, float]]]] = {}
    for f in found:
        r = f.record
        runs.setdefault((r.dataset, f.group), {}).setdefault(r.augment, {})[r.seed] = (
            r.linear_acc,
            r.knn_acc,
            r.final_loss,
        )
    out: dict[tuple[str, str], str] = {}
    for (dataset, _), arms in sorted(runs.items()):
        for a in sorted(arms):
            same = [b for b in sorted(arms) if b != a and arms[a] and arms[b] == arms[a]]
            if same:
                out[(dataset, a)] = same[0]
    return out


def judge_cells(
    suite: Sequence[Contrast],
    ablation: Sequence[Contrast],
    modality: dict[str, str],
    learning: dict[tuple[str, str], Learning],
    identical: dict[tuple[str, str], str] | None = None,
    post_hoc: frozenset[tuple[str, str]] = frozenset(),
) -> list[Cell]:
    """Every claim × modality cell, judged only on contrasts that may count.

    ``learning[(source, dataset)]`` is the dataset's :class:`~randquant.evaluate.learned.
    Learning` in the suite or the ablation; a dataset without one is left out ("no
    reference records"). ``identical`` (:func:`identical_runs`) names the arms whose runs
    equal another arm's; a contrast naming one is left out. ``post_hoc`` holds the
    ``(source, dataset)`` whose contrasts were declared after their runs were committed
    (:mod:`randquant.bench.history`): they are named so, and a verdict resting on them only
    says "(post hoc)".
    """
    same = identical or {}
    cells = []
    for claim in CLAIMS:
        pool = suite if claim.source == "suite" else ablation
        for m in MODALITIES:
            cs = [
                c
                for c in pool
                if c.metric == PRIMARY
                and (c.a, c.b) in claim.pairs
                and modality.get(c.dataset, "other") == m
            ]
            counted: list[Contrast] = []
            excluded: dict[str, list[str]] = {}
            for c in cs:
                learned = learning.get((claim.source, c.dataset))
                twins = [(x, same[(c.dataset, x)]) for x in (c.a, c.b) if (c.dataset, x) in same]
                if twins:
                    why = ", ".join(f"{x} = {y} on every seed" for x, y in twins)
                elif learned is None:
                    why = "no reference records"
                else:
                    why = learned.why_not(c.a, c.b, par=claim.kind == "par")
                if why:
                    excluded.setdefault(c.dataset, []).append(f"{c.a}−{c.b}: {why}")
                else:
                    counted.append(c)
            family = rejudged(counted)
            if family:
                verdict = judge(claim, family, simultaneous=True)
            else:
                verdict = "not learned at this budget" if cs else "untested"
            if family and all((claim.source, c.dataset) in post_hoc for c in family):
                verdict += " (post hoc)"
            rests = tuple(
                dict.fromkeys(
                    c.dataset + (" (post hoc)" if (claim.source, c.dataset) in post_hoc else "")
                    for c in family
                )
            )
            out = tuple(
                f"{d} ({_reasons(v)})" for d, v in sorted(excluded.items()) if d not in rests
            ) + tuple(f"{d}: {'; '.join(v)}" for d, v in sorted(excluded.items()) if d in rests)
            cells.append(Cell(claim, m, verdict, tuple(family), rests, out))
    return cells


def _reasons(reasons: Sequence[str]) -> str:
    """The distinct reasons of a dataset's excluded contrasts, the shared one once."""
    whys = list(dict.fromkeys(r.split(": ", 1)[1] for r in reasons))
    if len(whys) == 1 and whys[0].startswith("ceiling"):
        return whys[0]
    return "; ".join(r for r in reasons) if len(whys) > 1 else whys[0]


def claims_table(cells: Sequence[Cell], items: ItemCI | None = None) -> list[str]:
    """Markdown rows: claim × modality, verdict, the datasets it rests on, those left out
    (with why), and the contrasts behind it (linear probe)."""
    lines = [
        "| claim (paper) | modality | verdict | rests on | left out (why) | evidence: verdict "
        "counts (Holm over the cell); paired diff a−b, 95 % CI, simultaneous CI, on test "
        "sets under 1,000 items the bootstrap CI over seeds × items (pp, linear probe) |",
        "|---|---|---|---|---|---|",
    ]
    for cell in cells:
        text = evidence_text(cell.counted, items) if cell.counted else "–"
        if cell.verdict == "untested":
            text = f"no {cell.claim.source} runs on {cell.modality} data"
        rests = ", ".join(cell.rests_on) or "–"
        out = "; ".join(cell.excluded) or "–"
        lines.append(
            f"| {cell.claim.text} | {cell.modality} | **{cell.verdict}** | {rests} | {out} "
            f"| {text} |"
        )
    return [*lines, ""]


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

ItemCI = dict[tuple[str, str, str], tuple[float, float, float]]


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


def contrast_table(
    contrasts: Sequence[Contrast], metric: str = PRIMARY, items: ItemCI | None = None
) -> list[str]:
    """Every contrast of ``metric``, per dataset: paired diff, 95 % CI, Holm p (within the
    dataset and metric), MDE, verdict; with ``items`` (:func:`item_intervals`) a column of
    the bootstrap CI over seeds and test items where the test set is small."""
    from randquant.engine.contrasts import verdict_text

    boot = items is not None
    lines = [
        "| dataset | contrast a − b | seeds | mean diff pp | 95 % CI pp (seeds) | "
        + ("95 % CI pp (seeds × test items) | " if boot else "")
        + "p (Holm, dataset) | MDE pp | verdict |",
        "|---|---|---:|---:|---|" + ("---|" if boot else "") + "---:|---:|---|",
    ]
    for c in contrasts:
        if c.metric != metric:
            continue
        p = "–" if math.isnan(c.p_holm) else f"{c.p_holm:.3g}"
        mde = "–" if math.isnan(c.mde) else f"{100 * c.mde:.1f}"
        extra = ""
        if items is not None:
            got = items.get((c.dataset, c.a, c.b))
            extra = f"[{_pp(got[1])}, {_pp(got[2])}] | " if got else "– | "
        lines.append(
            f"| {c.dataset} | {c.a} − {c.b} | {c.n_seeds} | {_pp(c.mean_diff)} | "
            f"[{_pp(c.ci_low)}, {_pp(c.ci_high)}] | {extra}{p} | {mde} | {verdict_text(c)} |"
        )
    return [*lines, ""]


def reference_md_rows(folder: Path, dataset: str) -> list[str]:
    """Rows for the report's per-setting tables: both references of ``folder`` (mean ± std
    over seeds), in the table's columns."""
    from randquant.bench.results_io import cell
    from randquant.engine.references import KINDS

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
