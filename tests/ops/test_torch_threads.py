"""The numba path must not change torch's thread count (numba's OpenMP pool shares it)."""

import subprocess
import sys

import pytest

pytest.importorskip("numba")

SNIPPET = """
import torch
torch.set_num_threads(1)
from randquant.ops import randomized_quantization
x = torch.randn(4, 3, 64)
randomized_quantization(x, 8, generator=torch.Generator().manual_seed(0))
print(torch.get_num_threads())
"""


def test_first_numba_call_keeps_torch_threads() -> None:
    # a fresh process: the bump happened only on numba's first parallel launch
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "1"
