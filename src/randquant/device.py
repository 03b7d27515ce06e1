"""Choosing the device: the one resolver behind every ``device=`` option and ``--device`` flag.

``auto`` is the GPU when torch sees one, else the CPU; ``cuda`` (alias ``gpu``) without a GPU
is an error, never a silent fall-back to the CPU; ``mps`` is Apple's GPU.
"""

from __future__ import annotations

import torch

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "gpu", "mps")


def resolve_device(device: str) -> tuple[str, torch.device]:
    """Map ``auto | cpu | cuda | gpu | mps`` to (Lightning accelerator, torch device).

    ``ValueError`` (one line, naming the value) for an unknown name or a GPU torch cannot see.

    >>> resolve_device("cpu")
    ('cpu', device(type='cpu'))
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device in ("cuda", "gpu"):
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else "no visible GPU"
            raise ValueError(
                f"device {device!r} asked for a GPU but torch {torch.__version__} sees no CUDA "
                f"device ({build}); use cpu or auto"
            )
        return "gpu", torch.device("cuda")
    if device == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError("device 'mps' asked for Apple's GPU but torch sees none; use cpu")
        return "mps", torch.device("mps")
    return "cpu", torch.device("cpu")


def torch_device(device: str) -> torch.device:
    """The torch device of :func:`resolve_device`.

    >>> torch_device("cpu")
    device(type='cpu')
    """
    return resolve_device(device)[1]


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU); for timing only."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
