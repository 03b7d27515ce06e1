"""The fused Triton kernels equal the torch path bit for bit.

On a machine without CUDA they run under Triton's CPU interpreter (``TRITON_INTERPRET=1``), so
CI checks the kernels' logic; ``tests/ops/test_cuda.py`` runs them compiled on a GPU.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
import torch

from randquant.ops import sample_quantization_params, torch_kernel

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# The interpreter must be on before triton is imported (it decorates its own library then).
_LATE = "triton" in sys.modules and os.environ.get("TRITON_INTERPRET", "0") in ("", "0")
if DEVICE == "cpu":
    os.environ.setdefault("TRITON_INTERPRET", "1")
pytest.importorskip("triton")
from randquant.ops import triton_kernel  # noqa: E402


@pytest.fixture(autouse=True)
def _interpreter_ready() -> None:
    if DEVICE == "cpu" and _LATE:
        raise RuntimeError(
            "triton was imported before TRITON_INTERPRET=1 was set: run "
            "tests/ops/test_triton.py in a process that does not import triton first"
        )


def _input(shape: tuple[int, ...], dtype: torch.dtype, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g) * 3 + 1
    flat = x.view(-1)
    flat[:: max(1, flat.numel() // 7)] = float("nan")  # non-finite values pass through
    flat[5] = float("inf")
    flat[11] = -float("inf")
    return x.to(dtype).to(DEVICE)


def _x3(x: torch.Tensor) -> torch.Tensor:
    """The ``(B, C, M)`` group view of an ``(N, C, H, W)`` batch (a view, any memory format)."""
    return x.flatten(2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("bins", [1, 8, 64])
def test_apply_equals_torch(dtype: torch.dtype, bins: int) -> None:
    """Both bin searches (count for <= 15 inner edges, binary search above), every half type."""
    x = _input((3, 2, 9, 13), dtype)
    x3 = _x3(x)
    params = sample_quantization_params(
        x, bins, channel_dim=1, batch_dim=0, p=0.6, generator=_gen(1), backend="torch"
    )
    n_b = x3.shape[0]
    edges, proxies = params.edges, params.proxies
    applied = params.applied.reshape(-1, 1).expand(n_b, 1)
    want = torch_kernel.apply_torch(x3, edges, proxies, applied)
    got = torch.empty_like(x3)
    triton_kernel.apply_triton(x3, got, edges, proxies, applied)
    assert torch.equal(got.view(torch.uint8), want.view(torch.uint8))  # bits, NaN included
    assert not bool(applied.all()) and bool(applied.any())  # both branches ran


def test_range_equals_torch_and_handles_empty_groups() -> None:
    x = _input((2, 3, 40, 41), torch.float32)  # 1640 values: several blocks per chunk
    x[1, 2] = float("nan")  # a group with no finite value: NaN range
    x3 = _x3(x)
    lo, hi = triton_kernel.group_range(x3)
    want_lo, want_hi = torch_kernel.group_range(x3, torch.float32)
    assert torch.equal(lo.nan_to_num(123.0), want_lo.nan_to_num(123.0))
    assert torch.equal(hi.nan_to_num(123.0), want_hi.nan_to_num(123.0))
    assert bool(lo[1, 2].isnan()) and bool(hi[1, 2].isnan())


def test_range_spans_several_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triton_kernel, "RANGE_CHUNK", 256)
    x = _input((1, 2, 1000), torch.bfloat16)
    x[0, 1, 999] = 1000.0  # the maximum sits in the last, partial chunk
    lo, hi = triton_kernel.group_range(x)
    want_lo, want_hi = torch_kernel.group_range(x, torch.float32)
    assert torch.equal(lo, want_lo) and torch.equal(hi, want_hi)
    assert hi[0, 1] == 1000.0


def test_channels_last_strides_in_and_out() -> None:
    x = _input((2, 3, 8, 5), torch.float32).contiguous(memory_format=torch.channels_last)
    x3 = _x3(x)
    assert not x3.is_contiguous()  # the kernels read the strided view as it is
    params = sample_quantization_params(x, 8, channel_dim=1, batch_dim=0, generator=_gen(2))
    applied = params.applied.reshape(-1, 1).expand(2, 1)
    want = torch_kernel.apply_torch(x3, params.edges, params.proxies, applied)
    out = torch.empty_like(x)  # channels_last too
    triton_kernel.apply_triton(x3, _x3(out), params.edges, params.proxies, applied)
    assert torch.equal(_x3(out).nan_to_num(7.0), want.nan_to_num(7.0))


def test_unusable_inputs_name_the_reason() -> None:
    with pytest.raises(ValueError, match=r"dtype torch\.int32"):
        triton_kernel.group_range(torch.zeros(1, 1, 4, dtype=torch.int32, device=DEVICE))
    assert triton_kernel.search_steps(7) == 0 and triton_kernel.search_steps(63) == 6


def _gen(seed: int) -> torch.Generator:
    return torch.Generator(device=DEVICE).manual_seed(seed)


@pytest.mark.parametrize("bins", [8, 40])
def test_values_on_edges_and_rounding_ties(bins: int) -> None:
    """A value equal to an edge goes to the upper bin (both searches); proxies exactly halfway
    between two bfloat16 numbers round to the even one, as torch's cast does."""
    x = torch.arange(64, dtype=torch.float32).to(torch.bfloat16).reshape(1, 1, 64).to(DEVICE)
    cuts = torch.randperm(62, generator=torch.Generator().manual_seed(bins))[: bins - 1] + 1
    inner = cuts.sort().values.float()
    edges = torch.cat([torch.zeros(1), inner, torch.full((1,), 63.0)]).reshape(1, 1, -1)
    # float32 bits 0x3F80_8000 + k * 0x1_0000: halfway above 1.0, 1.0078125, ... (even, odd, ...)
    tie_bits = 0x3F808000 + torch.arange(bins, dtype=torch.int32) * 0x10000
    proxies = tie_bits.view(torch.float32).reshape(1, 1, bins)
    applied = torch.ones(1, 1, dtype=torch.bool)
    edges, proxies, applied = edges.to(DEVICE), proxies.to(DEVICE), applied.to(DEVICE)
    want = torch_kernel.apply_torch(x, edges, proxies, applied)
    got = torch.empty_like(x)
    triton_kernel.apply_triton(x, got, edges, proxies, applied)
    assert torch.equal(got.view(torch.int16), want.view(torch.int16))
    hit = torch.searchsorted(inner.to(DEVICE), x.float().reshape(-1), right=True)
    assert hit.unique().numel() == bins  # every bin was hit, values on its edges included


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_op_with_backend_triton_equals_torch(
    channels_last: bool, dtype: torch.dtype, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public op dispatches to the kernels (range and apply) and gives the torch result."""
    from randquant.ops import randomized_quantization

    calls: list[str] = []
    for name in ("group_range", "apply_triton"):
        real = getattr(triton_kernel, name)
        monkeypatch.setattr(triton_kernel, name, _counted(real, name, calls))

    x = _input((4, 3, 6, 10), dtype)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    opts = {"channel_dim": 1, "batch_dim": 0, "p": 0.7}
    want = randomized_quantization(x, 8, generator=_gen(5), backend="torch", **opts)
    got = randomized_quantization(x, 8, generator=_gen(5), backend="triton", **opts)
    assert torch.equal(_bits(got), _bits(want))
    assert got.is_contiguous(memory_format=torch.channels_last) == channels_last
    out = torch.empty_like(x)
    randomized_quantization(x, 8, generator=_gen(5), backend="triton", out=out, **opts)
    assert torch.equal(_bits(out), _bits(want))
    assert calls == ["group_range", "apply_triton"] * 2


def _counted(fn: Any, name: str, calls: list[str]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return fn(*args, **kwargs)

    return wrapper


def _bits(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous().view(torch.uint8)


def test_backend_triton_refuses_what_it_cannot_run() -> None:
    from randquant.ops import randomized_quantization

    with pytest.raises(ValueError, match="backend='triton' cannot run this call: dtype"):
        randomized_quantization(torch.zeros(2, 3, 4, 4, dtype=torch.float64, device=DEVICE), 4,
                                channel_dim=1, batch_dim=0, backend="triton")  # fmt: skip
