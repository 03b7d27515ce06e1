"""``RandomizedQuantization``: the nn.Module over the functional kernel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from randquant.ops.functional import apply_quantization
from randquant.ops.options import check_backend, check_dim_options, check_options
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_quantization_params


class RandomizedQuantization(nn.Module):
    """Randomized Quantization as an augmentation module.

    See :func:`randquant.randomized_quantization` for the exact semantics. The draw is separate
    from its application, so one draw can be inspected, logged, and re-applied to other data::

        aug = RandomizedQuantization(num_bins=8, channel_dim=1, batch_dim=0, p=0.5)
        params = aug.sample_params(x, generator=g)   # QuantizationParams(edges, proxies, applied)
        y = aug.apply(x, params)                      # deterministic given params
        y = aug(x, generator=g)                       # draw and apply in one call

    Args:
        num_bins: number of bins per group (``>= 1``).
        channel_dim: the channel axis (``1`` for ``(N, C, ...)``, ``-1`` for ``(N, P, 3)``).
        batch_dim: the sample axis, or ``None`` when ``x`` is a single sample.
        p: probability of quantizing each sample.
        spacing: ``"random"`` or ``"uniform"`` inner bin edges.
        proxy: ``"random"`` value inside each bin, or its ``"middle"``.
        same_on_batch: share the random fractions across the samples of a batch.
        backend: ``"auto"``, ``"numba"`` or ``"torch"`` (identical results).
    """

    def __init__(
        self,
        num_bins: int = 8,
        *,
        channel_dim: int = 1,
        batch_dim: int | None = 0,
        p: float = 1.0,
        spacing: str = "random",
        proxy: str = "random",
        same_on_batch: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        check_options(num_bins=num_bins, p=p, spacing=spacing, proxy=proxy)
        check_dim_options(channel_dim, batch_dim)
        check_backend(backend)
        self.num_bins = num_bins
        self.channel_dim = channel_dim
        self.batch_dim = batch_dim
        self.p = float(p)
        self.spacing = spacing
        self.proxy = proxy
        self.same_on_batch = bool(same_on_batch)
        self.backend = backend

    def sample_params(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> QuantizationParams:
        """Draw edges, proxies and the apply mask for ``x``."""
        return sample_quantization_params(
            x,
            self.num_bins,
            channel_dim=self.channel_dim,
            batch_dim=self.batch_dim,
            p=self.p,
            spacing=self.spacing,
            proxy=self.proxy,
            same_on_batch=self.same_on_batch,
            generator=generator,
            backend=self.backend,
        )

    def apply(  # type: ignore[override]
        self,
        x: torch.Tensor | Callable[[nn.Module], None],
        params: QuantizationParams | None = None,
        *,
        out: torch.Tensor | None = None,
    ) -> Any:
        """Quantize ``x`` with ``params``.

        Called with a function and no params, this is :meth:`torch.nn.Module.apply`, so
        ``model.apply(init_fn)`` keeps working on models that contain this module.
        """
        if params is None and callable(x) and not isinstance(x, torch.Tensor):
            return super().apply(x)
        if params is None:
            raise TypeError("apply() needs params: use aug(x) to draw and apply in one call")
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        return apply_quantization(
            x,
            params,
            channel_dim=self.channel_dim,
            batch_dim=self.batch_dim,
            out=out,
            backend=self.backend,
        )

    def forward(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        *,
        out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Draw a quantizer and apply it (``apply(x, sample_params(x, generator))``)."""
        result: torch.Tensor = self.apply(x, self.sample_params(x, generator), out=out)
        return result

    def extra_repr(self) -> str:
        return (
            f"num_bins={self.num_bins}, channel_dim={self.channel_dim}, "
            f"batch_dim={self.batch_dim}, p={self.p}, spacing={self.spacing!r}, "
            f"proxy={self.proxy!r}, same_on_batch={self.same_on_batch}, backend={self.backend!r}"
        )
