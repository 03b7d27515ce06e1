"""Linear probe: multinomial logistic regression fitted by full-batch L-BFGS on frozen features."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from randquant.evaluate.metrics import ProbeResult, check_features, score

#: Weight decays tried on the validation split (L2 penalty ``wd / 2 * ||W||^2`` on the mean loss).
WEIGHT_DECAYS: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
#: Used when the validation split would be empty (too few samples to hold any out).
DEFAULT_WEIGHT_DECAY = 1e-4
VAL_FRACTION = 0.2


def _standardise(fit: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Scale every tensor by the mean and std of ``fit`` (constant columns get std 1)."""
    mean = fit.mean(dim=0)
    std = fit.std(dim=0, unbiased=False)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    return tuple((t - mean) / std for t in (fit, *others))


def fit_logistic(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    num_classes: int,
    weight_decay: float,
    max_iter: int = 500,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit ``softmax(x @ W.T + b)`` by full-batch L-BFGS; return ``(W, b)`` in float64.

    The objective is the mean cross-entropy plus ``weight_decay / 2 * ||W||^2``; the start is
    all zeros, so the fit is deterministic.
    """
    x = x.double()
    weight = torch.zeros(num_classes, x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=1e-9,
        tolerance_change=1e-12,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(x @ weight.T + bias, y)
        loss = loss + 0.5 * weight_decay * weight.pow(2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    with torch.enable_grad():
        opt.step(closure)  # type: ignore[no-untyped-call]
    return weight.detach(), bias.detach()


def _predict(x: torch.Tensor, params: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    weight, bias = params
    return (x.double() @ weight.T + bias).argmax(dim=1)


def stratified_holdout(
    y: torch.Tensor, *, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split indices of ``y`` into ``(keep, held_out)``, ``fraction`` of each class held out.

    A class keeps at least one sample; classes with a single sample are never held out. The
    split depends only on ``y`` and ``seed``.
    """
    gen = torch.Generator().manual_seed(seed)
    keep: list[torch.Tensor] = []
    held: list[torch.Tensor] = []
    for c in torch.unique(y).tolist():
        idx = torch.nonzero(y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        n_held = min(int(len(idx) * fraction), len(idx) - 1)
        held.append(idx[:n_held])
        keep.append(idx[n_held:])
    return torch.cat(keep).sort().values, torch.cat(held).sort().values


def linear_probe(
    train_feats: torch.Tensor,
    train_y: torch.Tensor,
    test_feats: torch.Tensor,
    test_y: torch.Tensor,
    *,
    val_feats: torch.Tensor | None = None,
    val_y: torch.Tensor | None = None,
    seed: int = 0,
    max_iter: int = 500,
) -> ProbeResult:
    """Linear probe with a weight-decay sweep chosen on a validation split, then a refit.

    Features are standardised with the statistics of the rows being fitted. Each weight decay
    in :data:`WEIGHT_DECAYS` is fitted on train and scored on the validation split (``val_*``
    when given, otherwise a stratified 20 % hold-out of train drawn with ``seed``); the best
    (ties: the larger decay) is refitted on train + validation and scored on test. ``detail``
    holds ``weight_decay`` and, when a sweep ran, ``val_accuracy``. ``max_iter`` caps the
    L-BFGS iterations of each fit (lower it for quick benchmarks).

    >>> x = torch.cat([torch.randn(20, 4) + 4, torch.randn(20, 4) - 4])
    >>> y = torch.cat([torch.zeros(20), torch.ones(20)]).long()
    >>> linear_probe(x, y, x, y).accuracy
    1.0
    """
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    check_features(train_feats, train_y, "train")
    check_features(test_feats, test_y, "test")
    if (val_feats is None) != (val_y is None):
        raise ValueError("val_feats and val_y must be given together")
    if val_feats is not None and val_y is not None:
        check_features(val_feats, val_y, "val")
        fit_x, fit_y, val_x, val_lab = train_feats, train_y.long(), val_feats, val_y.long()
    else:
        keep, held = stratified_holdout(train_y, fraction=VAL_FRACTION, seed=seed)
        fit_x, fit_y = train_feats[keep], train_y[keep].long()
        val_x, val_lab = train_feats[held], train_y[held].long()
    for name, feats in (("val", val_x), ("test", test_feats)):
        if feats.shape[1] != train_feats.shape[1]:
            raise ValueError(
                f"{name}_feats has width {feats.shape[1]}, train_feats {train_feats.shape[1]}"
            )
    labels = [train_y, test_y, val_lab]
    num_classes = max(int(t.max()) for t in labels if t.numel()) + 1

    detail: dict[str, float] = {}
    best_wd = DEFAULT_WEIGHT_DECAY
    if val_x.shape[0] > 0:
        fx, vx = _standardise(fit_x.double(), val_x.double())
        best_acc = -1.0
        for wd in WEIGHT_DECAYS:
            params = fit_logistic(
                fx, fit_y, num_classes=num_classes, weight_decay=wd, max_iter=max_iter
            )
            acc = float((_predict(vx, params) == val_lab).double().mean())
            if acc >= best_acc:
                best_acc, best_wd = acc, wd
        detail["val_accuracy"] = best_acc
    detail["weight_decay"] = best_wd

    all_x = torch.cat([fit_x, val_x]).double()
    all_y = torch.cat([fit_y, val_lab])
    ax, tx = _standardise(all_x, test_feats.double())
    params = fit_logistic(
        ax, all_y, num_classes=num_classes, weight_decay=best_wd, max_iter=max_iter
    )
    return score(_predict(tx, params), test_y.long(), detail)
