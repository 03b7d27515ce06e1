"""``randquant bench op``: RQ against ``x.clone()`` and a naive mask-per-bin implementation.

All implementations run side by side, interleaved round by round, so that a noisy shared
machine slows them alike; the table reports medians and ratios to the clone and the baseline.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import torch

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
    implementation: str
    bins: int
    ms: float
    x_clone: float
    x_baseline: float | None
    peak_extra_mb: float | None


def _rss_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_extra_mb(fn: Callable[[], object]) -> float | None:
    """Peak resident memory added while ``fn`` runs (Linux: resets the high-water mark)."""
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


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def run_op_bench(
    *,
    shape: tuple[int, ...] = (64, 3, 224, 224),
    bins: tuple[int, ...] = (8, 64),
    threads: int = 2,
    repeats: int = 7,
    baseline: bool = True,
) -> list[OpTiming]:
    """Time clone, the op (auto backend, torch backend, ``out=``) and the naive baseline."""
    torch.set_num_threads(threads)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    out = torch.empty_like(x)
    rows: list[OpTiming] = []
    for nb in bins:
        params = sample_quantization_params(x, nb, generator=g)
        impls: dict[str, Callable[[], object]] = {
            "x.clone()": x.clone,
            "randquant (auto)": partial(randomized_quantization, x, nb, generator=g),
            "randquant (auto, out=)": partial(randomized_quantization, x, nb, generator=g, out=out),
            "randquant (torch)": partial(
                randomized_quantization, x, nb, generator=g, backend="torch"
            ),
        }
        if baseline:
            impls["naive mask-per-bin"] = partial(naive_mask_per_bin, x, params)
            got = apply_quantization(x, params)
            want = naive_mask_per_bin(x, params)
            if not torch.equal(got, want):
                raise RuntimeError("the naive baseline disagrees with the op: bench is invalid")
        for fn in impls.values():
            fn()  # warm-up (compilation, allocator)
        times: dict[str, list[float]] = {name: [] for name in impls}
        for _ in range(repeats):
            for name, fn in impls.items():
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        clone_ms = _median_ms(times["x.clone()"])
        base_ms = _median_ms(times["naive mask-per-bin"]) if baseline else None
        for name, fn in impls.items():
            ms = _median_ms(times[name])
            rows.append(
                OpTiming(
                    implementation=name,
                    bins=nb,
                    ms=ms,
                    x_clone=ms / clone_ms,
                    x_baseline=None if base_ms is None else ms / base_ms,
                    peak_extra_mb=peak_extra_mb(fn),
                )
            )
    return rows


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
