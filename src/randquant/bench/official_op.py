"""The official RQ algorithm (microsoft/random_quantize), re-implemented as ``bench op``'s peer.

Written from the description in the project's fact sheet (``/work/shared/PAPER.md``, section 1)
and kept deliberately as the official code behaves, quirks included, because it is what users
compare against:

* the range is the plain min/max over the channel (no finite filter: a NaN poisons it);
* ``n - 1`` cut points ``lo + u * (hi - lo)`` (``spacing="random"``), or a *float* ``arange`` of
  step ``1 / n`` (``"uniform"``), which yields ``n`` points for some ``n`` (25, 29, ...) so the
  reshape fails there, as it does in the official code;
* membership builds one boolean mask per bin, ``(C, n, H, W)``, with right edges
  ``sort([cuts, hi + 1])`` (the absolute ε = 1) and left edges ``sort([lo, cuts])``;
* an ``assert`` that every element lies in exactly one bin (on a GPU, a host synchronisation);
* the bin id is ``argmax`` of the mask cast to int, and the proxy is *gathered* from the
  per-bin values expanded to ``(C, n, H, W)``;
* output values use right edges ``sort([cuts, hi + 1e-6])``: ``left + r * (right - left)``
  (``"inside_random"``), the midpoint (``"middle"``) or zeros (``"all_zeros"``), cast back to the
  input dtype;
* ``p < 1``: one draw per sample in batch mode, one per *channel* with ``transforms_like=True``.

Random numbers come from ``generator`` (torch's global one when None, as in the official code)
in the official order: cut fractions, proxy fractions, then the apply draws.
"""

from __future__ import annotations

import torch

COLLAPSES: tuple[str, ...] = ("inside_random", "middle", "all_zeros")
MEMBERSHIP_EPSILON = 1.0  # absolute: hi + 1 closes the last bin for the membership test
VALUE_EPSILON = 1e-6  # hi + 1e-6 closes the last bin for the output values


def official_rq(
    x: torch.Tensor,
    region_num: int,
    *,
    collapse_to_val: str = "inside_random",
    spacing: str = "random",
    transforms_like: bool = False,
    p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """RQ as the official module computes it: ``x`` is ``(B, c, H, W)``, or ``(C, H, W)`` with
    ``transforms_like=True``.

    >>> y = official_rq(torch.rand(2, 3, 8, 8), 4, generator=torch.Generator().manual_seed(0))
    >>> bool(y[0, 0].unique().numel() <= 4)
    True
    """
    if collapse_to_val not in COLLAPSES:
        raise NotImplementedError(f"collapse_to_val={collapse_to_val!r}")
    x_orig = x
    if transforms_like:
        c_all, h, w = x.shape
    else:
        b, c, h, w = x.shape
        c_all = b * c
        x = x.view(c_all, h, w)  # view, as the official code: a channels_last batch fails here
    flat = x.view(c_all, -1)
    lo, hi = flat.min(1).values, flat.max(1).values
    dev = x.device

    cuts_per_channel = region_num - 1
    if spacing == "random":
        frac = torch.rand(c_all * cuts_per_channel, device=dev, generator=generator)
    elif spacing == "uniform":
        # 1 / int32 tensor: a float32 step, so the arange's length is rounded as there
        step = 1 / (torch.tensor(cuts_per_channel, dtype=torch.int32) + 1)
        frac = torch.arange(step, 1, step=step, device=dev).tile(c_all)  # type: ignore[call-overload]
    else:
        raise NotImplementedError(f"spacing={spacing!r}")
    frac = frac.reshape(-1, cuts_per_channel)  # fails where the float arange gave n points
    cuts = (frac * (hi - lo).reshape(c_all, 1) + lo.reshape(c_all, 1)).reshape(c_all, -1, 1, 1)
    top = hi.reshape(c_all, 1, 1, 1)
    right_check = torch.cat([cuts, top + MEMBERSHIP_EPSILON], dim=1).sort(1).values
    right = torch.cat([cuts, top + VALUE_EPSILON], dim=1).sort(1).values
    left = torch.cat([lo.reshape(c_all, 1, 1, 1), cuts], dim=1).sort(1).values

    v = x.view(c_all, 1, h, w)
    inside = (v < right_check) * (v >= left)  # (C, n, H, W) bool: one mask per bin
    assert (inside.sum(1) == 1).all()  # the official sanity check (a host sync on a GPU)
    region = torch.argmax(inside.int(), dim=1, keepdim=True)

    if collapse_to_val == "all_zeros":
        y = torch.zeros_like(x).to(x.dtype)
    else:
        if collapse_to_val == "middle":
            values = (right + left) / 2
        else:
            r = torch.rand(c_all * region_num, device=dev, generator=generator)
            values = left + r.reshape(c_all, region_num, 1, 1) * (right - left)
        y = torch.gather(values.expand(-1, -1, h, w), 1, region)[:, 0].to(x.dtype)

    if not transforms_like:
        y = y.view(b, c, h, w)
    if p != 1:
        shape = [c_all, 1, 1] if transforms_like else [b, 1, 1, 1]
        keep = torch.rand(shape, device=dev, generator=generator) < p
        y = torch.where(keep, y, x_orig)
    return y
