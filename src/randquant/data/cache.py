"""The on-disk dataset cache: one ``.pt`` per dataset and profile, plus a JSON manifest.

Both files are written to a temporary name and renamed into place (data first, manifest last),
so a process killed mid-write leaves either the old pair, or a data file without a manifest:
never a manifest that vouches for half a file. On load the manifest is checked against the
builder version, the source files (a stat fingerprint first, the content hash only when the
stat differs) and the SHA-256 of the data file; anything that does not match, or does not
load, is reported with a :class:`CacheRebuildWarning` and rebuilt by the caller.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from randquant.data.base import Dataset, SplitData
from randquant.io import write_bytes_atomic

CACHE_ENV = "RANDQUANT_CACHE"
CACHE_FORMAT = 1
_CHUNK = 1 << 20


class CacheRebuildWarning(RuntimeWarning):
    """A cached dataset was stale, half-written or corrupt and will be rebuilt."""


def default_cache_dir() -> Path:
    """``$RANDQUANT_CACHE`` if set, else ``~/.cache/randquant``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "randquant"


def hash_files(paths: Iterable[Path]) -> str:
    """SHA-256 over the names, sizes and contents of ``paths`` (in the order given)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(f"{p.name}\0{p.stat().st_size}\0".encode())
        with p.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    return h.hexdigest()


def stat_fingerprint(paths: Iterable[Path]) -> str:
    """A cheap fingerprint of ``paths`` from their path, size and modification time."""
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def dataset_to_bytes(ds: Dataset) -> bytes:
    """Serialise ``ds`` with ``torch.save`` (plain tensors and primitives only)."""
    payload: dict[str, Any] = {
        "name": ds.name,
        "layout": ds.layout,
        "num_classes": ds.num_classes,
        "class_names": list(ds.class_names),
        "meta": ds.meta,
    }
    for split, data in ds.splits().items():
        payload[f"{split}_x"] = data.x.contiguous()
        payload[f"{split}_y"] = data.y.contiguous()
    buf = io.BytesIO()
    torch.save(payload, buf)
    return buf.getvalue()


def read_dataset_file(path: Path) -> Dataset:
    """Load a file written by :func:`dataset_to_bytes`; errors name the file."""
    try:
        p = torch.load(path, map_location="cpu", weights_only=True)
        splits = {
            s: SplitData(p[f"{s}_x"], p[f"{s}_y"])
            for s in ("train", "test", "val")
            if f"{s}_x" in p
        }
        return Dataset(
            name=p["name"],
            layout=p["layout"],
            train=splits["train"],
            test=splits["test"],
            val=splits.get("val"),
            num_classes=int(p["num_classes"]),
            class_names=tuple(p["class_names"]),
            meta=dict(p["meta"]),
        )
    except Exception as err:
        raise ValueError(f"cannot read cached dataset {path}: {err}") from err


class DatasetCache:
    """A folder of cached datasets, keyed by strings such as ``"fashion_mnist-quick"``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def paths(self, key: str) -> tuple[Path, Path]:
        """The data file and the manifest of ``key``."""
        return self.root / f"{key}.pt", self.root / f"{key}.json"

    @contextmanager
    def build_lock(self, key: str) -> Iterator[None]:
        """Hold an exclusive lock on ``key`` while building it (POSIX ``flock``).

        Two processes (e.g. DDP ranks) asking for the same dataset build it once: the second
        waits, then finds the first one's result in the cache.
        """
        from randquant.io import file_lock

        with file_lock(self.root / f"{key}.lock"):
            yield

    def manifest(self, key: str) -> dict[str, Any] | None:
        """The parsed manifest of ``key``, or ``None`` when absent or unreadable."""
        _, man = self.paths(key)
        try:
            out = json.loads(man.read_text())
        except (OSError, ValueError):
            return None
        return out if isinstance(out, dict) else None

    def _stale(self, key: str, why: str) -> None:
        warnings.warn(
            f"dataset cache {key!r} in {self.root}: {why}; rebuilding",
            CacheRebuildWarning,
            stacklevel=3,
        )

    def load(
        self,
        key: str,
        *,
        version: str,
        source_stat: str | None,
        source_hash: Callable[[], str],
    ) -> Dataset | None:
        """The cached dataset of ``key`` if it is complete and current, else ``None``.

        ``source_stat`` is ``None`` when the source is not installed: a verified cache is then
        used as it is. ``source_hash`` is called only when the stat fingerprint changed.
        """
        data, man_path = self.paths(key)
        if not man_path.exists():
            if data.exists():
                self._stale(key, f"{data.name} has no manifest (a build was interrupted)")
            return None
        man = self.manifest(key)
        if man is None or man.get("format") != CACHE_FORMAT:
            self._stale(key, f"manifest {man_path.name} is unreadable or of another format")
            return None
        if man.get("builder_version") != version:
            self._stale(
                key, f"built by builder version {man.get('builder_version')}, now {version}"
            )
            return None
        stat_changed = source_stat is not None and man.get("source_stat") != source_stat
        if stat_changed and man.get("source_hash") != source_hash():
            self._stale(key, "the source files changed")
            return None
        try:
            raw = data.read_bytes()
        except OSError as err:
            self._stale(key, f"cannot read {data.name} ({err})")
            return None
        if len(raw) != man.get("data_bytes") or hashlib.sha256(raw).hexdigest() != man.get(
            "data_sha256"
        ):
            self._stale(key, f"{data.name} does not match its manifest hash (truncated or corrupt)")
            return None
        try:
            return read_dataset_file(data)
        except ValueError as err:
            self._stale(key, str(err))
            return None

    def store(
        self,
        key: str,
        ds: Dataset,
        *,
        version: str,
        source_stat: str,
        source_hash: str,
        extra: dict[str, Any] | None = None,
    ) -> Path:
        """Write ``ds`` and its manifest atomically; return the data file's path.

        Call it under :meth:`build_lock`: temporary files of ``key`` left by a killed writer
        are removed first (under the lock no live writer can own them).
        """
        data, man_path = self.paths(key)
        for stale in [
            *self.root.glob(f".{data.name}.*.tmp"),
            *self.root.glob(f".{man_path.name}.*.tmp"),
        ]:
            stale.unlink(missing_ok=True)
        raw = dataset_to_bytes(ds)
        write_bytes_atomic(data, raw)
        manifest = {
            "format": CACHE_FORMAT,
            "key": key,
            "name": ds.name,
            "builder_version": version,
            "source_stat": source_stat,
            "source_hash": source_hash,
            "data_file": data.name,
            "data_bytes": len(raw),
            "data_sha256": hashlib.sha256(raw).hexdigest(),
            "sizes": {s: len(d) for s, d in ds.splits().items()},
            "sample_shape": list(ds.sample_shape),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **(extra or {}),
        }
        write_bytes_atomic(man_path, (json.dumps(manifest, indent=2) + "\n").encode())
        return data
