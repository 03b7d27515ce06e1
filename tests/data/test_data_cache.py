"""The named-dataset cache: build once, hit, and rebuild on every kind of damage."""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from randquant.data import registry
from randquant.data.cache import CACHE_ENV, CacheRebuildWarning, DatasetCache, default_cache_dir
from randquant.data.sources import Advance, MissingSourceError, Source, SourceIndex


class Toy(Source):
    """A source backed by one small text file of numbers; counts how often it is decoded."""

    name = "toy"
    modality = "sensor"
    layout = "sequence"
    description = "toy"
    apt = ("toy-data-package",)
    pip = ("toy-extra",)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loads = 0

    def source_files(self) -> list[Path]:
        return self.require_files(self.path)

    def index(self) -> SourceIndex:
        values = np.loadtxt(self.source_files()[0])
        labels = (np.arange(len(values)) % 3).astype(np.int64)
        return SourceIndex(list(values), labels, ("a", "b", "c"))

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        self.loads += 1
        advance(len(items))
        return torch.tensor(list(items), dtype=torch.float32).reshape(-1, 1, 1).repeat(1, 2, 4)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Toy:
    src_file = tmp_path / "toy.txt"
    src_file.write_text("\n".join(str(float(i)) for i in range(30)))
    source = Toy(src_file)
    monkeypatch.setattr(registry, "_sources", lambda: {"toy": source})
    return source


def load(cache: Path, **kw: Any) -> Any:
    return registry.load_dataset("toy", cache_dir=cache, progress=False, **kw)


def test_builds_once_then_hits(toy: Toy, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load(cache)
    second = load(cache)
    assert toy.loads == 2  # train + test, once
    assert torch.equal(first.train.x, second.train.x) and torch.equal(first.test.y, second.test.y)
    man = json.loads((cache / "toy-quick.json").read_text())
    assert man["sizes"] == {"train": len(first.train), "test": len(first.test)}
    assert len(man["source_hash"]) == 64 and len(man["data_sha256"]) == 64
    assert not list(cache.glob("*.tmp"))


def test_split_is_stratified_and_fixed(toy: Toy, tmp_path: Path) -> None:
    ds = load(tmp_path / "c1")
    again = load(tmp_path / "c2")
    assert torch.equal(ds.test.x, again.test.x)
    assert torch.bincount(ds.test.y).tolist() == [2, 2, 2]
    assert set(ds.train.x[:, 0, 0].tolist()).isdisjoint(ds.test.x[:, 0, 0].tolist())


@pytest.mark.parametrize(
    "damage", ["truncate", "flip_byte", "no_manifest", "bad_manifest", "empty_data"]
)
def test_damaged_cache_is_rebuilt(toy: Toy, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    good = load(cache)
    data, man = DatasetCache(cache).paths("toy-quick")
    raw = data.read_bytes()
    if damage == "truncate":  # the process died while writing the data file
        data.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip_byte":
        data.write_bytes(raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:])
    elif damage == "no_manifest":  # killed between the data file and its manifest
        man.unlink()
    elif damage == "bad_manifest":
        man.write_text("{not json")
    else:
        data.write_bytes(b"")
    with pytest.warns(CacheRebuildWarning):
        rebuilt = load(cache)
    assert toy.loads == 4
    assert torch.equal(rebuilt.train.x, good.train.x)
    assert load(cache) is not None and toy.loads == 4  # repaired: a hit again


def test_changed_source_rebuilds_but_touched_source_does_not(toy: Toy, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(cache)
    text = toy.path.read_text()
    toy.path.write_text(text)  # same content, new mtime: content hash decides, no rebuild
    load(cache)
    assert toy.loads == 2
    toy.path.write_text(text + "\n99.0")
    with pytest.warns(CacheRebuildWarning, match="source files changed"):
        ds = load(cache)
    assert toy.loads == 4 and 99.0 in torch.cat([ds.train.x, ds.test.x])[:, 0, 0].tolist()


def test_builder_version_change_rebuilds(
    toy: Toy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    load(cache)
    monkeypatch.setattr(Toy, "version", "2")
    with pytest.warns(CacheRebuildWarning, match="version"):
        load(cache)
    assert toy.loads == 4


def test_profiles_and_limit_are_cached_apart(toy: Toy, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    small = load(cache, limit=3)
    full = load(cache, profile="full")
    assert len(small.train) == 3 and len(small.test) == 3
    assert len(full.train) + len(full.test) == 30
    # all 30 samples fit the quick caps, so the full build is filed as quick too
    assert {p.name for p in cache.glob("*.pt")} == {
        "toy-quick-limit3.pt",
        "toy-full.pt",
        "toy-quick.pt",
    }


def test_quick_that_is_whole_serves_full(
    toy: Toy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    quick = load(cache)
    assert quick.meta["whole_source"] and toy.loads == 2
    full = load(cache, profile="full")
    assert toy.loads == 2 and full.meta["profile"] == "full"
    assert torch.equal(full.train.x, quick.train.x)
    monkeypatch.setattr(Toy, "quick_train", 5)  # now quick is a real subset: no twin
    sub = load(tmp_path / "other")
    assert len(sub.train) == 5 and not sub.meta["whole_source"]
    assert not (tmp_path / "other" / "toy-full.pt").exists()


def test_missing_package_names_the_install_command(toy: Toy, tmp_path: Path) -> None:
    toy.path.unlink()
    with pytest.raises(MissingSourceError, match="apt-get install -y toy-data-package") as err:
        load(tmp_path / "empty-cache")
    assert "pip install toy-extra" in str(err.value) and "'toy'" in str(err.value)


def test_valid_cache_is_used_when_the_package_is_gone(toy: Toy, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = load(cache)
    toy.path.unlink()
    assert torch.equal(load(cache).train.x, built.train.x)


def test_bad_arguments(toy: Toy, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="profile"):
        load(tmp_path, profile="medium")
    with pytest.raises(ValueError, match="limit"):
        load(tmp_path, limit=0)
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        registry.load_dataset("nope", cache_dir=tmp_path)


def test_default_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir() == Path.home() / ".cache" / "randquant"


def test_crash_while_writing_keeps_the_old_entry(
    toy: Toy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    good = load(cache)
    before = {p.name: p.read_bytes() for p in cache.iterdir()}

    def die(fd: int) -> None:
        raise KeyboardInterrupt("killed mid-write")

    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        m.setattr("os.fsync", die)
        load(cache, rebuild=True)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before  # no temp files either
    (cache / ".toy-quick.pt.x1y2.tmp").write_bytes(b"left by a SIGKILLed writer")
    loads = toy.loads
    assert torch.equal(load(cache).train.x, good.train.x) and toy.loads == loads
    load(cache, rebuild=True)  # the next build sweeps the dead writer's temporary file
    assert not list(cache.glob("*.tmp"))


def _build_in_child(cache: str, log: str, first: bool, building: Any, arrived: Any) -> None:
    """Runs in a forked process (the monkeypatched registry comes along with the fork).

    The ``first`` process stops inside its build until the other has passed its cache check and
    reached the build lock, so the second always arrives while the first is mid-build.
    """
    import randquant.data.registry as reg
    from randquant.data.cache import DatasetCache

    src = reg._sources()["toy"]
    original_load, original_lock = src.load, DatasetCache.build_lock

    def logged(items: Sequence[Any], advance: Advance) -> torch.Tensor:
        with open(log, "a") as f:
            f.write("load\n")
        if first:
            building.set()
            assert arrived.wait(60), "the second process never reached the build lock"
        return original_load(items, advance)

    @contextmanager
    def announced(self: DatasetCache, key: str) -> Iterator[None]:
        arrived.set()
        with original_lock(self, key):
            yield

    src.load = logged  # type: ignore[method-assign]
    if not first:
        DatasetCache.build_lock = announced  # type: ignore[method-assign]
    reg.load_dataset("toy", cache_dir=Path(cache), progress=False)


def test_two_processes_build_once(toy: Toy, tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    log, cache = tmp_path / "loads.log", str(tmp_path / "c")
    building, arrived = ctx.Event(), ctx.Event()
    procs = [
        ctx.Process(target=_build_in_child, args=(cache, str(log), first, building, arrived))
        for first in (True, False)
    ]
    procs[0].start()
    assert building.wait(60), "the first process never started its build"
    procs[1].start()  # arrives while the first holds the lock mid-build
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert log.read_text().count("load") == 2  # train + test of ONE build
