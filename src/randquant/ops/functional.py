"""Functional RQ: apply a drawn quantizer, or draw and apply in one call."""

from __future__ import annotations

from typing import Any

import torch

from randquant.ops import torch_kernel
from randquant.ops.backend import fast_kernel
from randquant.ops.memory import empty_like_for_kernel
from randquant.ops.options import RQOptions, check_input, group_shape, group_view, ungroup
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_from


def _byte_span(t: torch.Tensor) -> tuple[int, int]:
    """The first and one-past-last byte address ``t`` can touch."""
    lo = hi = 0
    for size, stride in zip(t.shape, t.stride(), strict=True):
        (lo, hi) = (lo + (size - 1) * stride, hi) if stride < 0 else (lo, hi + (size - 1) * stride)
    return t.data_ptr() + lo * t.element_size(), t.data_ptr() + (hi + 1) * t.element_size()


def _check_out(out: torch.Tensor, x: torch.Tensor) -> None:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"out must be a torch.Tensor, got {type(out).__name__}")
    if out.shape != x.shape or out.dtype != x.dtype or out.device != x.device:
        raise ValueError(
            f"out must match x: got shape {tuple(out.shape)} {out.dtype} on {out.device}, "
            f"expected {tuple(x.shape)} {x.dtype} on {x.device}"
        )
    if out.numel() > 1 and (
        any(s == 0 and n > 1 for s, n in zip(out.stride(), out.shape, strict=True))
        or torch._debug_has_internal_overlap(out) == 1
    ):
        raise ValueError(
            "out has elements that share memory (e.g. from .expand()): it cannot hold a result; "
            "pass a tensor from torch.empty_like(x)"
        )


def _overlaps_partly(out: torch.Tensor, x: torch.Tensor) -> bool:
    """True when ``out`` shares bytes with ``x`` without being exactly ``x`` (in-place is fine:
    each value is read before its own place is written, and nowhere else)."""
    if out.numel() == 0 or out.untyped_storage().data_ptr() != x.untyped_storage().data_ptr():
        return False
    if out.data_ptr() == x.data_ptr() and out.stride() == x.stride():
        return False
    (a0, a1), (b0, b1) = _byte_span(out), _byte_span(x)
    return a0 < b1 and b0 < a1


def apply_quantization(
    x: torch.Tensor,
    params: QuantizationParams,
    *,
    out: torch.Tensor | None = None,
    options: RQOptions | None = None,
    check_params: bool = True,
    **kwargs: Any,
) -> torch.Tensor:
    """Replace every finite value of ``x`` by the proxy of its bin under ``params``.

    Deterministic: the same ``params`` always give the same output. The layout options
    (``layout``, ``channel_dim``/``batch_dim``, ``backend``) must be those the params were
    drawn with. ``out`` (same shape, dtype and device as ``x``, no two elements sharing memory)
    receives the result without a new allocation on the numba path; it may be ``x`` itself.
    ``params`` that do not come from a draw are checked (sorted finite edges, proxies in
    range: :meth:`QuantizationParams.check_values`); ``check_params=False`` skips that for
    params just drawn by the sampler.
    """
    x = check_input(x)
    opts = RQOptions.build(options, **kwargs)
    return apply_params(x, params, opts, out=out, check_params=check_params)


def apply_params(
    x: torch.Tensor,
    params: QuantizationParams,
    opts: RQOptions,
    *,
    out: torch.Tensor | None = None,
    check_params: bool = False,
) -> torch.Tensor:
    """:func:`apply_quantization` of an input already checked by ``check_input`` (so an op
    call checks its input once); ``check_params`` for params that come from a user."""
    if not isinstance(params, QuantizationParams):
        raise TypeError(f"params must be QuantizationParams, got {type(params).__name__}")
    dims = opts.dims(x.ndim)
    params.check_against(group_shape(x, dims))
    if check_params and not torch.compiler.is_compiling():
        params.check_values()
    if out is not None:
        _check_out(out, x)
    if x.dtype == torch.bool:
        y = apply_params(x.to(torch.uint8), params, opts).to(torch.bool)
        return y if out is None else out.copy_(y)
    if x.numel() == 0:
        return x.clone() if out is None else out
    params = params.to(x.device)
    x3 = group_view(x, dims)
    n_b = x3.shape[0]
    edges = params.edges.reshape(n_b, *params.edges.shape[-2:])
    proxies = params.proxies.reshape(n_b, *params.proxies.shape[-2:])
    applied = params.applied.reshape(-1, 1).expand(n_b, 1)

    kernel = fast_kernel(x, opts.backend)  # numba on the CPU, Triton when asked; else torch
    if kernel is not None:
        y = out if out is not None and not _overlaps_partly(out, x) else empty_like_for_kernel(x)
        y3 = group_view(y, dims)
        direct = y3.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()
        target = y3 if direct else torch.empty(x3.shape, dtype=x.dtype, device=x.device)
        kernel(x3, target, edges, proxies, applied)
        if not direct:
            y.copy_(ungroup(target, x, dims))
        return y if out is None or y is out else out.copy_(y)

    r = ungroup(torch_kernel.apply_torch(x3, edges, proxies, applied), x, dims)
    if out is not None:
        return out.copy_(r)
    if not x.is_contiguous() and x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last):
        r = r.contiguous(memory_format=torch.channels_last)
    return r


def randomized_quantization(
    x: torch.Tensor,
    num_bins: int | None = None,
    *,
    generator: torch.Generator | None = None,
    out: torch.Tensor | None = None,
    options: RQOptions | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """Randomized Quantization (Wu et al., ICCV 2023) of ``x``, one quantizer per group.

    Options are the fields of :class:`~randquant.ops.options.RQOptions` (``num_bins=8``,
    ``p=1.0``, ``spacing``, ``proxy``, ``same_on_batch``, ``layout``,
    ``channel_dim``/``batch_dim``, ``backend``), as keywords or as ``options=``.

    A *group* is one channel of one sample; every other axis is reduced. By default ``x`` is
    an image: ``(C, H, W)`` is one image, ``(N, C, H, W)`` a batch. Other data names its
    ``layout`` (``"sequence"``, ``"points"``, ``"embedding"``) or its ``channel_dim`` and
    ``batch_dim`` (``None`` for a single sample); an input the layout does not fit is an error.
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
    opts = RQOptions.build(options, num_bins, **kwargs)
    x = check_input(x)
    return apply_params(x, sample_from(x, opts, generator), opts, out=out)
