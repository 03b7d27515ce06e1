"""PointNet (Qi et al. 2017) for point sets ``(N, P, 3)``, xyz last.

A shared per-point MLP ``3 -> w/2 -> w -> 4w`` (``Conv1d`` with kernel 1, BN, ReLU), the max over
points as the symmetric function, then ``Linear(4w, w)``: ``out_dim = w``. An optional input
T-net (a smaller PointNet predicting a 3x3 matrix, initialised to the identity) aligns the cloud
first. Every step is per point or a max over points, so the output does not depend on the order
of the points. Any P >= 1.

Parameter counts: 35,680 at width 64 (55,305 with the T-net); 140,992 at width 128.
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import Tensor, nn

from randquant.models.base import Encoder, check_float_input, check_width
from randquant.models.blocks import conv_bn_relu


def _shared_mlp(widths: tuple[int, ...]) -> nn.Sequential:
    """Per-point layers on ``(N, C, P)``: ``Conv1d(kernel=1) -> BN -> ReLU`` for each width."""
    return nn.Sequential(*(conv_bn_relu(a, b, dims=1, kernel=1) for a, b in pairwise(widths)))


class InputTNet(nn.Module):
    """Predicts a per-cloud 3x3 transform; starts as the identity."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.mlp = _shared_mlp((3, width // 2, width, 2 * width))
        self.head = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(inplace=True))
        self.out = nn.Linear(width, 9)
        nn.init.zeros_(self.out.weight)
        with torch.no_grad():
            self.out.bias.copy_(torch.eye(3).flatten())

    def forward(self, xyz_cf: Tensor) -> Tensor:
        """``(N, 3, P)`` -> transforms ``(N, 3, 3)``."""
        g = self.mlp(xyz_cf).amax(dim=2)
        mat: Tensor = self.out(self.head(g)).view(-1, 3, 3)
        return mat


class PointNet(Encoder):
    """PointNet encoder with an optional input T-net.

    >>> net = PointNet(width=32)
    >>> net(torch.randn(2, 128, 3)).shape
    torch.Size([2, 32])
    """

    name = "pointnet"

    def __init__(self, *, width: int = 64, input_transform: bool = False) -> None:
        check_width(width)
        super().__init__(out_dim=width)
        self.tnet = InputTNet(width) if input_transform else None
        self.mlp = _shared_mlp((3, width // 2, width, 4 * width))
        self.head = nn.Linear(4 * width, width)

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, P, 3)`` floats; any P."""
        check_float_input(self.name, x, "(N, P, 3)", 3, {2: 3})
        if x.shape[1] == 0:
            raise ValueError(
                f"{self.name} encoder expects at least one point, got {tuple(x.shape)}"
            )

    def encode(self, x: Tensor) -> Tensor:
        """(Align), per-point MLP, max over points, linear."""
        if self.tnet is not None:
            x = torch.bmm(x, self.tnet(x.transpose(1, 2)))
        g = self.mlp(x.transpose(1, 2)).amax(dim=2)
        out: Tensor = self.head(g)
        return out

    def extra_repr(self) -> str:
        return f"out_dim={self.out_dim}, input_transform={self.tnet is not None}"
