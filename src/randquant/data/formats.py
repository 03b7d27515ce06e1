"""Recognise a public data format from a path and load it with the matching loader.

=======================  =============================================  =====================
format                   what the path is                               loader
=======================  =============================================  =====================
``ts``                   a UEA/UCR ``*.ts`` file (``_TEST`` found)      :func:`load_ts`
``csv``                  a ``*.csv`` table (needs ``label_column``)     :func:`load_csv`
``cifar``                a folder with ``batches.meta`` or ``meta``     :func:`load_cifar`
``modelnet``             class folders of ``*.off``/``*.ply`` meshes    :func:`load_modelnet`
``audio_folder``         class folders of wav/ogg/flac clips            :func:`load_audio_folder`
``image_folder``         class folders of images (ImageNet style)       :func:`load_image_folder`
=======================  =============================================  =====================

>>> ds = load_format("UCR/GunPoint/GunPoint_TRAIN.ts")  # doctest: +SKIP
>>> ds = load_format("patients.csv", label_column="diagnosis", skip_bad=True)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from randquant.data.audio_folder import AUDIO_EXTENSIONS
from randquant.data.base import Dataset

FORMATS = ("ts", "csv", "cifar", "modelnet", "audio_folder", "image_folder")


def _suffixes_below(root: Path, limit: int = 2000) -> set[str]:
    out: set[str] = set()
    for n, p in enumerate(root.rglob("*")):
        if n >= limit:
            break
        if p.is_file():
            out.add(p.suffix.lower())
    return out


def detect_format(path: Path | str) -> str:
    """The name of the format at ``path`` (one of :data:`FORMATS`); ``ValueError`` if unknown."""
    from randquant.data.image_folder import IMAGE_EXTENSIONS

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".ts", ".csv"):
            return suffix[1:]
        raise ValueError(f"{path}: unknown file format {suffix!r} (expected .ts or .csv)")
    if (path / "batches.meta").exists() or (
        (path / "meta").exists() and (path / "train").is_file()
    ):
        return "cifar"
    found = _suffixes_below(path)
    for name, exts in (
        ("modelnet", {".off", ".ply"}),
        ("audio_folder", set(AUDIO_EXTENSIONS)),
        ("image_folder", set(IMAGE_EXTENSIONS)),
    ):
        if found & exts:
            return name
    raise ValueError(
        f"{path}: no known format (found file types {sorted(found)[:8]}); expected CIFAR "
        "batches, or class folders of .off/.ply meshes, audio clips or images"
    )


def load_format(path: Path | str, *, format: str | None = None, **options: Any) -> Dataset:
    """Load ``path`` with the loader of its (detected or given) ``format``.

    ``options`` go to that loader (e.g. ``label_column`` for CSV, ``skip_bad``,
    ``test_fraction``, ``seed``, ``num_points``, ``duration``, ``image_size``).
    """
    fmt = format or detect_format(path)
    if fmt == "ts":
        from randquant.data.ts_format import load_ts

        return load_ts(path, **options)
    if fmt == "csv":
        from randquant.data.csv_table import load_csv

        if "label_column" not in options:
            raise ValueError(
                f"{path}: a CSV table needs label_column= (the column holding the class)"
            )
        return load_csv(path, **options)
    if fmt == "cifar":
        from randquant.data.cifar import load_cifar

        return load_cifar(path, **options)
    if fmt == "modelnet":
        from randquant.data.modelnet import load_modelnet

        return load_modelnet(path, **options)
    if fmt == "audio_folder":
        from randquant.data.audio_folder import load_audio_folder

        return load_audio_folder(path, **options)
    if fmt == "image_folder":
        from randquant.data.image_folder import load_image_folder

        return load_image_folder(path, **options)
    raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
