"""``load_user_data``: one entry point for a user's own data, of every modality.

- ``*.npz`` with ``x_train, y_train, x_test, y_test``: layout from ``x``'s dims (``load_npz``);
- ``*.ts`` (UEA/UCR, ``X_TEST.ts`` found beside it): sequence, sensor (``load_ts``);
- ``*.csv`` table with a label column: vector, tabular (``load_csv``);
- a folder of class folders of images: image (``load_image_folder``);
- a folder of class folders of wav/ogg/flac clips: sequence, audio log-mels
  (``load_audio_folder``);
- a folder of class folders of OFF/PLY meshes: points (``load_modelnet``);
- a CIFAR-style batches folder: image (``load_cifar``).

A file or folder that cannot be read raises ``ValueError`` naming it (and the line, cell or
clip where it can).

>>> ds = load_user_data("motions.npz")  # doctest: +SKIP
>>> ds = load_user_data("clips/", duration=2.0)  # doctest: +SKIP
>>> ds = load_user_data("patients.csv", label_column="diagnosis")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from randquant.data.base import Dataset

#: The file suffixes :func:`load_user_data` reads (folders are recognised by their content).
FILE_SUFFIXES = (".npz", ".ts", ".csv")
#: Label columns a CSV table may use without ``label_column``.
LABEL_NAMES = ("label", "class", "target", "y")


def _csv_label_column(path: Path) -> str:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            header = [c.strip() for c in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"cannot read CSV file {path}: {err}") from err
    for name in header:
        if name.lower() in LABEL_NAMES:
            return name
    raise ValueError(
        f"{path}: no label column named {' / '.join(LABEL_NAMES)} among {header[:8]}; "
        "name it with label_column (--label-column)"
    )


def _check_layout(path: Path, layout: str | None, want: str) -> None:
    if layout not in (None, want):
        raise ValueError(f"{path}: layout must be {want!r} (or None) for this data, got {layout!r}")


def load_user_data(
    path: Path | str,
    *,
    layout: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    image_size: int | None = None,
    label_column: str | None = None,
    num_points: int = 1024,
    duration: float = 1.0,
    skip_bad: bool = False,
) -> Dataset:
    """Load the user data at ``path`` (see the table above) into a :class:`Dataset`.

    ``layout`` overrides the layout of a ``.npz`` (``"points"`` for ``(N, P, 3)``,
    ``"tokens"`` for int ids); for other data it may only repeat the layout they have.
    ``test_fraction`` and ``seed`` split data that has no test split; ``image_size`` resizes
    images; ``label_column`` names a CSV table's class column (default: a column named
    label, class, target or y); ``num_points`` is the points sampled per mesh; ``duration``
    the seconds of each audio clip; ``skip_bad`` skips unreadable files or rows (counted in a
    warning) instead of stopping.
    """
    from randquant.data.formats import detect_format, load_format

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    split: dict[str, Any] = {"test_fraction": test_fraction, "seed": seed}
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".npz":
            from randquant.data.npz import load_npz

            return load_npz(path, layout=layout)
        if suffix == ".ts":
            _check_layout(path, layout, "sequence")
            return load_format(path, format="ts", skip_bad=skip_bad, **split)
        if suffix == ".csv":
            _check_layout(path, layout, "vector")
            column = label_column if label_column is not None else _csv_label_column(path)
            return load_format(path, format="csv", label_column=column, skip_bad=skip_bad, **split)
        raise ValueError(
            f"{path}: unsupported data file {suffix!r}; give a {', '.join(FILE_SUFFIXES)} file "
            "or a folder of class folders (images, audio clips or OFF/PLY meshes)"
        )
    fmt = detect_format(path)
    if fmt == "cifar":
        _check_layout(path, layout, "image")
        return load_format(path, format=fmt)
    if fmt == "image_folder":
        _check_layout(path, layout, "image")
        return load_format(path, format=fmt, image_size=image_size, **split)
    if fmt == "audio_folder":
        _check_layout(path, layout, "sequence")
        return load_format(path, format=fmt, duration=duration, skip_bad=skip_bad, **split)
    _check_layout(path, layout, "points")
    return load_format(path, format=fmt, num_points=num_points, skip_bad=skip_bad, **split)
