"""ShED: the shuffle moves exactly the chosen tokens, and the method learns to detect them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

pytest.importorskip("lightning")

from randquant.augment import build_views
from randquant.methods.shed import ShED, shuffle_tokens
from randquant.models import build_encoder


@dataclass(frozen=True)
class HP:
    epochs: int = 1
    batch_size: int = 32
    lr: float | None = 3e-3
    weight_decay: float | None = 0.0
    optimizer: str | None = "adamw"
    warmup_epochs: int = 0
    seed: int = 0
    accumulate_grad_batches: int = 1


def test_shuffle_moves_the_chosen_fraction_and_keeps_the_multiset() -> None:
    g = torch.Generator().manual_seed(0)
    tokens = torch.randn(5, 20, 4, generator=g)
    out, moved = shuffle_tokens(tokens, fraction=0.25, generator=g)
    assert moved.sum(dim=1).tolist() == [5] * 5
    assert torch.equal(out[~moved], tokens[~moved])
    assert (out[moved] != tokens[moved]).any(dim=-1).all()  # every chosen token really moved
    for i in range(5):
        assert torch.equal(out[i].sort(dim=0).values, tokens[i].sort(dim=0).values)


def test_shuffle_respects_padding_and_validates() -> None:
    g = torch.Generator().manual_seed(1)
    tokens = torch.randn(3, 8, 2, generator=g)
    pad = torch.zeros(3, 8, dtype=torch.bool)
    pad[0, 3:] = True  # 3 valid tokens
    pad[1, 1:] = True  # 1 valid token: nothing can move
    out, moved = shuffle_tokens(tokens, fraction=0.5, generator=g, pad_mask=pad)
    assert not moved[pad].any()
    assert torch.equal(out[pad], tokens[pad])
    assert moved.sum(dim=1).tolist() == [2, 0, 4]
    with pytest.raises(ValueError, match="fraction must lie in"):
        shuffle_tokens(tokens, fraction=0.0)


def test_shed_rejects_non_transformer_and_mixup() -> None:
    views = build_views("none", "sequence")
    cnn = build_encoder("cnn1d", layout="sequence", sample_shape=(3, 16), width=16)
    with pytest.raises(ValueError, match=r"needs the transformer encoder.*CNN1d"):
        ShED(cnn, views, 2, HP())
    enc = build_encoder("transformer", layout="sequence", sample_shape=(3, 16), width=16)
    with pytest.raises(ValueError, match="mixup"):
        ShED(enc, build_views("mixup", "sequence"), 2, HP())


def balanced_accuracy(method: ShED, x: torch.Tensor, seed: int) -> float:
    with torch.no_grad():
        det = method.detect(x, generator=torch.Generator().manual_seed(seed))
    pred = det.logits > 0
    tpr = pred[det.moved].float().mean()
    tnr = (~pred[~det.moved]).float().mean()
    return float((tpr + tnr) / 2)


def test_shed_learns_to_detect_shuffles() -> None:
    """Tabular-like set: feature f ~ N(mu_f, 0.1); a moved value does not fit its new slot."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    mu = torch.linspace(-2, 2, 12)
    train = mu + 0.1 * torch.randn(256, 12, generator=g)
    test = mu + 0.1 * torch.randn(64, 12, generator=g)
    enc = build_encoder("transformer", layout="vector", sample_shape=(12,), width=32)
    method = ShED(enc, build_views("none", "vector"), 2, HP(), shuffle_fraction=0.25)
    before = balanced_accuracy(method.eval(), test, seed=5)
    method.train()
    opt = torch.optim.AdamW(method.parameters(), lr=1e-3)
    losses = []
    for _ in range(150):
        idx = torch.randint(0, 256, (32,), generator=g)
        views, _ = method.make_views((train[idx], torch.zeros(32, dtype=torch.long), idx))
        loss, feats = method.ssl_loss(views)
        assert feats.shape == (32, 32) and not feats.requires_grad
        opt.zero_grad()
        torch.autograd.backward(loss)
        opt.step()
        losses.append(loss.item())
    after = balanced_accuracy(method.eval(), test, seed=5)
    assert sum(losses[-10:]) < 0.5 * sum(losses[:10])
    assert before < 0.65
    assert after > 0.9, (before, after)


def test_shed_composes_with_rq_on_embeddings() -> None:
    torch.manual_seed(0)
    x = torch.randn(8, 10)
    enc = build_encoder("transformer", layout="vector", sample_shape=(10,), width=16)
    plain = ShED(enc, build_views("none", "vector"), 2, HP())
    rq = ShED(enc, build_views("rq:bins=4", "vector", rq_on="embedding"), 2, HP())
    d1 = plain.detect(x, generator=torch.Generator().manual_seed(0))
    d2 = rq.detect(x, generator=torch.Generator().manual_seed(0))
    assert d1.moved.sum(dim=1).tolist() == [2] * 8  # round(0.15 * 10) = 2
    assert not torch.allclose(d1.logits, d2.logits)


def test_shed_skips_padding_tokens() -> None:
    torch.manual_seed(0)
    enc = build_encoder(
        "transformer", layout="tokens", sample_shape=(10,), meta={"vocab_size": 30}, width=16
    )
    method = ShED(enc, build_views("none", "tokens"), 2, HP(), shuffle_fraction=0.5)
    ids = torch.randint(1, 30, (4, 10))
    ids[:, 6:] = 0
    det = method.detect(ids, generator=torch.Generator().manual_seed(0))
    assert det.valid.tolist() == (ids != 0).tolist()
    assert not det.moved[ids == 0].any()
    assert det.moved.sum(dim=1).tolist() == [3] * 4
    views, _ = method.make_views((ids, torch.zeros(4, dtype=torch.long), torch.arange(4)))
    loss, _ = method.ssl_loss(views)
    assert torch.isfinite(loss)


def test_shed_trains_as_a_lightning_module() -> None:
    """The engine's plumbing (optimiser, schedule, online probe, epoch losses) works for ShED."""
    import lightning.pytorch as pl
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    x, y = torch.randn(64, 3, 16), torch.randint(0, 2, (64,))
    enc = build_encoder("transformer", layout="sequence", sample_shape=(3, 16), width=16)
    method = ShED(enc, build_views("noise", "sequence"), 2, HP(epochs=2, batch_size=16))
    loader = DataLoader(TensorDataset(x, y, torch.arange(64)), batch_size=16, shuffle=False)
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(method, loader)
    assert len(method.epoch_losses) == 2
    assert all(0.0 < v < 2.0 for v in method.epoch_losses)
