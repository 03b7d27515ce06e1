"""Linear probe: multinomial logistic regression on frozen features (scikit-learn).

The regularisation is chosen by stratified k-fold cross-validation on the training features
only (:class:`sklearn.model_selection.GridSearchCV` over :data:`CS`), features standardised
inside each fold; the chosen model is refitted on all training features and scored on test.
Whether that fit converged is recorded, and the per-item test predictions are kept, so two
runs scored on the same test set can be compared item by item (McNemar).
"""

from __future__ import annotations

import math
import warnings

import torch

from randquant.evaluate.metrics import ProbeResult, check_features, score

#: Inverse regularisation strengths tried (scikit-learn's ``C``: the objective is
#: ``C * sum(cross-entropy) + ||W||^2 / 2``, i.e. weight decay ``1 / (C * n)`` on the mean).
CS: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
#: Used when no class has enough samples for two folds.
DEFAULT_C = 1.0
CV_FOLDS = 3


def linear_probe(
    train_feats: torch.Tensor,
    train_y: torch.Tensor,
    test_feats: torch.Tensor,
    test_y: torch.Tensor,
    *,
    val_feats: torch.Tensor | None = None,
    val_y: torch.Tensor | None = None,
    seed: int = 0,
    max_iter: int = 1000,
) -> ProbeResult:
    """Logistic-regression probe; ``C`` chosen by cross-validation on the training features.

    Without ``val_*`` the folds are :data:`CV_FOLDS` stratified folds of train shuffled with
    ``seed`` (fewer when the smallest class is smaller; none when it has one sample, then
    :data:`DEFAULT_C`); with ``val_*`` the validation split is the single held-out fold and
    the refit uses train + validation. ``detail`` holds ``C``, the equivalent
    ``weight_decay`` on the mean loss, ``cv_accuracy`` (when folds ran), ``n_iter`` and
    ``converged`` (1.0 when the final L-BFGS fit stopped before ``max_iter``) and
    ``cv_unconverged`` (fits of the search that hit ``max_iter``).

    >>> x = torch.cat([torch.randn(20, 4) + 4, torch.randn(20, 4) - 4])
    >>> y = torch.cat([torch.zeros(20), torch.ones(20)]).long()
    >>> res = linear_probe(x, y, x, y)
    >>> res.accuracy, res.detail["converged"], len(res.predictions)
    (1.0, 1.0, 40)
    """
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, PredefinedSplit, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    check_features(train_feats, train_y, "train")
    check_features(test_feats, test_y, "test")
    if (val_feats is None) != (val_y is None):
        raise ValueError("val_feats and val_y must be given together")
    fit_x, fit_y = train_feats, train_y
    if val_feats is not None and val_y is not None:
        check_features(val_feats, val_y, "val")
        fit_x, fit_y = torch.cat([train_feats, val_feats]), torch.cat([train_y, val_y])
    for name, feats in (("val", val_feats), ("test", test_feats)):
        if feats is not None and feats.shape[1] != train_feats.shape[1]:
            raise ValueError(
                f"{name}_feats has width {feats.shape[1]}, train_feats {train_feats.shape[1]}"
            )
    x = fit_x.double().numpy()
    y = fit_y.long().numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression(C=DEFAULT_C, max_iter=max_iter))
    detail: dict[str, float] = {}
    folds: PredefinedSplit | StratifiedKFold | None = None
    if val_y is not None and len(val_y) > 0:
        folds = PredefinedSplit(np.r_[np.full(len(train_y), -1), np.zeros(len(val_y), int)])
    else:
        smallest = int(np.bincount(y)[np.unique(y)].min()) if len(y) else 0
        if smallest >= 2:
            folds = StratifiedKFold(
                min(CV_FOLDS, smallest), shuffle=True, random_state=_sklearn_seed(seed)
            )
    unconverged = 0
    # BLAS follows torch's thread count: 2 OpenBLAS threads on a busy 2-core box made each
    # small fit 100x slower than one thread
    with (
        threadpool_limits(limits=torch.get_num_threads()),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", ConvergenceWarning)
        if folds is not None and len(np.unique(y)) > 1:
            search = GridSearchCV(
                model, {"logisticregression__C": list(CS)}, cv=folds, scoring="accuracy"
            )
            search.fit(x, y)
            model = search.best_estimator_
            detail["cv_accuracy"] = float(search.best_score_)
            unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        else:
            model.fit(x, y)
    clf = model[-1]
    n_iter = int(np.max(clf.n_iter_))
    c = float(clf.C)
    detail.update(
        C=c,
        weight_decay=1.0 / (c * len(y)),
        n_iter=float(n_iter),
        converged=float(n_iter < max_iter),
        cv_unconverged=float(unconverged),
    )
    if not math.isfinite(detail["weight_decay"]):
        raise ValueError("the linear probe needs at least one training row")
    with threadpool_limits(limits=torch.get_num_threads()):
        pred = torch.from_numpy(model.predict(test_feats.double().numpy())).long()
    return score(pred, test_y.long(), detail)


def _sklearn_seed(seed: int) -> int:
    """``seed`` itself below 2**32 (scikit-learn's limit), else a 32-bit seed derived from it."""
    import numpy as np

    return seed if 0 <= seed < 2**32 else int(np.random.SeedSequence(seed).generate_state(1)[0])
