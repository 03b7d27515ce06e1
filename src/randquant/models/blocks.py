"""Convolutional building blocks shared by the CNN encoders (1-D and 2-D)."""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

Dims = Literal[1, 2]


def conv_bn_relu(
    cin: int, cout: int, *, dims: Dims, kernel: int = 3, stride: int = 1
) -> nn.Sequential:
    """``Conv -> BatchNorm -> ReLU`` with "same" padding for odd ``kernel``."""
    conv = nn.Conv1d if dims == 1 else nn.Conv2d
    bn = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
    return nn.Sequential(
        conv(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        bn(cout),
        nn.ReLU(inplace=True),
    )


class BasicBlock(nn.Module):
    """ResNet basic block (two 3x3 convs and a shortcut), in 1-D or 2-D.

    The last BatchNorm starts at zero so each block starts as the identity (Goyal et al. 2017),
    which keeps small ResNets trainable with large learning rates.
    """

    def __init__(self, cin: int, cout: int, *, stride: int = 1, dims: Dims = 2, kernel: int = 3):
        super().__init__()
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        bn = nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d
        pad = kernel // 2
        self.conv1 = conv(cin, cout, kernel, stride=stride, padding=pad, bias=False)
        self.bn1 = bn(cout)
        self.conv2 = conv(cout, cout, kernel, stride=1, padding=pad, bias=False)
        self.bn2 = bn(cout)
        nn.init.zeros_(self.bn2.weight)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(conv(cin, cout, 1, stride=stride, bias=False), bn(cout))

    def forward(self, x: Tensor) -> Tensor:
        """``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        result: Tensor = self.relu(out + self.shortcut(x))
        return result


def make_stages(
    widths: tuple[int, ...],
    strides: tuple[int, ...],
    *,
    cin: int,
    blocks: int,
    dims: Dims,
    kernel: int = 3,
) -> nn.Sequential:
    """Stages of ``blocks`` basic blocks each; the first block of a stage applies its stride."""
    layers: list[nn.Module] = []
    for width, stride in zip(widths, strides, strict=True):
        for i in range(blocks):
            layers.append(
                BasicBlock(cin, width, stride=stride if i == 0 else 1, dims=dims, kernel=kernel)
            )
            cin = width
    return nn.Sequential(*layers)
