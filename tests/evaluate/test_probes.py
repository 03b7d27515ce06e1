"""Linear probe and weighted kNN on synthetic data with known answers."""

from __future__ import annotations

import math

import pytest
import torch
from sklearn.metrics import f1_score
from torch import nn

from randquant.evaluate import (
    ProbeResult,
    extract_features,
    knn_classify,
    knn_predict,
    linear_probe,
    macro_f1,
)
from randquant.evaluate.linear import CS

torch.set_num_threads(1)


def blobs(
    n_per: int, num_classes: int, dim: int, *, sep: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=torch.Generator().manual_seed(99)) * sep
    y = torch.arange(num_classes).repeat_interleave(n_per)
    x = centres[y] + torch.randn(len(y), dim, generator=gen)
    return x, y


def test_linear_probe_separable_reaches_100() -> None:
    x, y = blobs(40, 5, 16, sep=6.0, seed=0)
    xt, yt = blobs(20, 5, 16, sep=6.0, seed=1)
    res = linear_probe(x, y, xt, yt, seed=0)
    assert isinstance(res, ProbeResult)
    assert res.accuracy == 1.0
    assert res.macro_f1 == 1.0
    assert res.detail["C"] in CS
    assert res.detail["weight_decay"] == pytest.approx(1 / (res.detail["C"] * len(y)))
    assert 0.0 <= res.detail["cv_accuracy"] <= 1.0
    assert res.detail["converged"] == 1.0
    assert res.predictions == tuple(yt.tolist())  # per-item test predictions, test order


def test_linear_probe_records_a_fit_that_did_not_converge() -> None:
    x, y = blobs(40, 5, 16, sep=1.0, seed=0)
    res = linear_probe(x, y, x, y, max_iter=2)
    assert res.detail["converged"] == 0.0 and res.detail["cv_unconverged"] > 0
    assert linear_probe(x, y, x, y).detail["converged"] == 1.0


def test_linear_probe_chooses_c_on_train_only() -> None:
    # the test labels are shuffled: a choice made on test would differ between the two calls
    x, y = blobs(30, 3, 8, sep=1.0, seed=0)
    xt, yt = blobs(20, 3, 8, sep=1.0, seed=1)
    shuffled = yt[torch.randperm(len(yt), generator=torch.Generator().manual_seed(0))]
    a = linear_probe(x, y, xt, yt, seed=4)
    b = linear_probe(x, y, xt, shuffled, seed=4)
    assert a.detail == b.detail and a.predictions == b.predictions


def test_linear_probe_needs_a_linear_boundary_not_a_centroid() -> None:
    # Classes differ only along a low-variance axis buried under a high-variance nuisance axis:
    # standardisation + logistic regression separates them, chance would be 0.5.
    gen = torch.Generator().manual_seed(0)
    n = 200
    y = torch.arange(2).repeat(n // 2)
    x = torch.stack(
        [
            torch.randn(n, generator=gen) * 100,
            (y * 2 - 1) * 0.5 + 0.05 * torch.randn(n, generator=gen),
        ],
        1,
    )
    res = linear_probe(x[:150], y[:150], x[150:], y[150:])
    assert res.accuracy == 1.0


def test_linear_probe_random_labels_near_chance() -> None:
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(300, 8, generator=gen)
    y = torch.randint(0, 3, (300,), generator=gen)
    res = linear_probe(x[:200], y[:200], x[200:], y[200:])
    assert res.accuracy < 0.6


def test_linear_probe_uses_given_val_and_is_deterministic() -> None:
    x, y = blobs(30, 3, 8, sep=1.0, seed=0)
    xv, yv = blobs(10, 3, 8, sep=1.0, seed=2)
    xt, yt = blobs(10, 3, 8, sep=1.0, seed=1)
    a = linear_probe(x, y, xt, yt, val_feats=xv, val_y=yv)
    b = linear_probe(x, y, xt, yt, val_feats=xv, val_y=yv)
    assert a == b
    with pytest.raises(ValueError, match="together"):
        linear_probe(x, y, xt, yt, val_feats=xv)


def test_linear_probe_tiny_data_without_holdout() -> None:
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    y = torch.tensor([0, 1])
    res = linear_probe(x, y, x, y)
    assert res.accuracy == 1.0 and "cv_accuracy" not in res.detail


def test_knn_hand_checked_weighted_vote() -> None:
    # Query [1, 0]: neighbours at cos 1.0 (class 0) and cos 0.8 (class 1, twice).
    train = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.8, 0.6], [-1.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 2])
    q = torch.tensor([[1.0, 0.0]])
    # T=0.07: exp(1/0.07) = 1.6e6 > 2 * exp(0.8/0.07) = 1.8e5  -> class 0.
    assert knn_predict(train, labels, q, num_classes=3, k=3, temperature=0.07).tolist() == [0]
    # T=10: exp(0.1) = 1.105 < 2 * exp(0.08) = 2.17 -> class 1 (the majority wins).
    assert knn_predict(train, labels, q, num_classes=3, k=3, temperature=10.0).tolist() == [1]
    # k=1 always takes the nearest.
    assert knn_predict(train, labels, q, num_classes=3, k=1, temperature=10.0).tolist() == [0]
    # Scale does not matter: cosine similarity.
    assert knn_predict(train * 7, labels, q * 0.1, num_classes=3, k=3).tolist() == [0]


def test_knn_classify_reports_accuracy_f1_and_clips_k() -> None:
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    res = knn_classify(
        train,
        torch.tensor([0, 1]),
        torch.tensor([[1.0, 0.1], [0.1, 1.0], [1.0, 0.2]]),
        torch.tensor([0, 1, 1]),
    )
    assert res.accuracy == pytest.approx(2 / 3)
    assert res.macro_f1 == pytest.approx(f1_score([0, 1, 1], [0, 1, 0], average="macro"))
    assert res.detail == {"k": 2.0, "temperature": 0.07}


def test_knn_separable_blobs() -> None:
    x, y = blobs(30, 4, 8, sep=6.0, seed=0)
    xt, yt = blobs(10, 4, 8, sep=6.0, seed=1)
    assert knn_classify(x, y, xt, yt).accuracy == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"k": 0}, "k must be"), ({"temperature": 0.0}, "temperature must be")],
)
def test_knn_rejects_bad_options(kwargs: dict[str, float], match: str) -> None:
    x = torch.eye(2)
    with pytest.raises(ValueError, match=match):
        knn_classify(x, torch.arange(2), x, torch.arange(2), **kwargs)  # type: ignore[arg-type]


def test_probes_reject_bad_shapes() -> None:
    x = torch.eye(3)
    with pytest.raises(ValueError, match="train_y must have shape"):
        linear_probe(x, torch.arange(2), x, torch.arange(3))
    with pytest.raises(ValueError, match="test_feats must have shape"):
        knn_classify(x, torch.arange(3), torch.zeros(3), torch.arange(3))
    with pytest.raises(ValueError, match="NaN"):
        knn_classify(x, torch.arange(3), torch.full((3, 3), math.nan), torch.arange(3))


def test_macro_f1_matches_sklearn() -> None:
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        p = torch.randint(0, 4, (50,), generator=gen)
        t = torch.randint(0, 5, (50,), generator=gen)
        assert macro_f1(p, t) == pytest.approx(f1_score(t.numpy(), p.numpy(), average="macro"))


def test_extract_features_restores_mode_and_batches() -> None:
    enc = nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.Dropout(0.5))
    enc.train()
    x = torch.randn(7, 2, 3)
    f = extract_features(enc, x, batch_size=3)
    assert f.shape == (7, 4) and f.dtype == torch.float32
    assert enc.training
    enc.eval()
    assert torch.allclose(f, enc(x))
    with pytest.raises(ValueError, match="batch_size"):
        extract_features(enc, x, batch_size=0)
