"""The manifest of a bench folder (``OUT/suite.json``, ``OUT/ablation.json``): what ran,
rebuilt from one record per invocation, so invocations into one folder never lose another's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch


def write_manifest(output: Path, kind: str, profile: str, extra: dict[str, Any]) -> None:
    """Record this invocation, then rebuild ``OUT/<kind>.json`` from every invocation.

    Each call writes its own file ``OUT/invocations/<kind>-<UTC time>-<host>-<pid>.json``
    (command, time, hardware, profile, ``extra``) and never touches another's, so
    invocations running into one folder at the same time are all kept. The manifest is then
    rebuilt from those files under a lock: ``commands`` in time order, list values united
    in order, dict values updated, other values from the latest invocation. A manifest
    written before invocation files existed becomes the first invocation.
    """
    import json
    import os
    import socket

    from randquant.engine.provenance import command_line
    from randquant.hardware import describe
    from randquant.io import file_lock, write_json_atomic

    path = output / f"{kind}.json"
    folder = output / "invocations"
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{now % 1:.6f}"[1:]
    mine = {
        "kind": kind,
        "profile": profile,
        "command": command_line(),
        "updated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)),
        "hardware": describe(torch.get_num_threads()),
        **extra,
    }
    with file_lock(output / f".{kind}.lock"):
        if path.is_file() and not any(folder.glob(f"{kind}-*.json")):
            try:  # a manifest from before invocation files: keep what it recorded
                legacy = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                legacy = None
            if isinstance(legacy, dict):
                write_json_atomic(folder / f"{kind}-00000000T000000-legacy.json", legacy)
        host = socket.gethostname().replace(os.sep, "_")
        write_json_atomic(folder / f"{kind}-{stamp}-{host}-{os.getpid()}.json", mine)
        invocations = []
        for p in sorted(folder.glob(f"{kind}-*.json")):
            try:
                invocations.append(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        write_json_atomic(path, merge_invocations(invocations))


def merge_invocations(invocations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One manifest from invocation records in time order (see :func:`write_manifest`)."""
    merged: dict[str, Any] = {}
    commands: list[str] = []
    for inv in invocations:
        commands += [*inv.get("commands", []), *([inv["command"]] if "command" in inv else [])]
        for key, value in inv.items():
            prev = merged.get(key)
            if isinstance(value, list) and isinstance(prev, list):
                merged[key] = list(dict.fromkeys([*prev, *value]))
            elif isinstance(value, dict) and isinstance(prev, dict):
                merged[key] = {**prev, **value}
            else:
                merged[key] = value
    merged.pop("command", None)
    merged["commands"] = list(dict.fromkeys(commands))
    return merged
