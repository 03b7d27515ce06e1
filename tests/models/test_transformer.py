"""The DABS-style transformer: embedding_transform hook, padding mask, per-token outputs."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from randquant.models import TransformerEncoder, build_encoder

VOCAB = 40
LAYOUTS: list[tuple[str, tuple[int, ...], dict[str, Any], int]] = [
    # layout, sample shape, meta, expected token count L
    ("image", (3, 16, 16), {}, 64),  # patch 2 -> 8x8 grid
    ("sequence", (5, 130), {}, 43),  # patch ceil(130/64)=3 -> 43 tokens
    ("points", (80, 3), {}, 64),  # 64 groups
    ("vector", (9,), {}, 9),
    ("tokens", (10,), {"vocab_size": VOCAB}, 10),
]


def make(layout: str, shape: tuple[int, ...], meta: dict[str, Any]) -> TransformerEncoder:
    torch.manual_seed(0)
    enc = build_encoder("transformer", layout=layout, sample_shape=shape, meta=meta, width=16)
    assert isinstance(enc, TransformerEncoder)
    return enc.eval()


def sample(layout: str, shape: tuple[int, ...], n: int = 3) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    if layout == "tokens":
        return torch.randint(1, VOCAB, (n, *shape), generator=g)
    return torch.randn((n, *shape), generator=g)


@pytest.mark.parametrize(
    ("layout", "shape", "meta", "length"), LAYOUTS, ids=[c[0] for c in LAYOUTS]
)
def test_embedding_transform_sees_tokens_and_changes_output(
    layout: str, shape: tuple[int, ...], meta: dict[str, Any], length: int
) -> None:
    enc = make(layout, shape, meta)
    x = sample(layout, shape)
    seen: list[tuple[int, ...]] = []

    def scramble(t: torch.Tensor) -> torch.Tensor:
        seen.append(tuple(t.shape))
        return t.flip(-1) * 3.0

    with torch.no_grad():
        plain = enc(x)
        moved = enc(x, embedding_transform=scramble)
        same = enc(x, embedding_transform=lambda t: t)
    assert seen == [(3, length, 16)]
    assert not torch.allclose(plain, moved, atol=1e-4)
    torch.testing.assert_close(plain, same)


def test_embedding_transform_keeps_gradient_path() -> None:
    enc = make("vector", (9,), {}).train()
    x = sample("vector", (9,))
    enc(x, embedding_transform=lambda t: 0.5 * t).sum().backward()
    assert isinstance(enc.embedding.weight, torch.nn.Parameter)
    assert enc.embedding.weight.grad is not None and enc.embedding.weight.grad.abs().sum() > 0


def test_embedding_transform_must_keep_shape() -> None:
    enc = make("vector", (9,), {})
    with pytest.raises(ValueError, match=r"embedding_transform must return a tensor of shape"):
        enc(sample("vector", (9,)), embedding_transform=lambda t: t[:, :3])


def test_padding_is_masked() -> None:
    enc = make("tokens", (10,), {"vocab_size": VOCAB})
    ids = torch.tensor([[5, 7, 9, 0, 0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        long_pad = enc(ids)
        short_pad = enc(ids[:, :4])  # same content, fewer padding tokens
        changed = enc(torch.tensor([[5, 7, 8, 0]]))
        all_pad = enc(torch.zeros(1, 10, dtype=torch.long))
    torch.testing.assert_close(long_pad, short_pad, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(long_pad, changed, atol=1e-4)
    assert torch.isfinite(all_pad).all()  # CLS is never masked, so no NaN


def test_forward_features_reports_pad_mask() -> None:
    enc = make("tokens", (10,), {"vocab_size": VOCAB})
    out = enc.forward_features(torch.tensor([[5, 7, 9, 0, 0, 0]]))
    assert out.pad_mask is not None
    assert out.pad_mask.tolist() == [[False, False, False, True, True, True]]
    assert out.tokens.shape == (1, 6, 16) and out.cls.shape == (1, 16)


def test_shorter_sequences_use_fewer_positions() -> None:
    enc = make("sequence", (5, 130), {})
    with torch.no_grad():
        out = enc.forward_features(sample("sequence", (5, 60)))
    assert out.tokens.shape == (3, 20, 16)


def test_point_tokens_ignore_point_order() -> None:
    enc = make("points", (80, 3), {})
    x = sample("points", (80, 3))
    perm = torch.randperm(80, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        torch.testing.assert_close(enc(x), enc(x[:, perm]), rtol=1e-5, atol=1e-5)
