"""Fused Triton kernels for RQ on a GPU: one range pass, one apply pass.

The torch path makes about ten passes over the data (isfinite, where, amin, amax, cast,
searchsorted into int64, gather, where, where); these two kernels make two: the range pass
reads ``x`` once (per-chunk finite min/max, reduced per group by torch on a tiny tensor), the
apply pass reads ``x`` and writes the output once, finding the bin and its proxy in registers.
Results are bit-identical to :mod:`randquant.ops.torch_kernel` (same float32 comparisons, the
proxies are read, not recomputed, and the final cast rounds to nearest-even as torch's does).

Triton runs on CUDA devices; on the CPU only under ``TRITON_INTERPRET=1`` (how the tests run
it in CI). Float16, bfloat16 and float32 inputs only; other dtypes take the torch path.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import torch

# Triton's interpreter needs TRITON_INTERPRET=1 before triton is imported (its own library
# functions are decorated then), so this module is imported only when the Triton path is asked.
try:
    import triton
    import triton.language as tl
except ImportError:  # the kernels below are only decorated (and run) when triton is installed
    triton = tl = None


TRITON_DTYPES = frozenset({torch.float16, torch.bfloat16, torch.float32})
RANGE_CHUNK = 8192  # elements of one group per program of the range pass
APPLY_BLOCK = 2048  # elements per program of the apply pass
COUNT_MAX_EDGES = 15  # up to this many inner edges: count them; beyond, binary search


@functools.cache
def triton_installed() -> bool:
    return triton is not None


def interpreting() -> bool:
    """Whether Triton runs its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def unusable_reason(x: torch.Tensor) -> str | None:
    """Why the Triton kernels cannot run on ``x``, or None when they can."""
    if not triton_installed():
        return "triton is not installed (pip install triton)"
    if x.device.type != "cuda" and not (x.device.type == "cpu" and interpreting()):
        return f"x is on {x.device} (Triton needs CUDA, or TRITON_INTERPRET=1 on the CPU)"
    if x.dtype not in TRITON_DTYPES:
        return f"dtype {x.dtype} is computed by torch (Triton path: float16, bfloat16, float32)"
    if x.requires_grad and torch.is_grad_enabled():
        return "x requires grad (the torch path keeps autograd)"
    return None


def _range_kernel(  # type: ignore[no-untyped-def]
    x_ptr, lo_ptr, hi_ptr, n_c, n_m, n_chunks, s_b, s_c, s_m,
    CHUNK: tl.constexpr, BLOCK: tl.constexpr,
):  # fmt: skip
    """Finite min/max of chunk ``program_id(1)`` of group ``program_id(0)``."""
    g = tl.program_id(0)
    chunk = tl.program_id(1)
    base = x_ptr + (g // n_c).to(tl.int64) * s_b + (g % n_c).to(tl.int64) * s_c
    lo = tl.full([BLOCK], float("inf"), tl.float32)
    hi = tl.full([BLOCK], float("-inf"), tl.float32)
    for start in range(0, CHUNK, BLOCK):
        m = chunk * CHUNK + start + tl.arange(0, BLOCK)
        inside = m < n_m
        v = tl.load(base + m.to(tl.int64) * s_m, mask=inside, other=0.0).to(tl.float32)
        finite = inside & (tl.abs(v) < float("inf"))  # False for NaN and +-inf
        lo = tl.minimum(lo, tl.where(finite, v, float("inf")))
        hi = tl.maximum(hi, tl.where(finite, v, float("-inf")))
    tl.store(lo_ptr + g * n_chunks + chunk, tl.min(lo, axis=0))
    tl.store(hi_ptr + g * n_chunks + chunk, tl.max(hi, axis=0))


def _apply_kernel(  # type: ignore[no-untyped-def]
    x_ptr, out_ptr, inner_ptr, proxy_ptr, applied_ptr, n_c, n_m,
    s_b, s_c, s_m, o_b, o_c, o_m,
    N_INNER: tl.constexpr, SEARCH_STEPS: tl.constexpr, OUT_BF16: tl.constexpr,
    BLOCK: tl.constexpr,
):  # fmt: skip
    """One block of group ``program_id(0)``: bin, proxy, pass-through, cast, store."""
    g = tl.program_id(0)
    b = (g // n_c).to(tl.int64)
    c = (g % n_c).to(tl.int64)
    m = (tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)).to(tl.int64)
    inside = m < n_m
    xv = tl.load(x_ptr + b * s_b + c * s_c + m * s_m, mask=inside, other=0.0)
    v = xv.to(tl.float32)
    edges = inner_ptr + g * N_INNER
    # bin k = #{inner edges <= v}, as torch.searchsorted(inner, v, right=True)
    k = tl.zeros([BLOCK], dtype=tl.int32)
    if SEARCH_STEPS == 0:  # few edges: one uniform (broadcast) load and compare each
        for i in tl.static_range(N_INNER):
            k += (tl.load(edges + i) <= v).to(tl.int32)
    else:  # many edges: branchless upper-bound search over the sorted edges
        for s in tl.static_range(SEARCH_STEPS):
            cand = k + (1 << (SEARCH_STEPS - 1 - s))
            ok = cand <= N_INNER
            e = tl.load(edges + cand - 1, mask=inside & ok, other=float("inf"))
            k = tl.where(ok & (e <= v), cand, k)
    q = tl.load(proxy_ptr + g * (N_INNER + 1) + k, mask=inside, other=0.0)
    if OUT_BF16:
        # round to nearest-even on the bits, as torch's cast does (Triton's interpreter would
        # truncate a plain .to(tl.bfloat16)); q is finite, so no NaN case is needed
        bits = q.to(tl.uint32, bitcast=True)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        y = bits.to(tl.uint16).to(tl.bfloat16, bitcast=True)
    else:
        y = q.to(out_ptr.dtype.element_ty)  # float32: exact; float16: round to nearest-even
    # non-finite values pass through, and unapplied samples come back as they were
    keep = (tl.abs(v) < float("inf")) & (tl.load(applied_ptr + b) != 0)
    y = tl.where(keep, y, xv)
    tl.store(out_ptr + b * o_b + c * o_c + m * o_m, y, mask=inside)


# triton.jit decides at decoration time whether to interpret, so the kernels are decorated on
# first use, once per mode: a test may switch TRITON_INTERPRET on after randquant was imported.
# Sizes and strides are not specialised on (Triton would compile one variant per divisibility
# pattern of every integer argument): the kernels compile once per dtype and bin count.
@functools.cache
def _kernels(interpret: bool) -> tuple[Any, Any]:
    sizes = ["n_c", "n_m", "s_b", "s_c", "s_m"]
    return (
        triton.jit(_range_kernel, do_not_specialize=[*sizes, "n_chunks"]),
        triton.jit(_apply_kernel, do_not_specialize=[*sizes, "o_b", "o_c", "o_m"]),
    )


def _launch(x: torch.Tensor) -> tuple[Any, Any]:
    reason = unusable_reason(x)
    if reason is not None:
        raise ValueError(f"backend='triton' cannot run this call: {reason}")
    return _kernels(interpreting())


def group_range(x3: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite min and max of every group of ``x3`` ``(B, C, M)``, float32 ``(B, C)``; NaN where
    a group has no finite value (as :func:`randquant.ops.torch_kernel.group_range`)."""
    range_kernel, _ = _launch(x3)
    n_b, n_c, n_m = x3.shape
    n_chunks = max(1, -(-n_m // RANGE_CHUNK))
    lo = torch.empty(n_b * n_c, n_chunks, dtype=torch.float32, device=x3.device)
    hi = torch.empty_like(lo)
    block = min(1024, RANGE_CHUNK)
    range_kernel[(n_b * n_c, n_chunks)](
        x3, lo, hi, n_c, n_m, n_chunks, *x3.stride(), CHUNK=RANGE_CHUNK, BLOCK=block
    )
    lo, hi = lo.amin(1), hi.amax(1)
    none = lo > hi  # +inf > -inf: no finite value in the group
    lo, hi = lo.masked_fill(none, float("nan")), hi.masked_fill(none, float("nan"))
    return lo.reshape(n_b, n_c), hi.reshape(n_b, n_c)


def search_steps(n_inner: int) -> int:
    """0 (count every edge) for few edges, else the binary search's step count."""
    return 0 if n_inner <= COUNT_MAX_EDGES else n_inner.bit_length()


def apply_triton(
    x3: torch.Tensor,
    out3: torch.Tensor,
    edges: torch.Tensor,
    proxies: torch.Tensor,
    applied: torch.Tensor,
) -> None:
    """Quantize ``x3`` into ``out3`` (both ``(B, C, M)``, any strides, same device).

    ``edges`` ``(B, C, n + 1)`` and ``proxies`` ``(B, C, n)`` are float32; ``applied`` is
    ``(B, 1)`` bool. No host synchronisation: every size comes from the shapes.
    """
    _, apply_kernel = _launch(x3)
    if proxies.dtype != torch.float32:
        raise ValueError(f"the Triton path computes in float32, got params in {proxies.dtype}")
    n_b, n_c, n_m = x3.shape
    n_bins = proxies.shape[-1]
    inner = edges[..., 1:-1].reshape(n_b * n_c, n_bins - 1).contiguous()
    prox = proxies.reshape(n_b * n_c, n_bins).contiguous()
    flags = applied.reshape(-1).expand(n_b).to(torch.int8).contiguous()
    grid = (n_b * n_c, max(1, -(-n_m // APPLY_BLOCK)))
    apply_kernel[grid](
        x3, out3, inner, prox, flags, n_c, n_m, *x3.stride(), *out3.stride(),
        N_INNER=n_bins - 1, SEARCH_STEPS=search_steps(n_bins - 1),
        OUT_BF16=x3.dtype == torch.bfloat16, BLOCK=APPLY_BLOCK,
    )  # fmt: skip
