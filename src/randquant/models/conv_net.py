"""A plain CNN for small images: four ``conv-BN-ReLU-maxpool`` blocks, no shortcuts.

Widths ``(w/8, w/4, w/2, w)``; each block halves the resolution with a 2x2 max-pool while the
side is at least 2 (an 8x8 digit is pooled three times, a 32x32 picture four times), then a
global average pool: ``out_dim = w``. On small inputs it costs fewer multiply-adds than the
ResNet at the same feature size, since most of its convolutions run at a quarter of the
resolution or less, and it trains fast on one CPU core (docs/benchmarks.md, "Choosing the
defaults").

Parameter counts (3 input channels, ``count_parameters``): width 128: 97,984; width 256: 390,848.
"""

from __future__ import annotations

import torch
from torch import nn

from randquant.models.base import ConvEncoder
from randquant.models.blocks import conv_bn_relu

BLOCKS = 4


class ConvNet(ConvEncoder):
    """Four ``conv3x3-BN-ReLU-maxpool2`` blocks and a global average pool.

    >>> import torch
    >>> net = ConvNet(in_channels=1, image_size=(8, 8), width=64)
    >>> net(torch.randn(2, 1, 8, 8)).shape
    torch.Size([2, 64])
    """

    name = "convnet"

    def __init__(self, *, in_channels: int, image_size: tuple[int, int], width: int = 256) -> None:
        super().__init__(in_channels=in_channels, width=width, spatial_dims=2)
        widths = tuple(max(8, width >> (BLOCKS - 1 - i)) for i in range(BLOCKS))
        side = min(image_size)
        layers: list[nn.Module] = []
        cin = in_channels
        for cout in widths:
            layers.append(conv_bn_relu(cin, cout, dims=2, kernel=3))
            if side >= 2:
                layers.append(nn.MaxPool2d(2))
                side //= 2
            cin = cout
        self.stem = nn.Identity()
        self.stages = nn.Sequential(*layers)
        self.pools = sum(isinstance(m, nn.MaxPool2d) for m in layers)
        # channels_last weights make the CPU convolutions take NHWC kernels for NCHW inputs
        # too: 1.5x faster training steps here (benchmarks/recipe_search/step_cost_1thread.txt)
        self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_dim={self.out_dim}, pools={self.pools}"
