"""A CNN on log-mel spectrograms ``(N, n_mels, T)``, after BYOL-A's AudioNTT2020 encoder.

The spectrogram is a 1-channel image. Three blocks ``Conv3x3 -> BN -> ReLU -> MaxPool2x2``
(``w/4, w/2, w`` channels: BYOL-A uses 64 in each, narrowed here for CPU training) shrink
frequency and time by 8; then each remaining time frame's
``(channels x frequency)`` map is flattened and pooled over frequency by a learned two-layer MLP
(BYOL-A's choice: a plain mean over frequency would discard where in the spectrum energy sits);
finally temporal pooling ``mean_t + max_t`` as in BYOL-A. ``out_dim = w``. No dropout: randomness
in randquant comes only from explicit generators.

The number of mel bands is fixed at build time (the frequency MLP depends on it); T is free.
Parameter counts (64 mel bands): 60,400 at width 64; 240,608 at width 128.
"""

from __future__ import annotations

from torch import Tensor, nn

from randquant.models.base import Encoder, check_float_input, check_width
from randquant.models.blocks import conv_bn_relu


class SpecCNN(Encoder):
    """BYOL-A style spectrogram CNN: conv blocks, frequency MLP, mean+max over time.

    >>> import torch
    >>> net = SpecCNN(n_mels=64, width=32)
    >>> net(torch.randn(2, 64, 96)).shape
    torch.Size([2, 32])
    """

    name = "spec_cnn"

    def __init__(self, *, n_mels: int, width: int = 64) -> None:
        if n_mels < 1:
            raise ValueError(f"n_mels must be >= 1, got {n_mels}")
        check_width(width)
        super().__init__(out_dim=width)
        self.n_mels = n_mels
        layers: list[nn.Module] = []
        cin, freq = 1, n_mels
        for cout in (width // 4, width // 2, width):
            layers += [conv_bn_relu(cin, cout, dims=2), nn.MaxPool2d(2, ceil_mode=True)]
            cin, freq = cout, -(-freq // 2)
        self.features = nn.Sequential(*layers)
        self.freq_mlp = nn.Sequential(
            nn.Linear(width * freq, width),
            nn.ReLU(inplace=True),
            nn.Linear(width, width),
            nn.ReLU(inplace=True),
        )

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, n_mels, T)`` floats; any T."""
        check_float_input(self.name, x, f"(N, {self.n_mels}, T)", 3, {1: self.n_mels})

    def encode(self, x: Tensor) -> Tensor:
        """Conv blocks on ``(N, 1, F, T)``, MLP per frame, then ``mean_t + max_t``."""
        h = self.features(x.unsqueeze(1))  # (N, w, F', T')
        n, c, f, t = h.shape
        frames = self.freq_mlp(h.permute(0, 3, 1, 2).reshape(n, t, c * f))  # (N, T', w)
        out: Tensor = frames.mean(dim=1) + frames.amax(dim=1)
        return out

    def extra_repr(self) -> str:
        return f"n_mels={self.n_mels}, out_dim={self.out_dim}"
