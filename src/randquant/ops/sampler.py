"""Drawing RQ parameters: bin edges, proxy values and the apply mask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from randquant.ops.backend import range_pass
from randquant.ops.options import (
    MAX_PARAMS_BYTES,
    RQOptions,
    check_input,
    compute_dtype,
    group_view,
)
from randquant.ops.params import QuantizationParams

#: ``draw(shape, dtype)``: i.i.d. U(0, 1) fractions of ``dtype`` (``None``: the draw's default)
Draw = Callable[[tuple[int, ...], "torch.dtype | None"], torch.Tensor]


def lerp_inside(lo: torch.Tensor, hi: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``lo + u * (hi - lo)``, kept inside ``[lo, hi]``, without overflow for huge ranges."""
    width = hi - lo
    t = torch.where(torch.isfinite(width), lo + u * width, lo * (1 - u) + hi * u)
    return torch.minimum(torch.maximum(t, lo), hi)


def check_generator(generator: torch.Generator | None, device: torch.device) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
    if generator is not None and generator.device.type != device.type:
        raise ValueError(
            f"generator is on {generator.device} but x is on {device}: "
            f"pass torch.Generator(device={str(device)!r})"
        )


def _check_memory(groups: int, num_bins: int, cdtype: torch.dtype) -> None:
    # edges, proxies, the two draws and their sorted copies: about six (groups, bins) arrays
    need = 6 * groups * (num_bins + 1) * (torch.finfo(cdtype).bits // 8)
    if need > MAX_PARAMS_BYTES:
        raise ValueError(
            f"num_bins={num_bins} over {groups} groups needs about {need / 2**30:.1f} GiB for the "
            f"quantizer parameters, over the bound of {MAX_PARAMS_BYTES / 2**30:.0f} GiB: "
            f"use fewer bins (at most {MAX_PARAMS_BYTES // (6 * groups * 8)} here)"
        )


def draw_params(x: torch.Tensor, opts: RQOptions, draw: Draw) -> QuantizationParams:
    """The quantizer of every group of ``x``, its random fractions taken from ``draw``.

    Draws are made in this order: inner-edge fractions (``spacing="random"``), proxy fractions
    (``proxy="random"``), then one apply draw per sample (``0 < p < 1``). The torch sampler
    and the numpy twin differ only in ``draw``. ``x`` is a tensor (its dtype is checked here).
    """
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    cdtype = compute_dtype(x.dtype)
    dims = opts.dims(x.ndim)
    x3 = group_view(x, dims)
    n_b, n_c, _ = x3.shape
    nb = opts.num_bins
    _check_memory(n_b * n_c, nb, cdtype)
    lo, hi = range_pass(x3, cdtype, opts.backend)
    lo, hi = lo.unsqueeze(-1), hi.unsqueeze(-1)

    shape = (1 if opts.same_on_batch else n_b, n_c)
    dev = x.device
    if opts.spacing == "random":
        u = draw((*shape, nb - 1), cdtype).to(dev).sort(-1).values
    else:
        u = torch.arange(1, nb, dtype=cdtype, device=dev) / nb  # exactly nb - 1 cut points
    inner = lerp_inside(lo, hi, u).sort(-1).values
    edges = torch.cat([lo, inner.expand(n_b, n_c, nb - 1), hi], dim=-1)
    if opts.proxy == "random":
        w = draw((*shape, nb), cdtype).to(dev)
    else:
        w = torch.full((nb,), 0.5, dtype=cdtype, device=dev)
    proxies = lerp_inside(edges[..., :-1], edges[..., 1:], w)

    if opts.p >= 1.0:
        applied = torch.ones(n_b, 1, dtype=torch.bool, device=dev)
    elif opts.p <= 0.0:
        applied = torch.zeros(n_b, 1, dtype=torch.bool, device=dev)
    else:
        applied = draw((n_b, 1), None).to(dev) < opts.p
    if dims[1] is None:
        edges, proxies, applied = edges[0], proxies[0], applied.reshape(())
    return QuantizationParams(edges=edges, proxies=proxies, applied=applied)


def sample_quantization_params(
    x: torch.Tensor,
    num_bins: int | None = None,
    *,
    generator: torch.Generator | None = None,
    options: RQOptions | None = None,
    **kwargs: Any,
) -> QuantizationParams:
    """Draw the quantizer of every group of ``x`` (see :func:`randomized_quantization`).

    Options are those of :class:`RQOptions`, given as keywords or as ``options=``. Draws come
    from ``generator`` (torch's default generator when None), in the order of
    :func:`draw_params`.
    """
    opts = RQOptions.build(options, num_bins, **kwargs)
    return sample_from(check_input(x), opts, generator)


def sample_from(
    x: torch.Tensor, opts: RQOptions, generator: torch.Generator | None
) -> QuantizationParams:
    """:func:`sample_quantization_params` of an input already checked by ``check_input``
    (so an op call checks its input once)."""
    check_generator(generator, x.device)

    def draw(shape: tuple[int, ...], dtype: torch.dtype | None) -> torch.Tensor:
        if generator is None:  # no generator= at all: Dynamo traces rand over symbolic sizes
            return torch.rand(shape, dtype=dtype, device=x.device)
        return torch.rand(shape, generator=generator, dtype=dtype, device=x.device)

    return draw_params(x, opts, draw)
