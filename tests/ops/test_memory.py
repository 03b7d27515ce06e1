"""Large outputs of the CPU kernel are ordinary tensors (huge-page advice changes no semantics)."""

from __future__ import annotations

import torch

from randquant import randomized_quantization
from randquant.ops.memory import empty_like_for_kernel


def test_large_output_is_an_ordinary_tensor() -> None:
    x = torch.randn(4, 3, 512, 512)  # 12 MB: above the huge-page threshold
    y = randomized_quantization(x, 8, generator=torch.Generator().manual_seed(0))
    ref = randomized_quantization(x, 8, generator=torch.Generator().manual_seed(0), backend="torch")
    assert torch.equal(y, ref)
    y.share_memory_()  # what DataLoader workers do with returned tensors
    y.resize_(2, 3, 512, 512)  # a normal, resizable storage
    z = empty_like_for_kernel(x.contiguous(memory_format=torch.channels_last))
    assert z.is_contiguous(memory_format=torch.channels_last) and z.shape == x.shape
