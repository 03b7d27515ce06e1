"""Save a trained encoder with what is needed to rebuild it, and load it back.

The file is a plain ``torch.save`` dict (loadable with ``weights_only=True``): the encoder's
build arguments (name, layout, sample shape, width, JSON-safe meta), its ``state_dict`` and
an ``info`` dict (dataset, augmentation, method, epochs, seed, final loss, …).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from randquant.engine.checkpoint import atomic_torch_save

FORMAT = "randquant-encoder/1"


def _json_safe(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``meta`` that survive a JSON round trip (the rest is dropped)."""
    out = {}
    for key, value in meta.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[str(key)] = value
    return out


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
            "meta": _json_safe(meta or {}),
        },
        "state_dict": {k: v.detach().cpu() for k, v in encoder.state_dict().items()},
        "info": _json_safe(info or {}),
    }
    atomic_torch_save(payload, path)
    return path


def load_encoder(path: Path | str) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the encoder saved by :func:`save_encoder`; return ``(encoder, file dict)``.

    The encoder is in eval mode on the CPU. ``ValueError`` names the file when it is not a
    randquant encoder file or its weights do not fit the rebuilt encoder.
    """
    from randquant.models import build_encoder

    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:
        raise ValueError(f"{path}: not a readable encoder file ({err})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a randquant encoder file (expected format {FORMAT!r})")
    build = payload["build"]
    encoder = build_encoder(
        build["name"],
        layout=build["layout"],
        sample_shape=tuple(build["sample_shape"]),
        meta=build["meta"],
        width=build["width"],
    )
    try:
        encoder.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"{path}: weights do not fit the rebuilt encoder ({err})") from err
    return encoder.eval(), payload
