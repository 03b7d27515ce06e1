"""What the result folders say about the paper's claims: paired contrasts and verdicts.

Every number comes from run records (``<root>/<dataset>/<group>/runs``) and reference
records (``.../references``). Contrasts are the pre-declared ones
(:data:`randquant.bench.plan.SUITE_CONTRASTS` for the suite's ``main`` groups,
:data:`randquant.bench.ablation.ABLATION_CONTRASTS` for the ablation's ``factors``), tested
by :func:`randquant.engine.contrasts.run_contrasts`: paired over seeds, 95 % t interval,
Holm within each dataset and metric, minimum detectable effect at 80 % power.

A claim's verdict per modality (linear probe, the paper's metric):

- ``beats`` claims: *supported* when, on some dataset, every contrast of the claim is
  ``better`` and no contrast of the modality is ``worse``; *partly supported* when some are
  ``better``, none ``worse``, but no dataset has them all; *contradicted* when some is
  ``worse`` and none ``better``; *mixed* with both; otherwise *not detectable at this scale*.
- ``par`` (RQ on par with the modality-specific augmentation): *contradicted* when RQ is
  detectably worse; *supported* when every CI stays above ``-PAR_MARGIN``; otherwise not
  detectable.
- ``interior`` (the bins curve has an interior optimum): per dataset, 8 bins must beat both
  1 and 64 bins; judged over datasets like a ``beats`` claim.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from randquant.bench.results_io import Found, find_records
from randquant.engine.records import ReferenceRecord
from randquant.engine.store import load_references
from randquant.evaluate.stats import Contrast

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


def _counts(cs: Sequence[Contrast]) -> tuple[int, int, int]:
    better = sum(c.verdict == "better" for c in cs)
    worse = sum(c.verdict == "worse" for c in cs)
    return better, worse, len(cs) - better - worse


def judge(claim: Claim, cs: Sequence[Contrast]) -> str:
    """The claim's verdict on ``cs`` (its contrasts within one modality)."""
    if not cs:
        return "untested"
    if claim.kind == "par":
        if any(c.verdict == "worse" for c in cs):
            return "contradicted"
        ok = all(not math.isnan(c.ci_low) and c.ci_low >= -PAR_MARGIN for c in cs)
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


def evidence_text(cs: Sequence[Contrast]) -> str:
    """A cell: counts of verdicts, then each contrast's paired difference and 95 % CI."""
    better, worse, _ = _counts(cs)
    untestable = sum(c.verdict == "untestable" for c in cs)
    nd = len(cs) - better - worse - untestable
    parts = [
        f"{better} better, {worse} worse, {nd} n.d."
        + (f", {untestable} untestable" if untestable else "")
    ]
    parts += [
        f"{c.dataset} {c.a}−{c.b} {_pp(c.mean_diff)} [{_pp(c.ci_low)}, {_pp(c.ci_high)}]"
        for c in cs
    ]
    return "; ".join(parts)


def claims_table(
    suite: Sequence[Contrast],
    ablation: Sequence[Contrast],
    modality: dict[str, str],
) -> list[str]:
    """Markdown rows: claim × modality, verdict, and the CIs behind it (linear probe)."""
    lines = [
        "| claim (paper) | modality | verdict | evidence: verdict counts; paired diff a−b, "
        "95 % CI (pp, linear probe) |",
        "|---|---|---|---|",
    ]
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
            verdict = judge(claim, cs)
            text = evidence_text(cs) if cs else f"no {claim.source} runs on {m} data"
            lines.append(f"| {claim.text} | {m} | **{verdict}** | {text} |")
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
