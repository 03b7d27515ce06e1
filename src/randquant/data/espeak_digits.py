"""Spoken digits synthesised by espeak-ng (an AudioMNIST-like set, many voices).

The ten English digit words are spoken by 7 English accents x 12 voice variants x 3 speeds
x 2 pitches (504 renditions per digit) through ``espeak-ng --stdout``. Each clip starts after a
silence of 0-250 ms (drawn once per clip with seed 0: espeak-ng always starts speaking at the
same instant, recordings do not), is cropped or padded to 1 s at 16 kHz and turned into a
64-band log-mel spectrogram.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

from randquant.data.audio_features import (
    LogMelSpectrogram,
    audio_meta,
    fix_length,
    load_waveform,
    waves_to_logmel,
)
from randquant.data.sources import Advance, Source, SourceIndex

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = (
    "en",
    "en-us",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-rp",
    "en-gb-x-gbcwmd",
    "en-029",
)
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4", "croak", "klatt")
SPEEDS = (130, 170, 210)
PITCHES = (35, 65)
CLIP_SECONDS = 1.0
MAX_ONSET_MS = 250


def speak(espeak: Path, text: str, *, voice: str, speed: int, pitch: int) -> bytes:
    """The wav bytes of ``text`` spoken by espeak-ng; ``RuntimeError`` with stderr on failure."""
    cmd = [str(espeak), "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text]
    done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    if done.returncode != 0 or len(done.stdout) < 64:
        err = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"espeak-ng failed for voice {voice!r} saying {text!r}: {err}")
    return done.stdout


class EspeakDigits(Source):
    """Digits 0-9 spoken by espeak-ng in many voices, log-mel ``(64, 63)`` of 1 s."""

    name = "espeak_digits"
    modality = "audio"
    layout = "sequence"
    description = "espeak-ng spoken digits, 84 voices x 6 speeds/pitches, log-mel 64x63, 10 classes"
    apt = ("espeak-ng",)
    version = "2"  # 2: random onset
    full_size = "4,030 train / 1,010 test, 64 mel bands x 63 frames (1 s)"

    def source_files(self) -> list[Path]:
        exe = self.require_program("espeak-ng")
        data = [Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/en_dict")]
        return [exe, *(p for p in data if p.exists())]

    def index(self) -> SourceIndex:
        self.source_files()
        items = [
            (d, f"{a}+{v}", s, p)
            for d in range(10)
            for a in ACCENTS
            for v in VARIANTS
            for s in SPEEDS
            for p in PITCHES
        ]
        onsets = np.random.default_rng(0).integers(0, MAX_ONSET_MS + 1, len(items)).tolist()
        timed = [(*it, ms) for it, ms in zip(items, onsets, strict=True)]
        labels = np.array([it[0] for it in items], dtype=np.int64)
        return SourceIndex(timed, labels, tuple(str(d) for d in range(10)))

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        espeak = self.source_files()[0]
        fe = LogMelSpectrogram()

        def one(item: tuple[int, str, int, int, int]) -> np.ndarray:
            digit, voice, speed, pitch, onset_ms = item
            raw = speak(espeak, DIGIT_WORDS[digit], voice=voice, speed=speed, pitch=pitch)
            wave = load_waveform(raw, sample_rate=fe.sample_rate)
            silence = np.zeros(onset_ms * fe.sample_rate // 1000, dtype=np.float32)
            advance(1)
            return fix_length(np.concatenate([silence, wave]), round(CLIP_SECONDS * fe.sample_rate))

        with ThreadPoolExecutor(max_workers=2) as pool:
            n = round(CLIP_SECONDS * fe.sample_rate)
            return waves_to_logmel(pool.map(one, items), fe, num_samples=n)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), **audio_meta(LogMelSpectrogram(), CLIP_SECONDS)}


SOURCES = (EspeakDigits,)
