"""Regression: a DataLoader worker forked from a process that ran the numba kernel (OpenMP
threads started) used to be terminated ("fork() called from a process already using GNU
OpenMP, this is unsafe") as soon as it ran RQ; it now takes the torch path (same result)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from randquant import randomized_quantization


class Quantized(Dataset[torch.Tensor]):
    def __init__(self, x: torch.Tensor) -> None:
        self.x = x

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, i: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(i)
        return randomized_quantization(self.x[i], 6, channel_dim=0, batch_dim=None, generator=g)


def test_loader_workers_forked_after_the_numba_kernel_ran() -> None:
    x = torch.rand(8, 3, 32, 32)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        randomized_quantization(x, 8, backend="numba")  # OpenMP threads start in this process
    finally:
        torch.set_num_threads(threads)
    got = torch.cat(list(DataLoader(Quantized(x), batch_size=4, num_workers=2)))
    here = torch.stack([Quantized(x)[i] for i in range(8)])
    assert torch.equal(got, here)
