"""Fused CPU kernels compiled with numba (the fast path; optional dependency ``randquant[fast]``).

Results are bit-identical to :mod:`randquant.ops.torch_kernel`: the bin of each value is found
exactly (a lookup table narrows the search, an exact comparison finishes it), and the output is
the same proxy value, rounded the same way for integers.

Lookup table: a group's range is cut into ``T`` cells by a monotone function ``cell(v)``. Every
inner edge in a cell before ``cell(v)`` is below ``v``, every edge in a later cell is above it, so
``k = base[cell(v)]`` (the count of edges in earlier cells) plus a short upward scan is exact.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
from numba import njit, prange

CELLS_PER_BIN = 64
MAX_CELLS = 4096
_TILE = 65536
# numba's fallback threading layer aborts when two Python threads enter a parallel region at once
LOCK = threading.Lock()


@njit(cache=True, inline="always")
def _cell(t: Any, lo: Any, scale: Any, top: Any) -> int:
    # monotone in t, and computed the same way for edges and values: that is what makes it exact
    u = (t - lo) * scale
    if not u > 0:
        u = top - top
    if u > top:
        u = top
    return int(u)


@njit(cache=True)
def build_tables(edges: Any, cells: int) -> tuple[Any, Any, Any, Any]:
    """Per group (rows of ``edges``, compute dtype): the inner edges followed by ``+inf``
    ``(G, nb)``, cell bases ``(G, cells)``, and the ``lo``/``scale`` of the cell function."""
    g_count, n1 = edges.shape
    inner = np.full((g_count, n1 - 1), np.inf, dtype=edges.dtype)
    base = np.zeros((g_count, cells), dtype=np.int32)
    los = np.zeros(g_count, dtype=edges.dtype)
    scales = np.zeros(g_count, dtype=edges.dtype)
    top = edges.dtype.type(cells - 1)
    for g in range(g_count):
        for i in range(1, n1 - 1):
            inner[g, i - 1] = edges[g, i]
        lo = edges[g, 0]
        width = edges[g, n1 - 1] - lo
        if not (math.isfinite(lo) and math.isfinite(width) and width > 0):
            continue  # constant or all-non-finite group: cell 0 and the scan do all the work
        scale = edges.dtype.type(cells) / width
        los[g] = lo
        scales[g] = scale
        counts = np.zeros(cells + 1, dtype=np.int32)
        for i in range(1, n1 - 1):
            counts[_cell(edges[g, i], lo, scale, top) + 1] += 1
        acc = 0
        for c in range(cells):
            acc += counts[c]
            base[g, c] = acc
    return inner, base, los, scales


@njit(cache=True, inline="always")
def _quantize(
    v: Any,
    out: Any,
    i: int,
    inner: Any,
    proxies: Any,
    base: Any,
    lo: Any,
    scale: Any,
    top: Any,
    ilo: int,
    ihi: int,
    is_int: bool,
) -> None:
    """Write the quantized ``v`` to ``out[i]`` (one group's tables)."""
    if not math.isfinite(v):
        out[i] = v
        return
    vc = inner.dtype.type(v)
    k = base[_cell(vc, lo, scale, top)]
    while inner[k] <= vc:  # the +inf sentinel ends the scan
        k += 1
    q = proxies[k]
    if is_int:
        r = np.rint(q)
        if r >= ihi:
            out[i] = ihi
        elif r <= ilo:
            out[i] = ilo
        else:
            out[i] = np.int64(r)
    else:
        out[i] = q


@njit(parallel=True, cache=True)
def apply_kernel(
    x: Any,
    out: Any,
    inner: Any,
    proxies: Any,
    applied: Any,
    base: Any,
    los: Any,
    scales: Any,
    ilo: Any,
    ihi: Any,
    is_int: bool,
    channel_inner: bool,
) -> None:
    """Quantize ``x`` ``(B, C, M)`` into ``out``; tables flattened to ``(B * C, ...)``."""
    n_b, n_c, n_m = x.shape
    tiles = (n_m + _TILE - 1) // _TILE
    top = inner.dtype.type(base.shape[1] - 1)
    units = n_b * tiles if channel_inner else n_b * n_c * tiles
    for t in prange(units):
        m0 = (t % tiles) * _TILE
        m1 = min(n_m, m0 + _TILE)
        if channel_inner:
            b = t // tiles
            for m in range(m0, m1):
                for c in range(n_c):
                    g = b * n_c + c
                    if applied[b]:
                        _quantize(
                            x[b, c, m],
                            out[b, c],
                            m,
                            inner[g],
                            proxies[g],
                            base[g],
                            los[g],
                            scales[g],
                            top,
                            ilo[g] if is_int else 0,
                            ihi[g] if is_int else 0,
                            is_int,
                        )
                    else:
                        out[b, c, m] = x[b, c, m]
        else:
            g = t // tiles
            b = g // n_c
            c = g % n_c
            xr = x[b, c]
            orow = out[b, c]
            if not applied[b]:
                for m in range(m0, m1):
                    orow[m] = xr[m]
                continue
            inner_g, prox_g, base_g = inner[g], proxies[g], base[g]
            lo, scale = los[g], scales[g]
            lo_i = ilo[g] if is_int else 0
            hi_i = ihi[g] if is_int else 0
            for m in range(m0, m1):
                _quantize(
                    xr[m], orow, m, inner_g, prox_g, base_g, lo, scale, top, lo_i, hi_i, is_int
                )
