"""Named datasets built from installed packages, cached once per profile.

>>> from randquant.data.registry import list_datasets, load_dataset
>>> [d.name for d in list_datasets()][:3]  # doctest: +SKIP
['fashion_mnist', 'tuxpaint_stamps', 'emoji']
>>> ds = load_dataset("digits", profile="quick")  # doctest: +SKIP

Profiles: ``"quick"`` is a stratified subset (at most ``Source.quick_train`` train and
``Source.quick_test`` test samples, 1,000 / 500 by default) fit for a few CPU minutes of
pretraining; ``"full"`` is the whole source. Splits are stratified with a fixed seed, or the
source's own split where it has one, so every run sees the same samples.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from randquant.data.base import Dataset, Layout, SplitData
from randquant.data.cache import DatasetCache, hash_files, stat_fingerprint
from randquant.data.sources import Advance, MissingSourceError, Source, install_hint
from randquant.data.splits import stratified_split, stratified_subset

PROFILES = ("quick", "full")
SPLIT_SEED = 0


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` tells about one named dataset."""

    name: str
    modality: str
    layout: Layout
    source: str
    description: str
    full_size: str
    installed: bool
    install: str


_SOURCE_MODULES = (
    "idx",
    "tuxpaint",
    "emoji",
    "sklearn_sets",
    "gm_instruments",
    "espeak_digits",
    "furniture",
    "sensors",
    "wordnet",
    "letter",
)


def _sources() -> dict[str, Source]:
    # Imported here so that importing the registry stays cheap; each module lists SOURCES.
    out: dict[str, Source] = {}
    for mod in _SOURCE_MODULES:
        try:
            module = importlib.import_module(f"randquant.data.{mod}")
        except ModuleNotFoundError as err:
            if err.name != f"randquant.data.{mod}":
                raise
            continue
        for cls in module.SOURCES:
            out[cls.name] = cls()
    return out


def get_source(name: str) -> Source:
    """The :class:`Source` registered as ``name``; ``ValueError`` lists the names otherwise."""
    sources = _sources()
    if name not in sources:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(sources))}")
    return sources[name]


def list_datasets() -> list[DatasetInfo]:
    """Every named dataset, with whether its source package is installed here."""
    out = []
    for src in _sources().values():
        out.append(
            DatasetInfo(
                name=src.name,
                modality=src.modality,
                layout=src.layout,
                source=src.package,
                description=src.description,
                full_size=src.full_size,
                installed=src.available(),
                install=src.missing("").install,
            )
        )
    return out


def cache_key(name: str, profile: str, limit: int | None) -> str:
    """File stem of a dataset in the cache."""
    return f"{name}-{profile}" + (f"-limit{limit}" if limit is not None else "")


@contextmanager
def _progress(title: str, total: int, enabled: bool) -> Iterator[Advance]:
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(title, total=total)
        yield lambda n: bar.advance(task, n)


def build_dataset(
    src: Source, *, profile: str, limit: int | None = None, progress: bool = True
) -> Dataset:
    """Build ``src`` from its package (no cache): split, subset for the profile, decode."""
    _check_profile(profile)
    idx = src.index()
    labels = np.asarray(idx.labels, dtype=np.int64)
    if idx.split is not None:
        train, test = np.flatnonzero(idx.split == 0), np.flatnonzero(idx.split == 1)
    else:
        train, test = stratified_split(
            labels, test_fraction=src.test_fraction, seed=SPLIT_SEED, groups=idx.groups
        )
    n_train, n_test = (
        (src.quick_train, src.quick_test) if profile == "quick" else (len(train), len(test))
    )
    if limit is not None:
        n_train, n_test = min(n_train, limit), min(n_test, limit)
    whole = n_train >= len(train) and n_test >= len(test)
    train = stratified_subset(train, labels, n_train, seed=SPLIT_SEED + 1)
    test = stratified_subset(test, labels, n_test, seed=SPLIT_SEED + 2)
    title = f"building {src.name} ({profile})"
    with _progress(title, len(train) + len(test), progress) as advance:
        splits = {
            name: SplitData(
                _checked(src, src.load([idx.items[i] for i in sel], advance), sel),
                torch.from_numpy(labels[sel]),
            )
            for name, sel in (("train", train), ("test", test))
        }
    meta = {
        **src.meta(),
        "profile": profile,
        "split_seed": SPLIT_SEED,
        "full_size": src.full_size,
        "whole_source": whole,
    }
    return Dataset(
        name=src.name,
        layout=src.layout,
        train=splits["train"],
        test=splits["test"],
        num_classes=len(idx.class_names),
        class_names=tuple(idx.class_names),
        meta=meta,
    )


def _checked(src: Source, x: torch.Tensor, sel: np.ndarray) -> torch.Tensor:
    if x.shape[0] != len(sel):
        raise RuntimeError(f"source {src.name!r} loaded {x.shape[0]} samples for {len(sel)} items")
    return x


def _twin_profile(src: Source, ds: Dataset, profile: str, limit: int | None) -> str | None:
    """The other profile when it would hold exactly the samples of ``ds``, else ``None``."""
    if limit is not None or not ds.meta.get("whole_source"):
        return None
    if profile == "quick":
        return "full"
    fits = len(ds.train) <= src.quick_train and len(ds.test) <= src.quick_test
    return "quick" if fits else None


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")


def load_dataset(
    name: str,
    *,
    profile: str = "quick",
    cache_dir: Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    rebuild: bool = False,
) -> Dataset:
    """Load the named dataset, building it into the cache the first time.

    ``limit`` caps each split (for tests and smoke runs; cached under its own key).
    ``rebuild=True`` ignores a cached copy. Raises :class:`MissingSourceError` with the install
    command when the source package is absent and nothing valid is cached.
    """
    _check_profile(profile)
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be >= 1 or None, got {limit}")
    src = get_source(name)
    cache = DatasetCache(cache_dir)
    key = cache_key(name, profile, limit)
    try:
        files = src.source_files()
    except MissingSourceError:
        files = None

    def cached() -> Dataset | None:
        stat = stat_fingerprint(files) if files is not None else None
        return cache.load(
            key, version=src.version, source_stat=stat, source_hash=lambda: hash_files(files or [])
        )

    seen = cache.manifest(key)
    if not rebuild and (hit := cached()) is not None:
        return hit
    if files is None:
        src.source_files()  # raises the MissingSourceError with the install command
        raise AssertionError("unreachable")
    with cache.build_lock(key):
        # Another process may have built it while this one waited for the lock.
        if not rebuild and cache.manifest(key) != seen and (hit := cached()) is not None:
            return hit
        start = time.perf_counter()
        try:
            ds = build_dataset(src, profile=profile, limit=limit, progress=progress)
        except MissingSourceError:
            raise
        except Exception as err:  # an empty, cut or foreign source file: name it, not a traceback
            fix = install_hint(apt=src.apt, pip=src.pip)
            raise ValueError(
                f"dataset {name!r}: its source files ({', '.join(map(str, files))}) cannot be "
                f"read ({type(err).__name__}: {err}); reinstall them: {fix}"
            ) from err
        seconds = time.perf_counter() - start
        stamp = {
            "version": src.version,
            "source_stat": stat_fingerprint(files),
            "source_hash": hash_files(files),
        }
        extra = {"profile": profile, "limit": limit, "build_seconds": round(seconds, 3)}
        cache.store(key, ds, **stamp, extra=extra)
    twin = _twin_profile(src, ds, profile, limit)
    if twin is not None:  # quick and full are the same samples: build once, file under both
        twin_key = cache_key(name, twin, None)
        with cache.build_lock(twin_key):
            twin_ds = replace(ds, meta={**ds.meta, "profile": twin})
            cache.store(twin_key, twin_ds, **stamp, extra={**extra, "profile": twin})
    return ds
