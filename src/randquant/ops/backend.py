"""Choice between the numba CPU kernel, the Triton GPU kernels and the pure-torch path, and the
range pass of each."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import ModuleType

import numpy as np
import torch

from randquant.ops import torch_kernel

# dtypes numba reads directly; half types and bool go through torch (bool via uint8)
NUMBA_DTYPES = frozenset(
    {torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float32, torch.float64}
)


@functools.cache
def numba_module() -> ModuleType | None:
    """The compiled-kernel module, or None when numba is not installed."""
    try:
        from randquant.ops import numba_kernel
    except ImportError:
        return None
    return numba_kernel


# numba's OpenMP threading layer cannot run in a process forked after it started its threads:
# the child is terminated ("fork() called from a process already using GNU OpenMP"). That is
# every DataLoader worker (fork start method) of a process that ran the kernel. The first
# (pid, threading layer) that ran it is kept; a forked child sees its parent's pid here.
_STARTED: list[tuple[int, str]] = []


def _forked_after_omp() -> bool:
    return bool(_STARTED) and _STARTED[0][0] != os.getpid() and _STARTED[0][1] == "omp"


def use_numba(x: torch.Tensor, backend: str) -> bool:
    """Whether this call runs the numba kernel; ``ValueError`` if ``backend="numba"`` cannot."""
    if backend in ("torch", "triton"):
        return False
    why = None
    if torch.compiler.is_compiling() or torch._C._get_tracing_state() is not None:
        why = "torch.compile or torch.jit.trace is tracing (numba kernels cannot be traced)"
    elif x.device.type != "cpu":
        why = f"x is on {x.device}"
    elif x.dtype not in NUMBA_DTYPES:
        why = f"dtype {x.dtype} is computed by torch"
    elif x.requires_grad and torch.is_grad_enabled():
        why = "x requires grad (the torch path keeps autograd)"
    elif numba_module() is None:
        why = "numba is not installed (pip install 'randquant[fast]')"
    elif _forked_after_omp():
        why = "this process was forked after numba's OpenMP threads started (e.g. a loader worker)"
    if why is not None and backend == "numba":
        raise ValueError(f"backend='numba' cannot run this call: {why}")
    return why is None


#: What ``backend="auto"`` runs on a CUDA tensor: ``"torch"`` until a GPU run of
#: ``scripts/gpu_check.sh`` (``bench op`` times both) shows the fused Triton kernels faster.
CUDA_AUTO = "torch"


def use_triton(x: torch.Tensor, backend: str) -> bool:
    """Whether this call runs the fused Triton kernels; ``ValueError`` if ``backend="triton"``
    cannot (CUDA, or the CPU under ``TRITON_INTERPRET=1``; float16/bfloat16/float32)."""
    if backend != "triton" and not (
        backend == "auto" and CUDA_AUTO == "triton" and x.device.type == "cuda"
    ):
        return False
    if torch.compiler.is_compiling():
        return False  # traced as the torch path: inductor writes its own fused kernel
    from randquant.ops.triton_kernel import unusable_reason  # imports triton: only when asked

    why = unusable_reason(x)
    if why is not None and backend == "triton":
        raise ValueError(f"backend='triton' cannot run this call: {why}")
    return why is None


KernelFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], None]


def fast_kernel(x: torch.Tensor, backend: str) -> KernelFn | None:
    """The fused kernel that writes this call's output (Triton or numba), or None for torch."""
    if use_triton(x, backend):
        from randquant.ops.triton_kernel import apply_triton

        return apply_triton
    return apply_numba if use_numba(x, backend) else None


def range_pass(
    x3: torch.Tensor, cdtype: torch.dtype, backend: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """The finite min and max per group ``(B, C)`` by the backend that runs ``x3``."""
    if x3.shape[2] > 0 and use_triton(x3, backend):
        from randquant.ops.triton_kernel import group_range as triton_range

        return triton_range(x3)
    return group_range(x3, cdtype, use_numba(x3, backend))


def channel_inner(x3: torch.Tensor) -> bool:
    """True when channels are adjacent in memory (channels_last, points ``(N, P, 3)``)."""
    return x3.shape[1] > 1 and x3.shape[2] > 1 and abs(x3.stride(1)) < abs(x3.stride(2))


def group_range(
    x3: torch.Tensor, cdtype: torch.dtype, numba: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite min and max per group ``(B, C)`` in ``cdtype`` (NaN where none is finite).

    On the CPU path torch's vectorised ``amin``/``amax`` do the pass; only groups that hold a
    non-finite value (rare) are redone by the masked reduction. Checking for them is a host
    read, free on the CPU, so the device path always takes the masked reduction instead.
    """
    if not numba or x3.shape[2] == 0 or not x3.dtype.is_floating_point:
        return torch_kernel.group_range(x3, cdtype)
    # amin + amax: torch.aminmax over a dim is ~15x slower on the CPU (torch 2.13)
    lo, hi = x3.detach().amin(-1), x3.detach().amax(-1)
    bad = ~(torch.isfinite(lo) & torch.isfinite(hi))
    if bool(bad.any()):
        lo_b, hi_b = torch_kernel.group_range(x3.detach()[bad].unsqueeze(0), cdtype)
        lo, hi = lo.to(cdtype), hi.to(cdtype)
        lo[bad], hi[bad] = lo_b[0], hi_b[0]
    return lo.to(cdtype), hi.to(cdtype)


def _set_threads() -> None:
    # follow torch's thread setting so `torch.set_num_threads` governs both paths
    import numba

    numba.set_num_threads(max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS)))


def table_cells(num_bins: int, values_per_group: int, per_bin: int, most: int) -> int:
    """Lookup-table size: fine enough that a cell rarely holds two edges, yet never larger
    than a quarter of the group (small groups, e.g. token embeddings, would pay more to build
    the table than to search it)."""
    return max(1, min(per_bin * num_bins, most, values_per_group // 4))


def apply_numba(
    x3: torch.Tensor,
    out3: torch.Tensor,
    edges: torch.Tensor,
    proxies: torch.Tensor,
    applied: torch.Tensor,
) -> None:
    """Run the fused kernel from ``x3`` into ``out3`` (both ``(B, C, M)`` CPU tensors)."""
    kernel = numba_module()
    if kernel is None:
        raise RuntimeError("numba is not installed (pip install 'randquant[fast]')")
    b, c, _ = x3.shape
    e = edges.reshape(b * c, -1).contiguous().numpy()
    q = proxies.reshape(b * c, -1).contiguous().numpy()
    a = applied.reshape(-1).expand(b).contiguous().numpy()
    xn = x3.detach().numpy()
    inner = channel_inner(x3)
    is_int = not x3.dtype.is_floating_point
    threads = torch.get_num_threads()
    with kernel.LOCK:
        _set_threads()
        cells = table_cells(q.shape[1], x3.shape[2], kernel.CELLS_PER_BIN, kernel.MAX_CELLS)
        tables = kernel.build_tables(e, q, cells)
        if is_int:
            lo_i, hi_i = x3.detach().amin(-1), x3.detach().amax(-1)
            ilo = lo_i.to(torch.int64).reshape(-1).numpy()
            ihi = hi_i.to(torch.int64).reshape(-1).numpy()
        else:
            ilo = ihi = np.zeros(0, dtype=np.int64)  # never read for floats
        kernel.apply_kernel(xn, out3.numpy(), tables, q, a, ilo, ihi, is_int, inner)
        if not _STARTED:
            import numba

            _STARTED.append((os.getpid(), str(numba.threading_layer())))
        if torch.get_num_threads() != threads:
            # numba's first OpenMP launch resets the process-wide OpenMP thread count that
            # torch also reads: without this, torch.set_num_threads(1) silently became 2
            torch.set_num_threads(threads)
