"""Weighted k-nearest-neighbour classification on frozen features (InstDisc / DINO style)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from randquant.evaluate.metrics import ProbeResult, check_features, score

_CHUNK = 1024  # test rows per similarity block: bounds memory at CHUNK x N_train


def knn_predict(
    train_feats: torch.Tensor,
    train_y: torch.Tensor,
    query_feats: torch.Tensor,
    *,
    num_classes: int,
    k: int = 20,
    temperature: float = 0.07,
) -> torch.Tensor:
    """Predict a class for each query row by a cosine-similarity weighted vote of its k neighbours.

    Each of the ``k`` most similar training rows votes for its label with weight
    ``exp(cos_sim / temperature)``; the class with the largest total wins. The weights are
    computed shifted by the row's largest similarity (``exp((sim - max) / temperature)``, the
    same vote up to a common factor), so no temperature overflows. Classes whose totals tie in
    floating point are separated by their number of neighbours (the class ahead once the
    underflowed weights count), then by the nearest neighbour, never by class id alone.

    >>> train = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> knn_predict(train, torch.tensor([0, 1]), torch.tensor([[2.0, 0.1]]), num_classes=2, k=1)
    tensor([0])
    """
    train_n = F.normalize(train_feats.double(), dim=1)
    query_n = F.normalize(query_feats.double(), dim=1)
    k_eff = min(k, train_n.shape[0])
    if k_eff < 1:
        raise ValueError(f"kNN needs k >= 1 and a training row, got k={k}, {len(train_n)} rows")
    preds = []
    for start in range(0, query_n.shape[0], _CHUNK):
        sim = query_n[start : start + _CHUNK] @ train_n.T
        top_sim, top_idx = sim.topk(k_eff, dim=1)  # sorted: column 0 is the nearest
        preds.append(_vote(top_sim, train_y[top_idx], num_classes, temperature))
    if not preds:
        return torch.zeros(0, dtype=torch.int64)
    return torch.cat(preds)


def _vote(
    top_sim: torch.Tensor, top_y: torch.Tensor, num_classes: int, temperature: float
) -> torch.Tensor:
    """The winning class per row: weighted votes, then neighbour counts, then the nearest."""
    weights = torch.exp((top_sim - top_sim[:, :1]) / temperature)  # in (0, 1]: cannot overflow
    votes = torch.zeros(top_sim.shape[0], num_classes, dtype=torch.float64)
    votes.scatter_add_(1, top_y, weights)
    counts = torch.zeros_like(votes).scatter_add_(1, top_y, torch.ones_like(weights))
    tied = votes == votes.max(dim=1, keepdim=True).values
    counts = torch.where(tied, counts, torch.zeros_like(counts))
    tied &= counts == counts.max(dim=1, keepdim=True).values
    # the first neighbour (nearest) whose class is still tied decides
    first = tied.gather(1, top_y).to(torch.int8).argmax(dim=1, keepdim=True)
    return top_y.gather(1, first).squeeze(1)


def knn_classify(
    train_feats: torch.Tensor,
    train_y: torch.Tensor,
    test_feats: torch.Tensor,
    test_y: torch.Tensor,
    *,
    k: int = 20,
    temperature: float = 0.07,
) -> ProbeResult:
    """Weighted kNN (cosine similarity, ``exp(sim / temperature)`` votes) scored on the test split.

    ``k`` is clipped to the number of training rows; ``detail`` reports the ``k`` used and
    the ``temperature``.

    >>> x = torch.eye(3)
    >>> knn_classify(x, torch.arange(3), x, torch.arange(3), k=1).accuracy
    1.0
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    check_features(train_feats, train_y, "train")
    check_features(test_feats, test_y, "test")
    if train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError(
            f"train_feats and test_feats differ in width: "
            f"{train_feats.shape[1]} vs {test_feats.shape[1]}"
        )
    if train_feats.shape[0] == 0:
        raise ValueError("train_feats is empty: kNN needs at least one training row")
    train_y = train_y.long()
    test_y = test_y.long()
    top_test = int(test_y.max()) if test_y.numel() else 0
    num_classes = max(int(train_y.max()), top_test) + 1
    pred = knn_predict(
        train_feats, train_y, test_feats, num_classes=num_classes, k=k, temperature=temperature
    )
    k_eff = min(k, train_feats.shape[0])
    return score(pred, test_y, {"k": float(k_eff), "temperature": float(temperature)})
