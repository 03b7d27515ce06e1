"""Picture files in the format their name asks for (Pillow), never PNG bytes under ``.jpg``.

Example::

    >>> image_format(Path("x.jpg"))
    'JPEG'
"""

from __future__ import annotations

import io
from pathlib import Path


def image_format(path: Path) -> str:
    """Pillow's format name for ``path``'s suffix; ``ValueError`` naming the file and the
    suffixes Pillow can write when it cannot write this one."""
    from PIL import Image

    Image.init()
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None or fmt not in Image.SAVE:
        known = sorted(e for e, f in Image.registered_extensions().items() if f in Image.SAVE)
        raise ValueError(
            f"{path}: cannot write a {path.suffix or 'suffix-less'} picture; "
            f"use one of {', '.join(e for e in known if e in _COMMON) or ', '.join(known)}"
        )
    return fmt


_COMMON = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".pdf")


def encode_as(png: bytes, path: Path) -> bytes:
    """``png`` (a PNG file's bytes) re-encoded in the format ``path``'s suffix names."""
    fmt = image_format(path)
    if fmt == "PNG":
        return png
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        # formats without an alpha channel (JPEG, BMP, PDF...) get the picture on white
        rgb = Image.new("RGB", img.size, "white")
        rgb.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
        out = io.BytesIO()
        rgb.save(out, format=fmt)
    return out.getvalue()
