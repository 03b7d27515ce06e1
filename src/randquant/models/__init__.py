"""Encoders: one file each, built by name with :func:`build_encoder`.

>>> import torch
>>> from randquant.models import build_encoder
>>> enc = build_encoder("auto", layout="image", sample_shape=(1, 28, 28), width=32)
>>> enc(torch.randn(2, 1, 28, 28)).shape
torch.Size([2, 32])
"""

from randquant.models.base import EmbeddingTransform, Encoder, count_parameters
from randquant.models.cnn1d import CNN1d
from randquant.models.conv_net import ConvNet
from randquant.models.mlp import MLP
from randquant.models.pointnet import PointNet
from randquant.models.registry import available_encoders, build_encoder, resolve_encoder_name
from randquant.models.resnet import ResNet
from randquant.models.spec_cnn import SpecCNN
from randquant.models.token_cnn import TokenCNN
from randquant.models.transformer import TransformerEncoder, TransformerOutput

__all__ = [
    "MLP",
    "CNN1d",
    "ConvNet",
    "EmbeddingTransform",
    "Encoder",
    "PointNet",
    "ResNet",
    "SpecCNN",
    "TokenCNN",
    "TransformerEncoder",
    "TransformerOutput",
    "available_encoders",
    "build_encoder",
    "count_parameters",
    "resolve_encoder_name",
]
