"""``RandomizedQuantization``: the nn.Module over the functional kernel."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from randquant.ops.functional import apply_params
from randquant.ops.options import RQOptions, check_input
from randquant.ops.params import QuantizationParams
from randquant.ops.sampler import sample_from, sample_quantization_params


class RandomizedQuantization(nn.Module):
    """Randomized Quantization as an augmentation module.

    See :func:`randquant.randomized_quantization` for the exact semantics and
    :class:`~randquant.ops.options.RQOptions` for the options (held as ``self.options``). The
    draw is separate from its application, so one draw can be inspected, logged, and re-applied
    to other data::

        aug = RandomizedQuantization(num_bins=8, p=0.5)  # (C, H, W) images or (N, C, H, W)
        params = aug.sample_params(x, generator=g)   # QuantizationParams(edges, proxies, applied)
        y = aug(x, params=params)                     # deterministic given params
        y = aug(x, generator=g)                       # draw and apply in one call

    Example:
        >>> aug = RandomizedQuantization(8, layout="points")
        >>> aug(torch.randn(4, 100, 3)).shape
        torch.Size([4, 100, 3])
    """

    def __init__(
        self, num_bins: int | None = None, *, options: RQOptions | None = None, **kwargs: Any
    ) -> None:
        super().__init__()
        self.options = RQOptions.build(options, num_bins, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # the options read as attributes (aug.num_bins, aug.p), as before RQOptions held them
        options = self.__dict__.get("options")
        if options is not None and name in RQOptions.__dataclass_fields__:
            return getattr(options, name)
        return super().__getattr__(name)

    def sample_params(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> QuantizationParams:
        """Draw edges, proxies and the apply mask for ``x``."""
        return sample_quantization_params(x, generator=generator, options=self.options)

    def forward(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        *,
        params: QuantizationParams | None = None,
        out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Quantize ``x`` with ``params``, or with a fresh draw from ``generator``."""
        if isinstance(generator, QuantizationParams):
            raise TypeError("pass a drawn QuantizationParams as aug(x, params=params)")
        x = check_input(x)  # once per call: the draw and the apply take it checked
        drawn = params is None
        if params is None:
            params = sample_from(x, self.options, generator)
        return apply_params(x, params, self.options, out=out, check_params=not drawn)

    def apply(  # type: ignore[override]
        self,
        fn: torch.Tensor | Callable[[nn.Module], None],
        params: QuantizationParams | None = None,
        *,
        out: torch.Tensor | None = None,
    ) -> Any:
        """:meth:`torch.nn.Module.apply` when given a function.

        ``apply(x, params)`` is the deprecated spelling of ``aug(x, params=params)``.
        """
        if params is None and callable(fn) and not isinstance(fn, torch.Tensor):
            return super().apply(fn)
        warnings.warn(
            "RandomizedQuantization.apply(x, params) is deprecated: use aug(x, params=params)",
            DeprecationWarning,
            stacklevel=2,
        )
        if params is None:
            raise TypeError("apply(x, params) needs params: use aug(x) to draw and apply")
        if not isinstance(fn, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(fn).__name__}")
        return self(fn, params=params, out=out)

    def extra_repr(self) -> str:
        return self.options.describe()
