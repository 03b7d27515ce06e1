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
import json
import math
import pickle
from collections.abc import Mapping
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


def check_checkpoint(
    path: Path,
    *,
    run: dict[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Raise :class:`CheckpointError` naming ``path`` when it cannot be resumed: not a readable
    training checkpoint, NaN or infinite weights or losses (a diverged run), written by a run
    whose ``randquant_run`` differs from ``run``, or whose saved hyperparameters differ from
    ``settings`` (the new run's ``LightningModule.hparams``: method options, encoder, views,
    epochs, lr, ...), each differing one named.

    The file is read with ``weights_only=True``: a checkpoint is tensors and plain containers,
    so a pickle that names any other object (a planted file running code) is refused unrun.
    """
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:  # weights_only refused an object: never load it
        raise CheckpointError(
            f"checkpoint {path} cannot be read: it is not a pickle of tensors and plain "
            "containers (one naming other objects could run code, so it is never loaded); "
            "delete it to start fresh, or resume from another checkpoint_dir"
        ) from err
    except Exception as err:  # any other unpickling / zip error means the file is unusable
        first = (str(err).strip().splitlines() or [""])[0]
        raise CheckpointError(
            f"checkpoint {path} cannot be read ({type(err).__name__}: {first}); "
            "delete it to start fresh, or resume from another checkpoint_dir"
        ) from err
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt or "epoch" not in ckpt:
        raise CheckpointError(f"checkpoint {path} is not a randquant/Lightning training checkpoint")
    _check_finite(path, ckpt)
    saved = ckpt.get("randquant_run")
    if run is not None and isinstance(saved, dict):
        for key, value in run.items():
            if key in saved and saved[key] != value:
                raise CheckpointError(
                    f"checkpoint {path} was written by a run with {key}={saved[key]!r}; this "
                    f"run has {key}={value!r}: use another checkpoint_dir or the same {key}"
                )
    old = ckpt.get("hyper_parameters")
    if settings is not None and isinstance(old, Mapping):
        _check_settings(path, ckpt, _flat(old), _flat(settings))


def _check_finite(path: Path, ckpt: dict[str, Any]) -> None:
    weights = ckpt["state_dict"].values() if isinstance(ckpt["state_dict"], Mapping) else []
    bad = any(
        isinstance(t, torch.Tensor) and t.is_floating_point() and not bool(t.isfinite().all())
        for t in weights
    )
    losses = ckpt.get("randquant_epoch_losses", [])
    if bad or not all(math.isfinite(float(v)) for v in losses):
        raise CheckpointError(
            f"checkpoint {path} holds NaN or infinite weights or losses (the run diverged); "
            "it cannot be resumed: delete it to start fresh"
        )


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"a.b": canonical JSON of the value}`` for every leaf of a nested mapping."""
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(_flat(value, name + "."))
        else:
            out[name] = json.dumps(value, sort_keys=True, default=str)
    return out


def _check_settings(
    path: Path, ckpt: dict[str, Any], old: dict[str, str], new: dict[str, str]
) -> None:
    done = len(ckpt.get("randquant_epoch_losses", [])) or int(ckpt["epoch"]) + 1
    epochs = next((json.loads(new[k]) for k in new if k.split(".")[-1] == "epochs"), None)
    if isinstance(epochs, int) and epochs < done:
        raise CheckpointError(
            f"checkpoint {path} has already trained {done} epochs, more than the {epochs} this "
            f"run asks for: give epochs >= {done} (the same as the checkpoint's run), or "
            "another checkpoint_dir"
        )
    differ = [k for k in sorted(old.keys() & new.keys()) if old[k] != new[k]]
    if differ:
        shown = "; ".join(f"{k}: checkpoint {old[k]}, this run {new[k]}" for k in differ[:4])
        more = f" (and {len(differ) - 4} more)" if len(differ) > 4 else ""
        raise CheckpointError(
            f"checkpoint {path} was written with other settings, so resuming would mix two "
            f"runs: {shown}{more}; resume with the same settings, or use another checkpoint_dir"
        )


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning CheckpointIO that writes each checkpoint atomically."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"AtomicCheckpointIO takes no storage_options, got {storage_options!r}")
        atomic_torch_save(checkpoint, Path(path))
