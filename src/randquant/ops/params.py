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

    def check_values(self) -> None:
        """``ValueError`` unless the values are those a draw can give: float edges, each
        group's row either all NaN (a group with no finite value) or finite and sorted, and
        finite proxies inside their group's ``[edges[..., 0], edges[..., -1]]``.

        Hand-made params with unsorted inner edges would otherwise be binned differently by
        the numba (binary search) and torch (comparison count) kernels."""
        for name, t in (("edges", self.edges), ("proxies", self.proxies)):
            if not t.dtype.is_floating_point:
                raise ValueError(f"params.{name} must be floating point, got {t.dtype}")
        edges, proxies = self.edges.detach(), self.proxies.detach()
        empty = torch.isnan(edges).all(dim=-1)
        finite = torch.isfinite(edges).all(dim=-1)
        bad = ~(empty | finite)
        if bool(bad.any()):
            raise ValueError(
                f"params.edges: group {_first(bad)} mixes NaN/inf with finite edges; a row is "
                "all NaN (no finite value in the group) or all finite"
            )
        unsorted = (torch.diff(edges, dim=-1) < 0).any(dim=-1) & finite
        if bool(unsorted.any()):
            raise ValueError(
                f"params.edges: group {_first(unsorted)} has edges out of order; every row "
                "of edges must be sorted (non-decreasing)"
            )
        lo, hi = edges[..., :1], edges[..., -1:]
        outside = (~torch.isfinite(proxies) | (proxies < lo) | (proxies > hi)).any(dim=-1)
        outside &= finite
        if bool(outside.any()):
            raise ValueError(
                f"params.proxies: group {_first(outside)} has a proxy that is not finite or "
                "lies outside its group's [edges[..., 0], edges[..., -1]]"
            )


def _first(mask: torch.Tensor) -> tuple[int, ...]:
    return tuple(int(i) for i in torch.nonzero(mask)[0].tolist())
