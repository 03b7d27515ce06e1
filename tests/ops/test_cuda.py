"""RQ on a GPU: the CPU torch path's results given the same params, no host synchronisation,
half types, channels_last, torch.compile and CUDA graphs.

The GPU tests skip without CUDA (``scripts/gpu_check.sh`` runs them on a GPU machine). The
device-independent parts (drawing on the CPU and comparing bit for bit, half types,
channels_last) also run on the CPU, so CI exercises the comparison itself.

Exactness: applying a draw is comparisons of float32 values with float32 edges, a gather of
float32 proxies and one cast to the input dtype, rounded to nearest-even on both devices, so
the GPU result must equal the CPU torch path bit for bit (no tolerance). Under torch.compile,
inductor may contract the sampler's ``lo + u * width`` into one fused multiply-add; a compiled
draw may then put an edge one rounding away from the eager one (and the rare value on that
edge in the next bin), so the compiled full op is compared by its bin structure and agreement
on all but those values, and the compiled apply bit for bit.
"""

from __future__ import annotations

import importlib.util

import pytest
import torch

from randquant.bench.official_op import official_rq
from randquant.ops import (
    QuantizationParams,
    RandomizedQuantization,
    apply_quantization,
    randomized_quantization,
    sample_quantization_params,
)

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
DEVICES = ["cpu", "cuda"] if CUDA else ["cpu"]
DIMS = {"channel_dim": 1, "batch_dim": 0}  # explicit: (N, C, H, W) batches


def _triton_installed() -> bool:
    return importlib.util.find_spec("triton") is not None  # found, not imported (see conftest)


# On the GPU: the torch path and the Triton kernels. On the CPU: the auto backend (numba).
BACKENDS = {"cuda": ["torch", *(["triton"] if _triton_installed() else [])], "cpu": ["auto"]}
CASES = [(d, b) for d in DEVICES for b in BACKENDS[d]]


def _bits(t: torch.Tensor) -> torch.Tensor:
    return t.detach().cpu().contiguous().view(torch.uint8)


def _input(dtype: torch.dtype, channels_last: bool, device: str) -> torch.Tensor:
    x = torch.randn(4, 3, 17, 23, generator=torch.Generator().manual_seed(0)) * 2 + 0.5
    x[0, 1, 3, 4] = float("nan")
    x[2, 0, 0, 0] = float("inf")
    x = x.to(dtype)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x.to(device)


def draw_on_cpu(x: torch.Tensor, bins: int, seed: int, p: float = 0.75) -> QuantizationParams:
    """One draw made by the CPU torch path, to apply on any device."""
    g = torch.Generator().manual_seed(seed)
    return sample_quantization_params(x.cpu(), bins, generator=g, p=p, backend="torch", **DIMS)


def assert_same_as_cpu_torch(x: torch.Tensor, params: QuantizationParams, backend: str) -> None:
    """``x`` quantized on its own device with ``backend`` equals the CPU torch path, bit for bit,
    keeping dtype, shape and memory format."""
    want = apply_quantization(x.cpu(), params, backend="torch", **DIMS)
    got = apply_quantization(x, params.to(x.device), backend=backend, **DIMS)
    assert got.device == x.device and got.dtype == x.dtype and got.shape == x.shape
    cl = torch.channels_last
    assert got.is_contiguous(memory_format=cl) == x.is_contiguous(memory_format=cl)
    assert torch.equal(_bits(got), _bits(want))


@pytest.mark.parametrize(("device", "backend"), CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("bins", [8, 64])
def test_same_params_same_bits_as_the_cpu_torch_path(
    device: str, backend: str, dtype: torch.dtype, channels_last: bool, bins: int
) -> None:
    x = _input(dtype, channels_last, device)
    params = draw_on_cpu(x, bins, seed=bins)
    assert not bool(params.applied.all())  # p < 1: unapplied samples are compared too
    assert_same_as_cpu_torch(x, params, backend)


@needs_cuda
@pytest.mark.parametrize("backend", BACKENDS["cuda"])
def test_the_gpu_range_is_the_cpu_range(backend: str) -> None:
    """The range pass on the GPU (torch reduction or Triton kernel) finds the CPU's min/max."""
    x = _input(torch.bfloat16, True, "cuda")
    g = torch.Generator(device="cuda").manual_seed(3)
    params = sample_quantization_params(x, 8, generator=g, backend=backend, **DIMS)
    want = draw_on_cpu(x, 8, seed=3)
    assert torch.equal(params.edges[..., [0, -1]].cpu(), want.edges[..., [0, -1]])


@needs_cuda
@pytest.mark.parametrize("backend", BACKENDS["cuda"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_no_host_synchronisation_in_the_hot_path(backend: str, dtype: torch.dtype) -> None:
    """Draw and apply (and apply with out=) never wait for the GPU: any synchronising call
    raises under ``set_sync_debug_mode("error")``."""
    x = _input(dtype, False, "cuda")
    g = torch.Generator(device="cuda").manual_seed(0)
    out = torch.empty_like(x)
    randomized_quantization(x, 8, generator=g, p=0.5, backend=backend, **DIMS)  # warm-up
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        params = sample_quantization_params(x, 8, generator=g, p=0.5, backend=backend, **DIMS)
        apply_quantization(x, params, backend=backend, **DIMS)
        apply_quantization(x, params, backend=backend, out=out, **DIMS)
        randomized_quantization(x, 16, generator=g, backend=backend, **DIMS)
    finally:
        torch.cuda.set_sync_debug_mode(0)


@needs_cuda
def test_the_official_code_does_synchronise() -> None:
    """The check above can fail: the official algorithm's assert reads a GPU value."""
    x = _input(torch.float32, False, "cuda").nan_to_num(0.0, 0.0, 0.0)
    official_rq(x, 8)  # warm-up
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        with pytest.raises(RuntimeError, match="synchroniz"):
            official_rq(x, 8)
    finally:
        torch.cuda.set_sync_debug_mode(0)


@needs_cuda
@pytest.mark.parametrize("backend", BACKENDS["cuda"])
def test_inside_torch_compile(backend: str) -> None:
    """The module compiles (inductor). Re-applying a draw is exact; a fresh draw may round
    differently where inductor fuses the sampler's multiply-add (see the module docstring)."""
    x = _input(torch.float32, False, "cuda")
    aug = RandomizedQuantization(8, backend=backend, **DIMS)
    compiled = torch.compile(aug)
    params = aug.sample_params(x, torch.Generator(device="cuda").manual_seed(1))
    assert torch.equal(_bits(compiled(x, params=params)), _bits(aug(x, params=params)))
    g1, g2 = (torch.Generator(device="cuda").manual_seed(2) for _ in range(2))
    got, want = compiled(x, generator=g1), aug(x, generator=g2)
    same = (got == want) | (got.isnan() & want.isnan())
    assert same.float().mean() > 0.99  # only values at an edge moved by one rounding may differ
    finite = x.isfinite()
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            assert got[b, c][finite[b, c]].unique().numel() <= 8


@needs_cuda
@pytest.mark.parametrize("backend", BACKENDS["cuda"])
def test_inside_a_cuda_graph(backend: str) -> None:
    """Applying a fixed draw is captured once and replayed on new data in the same buffer;
    the whole op (default CUDA generator) is captured too, with a fresh draw per replay."""
    x = _input(torch.float32, False, "cuda")
    params = draw_on_cpu(x, 8, seed=4).to("cuda")
    out = torch.empty_like(x)
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):  # warm-up outside the capture (Triton compiles here)
        apply_quantization(x, params, out=out, backend=backend, **DIMS)
        randomized_quantization(x, 8, backend=backend, **DIMS)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        apply_quantization(x, params, out=out, backend=backend, **DIMS)
    x.copy_(_input(torch.float32, False, "cuda") * 3 - 1)  # new data, same buffer
    graph.replay()
    want = apply_quantization(x, params, backend=backend, **DIMS)
    assert torch.equal(_bits(out), _bits(want))

    whole = torch.cuda.CUDAGraph()
    with torch.cuda.graph(whole):
        y = randomized_quantization(x, 8, backend=backend, **DIMS)
    whole.replay()
    first = y.clone()
    whole.replay()
    assert not torch.equal(first.nan_to_num(), y.nan_to_num())  # a new draw per replay
    finite = x[0, 0].isfinite()
    assert y[0, 0][finite].unique().numel() <= 8
