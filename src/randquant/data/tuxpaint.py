"""Tux Paint's stamp collection (Debian ``tuxpaint-stamps-default``): pictures and spoken clips.

* ``tuxpaint_stamps``: the colour PNG photos and drawings, labelled by theme folder
  (animals, food, town, ...), flattened on white, padded square and resized to RGB 32x32.
* ``tuxpaint_speech``: the spoken descriptions ``*_desc_XX.ogg``, labelled by language code
  ``XX`` (the languages with at least 300 clips), as 64-band log-mel spectrograms of 2 s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.audio_features import (
    LogMelSpectrogram,
    audio_meta,
    load_waveform,
    waves_to_logmel,
)
from randquant.data.sources import Advance, Source, SourceIndex, files_under, index_by_key

STAMPS_DIR = Path("/usr/share/tuxpaint/stamps")
_LANG = re.compile(r"_desc_([a-z]{2,3})\.ogg$")


def picture_to_array(path: Path, size: int) -> np.ndarray:
    """Open an image, flatten it on white, pad square, resize: ``(3, size, size)`` in [0, 1]."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            rgba = im.convert("RGBA")
    except Exception as err:
        raise ValueError(f"cannot decode image file {path}: {err}") from err
    side = max(rgba.size)
    canvas = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    canvas.alpha_composite(rgba, ((side - rgba.width) // 2, (side - rgba.height) // 2))
    small = canvas.convert("RGB").resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(small, dtype=np.float32).transpose(2, 0, 1) / 255.0


class _Stamps(Source):
    apt = ("tuxpaint-stamps-default",)

    def __init__(self, root: Path = STAMPS_DIR) -> None:
        self.root = root

    def _files(self) -> list[Path]:
        raise NotImplementedError

    def source_files(self) -> list[Path]:
        self.require_files(self.root)
        files = self._files()
        if not files:
            raise self.missing(f"{type(self).__name__} files under {self.root}")
        return files


class TuxpaintStamps(_Stamps):
    """Colour stamp pictures by theme folder; themes with fewer than ``min_per_class`` dropped."""

    name = "tuxpaint_stamps"
    modality = "image"
    layout = "image"
    description = "Tux Paint stamp photos/drawings by theme, RGB 3x32x32, 10 themes"
    full_size = "590 train / 148 test, 3x32x32 (PNG stamps of the themes with 15+ pictures)"
    image_size = 32
    min_per_class = 15

    def _files(self) -> list[Path]:
        return [p for p in files_under(self.root, "*.png") if not p.stem.endswith("_mirror")]

    def index(self) -> SourceIndex:
        files = self.source_files()
        theme = [p.relative_to(self.root).parts[0] for p in files]
        return index_by_key(files, theme, min_count=self.min_per_class)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        out = []
        for p in items:
            out.append(picture_to_array(p, self.image_size))
            advance(1)
        return (
            torch.from_numpy(np.stack(out))
            if out
            else torch.zeros(0, 3, self.image_size, self.image_size)
        )


class TuxpaintSpeech(_Stamps):
    """Spoken stamp descriptions, labelled by language; log-mel ``(64, 126)`` of 2 s at 16 kHz."""

    name = "tuxpaint_speech"
    modality = "audio"
    layout = "sequence"
    description = "spoken Tux Paint stamp descriptions by language, log-mel 64x126, 9 languages"
    full_size = "5,752 train / 1,438 test, 64 mel bands x 126 frames (2 s)"
    duration = 2.0
    min_per_class = 300

    def _files(self) -> list[Path]:
        return [p for p in files_under(self.root, "*.ogg") if _LANG.search(p.name)]

    def index(self) -> SourceIndex:
        files = self.source_files()
        lang = [m.group(1) if (m := _LANG.search(p.name)) else "" for p in files]
        return index_by_key(files, lang, min_count=self.min_per_class)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        fe = LogMelSpectrogram()
        n = round(self.duration * fe.sample_rate)

        def one(path: Path) -> np.ndarray:
            wave = load_waveform(path, sample_rate=fe.sample_rate, duration=self.duration)
            advance(1)
            return wave

        with ThreadPoolExecutor(max_workers=2) as pool:  # decoding releases the GIL
            return waves_to_logmel(pool.map(one, items), fe, num_samples=n)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), **audio_meta(LogMelSpectrogram(), self.duration)}


SOURCES = (TuxpaintStamps, TuxpaintSpeech)
