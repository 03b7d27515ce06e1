"""A 1-D residual CNN for multichannel sequences ``(N, C, L)`` (sensors, time series).

Stem ``Conv1d(C, w/2, 7)``, then residual blocks of widths ``(w/2, w, w)`` with strides
``(1, 2, 2)`` (kernel 5), then global average pooling over time: ``out_dim = w``. Works for any
C and any L >= 1 (strided convs are padded).

Parameter counts (6 input channels): 90,368 at width 64; 356,864 at width 128.
"""

from __future__ import annotations

from randquant.models.base import ConvEncoder
from randquant.models.blocks import conv_bn_relu, make_stages


class CNN1d(ConvEncoder):
    """Residual 1-D CNN with global average pooling.

    >>> import torch
    >>> net = CNN1d(in_channels=6, width=32)
    >>> net(torch.randn(2, 6, 100)).shape
    torch.Size([2, 32])
    """

    name = "cnn1d"

    def __init__(self, *, in_channels: int, width: int = 64, kernel: int = 5) -> None:
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be a positive odd number, got {kernel}")
        super().__init__(in_channels=in_channels, width=width, spatial_dims=1)
        self.stem = conv_bn_relu(in_channels, width // 2, dims=1, kernel=7)
        self.stages = make_stages(
            (width // 2, width, width), (1, 2, 2), cin=width // 2, blocks=1, dims=1, kernel=kernel
        )
