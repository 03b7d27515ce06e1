"""e-Mix on token ids: the embedded tokens are mixed (ids cannot be), for every method."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from ssl_kit import SMALL_HEADS, quick_config

from randquant.augment import build_views
from randquant.data.base import Dataset, SplitData
from randquant.engine import pretrain
from randquant.methods import build_method
from randquant.methods.base import Views
from randquant.models import build_encoder

torch.set_num_threads(1)
VOCAB, LENGTH = 20, 12


def tokens(n: int, seed: int = 0) -> SplitData:
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randint(2, VOCAB, (n, LENGTH), generator=g)
    x[:, -3:] = 0  # padding
    x[y == 1, 0] = 1  # a class cue
    return SplitData(x, y)


def token_dataset() -> Dataset:
    return Dataset(
        "toks", "tokens", tokens(32), tokens(8, 1), 2, ("a", "b"), meta={"vocab_size": VOCAB}
    )


def encoder(name: str = "transformer") -> torch.nn.Module:
    torch.manual_seed(0)
    return build_encoder(
        name, layout="tokens", sample_shape=(LENGTH,), meta={"vocab_size": VOCAB}, width=16
    )


def test_make_views_draws_a_mix_for_token_ids_and_encode_query_mixes_embeddings() -> None:
    enc = encoder()
    views = build_views("mixup", "tokens", rq_on="embedding")
    method = build_method("simclr", enc, views, 2, quick_config(), **SMALL_HEADS)
    x = tokens(6).x
    made, _ = method.make_views((x, torch.zeros(6, dtype=torch.long), torch.arange(6)))
    assert made.x1_mixed is None and made.mix_embedding is not None
    perm, lam = made.mix_embedding
    assert sorted(perm.tolist()) == list(range(6)) and ((lam >= 0) & (lam <= 1)).all()
    enc.eval()
    got = method.encode_query(enc, made)
    w = lam.reshape(-1, 1, 1)
    want = enc(made.x1, embedding_transform=lambda t: w * t + (1 - w) * t[perm])
    torch.testing.assert_close(got, want)
    # not the unmixed features: the mixing really happened
    assert not torch.allclose(got, enc(made.x1), atol=1e-4)


def test_float_inputs_still_mix_the_input() -> None:
    views = build_views("mixup", "vector")
    enc = build_encoder("transformer", layout="vector", sample_shape=(5,), width=16)
    method = build_method("simclr", enc, views, 2, quick_config(), **SMALL_HEADS)
    made, _ = method.make_views((torch.randn(4, 5), torch.zeros(4, dtype=torch.long)))
    assert isinstance(made, Views) and made.x1_mixed is not None and made.mix_embedding is None


@pytest.mark.parametrize("name", ["simclr", "moco_v3", "byol"])
@pytest.mark.parametrize("encoder_name", ["transformer", "token_cnn"])
def test_every_method_pretrains_tokens_with_mixup_and_rq(name: str, encoder_name: str) -> None:
    views = build_views("crop+rq+mixup", "tokens", rq_on="embedding")
    enc = encoder(encoder_name)
    table = next(m for m in enc.modules() if isinstance(m, torch.nn.Embedding))
    before = table.weight.detach().clone()
    result = pretrain(
        token_dataset(), views, enc, quick_config(method=name, epochs=1, batch_size=8)
    )
    assert result.epochs_run == 1 and torch.isfinite(torch.tensor(result.final_loss))
    # RQ on the embeddings passes gradient to the table (straight through), padding row stays 0
    after = table.weight.detach()
    assert not torch.equal(after[1:], before[1:]) and not after[0].any()
