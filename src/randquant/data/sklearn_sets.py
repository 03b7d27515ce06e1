"""Small always-available fallbacks bundled with scikit-learn: ``digits`` and ``wine``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from randquant.data.sources import ArraySource, SourceIndex


class _SklearnSource(ArraySource):
    pip = ("scikit-learn",)
    loader = ""
    data_file = ""

    def source_files(self) -> list[Path]:
        datasets = self.require_module("sklearn.datasets")
        root = Path(str(datasets.__file__)).parent / "data"
        return self.require_files(root / self.data_file)

    def _bunch(self) -> Any:
        return getattr(self.require_module("sklearn.datasets"), self.loader)()

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        b = self._bunch()
        names = tuple(str(n) for n in b.target_names)
        idx = SourceIndex(list(range(len(b.target))), np.asarray(b.target, np.int64), names)
        return self._shape(np.asarray(b.data, dtype=np.float32)), idx

    def _shape(self, x: np.ndarray) -> np.ndarray:
        return x


class Digits(_SklearnSource):
    """scikit-learn's 1,797 handwritten digits, 1x8x8 grey in [0, 1]."""

    name = "digits"
    modality = "image"
    layout = "image"
    description = "handwritten digits (sklearn load_digits), grey 1x8x8, 10 classes"
    full_size = "1,438 train / 359 test, 1x8x8"
    loader = "load_digits"
    data_file = "digits.csv.gz"

    def _shape(self, x: np.ndarray) -> np.ndarray:
        return (x / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)


class Wine(_SklearnSource):
    """scikit-learn's wine table: 13 numeric features (raw units), 3 cultivars."""

    name = "wine"
    modality = "tabular"
    layout = "vector"
    description = "wine chemistry table (sklearn load_wine), 13 features, 3 classes"
    full_size = "142 train / 36 test, 13 features"
    loader = "load_wine"
    data_file = "wine_data.csv"


SOURCES = (Digits, Wine)
