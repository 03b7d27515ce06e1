"""The pretraining engine: ``pretrain(dataset, views, encoder, cfg) -> PretrainResult``.

Importing this package imports Lightning (the ``train`` extra).
"""

from randquant.engine.config import PretrainConfig, PretrainResult
from randquant.engine.pretrain import pretrain

__all__ = ["PretrainConfig", "PretrainResult", "pretrain"]
