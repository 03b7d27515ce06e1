"""The paper's claims and their verdicts per modality (:data:`CLAIMS`, :func:`judge_cells`).

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
from collections.abc import Sequence
from dataclasses import dataclass

from randquant.bench.results_io import Found
from randquant.evaluate.learned import Learning
from randquant.evaluate.stats import Contrast, rejudged, simultaneous_ci

#: Bootstrap intervals over seeds and test items, by ``(dataset, a, b)``: (mean, low, high).
ItemCI = dict[tuple[str, str, str], tuple[float, float, float]]
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
        (("rq", "noise"), ("rq", "mask"), ("rq", "channel_mask"), ("rq", "mixup"), ("rq", "scarf")),
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
