"""Sensor and 1-D signal sources bundled in PyPI packages (no downloads).

* ``basic_motions``: aeon's bundled BasicMotions UEA files (accelerometer + gyroscope,
  6 x 100, 4 activities), read with :func:`~randquant.data.ts_format.read_ts`; its own split.
* ``watch``: seglearn's smartwatch recordings (6 channels at 50 Hz, 7 shoulder exercises),
  cut into 2 s windows (100 steps, hop 50); the split keeps each recording on one side.
* ``mnist1d``: ``mnist1d.data.make_dataset`` with its default arguments (1 x 40, 10 digits).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from randquant.data.cifar import read_npy_pickle
from randquant.data.sources import ArraySource, Source, SourceIndex
from randquant.data.ts_format import read_ts


def _package_dir(src: Source, module: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise src.missing(f"the Python package {module!r}")
    return Path(spec.origin).parent


class BasicMotions(ArraySource):
    """BasicMotions (UEA) from aeon's bundled ``.ts`` files."""

    name = "basic_motions"
    modality = "sensor"
    layout = "sequence"
    description = "accelerometer+gyroscope activities (aeon BasicMotions), 6x100, 4 classes"
    pip = ("aeon",)
    full_size = "40 train / 40 test, 6 channels x 100 steps"

    def source_files(self) -> list[Path]:
        root = _package_dir(self, "aeon") / "datasets" / "data" / "BasicMotions"
        return self.require_files(root / "BasicMotions_TRAIN.ts", root / "BasicMotions_TEST.ts")

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        (x_tr, y_tr), (x_te, y_te) = (read_ts(p) for p in self.source_files())
        names = tuple(sorted(set(y_tr.tolist())))
        labels = np.array(
            [names.index(v) for v in [*y_tr.tolist(), *y_te.tolist()]], dtype=np.int64
        )
        split = np.r_[np.zeros(len(y_tr), np.int8), np.ones(len(y_te), np.int8)]
        x = np.concatenate([x_tr, x_te])
        return x, SourceIndex(list(range(len(x))), labels, names, split=split)


class Watch(ArraySource):
    """seglearn's smartwatch exercise recordings, windowed; split by recording."""

    name = "watch"
    modality = "sensor"
    layout = "sequence"
    description = "smartwatch shoulder exercises (seglearn load_watch), 6x100 windows, 7 classes"
    pip = ("seglearn",)
    full_size = (
        "3,732 train / 945 test windows, 6 channels x 100 steps (28 of 140 recordings in test)"
    )
    width, hop = 100, 50

    def source_files(self) -> list[Path]:
        return self.require_files(_package_dir(self, "seglearn") / "data" / "watch_dataset.npy")

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        (path,) = self.source_files()
        data = read_npy_pickle(path)  # arrays and plain containers only: no code can run
        windows, labels, groups = [], [], []
        for rec, (series, y) in enumerate(zip(data["X"], data["y"], strict=True)):
            series = np.asarray(series, dtype=np.float32).T  # (6, T)
            for start in range(0, series.shape[1] - self.width + 1, self.hop):
                windows.append(series[:, start : start + self.width])
                labels.append(int(y))
                groups.append(rec)
        names = tuple(str(n) for n in data["y_labels"])
        idx = SourceIndex(
            list(range(len(windows))), np.array(labels, np.int64), names, groups=np.array(groups)
        )
        return np.stack(windows), idx


class MNIST1D(ArraySource):
    """MNIST-1D generated offline by the ``mnist1d`` package (its default arguments and split)."""

    name = "mnist1d"
    modality = "sensor"
    layout = "sequence"
    description = "MNIST-1D synthetic 1-D digits (mnist1d make_dataset), 1x40, 10 classes"
    pip = ("mnist1d",)
    full_size = "4,000 train / 1,000 test, 1 channel x 40 steps"

    def source_files(self) -> list[Path]:
        return self.require_files(_package_dir(self, "mnist1d") / "data.py")

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        self.source_files()
        data_mod = self.require_module("mnist1d.data")
        # make_dataset seeds numpy's global RNG itself; put the caller's state back afterwards.
        state = np.random.get_state()  # noqa: NPY002
        try:
            d = data_mod.make_dataset(data_mod.get_dataset_args())
        finally:
            np.random.set_state(state)  # noqa: NPY002
        x = np.concatenate([d["x"], d["x_test"]]).astype(np.float32)[:, None, :]
        y = np.concatenate([d["y"], d["y_test"]]).astype(np.int64)
        split = np.r_[np.zeros(len(d["y"]), np.int8), np.ones(len(d["y_test"]), np.int8)]
        names = tuple(str(i) for i in range(10))
        return x, SourceIndex(list(range(len(x))), y, names, split=split)


SOURCES = (BasicMotions, Watch, MNIST1D)
