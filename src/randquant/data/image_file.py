"""Read one image file at its real bit depth, in bounded memory, or say why not in one line.

Pillow's ``convert("RGB")`` is right for 8-bit images only: a 16-bit grayscale PNG (mode
``I;16``) saturates to 255 and a float TIFF in [0, 1] (mode ``F``) rounds to 0 and 1. Here
each mode is scaled by its own depth into [0, 1]:

==============================================  ===========================================
mode                                            read as
==============================================  ===========================================
``1 L P RGB RGBA RGBX CMYK YCbCr LAB HSV LA PA``  ``convert("RGB")``, divided by 255
``I;16`` ``I;16L`` ``I;16B`` ``I;16N``            divided by 65535 (gray copied to R, G, B)
``I`` (32-bit signed)                            divided by 2**31 (a 16-bit PNG read as ``I``
                                                 by older Pillow: by 65535)
``F`` (32-bit float)                             the values as stored (must be finite)
anything else                                    ``ValueError`` naming the file and the mode
==============================================  ===========================================

Every Pillow error (unreadable file, decompression bomb, unsupported conversion) becomes a
``ValueError`` naming the file; an image over :data:`MAX_PIXELS` is refused from its header,
before it is decoded.

>>> read_image(Path("photo.png"), size=(32, 32)).shape  # doctest: +SKIP
(32, 32, 3)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

#: Largest image (width x height) read: 8192 x 8192. Pillow's own bomb guard warns at about
#: 89 million pixels and only refuses at twice that.
MAX_PIXELS = 8192 * 8192

_EIGHT_BIT = frozenset(
    {"1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "LAB", "HSV", "LA", "La", "PA"}
)
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
MODES = tuple(sorted(_EIGHT_BIT | _SIXTEEN_BIT | {"I", "F"}))


@contextmanager
def open_image(path: Path) -> Iterator[Any]:
    """``PIL.Image.open(path)`` whose errors are one ``ValueError`` naming the file, with
    the size checked against :data:`MAX_PIXELS` from the header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # bounded below
            img = Image.open(path)
    except Image.DecompressionBombError as err:
        raise ValueError(f"{path}: cannot read image: {_bomb(err)}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise ValueError(f"{path}: cannot read image ({err})") from None
    with img:
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise ValueError(
                f"{path}: image is {w} x {h} pixels ({w * h / 1e6:.0f} megapixels), over the "
                f"bound of {MAX_PIXELS / 1e6:.0f} megapixels; shrink it before loading"
            )
        try:
            yield img
        except Image.DecompressionBombError as err:
            raise ValueError(f"{path}: cannot read image: {_bomb(err)}") from None
        except (OSError, ValueError, SyntaxError, EOFError) as err:
            raise ValueError(f"{path}: cannot read image in mode {img.mode!r} ({err})") from None


def _bomb(err: Exception) -> str:
    return str(err).split(" could be")[0] + " (a decompression bomb?)"


def image_size(path: Path) -> tuple[int, int]:
    """``(width, height)`` of the image at ``path``, from its header."""
    with open_image(path) as img:
        size: tuple[int, int] = img.size
        return size


def read_image(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """``(H, W, 3)`` float32 of the image at ``path``, scaled by its bit depth (see the table
    above), resized (bilinear) to ``size = (width, height)`` when given."""
    from PIL import Image

    with open_image(path) as img:
        mode = img.mode
        if mode in _EIGHT_BIT:
            rgb = img.convert("RGB")
            if size is not None and rgb.size != size:
                rgb = rgb.resize(size, Image.Resampling.BILINEAR)
            return (np.asarray(rgb, dtype=np.uint8) / 255.0).astype(np.float32)
        if mode in _SIXTEEN_BIT:
            depth = 65535.0
        elif mode == "I":
            depth = 65535.0 if img.format == "PNG" else 2.0**31
        elif mode == "F":
            depth = 1.0
        else:
            depth = 0.0
        gray = np.asarray(img).astype(np.float64) / depth if depth else None
    if gray is None:
        raise ValueError(
            f"{path}: image mode {mode!r} is not supported (supported: {', '.join(MODES)}); "
            "convert it to 8- or 16-bit RGB or grayscale"
        )
    if not np.isfinite(gray).all():
        raise ValueError(f"{path}: image holds {int((~np.isfinite(gray)).sum())} NaN/inf pixels")
    plane = gray.astype(np.float32)
    if size is not None and plane.shape[::-1] != size:
        plane = np.asarray(Image.fromarray(plane).resize(size, Image.Resampling.BILINEAR))
    return np.repeat(plane[:, :, None], 3, axis=2)
