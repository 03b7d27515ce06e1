"""Drawing RQ parameters: bin edges, proxy values and the apply mask."""

from __future__ import annotations

import torch

from randquant.ops.backend import group_range, use_numba
from randquant.ops.options import (
    check_backend,
    check_input,
    check_options,
    compute_dtype,
    group_view,
)
from randquant.ops.params import QuantizationParams


def lerp_inside(lo: torch.Tensor, hi: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``lo + u * (hi - lo)``, kept inside ``[lo, hi]``, without overflow for huge ranges."""
    width = hi - lo
    t = torch.where(torch.isfinite(width), lo + u * width, lo * (1 - u) + hi * u)
    return torch.minimum(torch.maximum(t, lo), hi)


def check_generator(generator: torch.Generator | None, device: torch.device) -> None:
    if generator is not None and generator.device.type != device.type:
        raise ValueError(
            f"generator is on {generator.device} but x is on {device}: "
            f"pass torch.Generator(device={str(device)!r})"
        )


def sample_quantization_params(
    x: torch.Tensor,
    num_bins: int = 8,
    *,
    channel_dim: int = 1,
    batch_dim: int | None = 0,
    p: float = 1.0,
    spacing: str = "random",
    proxy: str = "random",
    same_on_batch: bool = False,
    generator: torch.Generator | None = None,
    backend: str = "auto",
) -> QuantizationParams:
    """Draw the quantizer of every group of ``x`` (see :func:`randomized_quantization`).

    Draws come from ``generator`` in this order: inner-edge fractions (``spacing="random"``),
    proxy fractions (``proxy="random"``), then one apply draw per sample (``0 < p < 1``).
    """
    check_options(num_bins=num_bins, p=p, spacing=spacing, proxy=proxy)
    check_backend(backend)
    x = check_input(x)
    check_generator(generator, x.device)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    cdtype = compute_dtype(x.dtype)
    x3 = group_view(x, channel_dim, batch_dim)
    n_b, n_c, _ = x3.shape
    lo, hi = group_range(x3, cdtype, use_numba(x3, backend))
    lo, hi = lo.unsqueeze(-1), hi.unsqueeze(-1)

    draw = (1 if same_on_batch else n_b, n_c)
    dev = x.device
    if spacing == "random":
        u = (
            torch.rand(*draw, num_bins - 1, generator=generator, dtype=cdtype, device=dev)
            .sort(-1)
            .values
        )
    else:
        u = (
            torch.arange(1, num_bins, dtype=cdtype, device=dev) / num_bins
        )  # exactly num_bins - 1 cut points
    inner = lerp_inside(lo, hi, u).sort(-1).values
    edges = torch.cat([lo, inner.expand(n_b, n_c, num_bins - 1), hi], dim=-1)
    if proxy == "random":
        w = torch.rand(*draw, num_bins, generator=generator, dtype=cdtype, device=dev)
    else:
        w = torch.full((num_bins,), 0.5, dtype=cdtype, device=dev)
    proxies = lerp_inside(edges[..., :-1], edges[..., 1:], w)

    if p >= 1.0:
        applied = torch.ones(n_b, 1, dtype=torch.bool, device=x.device)
    elif p <= 0.0:
        applied = torch.zeros(n_b, 1, dtype=torch.bool, device=x.device)
    else:
        applied = torch.rand(n_b, 1, generator=generator, device=x.device) < p
    if batch_dim is None:
        edges, proxies, applied = edges[0], proxies[0], applied.reshape(())
    return QuantizationParams(edges=edges, proxies=proxies, applied=applied)
