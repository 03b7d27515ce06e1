"""Projection and prediction heads of the SSL methods (SimCLR, MoCo v3, BYOL).

One building block, :class:`MLPHead`: ``num_layers`` linear layers, each hidden one followed
by BatchNorm and ReLU, optionally a BatchNorm after the last one. The methods assemble it as
their papers do:

* SimCLR: ``Linear-BN-ReLU-Linear`` (:func:`projection_head` with ``last_bn=False``).
* MoCo v3 (ResNet recipe): projector and predictor ``Linear-BN-ReLU-Linear-BN``, the last
  BN without affine parameters, linear layers without bias (BN makes the bias redundant).
* BYOL: projector and predictor ``Linear-BN-ReLU-Linear``.

Example::

    >>> import torch
    >>> head = projection_head(64, hidden_dim=128, out_dim=32)
    >>> head(torch.randn(8, 64)).shape
    torch.Size([8, 32])
"""

from __future__ import annotations

from torch import Tensor, nn


class MLPHead(nn.Module):
    """An MLP ``in_dim -> hidden_dim (x num_layers-1) -> out_dim`` with BN + ReLU between layers.

    Args:
        in_dim: input feature size.
        hidden_dim: width of every hidden layer.
        out_dim: output size.
        num_layers: number of linear layers (>= 1).
        last_bn: add a BatchNorm after the last linear layer (MoCo v3).
        last_bn_affine: whether that last BatchNorm learns scale and shift.
        bias: whether the linear layers have a bias (MoCo v3 uses none: BN follows them).
    """

    def __init__(
        self,
        in_dim: int,
        hidden_dim: int,
        out_dim: int,
        *,
        num_layers: int = 2,
        last_bn: bool = False,
        last_bn_affine: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        for name, value in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
            if int(value) < 1:
                raise ValueError(f"MLPHead: {name} must be >= 1, got {value!r}")
        if int(num_layers) < 1:
            raise ValueError(f"MLPHead: num_layers must be >= 1, got {num_layers!r}")
        layers: list[nn.Module] = []
        dim = in_dim
        for _ in range(num_layers - 1):
            layers += [nn.Linear(dim, hidden_dim, bias=bias), nn.BatchNorm1d(hidden_dim)]
            layers.append(nn.ReLU(inplace=True))
            dim = hidden_dim
        layers.append(nn.Linear(dim, out_dim, bias=bias))
        if last_bn:
            layers.append(nn.BatchNorm1d(out_dim, affine=last_bn_affine))
        self.net = nn.Sequential(*layers)
        self.in_dim, self.hidden_dim, self.out_dim = in_dim, hidden_dim, out_dim
        self.num_layers, self.last_bn = num_layers, last_bn

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(N, in_dim)`` features to ``(N, out_dim)``."""
        if x.ndim != 2 or x.shape[1] != self.in_dim:
            raise ValueError(
                f"MLPHead expects input of shape (N, {self.in_dim}), got {tuple(x.shape)}"
            )
        out: Tensor = self.net(x)
        return out

    def extra_repr(self) -> str:
        return (
            f"in_dim={self.in_dim}, hidden_dim={self.hidden_dim}, out_dim={self.out_dim}, "
            f"num_layers={self.num_layers}, last_bn={self.last_bn}"
        )


def projection_head(
    in_dim: int,
    *,
    hidden_dim: int,
    out_dim: int,
    num_layers: int = 2,
    last_bn: bool = False,
    bias: bool = True,
) -> MLPHead:
    """The projector that maps encoder features to the space where the SSL loss is computed."""
    return MLPHead(in_dim, hidden_dim, out_dim, num_layers=num_layers, last_bn=last_bn, bias=bias)


def prediction_head(
    dim: int, *, hidden_dim: int, last_bn: bool = False, bias: bool = True
) -> MLPHead:
    """The predictor of BYOL / MoCo v3: a 2-layer MLP from the projection space to itself."""
    return MLPHead(dim, hidden_dim, dim, num_layers=2, last_bn=last_bn, bias=bias)
