"""Evaluation of frozen representations: linear probe and weighted kNN.

>>> from randquant.evaluate import extract_features, knn_classify, linear_probe
"""

from randquant.evaluate.features import extract_features
from randquant.evaluate.knn import knn_classify, knn_predict
from randquant.evaluate.linear import linear_probe
from randquant.evaluate.metrics import ProbeResult, accuracy, macro_f1
from randquant.evaluate.probe import evaluate_encoder

__all__ = [
    "ProbeResult",
    "accuracy",
    "evaluate_encoder",
    "extract_features",
    "knn_classify",
    "knn_predict",
    "linear_probe",
    "macro_f1",
]
