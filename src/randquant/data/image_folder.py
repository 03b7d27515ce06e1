"""Load a folder of images arranged by class (torchvision ``ImageFolder`` style).

Two arrangements are understood::

    root/train/<class>/*.png  root/test/<class>/*.png  [root/val/<class>/*.png]
    root/<class>/*.png        (split into train/test by ``test_fraction``, stratified, seeded)

Images are decoded with Pillow at their real bit depth (8-bit, 16-bit, 32-bit int, float,
palette, CMYK, LA; see :mod:`randquant.data.image_file`), made RGB and resized to
``image_size`` (default: their common size if they all share one, its longer side shrunk to
256, else 32x32), giving float32 ``(N, 3, H, W)``, in ``[0, 1]`` for integer images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from randquant.data import image_file
from randquant.data.base import Dataset, SplitData
from randquant.data.files import check_inside, class_dirs, list_files
from randquant.data.labels import encode_labels

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
)
FALLBACK_SIZE = 32
#: Longest side of the default size: images of a common size beyond it are shrunk to it
#: (four 6000 x 6000 photos would otherwise take 1.7 GB as float32); ``image_size`` overrides.
MAX_DEFAULT_SIDE = 256


def _class_files(folder: Path) -> dict[str, list[Path]]:
    """``{class name: sorted image files}`` for the class sub-folders of ``folder`` (hidden
    files and folders skipped, unreadable ones named)."""
    classes = class_dirs(folder)
    if not classes:
        raise ValueError(f"{folder}: no class sub-folders found")
    return {cls.name: list_files(cls, IMAGE_EXTENSIONS, "image") for cls in classes}


def _split_by_fraction(
    files: dict[str, list[Path]], test_fraction: float, seed: int
) -> dict[str, list[tuple[Path, str]]]:
    """Stratified split: each class with >= 2 files gives at least one to test, keeps one."""
    gen = torch.Generator().manual_seed(seed)
    split: dict[str, list[tuple[Path, str]]] = {"train": [], "test": []}
    for cls, paths in files.items():
        order = torch.randperm(len(paths), generator=gen).tolist()
        n_test = 0
        if len(paths) >= 2:
            n_test = min(max(1, round(len(paths) * test_fraction)), len(paths) - 1)
        split["test"] += [(paths[i], cls) for i in sorted(order[:n_test])]
        split["train"] += [(paths[i], cls) for i in sorted(order[n_test:])]
    return split


def _common_size(paths: list[Path]) -> tuple[int, int] | None:
    sizes = set()
    for path in paths:
        sizes.add(image_file.image_size(path))
        if len(sizes) > 1:
            return None
    return sizes.pop() if sizes else None


def default_size(paths: list[Path]) -> tuple[int, int]:
    """The images' common size, shrunk (aspect kept) so that its longer side is at most
    :data:`MAX_DEFAULT_SIDE`; :data:`FALLBACK_SIZE` square when the sizes differ."""
    size = _common_size(paths)
    if size is None:
        return (FALLBACK_SIZE, FALLBACK_SIZE)
    w, h = size
    if max(w, h) <= MAX_DEFAULT_SIDE:
        return size
    k = MAX_DEFAULT_SIDE / max(w, h)
    return (max(1, round(w * k)), max(1, round(h * k)))


def _stack(items: list[tuple[Path, str]], size: tuple[int, int]) -> torch.Tensor:
    w, h = size
    x = np.empty((len(items), 3, h, w), dtype=np.float32)
    for i, (path, _) in enumerate(items):
        x[i] = image_file.read_image(path, size).transpose(2, 0, 1)
    return torch.from_numpy(x)


def load_image_folder(
    root: Path | str,
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    image_size: int | None = None,
    max_per_class: int | None = None,
) -> Dataset:
    """Load a class-folder image tree as an ``image`` :class:`Dataset` named after ``root``.

    ``max_per_class`` keeps only the first files (sorted by path) of each class in each split,
    for quick subsets of large trees. ``ValueError`` names the folder or file for a missing
    class folder, an empty class, an unreadable image and a class in ``test``/``val`` that
    ``train`` lacks.

    >>> ds = load_image_folder("photos/", test_fraction=0.25, image_size=64)  # doctest: +SKIP
    """
    root = Path(root)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    if image_size is not None and image_size < 1:
        raise ValueError(f"image_size must be >= 1, got {image_size}")
    if max_per_class is not None and max_per_class < 1:
        raise ValueError(f"max_per_class must be >= 1, got {max_per_class}")
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    if (root / "train").is_dir() and (root / "test").is_dir():
        names = [s for s in ("train", "val", "test") if (root / s).is_dir()]
        for s in names:
            check_inside(root / s, root)
        splits = {
            s: [(p, c) for c, ps in _class_files(root / s).items() for p in ps] for s in names
        }
    else:
        splits = _split_by_fraction(_class_files(root), test_fraction, seed)
        if not splits["test"]:
            raise ValueError(
                f"{root}: every class folder holds a single image, so no image is left for "
                "the test split; add images, or give root/train/<class> and root/test/<class>"
            )
    if max_per_class is not None:
        for s, items in splits.items():
            seen: dict[str, int] = {}
            kept = []
            for item in items:
                seen[item[1]] = seen.get(item[1], 0) + 1
                if seen[item[1]] <= max_per_class:
                    kept.append(item)
            splits[s] = kept
    all_paths = [p for items in splits.values() for p, _ in items]
    size = (image_size, image_size) if image_size else default_size(all_paths)
    labels = {f"{s}": np.array([c for _, c in items], dtype=str) for s, items in splits.items()}
    ys, class_names = encode_labels(labels, source=str(root))
    data = {s: SplitData(_stack(items, size), ys[s]) for s, items in splits.items()}
    return Dataset(
        name=root.resolve().name,
        layout="image",
        train=data["train"],
        test=data["test"],
        val=data.get("val"),
        num_classes=len(class_names),
        class_names=class_names,
        meta={"modality": "image", "source": str(root)},
    )
