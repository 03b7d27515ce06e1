"""Both probes on one encoder and dataset: the evaluation every pretraining run ends with."""

from __future__ import annotations

import torch
from torch import nn

from randquant.data.base import Dataset, require_classes
from randquant.evaluate.features import extract_features
from randquant.evaluate.knn import knn_classify
from randquant.evaluate.linear import linear_probe
from randquant.evaluate.metrics import ProbeResult


def evaluate_encoder(
    encoder: nn.Module,
    dataset: Dataset,
    *,
    device: str | torch.device = "cpu",
    batch_size: int = 512,
    seed: int = 0,
    k: int = 20,
    temperature: float = 0.07,
    linear_max_iter: int = 500,
) -> dict[str, ProbeResult]:
    """Extract frozen features of every split and return ``{"linear": ..., "knn": ...}``.

    ``dataset`` should already be prepared the way the encoder saw it in pretraining
    (e.g. :func:`randquant.data.standardize`). The kNN uses the train split as its memory bank;
    the linear probe uses ``dataset.val`` when present for its weight-decay sweep;
    ``linear_max_iter`` caps its L-BFGS iterations per fit.

    >>> from randquant.evaluate.probe import evaluate_encoder  # doctest: +SKIP
    >>> evaluate_encoder(encoder, ds)["linear"].accuracy  # doctest: +SKIP
    """

    require_classes(dataset)  # one class scores 100 % whatever the features

    def feats(x: torch.Tensor) -> torch.Tensor:
        return extract_features(encoder, x, batch_size=batch_size, device=device)

    train_f, test_f = feats(dataset.train.x), feats(dataset.test.x)
    val_f = feats(dataset.val.x) if dataset.val is not None and len(dataset.val) else None
    val_y = dataset.val.y if val_f is not None and dataset.val is not None else None
    linear = linear_probe(
        train_f,
        dataset.train.y,
        test_f,
        dataset.test.y,
        val_feats=val_f,
        val_y=val_y,
        seed=seed,
        max_iter=linear_max_iter,
    )
    knn = knn_classify(
        train_f, dataset.train.y, test_f, dataset.test.y, k=k, temperature=temperature
    )
    return {"linear": linear, "knn": knn}
