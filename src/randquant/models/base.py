"""The :class:`Encoder` contract every backbone follows.

An encoder maps a batch of one layout (see :mod:`randquant.data.base`) to features
``(N, out_dim)``. It never knows the SSL method; the method never knows the modality.
Only the encoders that embed their input (the transformer, the token CNN; see
:data:`EMBEDDING_ENCODERS`) accept ``embedding_transform`` (RQ on the
embedded tokens, DABS setting); every other encoder rejects it with a ``ValueError`` rather than
silently ignoring it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from torch import Tensor, nn

EmbeddingTransform = Callable[[Tensor], Tensor]
#: The encoders that embed their input and so accept ``embedding_transform`` (``--rq-on
#: embedding``); ``auto`` resolves to one of them on token ids.
EMBEDDING_ENCODERS: tuple[str, ...] = ("transformer", "token_cnn")


def shape_error(encoder: str, expected: str, x: Tensor, why: str = "") -> ValueError:
    """A ``ValueError`` naming the encoder, the expected shape and the shape received."""
    extra = f" ({why})" if why else ""
    return ValueError(
        f"{encoder} encoder expects input of shape {expected}, got {tuple(x.shape)} "
        f"with dtype {x.dtype}{extra}"
    )


def check_float_input(
    encoder: str, x: Tensor, expected: str, ndim: int, fixed: dict[int, int]
) -> None:
    """Check that ``x`` is floating point with ``ndim`` dims and the ``fixed`` sizes per axis.

    >>> import torch
    >>> check_float_input("cnn1d", torch.zeros(2, 3, 5), "(N, 3, L)", 3, {1: 3})
    """
    if not x.dtype.is_floating_point:
        raise shape_error(encoder, expected, x, "input must be floating point")
    if x.ndim != ndim:
        raise shape_error(encoder, expected, x, f"needs {ndim} dims")
    for axis, size in fixed.items():
        if x.shape[axis] != size:
            raise shape_error(encoder, expected, x, f"axis {axis} must have size {size}")
    if x.shape[0] == 0:
        raise shape_error(encoder, expected, x, "empty batch")


class Encoder(nn.Module, ABC):
    """Base class of every backbone: ``forward(x) -> (N, out_dim)`` features.

    Subclasses set ``name`` and ``out_dim`` and implement :meth:`check_input` and
    :meth:`encode`; the transformer overrides :meth:`forward` to use ``embedding_transform``.

    >>> import torch
    >>> from randquant.models import build_encoder
    >>> enc = build_encoder("cnn1d", layout="sequence", sample_shape=(3, 50), width=16)
    >>> enc(torch.randn(4, 3, 50)).shape
    torch.Size([4, 16])
    """

    name: ClassVar[str] = "encoder"
    out_dim: int
    #: Set by :func:`randquant.models.build_encoder`: the plain arguments that rebuild it.
    build_spec: dict[str, Any] | None = None

    def __init__(self, *, out_dim: int) -> None:
        super().__init__()
        self.out_dim = out_dim

    @abstractmethod
    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` naming this encoder and the expected shape if ``x`` does not fit."""

    @abstractmethod
    def encode(self, x: Tensor) -> Tensor:
        """Features ``(N, out_dim)`` of an input already checked by :meth:`check_input`."""

    def forward(self, x: Tensor, embedding_transform: EmbeddingTransform | None = None) -> Tensor:
        """Features ``(N, out_dim)``; ``embedding_transform`` is rejected (embedding encoders
        override this)."""
        if embedding_transform is not None:
            raise ValueError(
                f"{self.name} encoder does not accept embedding_transform (RQ on embeddings); "
                f"use --encoder {' or '.join(EMBEDDING_ENCODERS)} with --rq-on embedding"
            )
        self.check_input(x)
        return self.encode(x)

    def extra_repr(self) -> str:
        return f"out_dim={self.out_dim}"


def transform_tokens(transform: EmbeddingTransform, tokens: Tensor) -> Tensor:
    """``transform(tokens)``, checked to be a tensor of the same shape (else ``ValueError``)."""
    moved = transform(tokens)
    if not isinstance(moved, Tensor) or moved.shape != tokens.shape:
        got = tuple(moved.shape) if isinstance(moved, Tensor) else type(moved).__name__
        raise ValueError(
            f"embedding_transform must return a tensor of shape {tuple(tokens.shape)}, got {got}"
        )
    return moved


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def check_width(width: int) -> None:
    """Every encoder's ``width`` (its ``out_dim``) must be a positive multiple of 8."""
    if width < 8 or width % 8:
        raise ValueError(f"width must be a positive multiple of 8, got {width}")


class ConvEncoder(Encoder):
    """A channels-first CNN: ``stem -> stages -> global average pool`` (ResNet, CNN1d).

    Subclasses build ``self.stem`` and ``self.stages``; input ``(N, in_channels, *spatial)``
    with any spatial size.
    """

    stem: nn.Module
    stages: nn.Module

    def __init__(self, *, in_channels: int, width: int, spatial_dims: int) -> None:
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, got {in_channels}")
        check_width(width)
        super().__init__(out_dim=width)
        self.in_channels = in_channels
        self.spatial = "L" if spatial_dims == 1 else "H, W"
        self.pool = nn.AdaptiveAvgPool1d(1) if spatial_dims == 1 else nn.AdaptiveAvgPool2d(1)

    def check_input(self, x: Tensor) -> None:
        """Needs ``(N, in_channels, *spatial)`` floats."""
        expected = f"(N, {self.in_channels}, {self.spatial})"
        check_float_input(
            self.name, x, expected, 3 + self.spatial.count(","), {1: self.in_channels}
        )

    def encode(self, x: Tensor) -> Tensor:
        """Stem, stages, global average pool."""
        out: Tensor = self.pool(self.stages(self.stem(x))).flatten(1)
        return out

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_dim={self.out_dim}"
