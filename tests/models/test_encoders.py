"""Every encoder x layout: output shape, gradients, wrong-shape errors, parameter budgets."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from randquant.models import Encoder, build_encoder, count_parameters

VOCAB = 50
# (encoder, layout, sample_shape, meta)
CASES: list[tuple[str, str, tuple[int, ...], dict[str, Any]]] = [
    ("resnet", "image", (3, 16, 16), {}),
    ("resnet", "image", (1, 72, 72), {}),  # ImageNet stem
    ("cnn1d", "sequence", (6, 40), {}),
    ("spec_cnn", "sequence", (20, 30), {"modality": "audio"}),
    ("pointnet", "points", (64, 3), {}),
    ("mlp", "vector", (7,), {}),
    ("token_cnn", "tokens", (12,), {"vocab_size": VOCAB}),
    ("transformer", "image", (3, 16, 16), {}),
    ("transformer", "sequence", (6, 40), {}),
    ("transformer", "points", (64, 3), {}),
    ("transformer", "vector", (7,), {}),
    ("transformer", "tokens", (12,), {"vocab_size": VOCAB}),
]
IDS = [f"{name}-{layout}-{shape}" for name, layout, shape, _ in CASES]


def make_input(layout: str, shape: tuple[int, ...], n: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if layout == "tokens":
        return torch.randint(1, VOCAB, (n, *shape), generator=g)
    return torch.randn((n, *shape), generator=g)


def build(name: str, layout: str, shape: tuple[int, ...], meta: dict[str, Any]) -> Encoder:
    torch.manual_seed(0)
    return build_encoder(name, layout=layout, sample_shape=shape, meta=meta, width=16)


@pytest.mark.parametrize(("name", "layout", "shape", "meta"), CASES, ids=IDS)
def test_output_shape_and_gradients(
    name: str, layout: str, shape: tuple[int, ...], meta: dict[str, Any]
) -> None:
    enc = build(name, layout, shape, meta)
    for m in enc.modules():  # undo the zero-init of residual BNs so every branch carries gradient
        if isinstance(m, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            torch.nn.init.ones_(m.weight)
    x = make_input(layout, shape)
    if x.dtype.is_floating_point:
        x.requires_grad_(True)
    y = enc(x)
    assert y.shape == (4, enc.out_dim) == (4, 16)
    assert torch.isfinite(y).all()
    y.square().sum().backward()
    dead = [n for n, p in enc.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not dead, f"parameters without gradient: {dead}"
    if x.dtype.is_floating_point:
        assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize(("name", "layout", "shape", "meta"), CASES, ids=IDS)
def test_eval_mode_single_sample(
    name: str, layout: str, shape: tuple[int, ...], meta: dict[str, Any]
) -> None:
    enc = build(name, layout, shape, meta).eval()
    with torch.no_grad():
        assert enc(make_input(layout, shape, n=1)).shape == (1, 16)


BAD_INPUTS: list[tuple[str, str, tuple[int, ...], dict[str, Any], torch.Tensor, str]] = [
    ("resnet", "image", (3, 16, 16), {}, torch.randn(2, 1, 16, 16), r"\(N, 3, H, W\)"),
    ("resnet", "image", (3, 16, 16), {}, torch.randn(2, 3, 16), r"\(N, 3, H, W\)"),
    ("resnet", "image", (3, 16, 16), {}, torch.zeros(2, 3, 16, 16, dtype=torch.long), "floating"),
    ("cnn1d", "sequence", (6, 40), {}, torch.randn(2, 5, 40), r"\(N, 6, L\)"),
    ("spec_cnn", "sequence", (20, 30), {}, torch.randn(2, 21, 30), r"\(N, 20, T\)"),
    ("pointnet", "points", (64, 3), {}, torch.randn(2, 3, 64), r"\(N, P, 3\)"),
    ("pointnet", "points", (64, 3), {}, torch.randn(2, 0, 3), "point"),
    ("mlp", "vector", (7,), {}, torch.randn(2, 8), r"\(N, 7\)"),
    ("token_cnn", "tokens", (12,), {"vocab_size": VOCAB}, torch.randn(2, 12), "integer ids"),
    ("token_cnn", "tokens", (12,), {"vocab_size": VOCAB}, torch.full((2, 12), -1), "range"),
    ("token_cnn", "tokens", (12,), {"vocab_size": VOCAB}, torch.ones(2, 0).long(), "length"),
    ("transformer", "image", (3, 16, 16), {}, torch.randn(2, 3, 20, 16), r"\(N, 3, 16, 16\)"),
    ("transformer", "sequence", (6, 40), {}, torch.randn(2, 6, 200), "L must lie"),
    ("transformer", "vector", (7,), {}, torch.randn(2, 8), r"\(N, 7\)"),
    ("transformer", "tokens", (12,), {"vocab_size": VOCAB}, torch.randn(2, 12), "integer ids"),
    ("transformer", "tokens", (12,), {"vocab_size": VOCAB}, torch.full((2, 12), VOCAB), "range"),
    ("transformer", "tokens", (12,), {"vocab_size": VOCAB}, torch.ones(2, 13).long(), "length"),
]


@pytest.mark.parametrize(("name", "layout", "shape", "meta", "x", "match"), BAD_INPUTS)
def test_wrong_shape_names_encoder_and_shape(
    name: str,
    layout: str,
    shape: tuple[int, ...],
    meta: dict[str, Any],
    x: torch.Tensor,
    match: str,
) -> None:
    enc = build(name, layout, shape, meta)
    with pytest.raises(ValueError, match=name) as info:
        enc(x)
    assert info.match(match)
    assert str(tuple(x.shape)) in str(info.value)


@pytest.mark.parametrize(("name", "layout", "shape", "meta"), CASES[:5], ids=IDS[:5])
def test_non_transformers_reject_embedding_transform(
    name: str, layout: str, shape: tuple[int, ...], meta: dict[str, Any]
) -> None:
    enc = build(name, layout, shape, meta)
    with pytest.raises(ValueError, match=f"{name} encoder does not accept embedding_transform"):
        enc(make_input(layout, shape), embedding_transform=lambda t: t)


def test_default_sizes_fit_cpu_training() -> None:
    """Documented parameter budgets at width 64 (module docstrings): all well under 0.3 M."""
    budgets = {
        ("resnet", "image", (3, 32, 32)): (0.15e6, 0.20e6),
        ("cnn1d", "sequence", (6, 100)): (0.07e6, 0.11e6),
        ("spec_cnn", "sequence", (64, 96)): (0.05e6, 0.07e6),
        ("pointnet", "points", (1024, 3)): (0.03e6, 0.04e6),
        ("transformer", "vector", (20,)): (0.19e6, 0.22e6),
    }
    for (name, layout, shape), (lo, hi) in budgets.items():
        n = count_parameters(build_encoder(name, layout=layout, sample_shape=shape))
        assert lo <= n <= hi, f"{name}: {n} parameters"
    bytes_meta = {"vocab_size": 259}
    n = count_parameters(build_encoder("token_cnn", layout="tokens", sample_shape=(128,),
                                       meta=bytes_meta))  # fmt: skip
    assert 0.11e6 <= n <= 0.13e6, f"token_cnn: {n} parameters"


def test_token_cnn_transforms_content_only_and_keeps_padding_zero() -> None:
    """RQ on the embedded tokens may move what a token says, never the padding: a transform
    that writes everywhere changes the features only through the non-padding positions."""
    enc = build("token_cnn", "tokens", (6,), {"vocab_size": VOCAB}).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0, 0]])
    seen: list[torch.Tensor] = []

    def shift(t: torch.Tensor) -> torch.Tensor:
        seen.append(t)
        return t + 1.0

    with torch.no_grad():
        moved = enc(ids, embedding_transform=shift)
        by_hand = enc.embed(ids) + 1.0
        by_hand[0, 3:] = 0.0
        assert torch.equal(moved, enc.cnn.encode(by_hand.transpose(1, 2)))
        assert seen[0].shape == (1, 6, 16) and not torch.equal(moved, enc(ids))
    with pytest.raises(ValueError, match=r"embedding_transform must return a tensor of shape"):
        enc(ids, embedding_transform=lambda t: t[:, :2])
