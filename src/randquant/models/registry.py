"""Build an encoder by name for a layout and sample shape (``--encoder``/``--modality auto``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from randquant.models.base import EMBEDDING_ENCODERS, Encoder, check_width
from randquant.models.cnn1d import CNN1d
from randquant.models.conv_net import ConvNet
from randquant.models.embeddings import vocab_from_meta
from randquant.models.mlp import MLP
from randquant.models.pointnet import PointNet
from randquant.models.resnet import ResNet
from randquant.models.spec_cnn import SpecCNN
from randquant.models.token_cnn import TokenCNN
from randquant.models.transformer import TransformerEncoder

_DESCRIPTIONS: dict[str, str] = {
    "auto": "pick from the layout: image->resnet, audio->spec_cnn, sequence->cnn1d, "
    "points->pointnet, vector/tokens->transformer",
    "resnet": "small ResNet for images (CIFAR stem up to 64 px, ImageNet stem above)",
    "convnet": "plain 4-block CNN for small images (conv-BN-ReLU-maxpool, no shortcuts)",
    "cnn1d": "residual 1-D CNN for multichannel sequences (N, C, L)",
    "spec_cnn": "BYOL-A style CNN on log-mel spectrograms (N, n_mels, T)",
    "pointnet": "PointNet for point sets (N, P, 3)",
    "mlp": "Linear-BN-ReLU blocks for feature vectors (N, F), as SCARF pretrains on tables",
    "token_cnn": "token embedding + residual 1-D CNN for token ids (N, L) (accepts RQ on "
    "embeddings; a step ~0.2x the transformer's)",
    "transformer": "DABS-style embedding + shared pre-norm transformer (every layout; "
    "accepts RQ on embeddings)",
}
_LAYOUTS: dict[str, tuple[str, ...]] = {
    "resnet": ("image",),
    "convnet": ("image",),
    "cnn1d": ("sequence",),
    "spec_cnn": ("sequence",),
    "pointnet": ("points",),
    "mlp": ("vector",),
    "token_cnn": ("tokens",),
    "transformer": ("image", "sequence", "points", "vector", "tokens"),
}
_NDIM = {"image": 3, "sequence": 2, "points": 2, "vector": 1, "tokens": 1}


def takes_embedding_transform(name: str, layout: str) -> bool:
    """Whether encoder ``name`` (``auto`` resolved for ``layout``) accepts RQ on embeddings.

    >>> takes_embedding_transform("token_cnn", "tokens"), takes_embedding_transform("auto", "image")
    (True, False)
    """
    return resolve_encoder_name(name, layout) in EMBEDDING_ENCODERS


def available_encoders() -> dict[str, str]:
    """Encoder name -> one-line description (``auto`` first)."""
    return dict(_DESCRIPTIONS)


def resolve_encoder_name(name: str, layout: str, meta: Mapping[str, Any] | None = None) -> str:
    """The concrete encoder ``name`` stands for (``auto`` resolved from layout and modality).

    >>> resolve_encoder_name("auto", "sequence", {"modality": "audio"})
    'spec_cnn'
    """
    if name not in _DESCRIPTIONS:
        raise ValueError(f"encoder must be one of {sorted(_DESCRIPTIONS)}, got {name!r}")
    if layout not in _NDIM:
        raise ValueError(f"layout must be one of {sorted(_NDIM)}, got {layout!r}")
    if name != "auto":
        return name
    if layout == "image":
        return "resnet"
    if layout == "sequence":
        return "spec_cnn" if (meta or {}).get("modality") == "audio" else "cnn1d"
    if layout == "points":
        return "pointnet"
    return "transformer"


def build_encoder(
    name: str,
    *,
    layout: str,
    sample_shape: tuple[int, ...],
    meta: Mapping[str, Any] | None = None,
    width: int = 64,
) -> Encoder:
    """Build encoder ``name`` for samples of ``sample_shape`` (no N) in ``layout``.

    ``width`` is the feature size every encoder ends with (``out_dim``); inner layers scale from
    it. It must be a positive multiple of 8.

    >>> enc = build_encoder("auto", layout="points", sample_shape=(256, 3), width=32)
    >>> type(enc).__name__, enc.out_dim
    ('PointNet', 32)
    """
    resolved = resolve_encoder_name(name, layout, meta)
    if resolved not in _LAYOUTS or layout not in _LAYOUTS[resolved]:
        raise ValueError(
            f"encoder {resolved!r} takes layout {' or '.join(_LAYOUTS[resolved])}, got {layout!r}"
        )
    shape = tuple(int(s) for s in sample_shape)
    if len(shape) != _NDIM[layout] or any(s < 1 for s in shape):
        raise ValueError(
            f"sample_shape for layout {layout!r} needs {_NDIM[layout]} positive sizes, "
            f"got {tuple(sample_shape)}"
        )
    if layout == "points" and shape[1] != 3:
        raise ValueError(f"sample_shape for layout 'points' must be (P, 3), got {shape}")
    check_width(width)
    encoder: Encoder
    if resolved == "resnet":
        encoder = ResNet(in_channels=shape[0], image_size=(shape[1], shape[2]), width=width)
    elif resolved == "convnet":
        encoder = ConvNet(in_channels=shape[0], image_size=(shape[1], shape[2]), width=width)
    elif resolved == "cnn1d":
        encoder = CNN1d(in_channels=shape[0], width=width)
    elif resolved == "spec_cnn":
        encoder = SpecCNN(n_mels=shape[0], width=width)
    elif resolved == "pointnet":
        encoder = PointNet(width=width)
    elif resolved == "mlp":
        encoder = MLP(in_features=shape[0], width=width)
    elif resolved == "token_cnn":
        encoder = TokenCNN(vocab_size=vocab_from_meta(meta), width=width)
    else:
        encoder = TransformerEncoder.for_layout(layout, shape, meta, width=width)
    #: What rebuilds this encoder (plain types: checkpoints, encoder files).
    encoder.build_spec = {
        "name": resolved,
        "layout": layout,
        "sample_shape": list(shape),
        "width": width,
        "meta": json_safe(meta or {}),
    }
    return encoder


def encoder_from_spec(spec: Mapping[str, Any]) -> Encoder:
    """Rebuild an encoder from its ``build_spec`` (see :func:`build_encoder`).

    >>> enc = build_encoder("cnn1d", layout="sequence", sample_shape=(3, 50), width=16)
    >>> type(encoder_from_spec(enc.build_spec)).__name__
    'CNN1d'
    """
    try:
        return build_encoder(
            spec["name"],
            layout=spec["layout"],
            sample_shape=tuple(spec["sample_shape"]),
            meta=spec.get("meta") or {},
            width=int(spec["width"]),
        )
    except (KeyError, TypeError) as err:
        raise ValueError(f"not an encoder build spec ({err!r}): {dict(spec)!r}") from err


def json_safe(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``meta`` that survive a JSON round trip (the rest is dropped)."""
    out = {}
    for key, value in meta.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[str(key)] = value
    return out
