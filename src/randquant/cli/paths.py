"""Checks of output paths, done before any work starts so a typo never costs a finished run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer


def _blocking_ancestor(path: Path) -> Path | None:
    """The first existing ancestor of ``path`` that is not a folder, if any."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _check_writable(path: Path, option: str) -> None:
    """Write and remove a small probe file in ``path``'s nearest existing folder, so that a
    read-only folder or a full disk is found before any work (not after hours of it)."""
    folder = next((p for p in (path, *path.parents) if p.is_dir()), None)
    if folder is None:
        return
    try:
        fd, probe = tempfile.mkstemp(prefix=".randquant-probe-", dir=folder)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as err:
        raise typer.BadParameter(
            f"cannot write in {folder} ({err.strerror or err})", param_hint=option
        ) from None


def check_output_file(path: Path, option: str) -> None:
    """``BadParameter`` naming ``option`` unless a file can be written at ``path``."""
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder; give a file name", param_hint=option)
    blocker = _blocking_ancestor(path)
    if blocker is not None:
        raise typer.BadParameter(
            f"cannot write {path}: {blocker} is a file, not a folder", param_hint=option
        )
    _check_writable(path.parent, option)


def check_output_dir(path: Path, option: str) -> None:
    """``BadParameter`` naming ``option`` unless ``path`` is, or can become, a folder."""
    if path.exists() and not path.is_dir():
        raise typer.BadParameter(f"{path} is a file; give a folder", param_hint=option)
    blocker = _blocking_ancestor(path)
    if blocker is not None:
        raise typer.BadParameter(
            f"cannot create {path}: {blocker} is a file, not a folder", param_hint=option
        )
    _check_writable(path, option)
