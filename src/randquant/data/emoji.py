"""Colour emoji rendered from Noto Color Emoji, labelled by their Unicode group.

The font (Debian ``fonts-noto-color-emoji``) holds bitmaps at one strike size, 109; each
fully-qualified emoji of ``emoji-test.txt`` (Debian ``unicode-data``) is drawn at that size,
flattened on white, padded square and downscaled to RGB 32x32. Skin-tone variants are left
out (they would put near-copies of one picture on both sides of the split), leaving about
1,870 emoji in 9 groups (Smileys & Emotion, People & Body, Animals & Nature, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.sources import Advance, Source, SourceIndex

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
STRIKE_SIZE = 109
_SKIN_TONES = range(0x1F3FB, 0x1F400)


def parse_emoji_test(path: Path, *, skin_tones: bool = False) -> list[tuple[str, str]]:
    """``(emoji, group)`` for every fully-qualified line of an ``emoji-test.txt`` file."""
    out: list[tuple[str, str]] = []
    group = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
            continue
        fields = line.split(";")
        if (
            line.startswith("#")
            or len(fields) < 2
            or not fields[1].strip().startswith("fully-qualified")
        ):
            continue
        try:
            cps = [int(h, 16) for h in fields[0].split()]
        except ValueError as err:
            raise ValueError(f"{path}: bad code point in line {line!r}") from err
        if not skin_tones and any(c in _SKIN_TONES for c in cps):
            continue
        out.append(("".join(map(chr, cps)), group))
    return out


def render_emoji(text: str, font: Any, size: int) -> np.ndarray:
    """Draw ``text`` with the colour ``font`` on white; ``(3, size, size)`` float32 in [0, 1]."""
    from PIL import Image, ImageDraw

    *_, right, bottom = font.getbbox(text)
    canvas = Image.new("RGBA", (right + 4, bottom + 4), (255, 255, 255, 0))
    ImageDraw.Draw(canvas).text((0, 0), text, font=font, embedded_color=True)
    box = canvas.getbbox() or (0, 0, canvas.width, canvas.height)
    glyph = canvas.crop(box)
    side = max(glyph.size)
    square = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    square.alpha_composite(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    small = square.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(small, dtype=np.float32).transpose(2, 0, 1) / 255.0


class Emoji(Source):
    """Noto colour emoji by Unicode group, RGB 32x32."""

    name = "emoji"
    modality = "image"
    layout = "image"
    description = "Noto colour emoji by Unicode group, RGB 3x32x32, 9 groups"
    apt = ("fonts-noto-color-emoji", "unicode-data")
    full_size = "1,495 train / 375 test, 3x32x32 (no skin-tone variants)"
    image_size = 32

    def __init__(self, font: Path = EMOJI_FONT, table: Path = EMOJI_TEST) -> None:
        self.font_path, self.table = font, table

    def source_files(self) -> list[Path]:
        return self.require_files(self.font_path, self.table)

    def index(self) -> SourceIndex:
        _, table = self.source_files()
        pairs = parse_emoji_test(table)
        names = tuple(sorted({g for _, g in pairs}))
        labels = np.array([names.index(g) for _, g in pairs], dtype=np.int64)
        return SourceIndex([e for e, _ in pairs], labels, names)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        from PIL import ImageFont

        font_path, _ = self.source_files()
        try:
            font = ImageFont.truetype(str(font_path), STRIKE_SIZE)
        except OSError as err:
            raise ValueError(f"cannot open the emoji font {font_path}: {err}") from err
        out = np.zeros((len(items), 3, self.image_size, self.image_size), dtype=np.float32)
        for i, text in enumerate(items):
            out[i] = render_emoji(text, font, self.image_size)
            advance(1)
        return torch.from_numpy(out)


SOURCES = (Emoji,)
