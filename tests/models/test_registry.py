"""build_encoder / --modality auto: resolution by layout and modality, and option errors."""

from __future__ import annotations

import pytest
import torch

from randquant.models import (
    CNN1d,
    PointNet,
    ResNet,
    SpecCNN,
    TransformerEncoder,
    available_encoders,
    build_encoder,
    resolve_encoder_name,
)


@pytest.mark.parametrize(
    ("layout", "shape", "meta", "cls"),
    [
        ("image", (3, 32, 32), None, ResNet),
        ("sequence", (64, 50), {"modality": "audio"}, SpecCNN),
        ("sequence", (6, 50), {"modality": "sensor"}, CNN1d),
        ("sequence", (6, 50), None, CNN1d),
        ("points", (128, 3), {}, PointNet),
        ("vector", (10,), {}, TransformerEncoder),
        ("tokens", (16,), {"vocab_size": 30}, TransformerEncoder),
    ],
)
def test_auto_picks_encoder_from_layout(
    layout: str, shape: tuple[int, ...], meta: dict[str, object] | None, cls: type
) -> None:
    enc = build_encoder("auto", layout=layout, sample_shape=shape, meta=meta, width=16)
    assert type(enc) is cls
    assert enc.out_dim == 16


def test_resnet_stem_depends_on_input_size() -> None:
    small = build_encoder("resnet", layout="image", sample_shape=(3, 64, 64), width=16)
    large = build_encoder("resnet", layout="image", sample_shape=(3, 65, 65), width=16)
    assert isinstance(small, ResNet) and small.small_input
    assert isinstance(large, ResNet) and not large.small_input


def test_convnet_pools_while_the_side_allows_and_keeps_its_width() -> None:
    """An 8x8 digit is pooled three times (a fourth would leave no pixel), 32x32 four times."""
    from randquant.models import ConvNet

    tiny = build_encoder("convnet", layout="image", sample_shape=(1, 8, 8), width=64)
    small = build_encoder("convnet", layout="image", sample_shape=(3, 32, 32), width=256)
    assert isinstance(tiny, ConvNet) and tiny.pools == 3 and tiny.out_dim == 64
    assert isinstance(small, ConvNet) and small.pools == 4
    x = torch.randn(2, 3, 32, 32)
    assert small(x).shape == (2, 256)
    # the weights are channels_last (the faster CPU kernels); NCHW inputs still work
    conv = next(m for m in small.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_names_and_errors() -> None:
    assert set(available_encoders()) == {
        "auto",
        "resnet",
        "convnet",
        "cnn1d",
        "spec_cnn",
        "pointnet",
        "mlp",
        "token_cnn",
        "transformer",
    }
    assert resolve_encoder_name("pointnet", "points") == "pointnet"
    with pytest.raises(ValueError, match=r"encoder must be one of.*'vit'"):
        build_encoder("vit", layout="image", sample_shape=(3, 8, 8))
    with pytest.raises(ValueError, match="'resnet' takes layout image, got 'sequence'"):
        build_encoder("resnet", layout="sequence", sample_shape=(3, 8))
    with pytest.raises(ValueError, match="layout must be one of"):
        build_encoder("auto", layout="video", sample_shape=(3, 8))
    with pytest.raises(ValueError, match="sample_shape for layout 'image' needs 3"):
        build_encoder("auto", layout="image", sample_shape=(8, 8))
    with pytest.raises(ValueError, match=r"\(P, 3\)"):
        build_encoder("auto", layout="points", sample_shape=(8, 2))
    with pytest.raises(ValueError, match="width must be a positive multiple of 8, got 12"):
        build_encoder("auto", layout="vector", sample_shape=(8,), width=12)
    with pytest.raises(ValueError, match="vocab_size"):
        build_encoder("auto", layout="tokens", sample_shape=(8,), meta={})
