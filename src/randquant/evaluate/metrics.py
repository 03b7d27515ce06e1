"""Probe results and the classification metrics they report."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one evaluation protocol on a test split.

    ``accuracy`` and ``macro_f1`` are fractions in ``[0, 1]``; ``detail`` holds protocol
    specifics such as the chosen weight decay of the linear probe or ``k`` of the kNN;
    ``predictions`` the predicted class of every test item, in test order (for paired
    per-item tests such as McNemar's).
    """

    accuracy: float
    macro_f1: float
    detail: dict[str, float] = field(default_factory=dict)
    predictions: tuple[int, ...] = ()


def accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Top-1 accuracy of integer predictions ``pred`` against ``target`` (0.0 when empty),
    by :func:`sklearn.metrics.accuracy_score`."""
    if target.numel() == 0:
        return 0.0
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(target.cpu().numpy(), pred.cpu().numpy()))


def macro_f1(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Unweighted mean of per-class F1 over the classes present in ``pred`` or ``target``
    (0.0 when empty), by ``sklearn.metrics.f1_score(average="macro")``: a class predicted but
    absent from ``target`` counts with F1 = 0.

    >>> macro_f1(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]))
    0.6666666666666666
    """
    if target.numel() == 0:
        return 0.0
    from sklearn.metrics import f1_score

    return float(
        f1_score(target.cpu().numpy(), pred.cpu().numpy(), average="macro", zero_division=0.0)
    )


def score(pred: torch.Tensor, target: torch.Tensor, detail: dict[str, float]) -> ProbeResult:
    """Bundle accuracy, macro-F1 and the predictions ``pred`` with ``detail``."""
    preds = tuple(int(v) for v in pred.tolist())
    return ProbeResult(accuracy(pred, target), macro_f1(pred, target), detail, preds)


def check_features(feats: torch.Tensor, labels: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``feats`` is ``(N, D)``, ``labels`` ``(N,)``."""
    if feats.ndim != 2:
        raise ValueError(f"{name}_feats must have shape (N, D), got {tuple(feats.shape)}")
    if labels.ndim != 1 or labels.shape[0] != feats.shape[0]:
        raise ValueError(
            f"{name}_y must have shape ({feats.shape[0]},) to match {name}_feats, "
            f"got {tuple(labels.shape)}"
        )
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"{name}_y must hold integer class ids, got dtype {labels.dtype}")
    if not bool(torch.isfinite(feats).all()):
        raise ValueError(f"{name}_feats contains NaN or inf values")
