"""Save a trained encoder with what is needed to rebuild it, and load it back.

The file is a plain ``torch.save`` dict (loadable with ``weights_only=True``): the encoder's
build arguments (name, layout, sample shape, width, JSON-safe meta), its ``state_dict`` and
an ``info`` dict (dataset, augmentation, method, epochs, seed, final loss, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from randquant.engine.checkpoint import atomic_torch_save
from randquant.models.registry import encoder_from_spec, json_safe

FORMAT = "randquant-encoder/1"


def save_encoder(
    path: Path | str,
    encoder: nn.Module,
    *,
    name: str,
    layout: str,
    sample_shape: tuple[int, ...],
    width: int,
    meta: Mapping[str, Any] | None = None,
    info: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``encoder`` and its build arguments to ``path`` atomically; return the path.

    >>> save_encoder("enc.pt", enc, name="cnn1d", layout="sequence",  # doctest: +SKIP
    ...              sample_shape=(6, 100), width=64)
    """
    path = Path(path)
    payload = {
        "format": FORMAT,
        "build": {
            "name": name,
            "layout": layout,
            "sample_shape": list(sample_shape),
            "width": width,
            "meta": json_safe(meta or {}),
        },
        "state_dict": {k: v.detach().cpu() for k, v in encoder.state_dict().items()},
        "info": json_safe(info or {}),
    }
    atomic_torch_save(payload, path)
    return path


def load_encoder(path: Path | str) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the encoder saved by :func:`save_encoder`; return ``(encoder, file dict)``.

    The encoder is in eval mode on the CPU. ``ValueError`` names the file when it is not a
    randquant encoder file or its weights do not fit the rebuilt encoder.
    """
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:
        raise ValueError(f"{path}: not a readable encoder file ({err})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a randquant encoder file (expected format {FORMAT!r})")
    try:
        encoder = encoder_from_spec(payload["build"])
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path}: the encoder cannot be rebuilt ({err})") from err
    try:
        encoder.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"{path}: weights do not fit the rebuilt encoder ({err})") from err
    return encoder.eval(), payload
