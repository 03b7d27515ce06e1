"""An MLP for feature vectors (tabular rows): ``Linear-BN-ReLU`` blocks.

SCARF (Bahri et al., ICLR 2022) pretrains such an encoder on tabular data; it costs a few
thousand multiply-adds per row, so thousands of optimizer steps fit a minute on one core.
The DABS-style transformer (``--encoder transformer``, the ``auto`` choice for vectors) is
the one that takes RQ on its embedded tokens; this one takes views of the input.
"""

from __future__ import annotations

from torch import Tensor, nn

from randquant.models.base import Encoder, check_float_input, check_width

#: Linear-BN-ReLU blocks; the last one's output is the feature.
DEPTH = 3


class MLP(Encoder):
    """``DEPTH`` blocks of ``Linear-BN-ReLU``, all of ``width`` units: ``(N, F) -> (N, width)``.

    >>> import torch
    >>> MLP(in_features=16, width=64)(torch.randn(4, 16)).shape
    torch.Size([4, 64])
    """

    name = "mlp"

    def __init__(self, *, in_features: int, width: int = 256) -> None:
        if in_features < 1:
            raise ValueError(f"in_features must be >= 1, got {in_features}")
        check_width(width)
        super().__init__(out_dim=width)
        self.in_features = in_features
        layers: list[nn.Module] = []
        cin = in_features
        for _ in range(DEPTH):
            layers += [nn.Linear(cin, width, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
            cin = width
        self.net = nn.Sequential(*layers)

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, in_features)`` floats."""
        check_float_input(self.name, x, f"(N, {self.in_features})", 2, {1: self.in_features})

    def encode(self, x: Tensor) -> Tensor:
        """The blocks."""
        out: Tensor = self.net(x)
        return out

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_dim={self.out_dim}"
