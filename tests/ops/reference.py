"""A plain, loop-by-loop reference of RQ's application step, written from the spec alone."""

from __future__ import annotations

import math

import numpy as np
import torch


def reference_apply(
    x: torch.Tensor,
    edges: torch.Tensor,
    proxies: torch.Tensor,
    applied: torch.Tensor,
    channel_dim: int,
    batch_dim: int | None,
) -> np.ndarray:
    """Every element visited one at a time: bin k = #{i in 1..n-1 : edges[i] <= v}."""
    a = x.detach().cpu().numpy()
    cd = channel_dim % a.ndim
    bd = None if batch_dim is None else batch_dim % a.ndim
    e = edges.detach().cpu().numpy()
    q = proxies.detach().cpu().numpy()
    ap = np.broadcast_to(applied.detach().cpu().numpy(), e.shape[:-1])
    out = a.copy()
    cdtype = e.dtype
    is_int = not np.issubdtype(a.dtype, np.floating) and a.dtype != np.bool_
    # integer group bounds come from x itself
    bounds: dict[tuple[int, ...], tuple[int, int]] = {}
    for idx in np.ndindex(a.shape):
        g = (idx[cd],) if bd is None else (idx[bd], idx[cd])
        if is_int:
            lo_hi = bounds.get(g)
            v0 = int(a[idx])
            bounds[g] = (v0, v0) if lo_hi is None else (min(lo_hi[0], v0), max(lo_hi[1], v0))
    for idx in np.ndindex(a.shape):
        g = (idx[cd],) if bd is None else (idx[bd], idx[cd])
        if not ap[g]:
            continue
        v = cdtype.type(a[idx])
        if not math.isfinite(float(v)):
            continue
        inner = e[g][1:-1]
        k = int(sum(1 for t in inner if t <= v))
        val = q[g][k]
        if a.dtype == np.bool_:
            out[idx] = bool(np.rint(val))
        elif is_int:
            lo, hi = bounds[g]
            r = np.rint(val)
            out[idx] = (
                hi if r >= float(np.float64(hi)) else lo if r <= float(np.float64(lo)) else int(r)
            )
        else:
            out[idx] = val
    return out
