"""``load_user_data``: one entry point for user data (a ``.npz`` file or an image folder)."""

from __future__ import annotations

from pathlib import Path

from randquant.data.base import Dataset
from randquant.data.image_folder import load_image_folder
from randquant.data.npz import load_npz


def load_user_data(
    path: Path | str,
    *,
    layout: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    image_size: int | None = None,
) -> Dataset:
    """Load a ``.npz`` file or a folder of class folders of images into a :class:`Dataset`.

    A ``.npz`` needs ``x_train, y_train, x_test, y_test`` (``x_val, y_val`` optional); its
    layout follows ``x``'s dims unless ``layout`` says otherwise (``"points"`` for
    ``(N, P, 3)``, ``"tokens"`` for int ids). A folder is read with
    :func:`~randquant.data.image_folder.load_image_folder` (``test_fraction``, ``seed`` and
    ``image_size`` apply to it only).

    >>> ds = load_user_data("motions.npz")  # doctest: +SKIP
    >>> ds = load_user_data("photos/", image_size=64)  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        if layout not in (None, "image"):
            raise ValueError(f"layout must be 'image' (or None) for a folder, got {layout!r}")
        return load_image_folder(
            path, test_fraction=test_fraction, seed=seed, image_size=image_size
        )
    if path.suffix.lower() == ".npz":
        return load_npz(path, layout=layout)
    raise ValueError(
        f"{path}: unsupported data file {path.suffix!r}; give a .npz file or a folder of "
        "class folders of images"
    )
