"""RQ as a kornia augmentation, for ``kornia.augmentation.AugmentationSequential`` pipelines.

:class:`RandomizedQuantization2D` is a kornia intensity augmentation (``pip install kornia``,
part of ``randquant[train]``): kornia draws its parameters, gates samples with ``p``, shares a
draw with ``same_on_batch``, records ``aug._params`` and re-applies them with
``aug(x, params=params)``. The work is done by randquant's own sampler and kernel.

Its parameters are the random *fractions* of RQ (``edge_fractions``, ``(B, C, num_bins - 1)``,
sorted; ``proxy_fractions``, ``(B, C, num_bins)``; first dim 1 under ``same_on_batch``), not the
edges themselves: the edges follow the range of the image they are applied to, as
:func:`randquant.randomized_quantization` draws them. With the same fractions the output equals
the core op's, bit for bit.

Example:
    >>> import kornia.augmentation as K
    >>> from randquant.kornia import RandomizedQuantization2D
    >>> aug = K.AugmentationSequential(K.RandomHorizontalFlip(), RandomizedQuantization2D(8, p=0.5))
    >>> aug(torch.rand(4, 3, 32, 32)).shape
    torch.Size([4, 3, 32, 32])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from kornia.augmentation import IntensityAugmentationBase2D

from randquant.ops.functional import apply_quantization
from randquant.ops.options import RQOptions
from randquant.ops.sampler import draw_params

__all__ = ["RandomizedQuantization2D"]


class RandomizedQuantization2D(IntensityAugmentationBase2D):  # type: ignore[misc]
    """Randomized Quantization of each channel of each image, as a kornia augmentation.

    Args:
        num_bins: bins per channel (see :class:`randquant.RQOptions`).
        p: probability of quantizing each image (kornia's per-sample gate).
        same_on_batch: one draw of fractions (and of the gate) for the whole batch.
        keepdim: kornia's ``keepdim``: a ``(C, H, W)`` input comes back ``(C, H, W)``.
        **options: ``spacing``, ``proxy``, ``backend`` of :class:`randquant.RQOptions`.
    """

    def __init__(
        self,
        num_bins: int | None = None,
        *,
        p: float = 1.0,
        same_on_batch: bool = False,
        keepdim: bool = False,
        **options: Any,
    ) -> None:
        placed = {"layout", "channel_dim", "batch_dim", "p"} & set(options)
        if placed:
            raise ValueError(
                f"RandomizedQuantization2D takes (N, C, H, W) images and kornia's p gate: "
                f"{sorted(placed)[0]!r} is not an option here"
            )
        # kornia gates the samples (p); the RQ draw itself always quantizes
        opts = RQOptions.build(None, num_bins, same_on_batch=same_on_batch, **options)
        RQOptions.build(opts, p=p)  # validates p like every other RQ option
        super().__init__(p=float(p), same_on_batch=same_on_batch, keepdim=keepdim)
        self.options = opts
        self.flags = {"options": opts}

    def generate_parameters(self, batch_shape: tuple[int, ...]) -> dict[str, torch.Tensor]:
        """Draw the random fractions for a batch of ``batch_shape`` (torch's global generator,
        in the order of :func:`randquant.ops.sampler.draw_params`)."""
        rows = 1 if self.same_on_batch else batch_shape[0]
        nb = self.options.num_bins

        def rand(*shape: int) -> torch.Tensor:
            return torch.rand(shape, device=self.device, dtype=self.dtype)

        params: dict[str, torch.Tensor] = {}
        if self.options.spacing == "random":
            params["edge_fractions"] = rand(rows, batch_shape[1], nb - 1).sort(-1).values
        if self.options.proxy == "random":
            params["proxy_fractions"] = rand(rows, batch_shape[1], nb)
        return params

    def apply_transform(
        self,
        input: torch.Tensor,
        params: dict[str, torch.Tensor],
        flags: dict[str, Any],
        transform: torch.Tensor | None = None,
    ) -> torch.Tensor:
        opts: RQOptions = flags.get("options", self.options)
        names = [n for n in ("edge_fractions", "proxy_fractions") if n in params]
        stored: Iterator[str] = iter(names)

        def draw(shape: tuple[int, ...], dtype: torch.dtype | None) -> torch.Tensor:
            name = next(stored, None)
            if name is None:
                raise ValueError("params lack the fractions this augmentation draws")
            got = params[name]
            if tuple(got.shape) != shape:
                raise ValueError(
                    f"params[{name!r}] has shape {tuple(got.shape)}, but this batch needs {shape}"
                )
            return got.to(device=input.device, dtype=dtype)

        quantizer = draw_params(input, opts, draw)
        return apply_quantization(input, quantizer, options=opts)
