"""Output allocation for the CPU kernel.

A fresh output of tens of MB costs about as much in first-touch page faults as the whole RQ
pass. Where Linux runs transparent huge pages in ``madvise`` mode, advising the new buffer to
use them makes those faults ~4x cheaper. The buffer stays an ordinary torch storage; only the
kernel's page size changes. ``RANDQUANT_HUGEPAGES=0`` turns this off.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

import torch

_HUGE = 2 << 20
_MADV_HUGEPAGE = 14
_MIN_BYTES = 8 << 20  # below this the faults are cheap and a huge page would waste memory


@functools.cache
def _madvise() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux") or os.environ.get("RANDQUANT_HUGEPAGES") == "0":
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


def empty_like_for_kernel(x: torch.Tensor) -> torch.Tensor:
    """``torch.empty_like(x)``, advised to use huge pages when large (its pages are untouched)."""
    y = torch.empty_like(x)
    nbytes = y.numel() * y.element_size()
    madvise = _madvise() if nbytes >= _MIN_BYTES and y.device.type == "cpu" else None
    if madvise is not None:
        start = -(-y.data_ptr() // _HUGE) * _HUGE
        end = (y.data_ptr() + nbytes) // _HUGE * _HUGE
        if end > start:
            madvise(start, end - start, _MADV_HUGEPAGE)  # a refusal only costs speed
    return y
