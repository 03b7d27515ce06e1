"""The "GPU" section of ``docs/benchmarks.md``: from ``benchmarks/results/gpu_*.json`` when a
GPU run of ``scripts/gpu_check.sh`` produced them, else what that run will measure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOAL_TORCH_PCT = 50.0  # issue 13: the torch path at 8 bins, share of the copy's bandwidth
GOAL_TRITON_PCT = 80.0  # and the fused Triton kernels'

_HOW = [
    "How the GPU figures are made: one run of `bash scripts/gpu_check.sh OUT` on a GPU machine "
    "(the device tool runs exactly that command from the repository root; at most 8 minutes, "
    "each step under its own time limit). Wheels the machine lacks are made here with "
    "`bash scripts/gpu_check_wheels.sh benchmarks/gpu_wheels PYVER` and carried along. The run "
    "writes `OUT/gpu_op.json`, `OUT/gpu_train_step.json`, `OUT/gpu_suite/` and the CUDA tests' "
    "junit/log; copied to `benchmarks/results/` under the same names, `randquant bench report` "
    "puts them here.",
    "",
    "What it measures:",
    "",
    "- `pytest tests/ops/test_cuda.py tests/ops/test_triton.py tests/bench/test_official_op.py`:"
    " the op on CUDA equals the CPU torch path bit for bit given the same params (float32, "
    "bfloat16, float16, channels_last; torch and Triton backends), no host synchronisation "
    "(`torch.cuda.set_sync_debug_mode('error')`), inside `torch.compile` and CUDA graphs;",
    "- `randquant bench op --device cuda`: 256×3×224×224 float32 and bfloat16 at 8, 16 and 64 "
    "bins; side by side, timed with CUDA events: `x.clone()`, randquant's torch path and fused "
    "Triton kernels (the whole op, and the apply alone given params), a naive mask-per-bin "
    "baseline and the official algorithm (`randquant.bench.official_op`: its ε, its assert, its "
    "argmax-and-gather); effective GB/s (2 × input bytes / time) against the copy's. Goals: the "
    f"torch path at ≥ {GOAL_TORCH_PCT:g} % of the copy's bandwidth at 8 bins, the Triton kernels "
    f"at {GOAL_TRITON_PCT:g} %; `backend='auto'` on CUDA stays on torch "
    "(`randquant.ops.backend.CUDA_AUTO`) until this run shows Triton faster;",
    "- `randquant bench train-step --device cuda` on `benchmarks/data/emoji_gpu_check.npz` "
    "(256 + 128 real emoji images, 3×32×32, from the Debian package fonts-noto-color-emoji; "
    "`python scripts/gpu_check_data.py` rebuilds it): RQ's share of a SimCLR step, batch 256;",
    "- `randquant compare --device cuda` on the same file: none, rq and crop+rq, 3 epochs, "
    "1 seed: the engine end to end on a GPU (a smoke run, not an accuracy result).",
    "",
    "A dry run on the CPU proves every step runs: `GPU_CHECK_DEVICE=cpu "
    "GPU_CHECK_SHAPE=16,3,64,64 GPU_CHECK_BATCH=64 GPU_CHECK_EPOCHS=1 GPU_CHECK_REPEATS=2 "
    "GPU_CHECK_LIMIT_SCALE=6 GPU_CHECK_BUDGET_S=2400 bash scripts/gpu_check.sh /tmp/gpu_dry`. "
    "On the shared 2-core AMD EPYC machine (load average 8 to 13) it took 587 s: tests 13 s "
    "(40 passed, the 11 CUDA-only ones skipped), bench op 39 s, train-step 14 s, compare 518 s, "
    "most of it the raw-input reference probe (scikit-learn on 3,072 features). Its CPU timings "
    "are not results and are not kept.",
    "",
]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _op_table(op: dict[str, Any]) -> list[str]:
    hw = op.get("hardware", {})
    rows = op.get("rows", [])
    official = {
        (r["dtype"], r["bins"]): r["ms"]
        for r in rows
        if r.get("implementation", "").startswith("official")
    }
    lines = [
        f"`randquant bench op --device cuda`, shape {op.get('shape')}, GPU {hw.get('gpu')}, "
        f"torch {hw.get('torch')}; medians of {op.get('repeats')} interleaved rounds "
        "(CUDA events).",
        "",
        "| implementation | dtype | bins | ms | GB/s | % of copy | × official | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ref = official.get((r.get("dtype"), r.get("bins")))
        vs = "" if not ref else f"{r['ms'] / ref:.3f}"
        peak = "n/a" if r.get("peak_extra_mb") is None else f"{r['peak_extra_mb']:.0f}"
        lines.append(
            f"| {r['implementation']} | {r.get('dtype')} | {r['bins']} | {r['ms']:.3f} | "
            f"{r.get('gb_s') or 0:.0f} | {r.get('copy_bw_pct') or 0:.0f} | {vs} | {peak} |"
        )
    return [*lines, "", *(f"- {line}" for line in op.get("bandwidth", [])), ""]


def gpu_section(results: Path) -> list[str]:
    """Markdown lines of the GPU section from the files under ``results``."""
    lines = ["## GPU", ""]
    op = _read(results / "gpu_op.json")
    step = _read(results / "gpu_train_step.json")
    if op is None and step is None:
        lines += [
            "**No GPU figure exists yet.** No GPU was available to the sessions that wrote the "
            "GPU path; everything it needs is ready and tested on the CPU (the Triton kernels "
            "under `TRITON_INTERPRET=1`), and the CUDA tests skip without a GPU.",
            "",
        ]
        return lines + _HOW
    if op is not None:
        lines += _op_table(op)
    if step is not None:
        gpu = step.get("hardware", {}).get("gpu")
        lines += [
            f"`randquant bench train-step --device cuda`, GPU {gpu}:",
            "",
            "| setting | batch | step ms (none) | step ms (rq) | RQ ms | RQ share % |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in step.get("rows", []):
            lines.append(
                f"| {r['name']} | {r['batch_size']} | {r['step_ms_none']:.1f} | "
                f"{r['step_ms_rq']:.1f} | {r['rq_ms']:.2f} | {r['rq_share_pct']:.1f} |"
            )
        lines += ["", step.get("verdict", ""), ""]
    suite = results / "gpu_suite" / "results.md"
    if suite.is_file():
        lines += ["`randquant compare --device cuda` (smoke run):", "", suite.read_text(), ""]
    return lines + _HOW
