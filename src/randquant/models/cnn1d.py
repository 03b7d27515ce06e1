"""A 1-D residual CNN for multichannel sequences ``(N, C, L)`` (sensors, time series).

Stem ``Conv1d(C, w/2, 7)``, then residual blocks of widths ``(w/2, w, w)`` with strides
``(1, 2, 2)`` (kernel 5), then global average pooling over time: ``out_dim = w``. Works for any
C and any L >= 1 (strided convs are padded).

Parameter count: ~0.07 M at width 64 with 6 input channels.
"""

from __future__ import annotations

from torch import Tensor, nn

from randquant.models.base import Encoder, check_float_input
from randquant.models.blocks import conv_bn_relu, make_stages


class CNN1d(Encoder):
    """Residual 1-D CNN with global average pooling.

    >>> import torch
    >>> net = CNN1d(in_channels=6, width=32)
    >>> net(torch.randn(2, 6, 100)).shape
    torch.Size([2, 32])
    """

    name = "cnn1d"

    def __init__(self, *, in_channels: int, width: int = 64, kernel: int = 5) -> None:
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, got {in_channels}")
        if width < 8 or width % 8:
            raise ValueError(f"width must be a positive multiple of 8, got {width}")
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be a positive odd number, got {kernel}")
        super().__init__(out_dim=width)
        self.in_channels = in_channels
        self.stem = conv_bn_relu(in_channels, width // 2, dims=1, kernel=7)
        self.stages = make_stages(
            (width // 2, width, width), (1, 2, 2), cin=width // 2, blocks=1, dims=1, kernel=kernel
        )
        self.pool = nn.AdaptiveAvgPool1d(1)

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, in_channels, L)`` floats; any L."""
        check_float_input(self.name, x, f"(N, {self.in_channels}, L)", 3, {1: self.in_channels})

    def encode(self, x: Tensor) -> Tensor:
        """Stem, residual blocks, mean over time."""
        out: Tensor = self.pool(self.stages(self.stem(x))).flatten(1)
        return out

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_dim={self.out_dim}"
