"""Where and how a record was made: the command, the code version, the machine, the times.

Every record (run, reference, failure) carries :func:`provenance`, so a result file can be
read on its own, long after the sweep that wrote it.

>>> sorted(provenance("randquant compare ...", "cpu", 0.0, 1.0))[:3]
['code', 'command', 'device']
"""

from __future__ import annotations

import os
import platform
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

from randquant.hardware import describe


def command_line() -> str:
    """This process's command, as a user would type it (``randquant ...`` for the CLI)."""
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv else "python"
    if prog == "randquant" or prog.endswith("-script.py"):
        return "randquant " + shlex.join(argv[1:])
    return shlex.join([Path(sys.executable).name, *argv])


def code_version() -> dict[str, Any]:
    """randquant's version, and its git commit and dirty flag when it runs from a git
    checkout, read *now* (not cached: a run records the code it started from, so the caller
    reads this when the run starts, :attr:`~randquant.engine.settings.RunSpec.code`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        info: dict[str, Any] = {"randquant": version("randquant")}
    except PackageNotFoundError:
        info = {"randquant": None}
    here = Path(__file__).resolve().parents[1]  # the randquant package
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return info
    info["git_commit"] = commit
    info["git_dirty"] = bool(dirty)  # uncommitted changes to tracked files of the package
    return info


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def provenance(
    command: str,
    device: str,
    started: float,
    ended: float,
    code: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Where and how a record was made: everything needed to read it on its own.

    ``code`` is :func:`code_version` as read when the work *started* (a commit made, or a
    file edited, while a run trains must not be credited to it); without it, it is read now.
    """
    return {
        "command": command,
        "code": code_version() if code is None else code,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "hardware": describe(torch.get_num_threads()),
        "threads": torch.get_num_threads(),
        "device": device,
        "python": platform.python_version(),
        "started": _utc(started),
        "ended": _utc(ended),
        "wall_seconds": round(ended - started, 3),
    }
