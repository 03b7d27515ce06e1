"""Pure-torch RQ: runs on any device, supports autograd, and is the reference for the fast path.

Everything here works on the ``(B, C, M)`` group view and makes no host synchronisation.
"""

from __future__ import annotations

import torch


def group_range(x3: torch.Tensor, cdtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite min and max of every group, ``(B, C)`` in ``cdtype``; NaN where none is finite."""
    b, c, m = x3.shape
    if m == 0:
        nan = torch.full((b, c), float("nan"), dtype=cdtype, device=x3.device)
        return nan, nan.clone()
    if not x3.dtype.is_floating_point:
        lo, hi = x3.amin(-1), x3.amax(-1)
        return lo.to(cdtype), hi.to(cdtype)
    v = x3.to(cdtype)
    finite = torch.isfinite(v)
    lo = torch.where(finite, v, torch.inf).amin(-1)
    hi = torch.where(finite, v, -torch.inf).amax(-1)
    none = ~finite.any(-1)
    return lo.masked_fill(none, float("nan")), hi.masked_fill(none, float("nan"))


def bin_index(v: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """For ``v`` ``(G, M)`` and ``edges`` ``(G, n + 1)``: ``#{i in 1..n-1 : edges[i] <= v}``."""
    inner = edges[:, 1:-1].contiguous()
    if inner.shape[1] == 0:
        return torch.zeros(v.shape, dtype=torch.int64, device=v.device)
    return torch.searchsorted(inner, v.contiguous(), right=True)


def integer_output(
    q: torch.Tensor, x3: torch.Tensor, lo_i: torch.Tensor, hi_i: torch.Tensor
) -> torch.Tensor:
    """Round float results ``q`` to ``x3``'s integer dtype, inside ``[lo_i, hi_i]`` exactly.

    Bounds are compared in float but taken from the integer tensors, so values near the dtype's
    limits (where float64 is not exact) neither overflow nor wrap around.
    """
    r = q.round()
    lo_i, hi_i = lo_i.unsqueeze(-1), hi_i.unsqueeze(-1)
    lo_f, hi_f = lo_i.to(q.dtype), hi_i.to(q.dtype)
    inside = (r > lo_f) & (r < hi_f)
    # a float outside the integer range has no defined conversion: convert in-range values only
    as_int = torch.where(inside, r, 0).to(torch.int64)
    out = torch.where(r >= hi_f, hi_i, torch.where(inside, as_int, lo_i))
    return out.to(x3.dtype)


def apply_torch(
    x3: torch.Tensor,
    edges: torch.Tensor,
    proxies: torch.Tensor,
    applied: torch.Tensor,
) -> torch.Tensor:
    """Quantize the group view ``x3`` (``(B, C, M)``) with params shaped ``(B, C, ...)``.

    ``applied`` is ``(B, 1)`` bool. Returns a new ``(B, C, M)`` tensor of ``x3``'s dtype.
    """
    b, c, m = x3.shape
    cdtype = proxies.dtype
    v = x3.to(cdtype).reshape(b * c, m)
    k = bin_index(v, edges.reshape(b * c, -1))
    q = proxies.reshape(b * c, -1).gather(1, k).reshape(b, c, m)
    if x3.dtype.is_floating_point:
        # non-finite values keep their own bits (a NaN's payload would change through float32)
        result = torch.where(torch.isfinite(x3), q.to(x3.dtype), x3)
    else:
        result = integer_output(q, x3, x3.amin(-1), x3.amax(-1))
    return torch.where(applied.reshape(b, 1, 1), result, x3)
