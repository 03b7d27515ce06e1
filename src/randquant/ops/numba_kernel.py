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
_TILE = 16384
# numba's fallback threading layer aborts when two Python threads enter a parallel region at once
LOCK = threading.Lock()


@njit(cache=True, inline="always")
def _cell(t: Any, lo: Any, scale: Any, top: Any) -> Any:
    # monotone in t, and computed the same way for edges and values: that is what makes it exact
    u = (t - lo) * scale
    u = u if u > 0 else top - top  # also sends NaN to cell 0
    u = u if u < top else top
    return np.int32(u)


@njit(cache=True)
def build_tables(edges: Any, proxies: Any, cells: int) -> tuple[Any, ...]:
    """Lookup tables per group (rows of ``edges``/``proxies``, compute dtype).

    Returns ``inner`` (the inner edges then ``+inf``, ``(G, nb)``), ``base`` (``(G, cells)``),
    ``fast`` (``(G, cells, 3)``: per cell the first edge at or after it and the proxies on each
    side of that edge), ``most`` (the largest number of edges in one cell, per group), and the
    ``lo``/``scale`` of the cell function.
    """
    g_count, n1 = edges.shape
    nb = n1 - 1
    inner = np.full((g_count, nb), np.inf, dtype=edges.dtype)
    base = np.zeros((g_count, cells), dtype=np.int32)
    fast = np.zeros((g_count, cells, 3), dtype=edges.dtype)
    most = np.zeros(g_count, dtype=np.int64)
    los = np.zeros(g_count, dtype=edges.dtype)
    scales = np.zeros(g_count, dtype=edges.dtype)
    top = edges.dtype.type(cells - 1)
    for g in range(g_count):
        for i in range(1, nb):
            inner[g, i - 1] = edges[g, i]
        lo = edges[g, 0]
        width = edges[g, nb] - lo
        if math.isfinite(lo) and math.isfinite(width) and width > 0:
            scale = edges.dtype.type(cells) / width
            los[g] = lo
            scales[g] = scale
            counts = np.zeros(cells + 1, dtype=np.int32)
            for i in range(1, nb):
                counts[_cell(edges[g, i], lo, scale, top) + 1] += 1
            acc = 0
            for c in range(cells):
                acc += counts[c]
                base[g, c] = acc
                most[g] = max(most[g], counts[c + 1])
        else:
            most[g] = nb - 1  # constant or all-non-finite group: cell 0 holds every edge
        for c in range(cells):
            k = base[g, c]
            fast[g, c, 0] = inner[g, k]
            fast[g, c, 1] = proxies[g, k]
            fast[g, c, 2] = proxies[g, min(k + 1, nb - 1)]
    return inner, base, fast, most, los, scales


@njit(cache=True, inline="always")
def _proxy_of(
    vc: Any,
    g: int,
    inner: Any,
    proxies: Any,
    base: Any,
    fast: Any,
    most: Any,
    lo: Any,
    scale: Any,
    top: Any,
) -> Any:
    """The proxy of ``vc``'s bin in group ``g`` (exact)."""
    c = _cell(vc, lo, scale, top)
    if most[g] <= 1:
        # at most one edge per cell: one comparison with the cell's next edge decides
        return fast[g, c, 2] if vc >= fast[g, c, 0] else fast[g, c, 1]
    k = base[g, c]
    while inner[g, k] <= vc:  # the +inf sentinel ends the scan
        k += 1
    return proxies[g, k]


@njit(cache=True, inline="always")
def _fast_row(
    xr: Any, orow: Any, m0: int, m1: int, tab: Any, lo: Any, scale: Any, top: Any
) -> None:
    """The hot loop for float groups with at most one edge per cell: one table row per value,
    one comparison, no branches that depend on the data."""
    for m in range(m0, m1):
        v = xr[m]
        vc = tab.dtype.type(v)
        c = _cell(vc, lo, scale, top)
        q = tab[c, 2] if vc >= tab[c, 0] else tab[c, 1]
        orow[m] = q if math.isfinite(v) else v


@njit(cache=True, inline="always")
def _write(v: Any, q: Any, out: Any, i: int, ilo: int, ihi: int, is_int: bool) -> None:
    if is_int:
        r = np.rint(q)
        if r >= ihi:
            out[i] = ihi
        elif r <= ilo:
            out[i] = ilo
        else:
            out[i] = np.int64(r)
    else:
        out[i] = q if math.isfinite(v) else v


@njit(parallel=True, cache=True)
def apply_kernel(
    x: Any,
    out: Any,
    tables: tuple[Any, ...],
    proxies: Any,
    applied: Any,
    ilo: Any,
    ihi: Any,
    is_int: bool,
    channel_inner: bool,
) -> None:
    """Quantize ``x`` ``(B, C, M)`` into ``out``; ``tables`` from :func:`build_tables`."""
    inner, base, fast, most, los, scales = tables
    n_b, n_c, n_m = x.shape
    # with channels adjacent in memory a tile spans every channel: keep it cache-sized
    span = max(1, _TILE // n_c) if channel_inner else _TILE
    tiles = (n_m + span - 1) // span
    top = inner.dtype.type(base.shape[1] - 1)
    units = n_b * tiles if channel_inner else n_b * n_c * tiles
    for t in prange(units):
        m0 = (t % tiles) * span
        m1 = min(n_m, m0 + span)
        b = t // tiles if channel_inner else t // tiles // n_c
        c_range = range(n_c) if channel_inner else range((t // tiles) % n_c, (t // tiles) % n_c + 1)
        for c in c_range:
            g = b * n_c + c
            xr = x[b, c]
            orow = out[b, c]
            if not applied[b]:
                for m in range(m0, m1):
                    orow[m] = xr[m]
                continue
            lo, scale = los[g], scales[g]
            if not is_int and most[g] <= 1:
                _fast_row(xr, orow, m0, m1, fast[g], lo, scale, top)
                continue
            lo_i = ilo[g] if is_int else 0
            hi_i = ihi[g] if is_int else 0
            for m in range(m0, m1):
                v = xr[m]
                if not math.isfinite(v):
                    orow[m] = v  # before the scan: +inf would pass the +inf sentinel
                    continue
                vc = inner.dtype.type(v)
                q = _proxy_of(vc, g, inner, proxies, base, fast, most, lo, scale, top)
                _write(v, q, orow, m, lo_i, hi_i, is_int)
