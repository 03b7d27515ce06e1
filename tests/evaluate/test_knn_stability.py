"""kNN with a small temperature: no overflow, and float ties go to the class that is ahead."""

from __future__ import annotations

import torch

from randquant.evaluate.knn import knn_classify, knn_predict


def _clusters() -> tuple[torch.Tensor, torch.Tensor]:
    # three classes along nearby directions: every cosine similarity is above 0.9, so
    # exp(sim / T) overflows float64 for T < 1.4e-3 whatever the class
    gen = torch.Generator().manual_seed(0)
    base = torch.tensor([[1.0, 0.1, 0.0], [1.0, 0.0, 0.1], [1.0, -0.1, -0.1]])
    y = torch.arange(3).repeat(8)
    x = base[y] + 0.005 * torch.randn(len(y), 3, generator=gen)
    return x, y


def test_small_temperature_gives_the_same_result_as_a_moderate_one() -> None:
    x, y = _clusters()
    moderate = knn_classify(x[::2], y[::2], x[1::2], y[1::2], k=5, temperature=0.005)
    assert moderate.accuracy == 1.0
    for t in (1e-3, 1e-5, 1e-9):
        small = knn_classify(x[::2], y[::2], x[1::2], y[1::2], k=5, temperature=t)
        assert small.accuracy == 1.0, t


def test_a_tie_in_float_goes_to_the_class_with_more_neighbours() -> None:
    # class 0 and class 1 each have a neighbour at similarity 1; class 1 has a second, far one
    # whose weight exp((0.5 - 1) / T) underflows to 0: mathematically class 1 is ahead.
    train = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.5, 0.75**0.5]])
    pred = knn_predict(
        train, torch.tensor([0, 1, 1]), torch.tensor([[1.0, 0.0]]), num_classes=2, k=3,
        temperature=1e-4,
    )  # fmt: skip
    assert pred.tolist() == [1]
