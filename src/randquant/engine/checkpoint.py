"""Atomic checkpoints: written to a temporary name in the same folder, then renamed.

A process killed mid-write leaves at most a stray ``.NAME.*.tmp`` file (see
:func:`randquant.io.write_bytes_atomic`), never a truncated ``last.ckpt``.
``pretrain`` saves ``last.ckpt`` at every epoch end with Lightning's
``ModelCheckpoint(save_last=True)`` through :class:`AtomicCheckpointIO`.

Example::

    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "x.pt"
    >>> atomic_torch_save({"a": torch.ones(1)}, path)
    >>> sorted(p.name for p in path.parent.iterdir())
    ['x.pt']
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from randquant.io import write_bytes_atomic

LAST_CHECKPOINT = "last.ckpt"


class CheckpointError(ValueError):
    """A training checkpoint that cannot be used: unreadable, foreign, or from another run."""


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save(obj, path)`` through a temporary file, fsync and ``os.replace``."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def remove_stale_temps(folder: Path, name: str = LAST_CHECKPOINT) -> list[Path]:
    """Delete the temporary files of ``name`` left by killed writers; return what was removed."""
    removed = []
    if folder.is_dir():
        for stray in folder.glob(f".{name}.*.tmp"):
            stray.unlink(missing_ok=True)
            removed.append(stray)
    return removed


def check_checkpoint(path: Path, *, run: dict[str, Any] | None = None) -> None:
    """Raise :class:`CheckpointError` naming ``path`` when it is not a readable training
    checkpoint, or when it was written by a run whose ``randquant_run`` differs from ``run``.

    The file is read with ``weights_only=True``: a checkpoint is tensors and plain containers,
    so a pickle that names any other object (a planted file running code) is refused unrun.
    """
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # any unpickling / zip error means the file is unusable
        raise CheckpointError(
            f"checkpoint {path} cannot be read ({type(err).__name__}: {err}); "
            "delete it to start fresh, or resume from another checkpoint_dir"
        ) from err
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt or "epoch" not in ckpt:
        raise CheckpointError(f"checkpoint {path} is not a randquant/Lightning training checkpoint")
    saved = ckpt.get("randquant_run")
    if run is not None and isinstance(saved, dict):
        for key, value in run.items():
            if key in saved and saved[key] != value:
                raise CheckpointError(
                    f"checkpoint {path} was written by a run with {key}={saved[key]!r}; this "
                    f"run has {key}={value!r}: use another checkpoint_dir or the same {key}"
                )


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning CheckpointIO that writes each checkpoint atomically."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"AtomicCheckpointIO takes no storage_options, got {storage_options!r}")
        atomic_torch_save(checkpoint, Path(path))
