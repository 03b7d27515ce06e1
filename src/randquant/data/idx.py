"""IDX files (the MNIST family's format, optionally gzip'd) and the Fashion-MNIST source."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from randquant.data.sources import Advance, ArraySource, SourceIndex

_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = (
    "t-shirt/top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)  # fmt: skip


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into an array; a bad header or size names the file."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"cannot read IDX file {path}: {err}") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"IDX file {path} is truncated inside its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != need:
        raise ValueError(
            f"IDX file {path} holds {len(raw) - header} data bytes, its header {shape} needs {need}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


class FashionMNIST(ArraySource):
    """Fashion-MNIST from Debian's ``dataset-fashion-mnist``, its own 60k/10k split."""

    name = "fashion_mnist"
    modality = "image"
    layout = "image"
    description = "Zalando clothing photos, grey 1x28x28, 10 classes"
    apt = ("dataset-fashion-mnist",)
    full_size = "60,000 train / 10,000 test, 1x28x28"
    _FILES: ClassVar[tuple[str, ...]] = (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )

    def __init__(self, root: Path = FASHION_DIR) -> None:
        super().__init__()
        self.root = root

    def source_files(self) -> list[Path]:
        return self.require_files(*(self.root / f for f in self._FILES))

    def arrays(self) -> tuple[np.ndarray, SourceIndex]:
        files = self.source_files()
        train_y, test_y = read_idx(files[1]), read_idx(files[3])
        images = np.concatenate([read_idx(files[0]), read_idx(files[2])])
        if len(images) != len(train_y) + len(test_y):
            raise ValueError(
                f"{self.root}: {len(images)} images for {len(train_y) + len(test_y)} labels"
            )
        labels = np.concatenate([train_y, test_y]).astype(np.int64)
        split = np.r_[np.zeros(len(train_y), np.int8), np.ones(len(test_y), np.int8)]
        idx = SourceIndex(list(range(len(labels))), labels, FASHION_CLASSES, split=split)
        return images[:, None], idx

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        return super().load(items, advance) / 255.0


SOURCES = (FashionMNIST,)
