"""Functional RQ: apply a drawn quantizer, or draw and apply in one call."""

from __future__ import annotations

import torch

from randquant.ops import torch_kernel
from randquant.ops.backend import apply_numba, use_numba
from randquant.ops.memory import empty_like_for_kernel
from randquant.ops.options import check_backend, check_input, group_shape, group_view, resolve_dims
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_quantization_params


def _check_out(out: torch.Tensor, x: torch.Tensor) -> None:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"out must be a torch.Tensor, got {type(out).__name__}")
    if out.shape != x.shape or out.dtype != x.dtype or out.device != x.device:
        raise ValueError(
            f"out must match x: got shape {tuple(out.shape)} {out.dtype} on {out.device}, "
            f"expected {tuple(x.shape)} {x.dtype} on {x.device}"
        )


def _ungroup(
    y3: torch.Tensor, x: torch.Tensor, channel_dim: int, batch_dim: int | None
) -> torch.Tensor:
    """Inverse of :func:`group_view`: ``(B, C, M)`` back to ``x``'s shape."""
    c, b = resolve_dims(x.ndim, channel_dim, batch_dim)
    if b is None:
        moved = x.unsqueeze(0).movedim((0, c + 1), (0, 1))
        return y3.reshape(moved.shape).movedim((0, 1), (0, c + 1)).squeeze(0)
    moved = x.movedim((b, c), (0, 1))
    return y3.reshape(moved.shape).movedim((0, 1), (b, c))


def _shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def apply_quantization(
    x: torch.Tensor,
    params: QuantizationParams,
    *,
    channel_dim: int = 1,
    batch_dim: int | None = 0,
    out: torch.Tensor | None = None,
    backend: str = "auto",
) -> torch.Tensor:
    """Replace every finite value of ``x`` by the proxy of its bin under ``params``.

    Deterministic: the same ``params`` always give the same output. ``out`` (same shape, dtype
    and device as ``x``) receives the result without a new allocation on the numba path.
    """
    x = check_input(x)
    check_backend(backend)
    if not isinstance(params, QuantizationParams):
        raise TypeError(f"params must be QuantizationParams, got {type(params).__name__}")
    params.check_against(group_shape(x, channel_dim, batch_dim))
    if out is not None:
        _check_out(out, x)
    if x.dtype == torch.bool:
        y = apply_quantization(
            x.to(torch.uint8), params, channel_dim=channel_dim, batch_dim=batch_dim, backend=backend
        ).to(torch.bool)
        return y if out is None else out.copy_(y)
    if x.numel() == 0:
        return x.clone() if out is None else out
    params = params.to(x.device)
    x3 = group_view(x, channel_dim, batch_dim)
    n_b = x3.shape[0]
    edges = params.edges.reshape(n_b, *params.edges.shape[-2:])
    proxies = params.proxies.reshape(n_b, *params.proxies.shape[-2:])
    applied = params.applied.reshape(-1, 1).expand(n_b, 1)

    if use_numba(x, backend):
        y = out if out is not None else empty_like_for_kernel(x)
        y3 = group_view(y, channel_dim, batch_dim)
        direct = _shares_memory(y3, y)
        target = y3 if direct else torch.empty(x3.shape, dtype=x.dtype)
        apply_numba(x3, target, edges, proxies, applied)
        if not direct:
            y.copy_(_ungroup(target, x, channel_dim, batch_dim))
        return y

    r = _ungroup(torch_kernel.apply_torch(x3, edges, proxies, applied), x, channel_dim, batch_dim)
    if out is not None:
        return out.copy_(r)
    if not x.is_contiguous() and x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last):
        r = r.contiguous(memory_format=torch.channels_last)
    return r


def randomized_quantization(
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
    out: torch.Tensor | None = None,
    backend: str = "auto",
) -> torch.Tensor:
    """Randomized Quantization (Wu et al., ICCV 2023) of ``x``, one quantizer per group.

    A *group* is one channel of one sample: ``channel_dim`` names the channel axis,
    ``batch_dim`` the sample axis (``None`` for a single sample); every other axis is reduced.
    For each group, with ``lo``/``hi`` its finite min/max:

    * ``edges`` (``num_bins + 1``, sorted): ``lo``, ``num_bins - 1`` inner edges, ``hi``.
      Inner edges are ``lo + u * (hi - lo)`` with ``u ~ U(0, 1)`` sorted (``spacing="random"``)
      or ``u = k / n`` (``"uniform"``).
    * ``proxies`` (``num_bins``): ``edges[k] + u * (edges[k+1] - edges[k])`` with ``u ~ U(0, 1)``
      (``proxy="random"``) or ``u = 0.5`` (``"middle"``).
    * value ``v`` goes to bin ``k = #{i in 1..num_bins-1 : edges[i] <= v}`` and becomes
      ``proxies[k]``.

    Each sample is quantized with probability ``p`` (else returned unchanged). Draws are per
    sample unless ``same_on_batch``, which shares the random fractions across the batch.
    Non-finite values pass through and do not count toward the range; constant groups, groups
    with no finite value and empty tensors come back unchanged. The output has ``x``'s dtype and
    shape: small integers and half types compute in float32, int32/int64 in float64, integers
    are rounded to the nearest and clamped to the group's ``[min, max]``.

    Randomness comes only from ``generator`` (torch's default generator when None).
    ``backend``: ``"auto"`` (numba kernel on CPU when installed, else torch), ``"numba"``,
    ``"torch"``; both give bit-identical results.

    Example:
        >>> import torch
        >>> from randquant import randomized_quantization
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.rand(2, 3, 8, 8)
        >>> y = randomized_quantization(x, num_bins=4, generator=g)
        >>> bool((y[0, 0].unique().numel() <= 4))
        True
    """
    params = sample_quantization_params(
        x,
        num_bins,
        channel_dim=channel_dim,
        batch_dim=batch_dim,
        p=p,
        spacing=spacing,
        proxy=proxy,
        same_on_batch=same_on_batch,
        generator=generator,
        backend=backend,
    )
    return apply_quantization(
        x, params, channel_dim=channel_dim, batch_dim=batch_dim, out=out, backend=backend
    )
