"""UCI Letter Recognition (20,000 x 16 integer features, 26 letters) from Debian ``opencv-doc``.

The standard split is kept: the first 16,000 rows train, the last 4,000 test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from randquant.data.csv_table import read_csv_table
from randquant.data.sources import ArraySource, SourceIndex

LETTER_FILE = Path("/usr/share/doc/opencv-doc/examples/data/letter-recognition.data")
TRAIN_ROWS = 16000


class Letter(ArraySource):
    """Letter recognition table; each of the 16 features is one token of the ``vector`` layout."""

    name = "letter"
    modality = "tabular"
    layout = "vector"
    description = "UCI letter recognition (opencv-doc), 16 integer features, 26 classes"
    apt = ("opencv-doc",)
    full_size = "16,000 train / 4,000 test, 16 features"

    def __init__(self, path: Path = LETTER_FILE) -> None:
        super().__init__()
        self.path = path

    def source_files(self) -> list[Path]:
        return self.require_files(self.path)

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        (path,) = self.source_files()
        x, letters, _ = read_csv_table(path, label_column=0, header=False)
        names = tuple(sorted(set(letters.tolist())))
        labels = np.searchsorted(np.array(names), letters).astype(np.int64)
        split = (np.arange(len(labels)) >= TRAIN_ROWS).astype(np.int8)
        return x, SourceIndex(list(range(len(labels))), labels, names, split=split)


SOURCES = (Letter,)
