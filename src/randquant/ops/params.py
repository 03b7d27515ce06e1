"""The drawn parameters of one RQ call: a plain object to inspect, log and re-apply."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class QuantizationParams:
    """One draw of randomized quantization.

    Attributes:
        edges: ``(*group_shape, num_bins + 1)``, sorted; ``edges[..., 0]`` is the group's finite
            minimum and ``edges[..., -1]`` its maximum (NaN for a group with no finite value).
        proxies: ``(*group_shape, num_bins)``; value ``k`` replaces every value of bin ``k``.
        applied: bool, broadcastable to ``group_shape`` (``(B, 1)`` or ``()``): where False the
            sample comes back unchanged.

    ``group_shape`` is ``(B, C)`` for a batch (sample axis first, whatever the input layout) and
    ``(C,)`` for a single sample.
    """

    edges: torch.Tensor
    proxies: torch.Tensor
    applied: torch.Tensor

    @property
    def num_bins(self) -> int:
        return int(self.proxies.shape[-1])

    @property
    def group_shape(self) -> tuple[int, ...]:
        return tuple(self.proxies.shape[:-1])

    def to(self, device: torch.device | str) -> QuantizationParams:
        """The same draw on another device."""
        return QuantizationParams(
            self.edges.to(device), self.proxies.to(device), self.applied.to(device)
        )

    def check_against(self, shape: tuple[int, ...]) -> None:
        """``ValueError`` unless these params fit groups of shape ``shape``."""
        nb = self.num_bins
        if self.group_shape != shape:
            raise ValueError(
                f"params were drawn for groups {self.group_shape} but x has groups {shape}"
            )
        if self.edges.shape != (*shape, nb + 1):
            raise ValueError(
                f"params.edges has shape {tuple(self.edges.shape)}, expected {(*shape, nb + 1)}"
            )
        if self.applied.dtype != torch.bool:
            raise ValueError(f"params.applied must be bool, got {self.applied.dtype}")
        try:
            torch.broadcast_shapes(self.applied.shape, shape)  # type: ignore[no-untyped-call]
        except RuntimeError:
            raise ValueError(
                f"params.applied has shape {tuple(self.applied.shape)}, "
                f"not broadcastable to {shape}"
            ) from None
