"""A small ResNet for images of any channel count.

Inputs up to 64 px get the CIFAR stem (one 3x3 conv, no max-pool) and three stages of widths
``(w/4, w/2, w)``; larger inputs get the ImageNet stem (7x7 conv, stride 2, 3x3 max-pool) and four
stages ``(w/8, w/4, w/2, w)``. Two basic blocks per stage, global average pool, ``out_dim = w``.

Parameter counts (3 input channels, 2 blocks per stage; ``count_parameters``): width 64:
174,608 (32 px) / 176,712 (96 px); width 128: 695,328 (32 px).
"""

from __future__ import annotations

from torch import nn

from randquant.models.base import ConvEncoder
from randquant.models.blocks import conv_bn_relu, make_stages

SMALL_INPUT_MAX_PX = 64


class ResNet(ConvEncoder):
    """Small ResNet (BasicBlock) with a stem chosen from the input size.

    >>> import torch
    >>> net = ResNet(in_channels=1, image_size=(28, 28), width=32)
    >>> net(torch.randn(2, 1, 28, 28)).shape
    torch.Size([2, 32])
    """

    name = "resnet"

    def __init__(
        self,
        *,
        in_channels: int,
        image_size: tuple[int, int],
        width: int = 64,
        blocks_per_stage: int = 2,
    ) -> None:
        if blocks_per_stage < 1:
            raise ValueError(f"blocks_per_stage must be >= 1, got {blocks_per_stage}")
        super().__init__(in_channels=in_channels, width=width, spatial_dims=2)
        self.small_input = max(image_size) <= SMALL_INPUT_MAX_PX
        if self.small_input:
            widths: tuple[int, ...] = (width // 4, width // 2, width)
            self.stem = conv_bn_relu(in_channels, widths[0], dims=2, kernel=3)
        else:
            widths = (width // 8, width // 4, width // 2, width)
            self.stem = nn.Sequential(
                conv_bn_relu(in_channels, widths[0], dims=2, kernel=7, stride=2),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        strides = (1,) + (2,) * (len(widths) - 1)
        self.stages = make_stages(widths, strides, cin=widths[0], blocks=blocks_per_stage, dims=2)

    def extra_repr(self) -> str:
        stem = "cifar" if self.small_input else "imagenet"
        return f"in_channels={self.in_channels}, out_dim={self.out_dim}, stem={stem}"
