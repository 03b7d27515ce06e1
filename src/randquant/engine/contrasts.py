"""The contrasts of a comparison: which pairs of arms, and their paired tests (analysis).

A comparison declares its contrasts (pairs of arms ``a`` vs ``b``) *before* it runs: they are
written to ``<folder>/contrasts.json`` (:mod:`randquant.engine.store`), and the index
(``results.*``, :mod:`randquant.engine.index`) tests exactly those, on
the seeds both arms have, each metric a family of its own (Holm within it). Without a
declaration the default is each RQ arm against the arms that differ from it in the last step
(:func:`default_contrasts`).

>>> parse_contrast("rq:bins=16:none", ["none", "rq:bins=16"])
('rq:bins=16', 'none')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from randquant.engine.records import Pair, ReferenceRecord, RunRecord
from randquant.evaluate.stats import Contrast, paired_contrasts

#: Each metric is its own family of tests.
METRICS: tuple[str, ...] = ("linear_acc", "knn_acc")


def parse_contrast(text: str, arms: Sequence[str]) -> Pair:
    """Split ``"A:B"`` into two of ``arms`` (specs may hold ``:`` themselves, e.g. ``rq:p=0.5``).

    ``ValueError`` names the arms when no split matches.
    """
    splits = [
        (text[:i], text[i + 1 :])
        for i, ch in enumerate(text)
        if ch == ":" and text[:i] in arms and text[i + 1 :] in arms
    ]
    if len(splits) != 1 or splits[0][0] == splits[0][1]:
        raise ValueError(
            f"contrast {text!r} must be A:B with two different arms of this comparison "
            f"({', '.join(arms)})"
        )
    return splits[0]


def default_contrasts(arms: Sequence[str]) -> list[Pair]:
    """Each RQ arm against the arms that differ from it in its last step only.

    ``rq`` (or ``rq:bins=16``) against every other single augmentation (``none``, ``crop``,
    ``noise``, another ``rq:...``); ``crop+rq`` against ``crop`` and every ``crop+<other>``.
    A pair is tested once, in the order the arms were given.

    >>> default_contrasts(["crop+rq", "crop", "rq", "noise", "none"])
    [('crop+rq', 'crop'), ('rq', 'crop'), ('rq', 'noise'), ('rq', 'none')]
    """
    from randquant.augment.spec import parse_spec

    steps = {arm: [part.name for part in parse_spec(arm)] for arm in arms}
    pairs: list[Pair] = []
    for a in arms:
        if steps[a][-1] != "rq":
            continue
        base = steps[a][:-1]
        for b in arms:
            same_base = steps[b] == base or (
                len(steps[b]) == len(steps[a]) and steps[b][:-1] == base
            )
            if b != a and same_base and (b, a) not in pairs:
                pairs.append((a, b))
    return pairs


def run_contrasts(
    records: Sequence[RunRecord], pairs: Sequence[Pair] | None, *, dataset: str = ""
) -> list[Contrast]:
    """Test ``pairs`` (default: :func:`default_contrasts`) on ``records``, per metric.

    An arm is an augmentation spec; when several records share an (arm, seed), the first
    one counts. Pairs naming an arm with no record yet are left out (a sweep in progress).
    """
    values: dict[str, dict[str, dict[int, float]]] = {m: {} for m in METRICS}
    for r in records:
        for m in METRICS:
            values[m].setdefault(r.augment, {}).setdefault(r.seed, float(getattr(r, m)))
    arms = list(values[METRICS[0]])
    wanted = default_contrasts(arms) if pairs is None else list(pairs)
    ready = [(a, b) for a, b in wanted if a in arms and b in arms]
    out: list[Contrast] = []
    for m in METRICS:
        if ready:
            out += paired_contrasts(values[m], ready, metric=m, dataset=dataset)
    return out


def item_tests(
    records: Sequence[RunRecord],
    references: Sequence[ReferenceRecord],
    contrasts: Sequence[Contrast],
) -> list[dict[str, Any]]:
    """Per-item exact McNemar tests of every contrast, one per seed and probe.

    They need both runs' test predictions and the seed's test labels (kept by reference
    records written since the labels were added). Each is one seed's test set, so the
    p-values are per seed and uncorrected: they say whether *that* pair of runs differs
    item by item; the seed-level contrast is the claim about the arms.
    """
    from randquant.evaluate.stats import mcnemar_exact

    labels = {
        ref.seed: ref.predictions["labels"] for ref in references if "labels" in ref.predictions
    }
    preds: dict[tuple[str, int], dict[str, list[int]]] = {}
    for r in records:
        preds.setdefault((r.augment, r.seed), r.predictions)
    out = []
    for c in contrasts:
        probe = c.metric.removesuffix("_acc")
        for seed, truth in sorted(labels.items()):
            a = preds.get((c.a, seed), {}).get(probe)
            b = preds.get((c.b, seed), {}).get(probe)
            if a is None or b is None or not len(a) == len(b) == len(truth):
                continue
            a_only, b_only, p = mcnemar_exact(a, b, truth)
            out.append(
                {"a": c.a, "b": c.b, "metric": c.metric, "seed": seed,
                 "a_only": a_only, "b_only": b_only, "p": p}
            )  # fmt: skip
    return out


def index_payload(
    records: Sequence[RunRecord],
    references: Sequence[ReferenceRecord],
    contrasts: Sequence[Contrast],
) -> dict[str, Any]:
    """``results.json``: ``{"runs", "references", "contrasts", "item_tests"}``."""
    return {
        "runs": [r.to_dict() for r in records],
        "references": [ref.summary() for ref in references],
        "contrasts": [c.to_dict() for c in contrasts],
        "item_tests": item_tests(records, references, contrasts),
    }
