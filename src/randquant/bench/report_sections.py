"""The report's ablation and cost sections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from randquant.bench.results_io import Setting
from randquant.bench.tables import setting_table


def ablation_section(rows: Sequence[Setting]) -> list[str]:
    """One table per dataset: each ablation row's probes and loss."""
    lines: list[str] = []
    for dataset in sorted({s.dataset for s in rows}):
        mine = [s for s in rows if s.dataset == dataset]
        mine.sort(key=lambda s: (s.group != "factors", _bins_key(s.augment), s.label))
        lines += [f"### {dataset}", "", *setting_table(mine)]
    return lines


#: Ablation pairs: (label, variant spec or group, reference spec or group).
ABLATION_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("random edges beat uniform edges", "rq", "rq:spacing=uniform"),
    ("the random proxy beats the middle proxy", "rq", "rq:proxy=middle"),
    ("p = 1 beats p = 0.5", "rq", "rq:p=0.5"),
    ("RQ on the input beats RQ on the embedding (same transformer)", "input_tf", "embedding_tf"),
)


def ablation_discussion(rows: Sequence[Setting]) -> list[str]:
    """Sentences from the ablation records: best bin count per dataset, and each pairing."""
    from randquant.augment.spec import rq_bins

    lines = []
    for d in sorted({s.dataset for s in rows}):
        bins = [
            (s.metric("linear_acc").mean, rq_bins(s.augment))
            for s in rows
            if s.dataset == d and s.group == "factors" and rq_bins(s.augment) is not None
        ]
        if bins:
            acc, n = max(bins)
            lines.append(f"- {d}: the best bin count is {n} ({100 * acc:.1f} %).")
    for text, a, b in ABLATION_PAIRS:

        def key(s: Setting, spec: str) -> bool:
            return (
                s.group == spec
                if spec.endswith("_tf")
                else (s.group == "factors" and s.augment == spec)
            )

        pairs = [
            (x, y) for x in rows for y in rows if x.dataset == y.dataset and key(x, a) and key(y, b)
        ]
        if pairs:
            wins = sum(x.metric("linear_acc").mean > y.metric("linear_acc").mean for x, y in pairs)
            lines.append(f"- {text} on {wins} of {len(pairs)} datasets.")
    return [*lines, ""] if lines else []


def _bins_key(spec: str) -> tuple[int, str]:
    from randquant.augment.spec import rq_bins

    n = rq_bins(spec)
    return (0 if n is not None else 1, f"{n:04d}" if n is not None else spec)


def op_section(op: dict[str, Any] | None, steps: dict[str, dict[str, Any]]) -> list[str]:
    """The op benchmark (``op.json``) and the training-step costs (``train_step*.json``,
    by file name)."""
    lines = ["## Cost of the op", ""]
    if op is None:
        lines += [
            "_`benchmarks/results/op.json` not found: run "
            "`randquant bench op --device cpu --output benchmarks/results/op.json`._",
            "",
        ]
    else:
        hw = op.get("hardware", {})
        lines += [
            f"`randquant bench op`, shape {op.get('shape')}, {op.get('threads')} thread(s), "
            f"{hw.get('cpu', '?')}; medians of {op.get('repeats')} interleaved rounds.",
            "",
            "| implementation | bins | ms | × clone | × naive | peak MB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in op.get("rows", []):
            base = "" if r.get("x_baseline") is None else f"{r['x_baseline']:.3f}"
            peak = "n/a" if r.get("peak_extra_mb") is None else f"{r['peak_extra_mb']:.0f}"
            lines.append(
                f"| {r['implementation']} | {r['bins']} | {r['ms']:.1f} | "
                f"{r['x_clone']:.2f} | {base} | {peak} |"
            )
        lines.append("")
    if not steps:
        lines += [
            "_No `benchmarks/results/train_step*.json`: run `randquant bench train-step`._",
            "",
        ]
    else:
        lines += [
            "RQ inside a real training step (`randquant bench train-step`): views, forward, "
            "backward and optimiser step of the method, with `none` and with `rq` views; RQ alone "
            "is timed on the same batch (two views). Medians over interleaved rounds.",
            "",
            "| file | threads | setting | batch | step ms (none) | step ms (rq) | RQ ms "
            "| RQ share % |",
            "|---|---:|---|---:|---:|---:|---:|---:|",
        ]
        for name, step in steps.items():
            threads = step.get("hardware", {}).get("torch_threads", "?")
            for r in step.get("rows", []):
                lines.append(
                    f"| {name} | {threads} | {r['name']} | {r['batch_size']} | "
                    f"{r['step_ms_none']:.0f} | {r['step_ms_rq']:.0f} | {r['rq_ms']:.1f} | "
                    f"{r['rq_share_pct']:.1f} |"
                )
        verdicts = " ".join(f"{n}: {s.get('verdict', '')}" for n, s in steps.items())
        lines += ["", f"Target: RQ ≤ 5 % of the step. {verdicts}", ""]
    return lines
