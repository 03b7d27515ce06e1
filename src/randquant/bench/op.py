"""``randquant bench op``: RQ against ``x.clone()``, a naive mask-per-bin implementation and
the official algorithm, on the CPU or a GPU.

All implementations run side by side, interleaved round by round, so that a noisy shared
machine slows them alike; the table reports medians, ratios to the clone and the baseline, and
the effective bandwidth against the copy's. GPU times come from CUDA events.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import torch

from randquant.bench.official_op import official_rq
from randquant.ops import apply_quantization, randomized_quantization, sample_quantization_params
from randquant.ops.params import QuantizationParams


def naive_mask_per_bin(x: torch.Tensor, params: QuantizationParams) -> torch.Tensor:
    """The straightforward implementation (as in the paper's code): one boolean mask per bin.

    Builds a ``(B, C, bins, M)`` mask of bin membership, multiplies by the proxies and sums.
    Same algorithm and same params as the op, so the outputs agree on finite inputs.
    """
    b, c = x.shape[:2]
    v = x.reshape(b, c, 1, -1)
    edges = params.edges.unsqueeze(-1)
    left, right = edges[:, :, :-1].clone(), edges[:, :, 1:].clone()
    left[:, :, 0], right[:, :, -1] = -torch.inf, torch.inf  # outer bins are open-ended
    masks = (v >= left) & (v < right)
    y = (masks * params.proxies.unsqueeze(-1)).sum(2)
    return y.reshape(x.shape).to(x.dtype)


@dataclass(frozen=True)
class OpTiming:
    """One implementation at one bin count and dtype: median time, ratios, bandwidth, memory.

    ``gb_s`` is the effective bandwidth ``2 x input bytes / time`` (the bytes a copy reads and
    writes), so ``copy_bw_pct`` (``gb_s`` as % of ``x.clone()``'s) is ``100 / x_clone``.
    """

    implementation: str
    bins: int
    ms: float
    x_clone: float
    x_baseline: float | None
    peak_extra_mb: float | None
    dtype: str = "float32"
    device: str = "cpu"
    gb_s: float | None = None
    copy_bw_pct: float | None = None


def _rss_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_extra_mb(fn: Callable[[], object], device: torch.device | None = None) -> float | None:
    """Peak memory added while ``fn`` runs: the CUDA allocator's high-water mark on a GPU,
    resident memory on the CPU (Linux: resets the high-water mark)."""
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        kept = fn()
        torch.cuda.synchronize(device)
        high = torch.cuda.max_memory_allocated(device)
        del kept
        return max(0.0, (high - base) / 2**20)
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")
    except OSError:
        return None
    before = _rss_kb("VmRSS")
    result = fn()
    peak = _rss_kb("VmHWM")
    del result
    if before is None or peak is None:
        return None
    return max(0.0, (peak - before) / 1024)


def time_round(impls: dict[str, Callable[[], object]], device: torch.device) -> dict[str, float]:
    """Seconds of one call of each implementation, in order. On a GPU each call sits between two
    CUDA events and the round synchronises once at its end (the events time the device's work;
    a host sync inside a call, such as the official code's assert, counts as its own cost)."""
    if device.type != "cuda":
        times = {}
        for name, fn in impls.items():
            t0 = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t0
        return times
    marks = []
    for name, fn in impls.items():
        start = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
        end = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
        start.record()
        fn()
        end.record()
        marks.append((name, start, end))
    torch.cuda.synchronize(device)
    return {name: start.elapsed_time(end) / 1e3 for name, start, end in marks}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


#: Defaults per device type: the issue's GPU setting, and the CPU table's shape.
DEFAULT_SHAPES: dict[str, tuple[int, ...]] = {"cuda": (256, 3, 224, 224), "cpu": (64, 3, 224, 224)}
DEFAULT_BINS: dict[str, tuple[int, ...]] = {"cuda": (8, 16, 64), "cpu": (8, 64)}
DEFAULT_DTYPES: dict[str, tuple[str, ...]] = {"cuda": ("float32", "bfloat16"), "cpu": ("float32",)}
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}


def triton_ready(x: torch.Tensor) -> bool:
    """Whether ``backend="triton"`` can run on ``x`` (GPU, or the CPU interpreter)."""
    from randquant.ops.backend import use_triton

    try:
        return use_triton(x, "triton")
    except ValueError:
        return False


def op_implementations(
    x: torch.Tensor,
    nb: int,
    g: torch.Generator,
    *,
    baseline: bool,
    peer: bool,
    out: torch.Tensor,
) -> tuple[dict[str, Callable[[], object]], QuantizationParams]:
    """The timed calls for one input and bin count, after checking that they agree."""
    dims: dict[str, Any] = {"channel_dim": 1, "batch_dim": 0}
    rq = partial(randomized_quantization, x, nb, generator=g, **dims)
    params = sample_quantization_params(x, nb, generator=g, backend="torch", **dims)
    apply = partial(apply_quantization, x, params, **dims)
    impls: dict[str, Callable[[], object]] = {"x.clone()": x.clone}
    if x.device.type == "cpu":
        impls["randquant (auto)"] = rq
        impls["randquant (auto, out=)"] = partial(rq, out=out)
    impls["randquant (torch)"] = partial(rq, backend="torch")
    if x.device.type != "cpu":
        impls["randquant (torch, apply)"] = partial(apply, backend="torch")
    want = apply(backend="torch")
    if x.device.type != "cpu" and triton_ready(x):
        try:
            got = apply(backend="triton")
        except Exception as err:  # a kernel that fails to build must not cost the other rows
            warnings.warn(f"Triton rows left out: the kernels failed: {err!r}", stacklevel=2)
        else:
            if torch.equal(got, want):
                impls["randquant (triton)"] = partial(rq, backend="triton")
                impls["randquant (triton, apply)"] = partial(apply, backend="triton")
            else:
                warnings.warn(
                    "Triton rows left out: the kernels disagree with the torch path", stacklevel=2
                )
    if baseline:
        impls["naive mask-per-bin"] = partial(naive_mask_per_bin, x, params)
        if not torch.equal(naive_mask_per_bin(x, params), want):
            raise RuntimeError("the naive baseline disagrees with the op: bench is invalid")
    if peer:
        impls["official (mask per bin)"] = partial(official_rq, x, nb, generator=g)
    return impls, params


def run_op_bench(
    *,
    shape: tuple[int, ...] | None = None,
    bins: tuple[int, ...] | None = None,
    threads: int = 2,
    repeats: int = 7,
    baseline: bool = True,
    peer: bool = True,
    device: str = "cpu",
    dtypes: tuple[str, ...] | None = None,
    memory: bool = True,
) -> list[OpTiming]:
    """Time ``x.clone()``, the op and its baselines on ``device``, interleaved round by round.

    On the CPU: the op (auto backend, ``out=``, torch backend). On a GPU: the torch path and,
    when triton is installed, the fused Triton kernels, each as the whole op (draw + apply) and
    as the apply alone (given params). Both: the naive mask-per-bin baseline (``baseline``) and
    the official algorithm (``peer``, :func:`randquant.bench.official_op.official_rq`).
    ``shape``, ``bins`` and ``dtypes`` default per device (:data:`DEFAULT_SHAPES`, ...);
    ``memory=False`` skips the peak-memory measurement (a ``gc.collect`` per row on the CPU).
    """
    from randquant.device import torch_device

    dev = torch_device(device)
    shape = shape or DEFAULT_SHAPES.get(dev.type, DEFAULT_SHAPES["cpu"])
    bins = bins or DEFAULT_BINS.get(dev.type, DEFAULT_BINS["cpu"])
    dtypes = dtypes or DEFAULT_DTYPES.get(dev.type, DEFAULT_DTYPES["cpu"])
    unknown = [d for d in dtypes if d not in DTYPES]
    if unknown:
        raise ValueError(f"dtypes: unknown {unknown}; known: {', '.join(DTYPES)}")
    torch.set_num_threads(threads)
    rows: list[OpTiming] = []
    for dtype in dtypes:
        x32 = torch.randn(shape, generator=torch.Generator().manual_seed(0))
        x = x32.to(DTYPES[dtype]).to(dev)
        del x32
        g = torch.Generator(device=dev).manual_seed(1)
        out = torch.empty_like(x)
        nbytes = 2 * x.numel() * x.element_size()
        for nb in bins:
            impls, _ = op_implementations(x, nb, g, baseline=baseline, peer=peer, out=out)
            time_round(impls, dev)  # warm-up: compilation, allocator, autotuning
            times: dict[str, list[float]] = {name: [] for name in impls}
            for _ in range(repeats):
                for name, sec in time_round(impls, dev).items():
                    times[name].append(sec)
            clone_ms = _median_ms(times["x.clone()"])
            base_ms = _median_ms(times["naive mask-per-bin"]) if baseline else None
            for name, fn in impls.items():
                ms = _median_ms(times[name])
                gb_s = nbytes / (ms / 1e3) / 1e9
                rows.append(
                    OpTiming(
                        implementation=name,
                        bins=nb,
                        ms=ms,
                        x_clone=ms / clone_ms,
                        x_baseline=None if base_ms is None else ms / base_ms,
                        peak_extra_mb=peak_extra_mb(fn, dev) if memory else None,
                        dtype=dtype,
                        device=dev.type,
                        gb_s=gb_s,
                        copy_bw_pct=100 * clone_ms / ms,
                    )
                )
    return rows


def bandwidth_verdict(
    rows: list[OpTiming], goal_pct: float = 50.0, triton_goal_pct: float = 80.0
) -> list[str]:
    """One line per randquant row at the smallest bin count of each dtype: its share of the
    copy's bandwidth against ``goal_pct`` (``triton_goal_pct`` for the Triton kernels)."""
    lines = []
    for dtype in dict.fromkeys(r.dtype for r in rows):
        mine = [r for r in rows if r.dtype == dtype]
        nb = min(r.bins for r in mine)
        for r in mine:
            if r.bins == nb and r.implementation.startswith("randquant (") and r.copy_bw_pct:
                goal = triton_goal_pct if "triton" in r.implementation else goal_pct
                verdict = "meets" if r.copy_bw_pct >= goal else "below"
                lines.append(
                    f"{dtype}, {nb} bins, {r.implementation}: {r.copy_bw_pct:.0f} % of the copy's "
                    f"bandwidth ({verdict} the {goal:g} % goal)"
                )
    return lines


def first_call_seconds(cold: bool) -> float:
    """Seconds for a fresh process's first RQ call; ``cold`` compiles without numba's cache."""
    code = (
        "import time, torch; t=time.perf_counter(); import randquant;"
        "randquant.randomized_quantization(torch.randn(8, 3, 32, 32), 8);"
        "print(time.perf_counter() - t)"
    )
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if cold:
            env["NUMBA_CACHE_DIR"] = cache
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(done.stdout.strip().splitlines()[-1])


def rows_as_dicts(rows: list[OpTiming]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
