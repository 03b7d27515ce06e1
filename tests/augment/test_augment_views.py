"""build_views (rq on inputs or embeddings, mixup marker) and e-Mix's mix_batch."""

from __future__ import annotations

import pytest
import torch
from aug_batches import gen, make_batch

from randquant.augment import (
    Compose,
    Identity,
    MixupConfig,
    RandQuant,
    available_augmentations,
    build_views,
    mix_batch,
)

torch.set_num_threads(1)


def test_defaults_and_fields() -> None:
    v = build_views("crop+rq:bins=16", "sequence")
    assert v.spec == "crop+rq:bins=16" and v.layout == "sequence" and v.modality == "sensor"
    assert isinstance(v.input_transform, Compose)
    assert [a.name for a in v.input_transform] == ["crop", "rq"]
    assert v.embedding_transform is None and v.mixup is None
    assert isinstance(build_views("none", "image").input_transform, Identity)
    assert build_views("specific", "sequence", modality="audio").modality == "audio"


def test_rq_on_embedding_moves_rq_out_of_the_input() -> None:
    v = build_views("crop+rq:bins=4", "tokens", rq_on="embedding")
    assert [a.name for a in [v.input_transform]] == ["crop"]
    emb = v.embedding_transform
    assert isinstance(emb, RandQuant) and emb.op.num_bins == 4 and emb.op.channel_dim == -1
    tokens = torch.randn(3, 7, 16)
    y = emb(tokens, generator=gen(0))
    assert y.shape == tokens.shape
    per_dim = y.transpose(1, 2).reshape(-1, 7)  # one group per (sample, embedding dim)
    assert all(len(torch.unique(g)) <= 4 for g in per_dim)
    with pytest.raises(ValueError, match="--rq-on embedding"):
        build_views("crop+rq", "tokens")
    assert build_views("crop", "image", rq_on="embedding").embedding_transform is None


def test_mixup_marker_sets_the_config() -> None:
    v = build_views("crop+mixup:alpha=0.5", "image")
    assert v.mixup == MixupConfig(alpha=0.5)
    assert [a.name for a in [v.input_transform]] == ["crop"]
    with pytest.raises(ValueError, match="mixup appears twice"):
        build_views("mixup+mixup", "image")
    with pytest.raises(ValueError, match="alpha must be > 0"):
        build_views("mixup:alpha=0", "image")


def test_bad_layout_modality_rq_on() -> None:
    with pytest.raises(ValueError, match="layout must be one of"):
        build_views("rq", "video")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="modality must be one of"):
        build_views("rq", "image", modality="smell")
    with pytest.raises(ValueError, match="rq_on must be one of"):
        build_views("rq", "image", rq_on="hidden")  # type: ignore[arg-type]


def test_mix_batch_formula_and_determinism() -> None:
    x = make_batch("image")
    mixed, perm, lam = mix_batch(x, MixupConfig(alpha=1.0), gen(0))
    assert perm.dtype == torch.int64 and sorted(perm.tolist()) == list(range(x.shape[0]))
    assert lam.shape == (x.shape[0],) and lam.dtype == torch.float32
    assert ((lam >= 0) & (lam <= 1)).all()
    w = lam[:, None, None, None]
    assert torch.allclose(mixed, w * x + (1 - w) * x[perm], atol=1e-6)
    again = mix_batch(x, MixupConfig(alpha=1.0), gen(0))
    assert all(torch.equal(a, b) for a, b in zip((mixed, perm, lam), again, strict=True))
    assert not torch.equal(lam, mix_batch(x, MixupConfig(alpha=1.0), gen(1))[2])
    assert mix_batch(x.double(), MixupConfig(), gen(0))[0].dtype == torch.float64


@pytest.mark.parametrize("alpha", [0.2, 1.0, 4.0])
def test_mix_batch_lambda_follows_beta(alpha: float) -> None:
    _, _, lam = mix_batch(torch.zeros(20000, 1), MixupConfig(alpha=alpha), gen(0))
    var = 1.0 / (4.0 * (2.0 * alpha + 1.0))  # Beta(a, a): mean 1/2, variance 1/(4(2a+1))
    assert lam.mean().item() == pytest.approx(0.5, abs=0.01)
    assert lam.var().item() == pytest.approx(var, rel=0.05)


def test_mix_batch_rejects_token_ids() -> None:
    with pytest.raises(ValueError, match="floating-point"):
        mix_batch(make_batch("tokens"), MixupConfig(), gen(0))


def test_available_augmentations_lists_every_name_with_a_line() -> None:
    names = available_augmentations()
    for n in ("rq", "noise", "mask", "channel_mask", "mixup", "none", "crop", "specific"):
        assert n in names and names[n] and "\n" not in names[n]


def test_on_tokens_noise_and_channel_mask_follow_rq_to_the_embedding() -> None:
    v = build_views("crop+noise:sigma=0.5+rq+channel_mask", "tokens", rq_on="embedding")
    assert [a.name for a in [v.input_transform]] == ["crop"]
    assert isinstance(v.embedding_transform, Compose)
    assert [a.name for a in v.embedding_transform] == ["noise", "rq", "channel_mask"]
    emb = torch.randn(4, 9, 8)
    assert v.embedding_transform(emb, generator=gen(0)).shape == emb.shape
    # on float layouts only rq moves
    v = build_views("noise+rq", "vector", rq_on="embedding")
    assert [a.name for a in [v.input_transform]] == ["noise"]
    with pytest.raises(ValueError, match=r"does not support layout 'tokens'.*--rq-on embedding"):
        build_views("noise", "tokens")


def test_embedding_noise_is_relative_to_each_embedding_dimension() -> None:
    v = build_views("noise:sigma=0.2", "tokens", rq_on="embedding")
    assert v.embedding_transform is not None
    emb = torch.randn(64, 200, 4) * torch.tensor([0.1, 1.0, 10.0, 100.0])
    d = v.embedding_transform(emb, generator=gen(0)) - emb
    assert torch.allclose(d.std(dim=(0, 1)) / emb.std(dim=(0, 1)), torch.full((4,), 0.2), rtol=0.05)


def test_rq_on_embedding_defaults_to_straight_through_gradient() -> None:
    from randquant.augment import build_views as _build

    tokens = torch.randn(4, 6, 8, requires_grad=True)
    views = _build("rq", "tokens", rq_on="embedding")
    assert views.embedding_transform is not None
    out = views.embedding_transform(tokens, torch.Generator().manual_seed(0))
    out.sum().backward()
    assert tokens.grad is not None and bool((tokens.grad == 1).all())  # every element gets it
    explicit = _build("rq:ste=false", "tokens", rq_on="embedding").embedding_transform
    assert explicit is not None and "ste=False" in repr(explicit)
