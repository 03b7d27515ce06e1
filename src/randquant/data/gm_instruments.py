"""Synthesised instrument notes (NSynth-like): every General MIDI program rendered by fluidsynth.

Each of the 128 GM programs plays notes at 17 pitches (MIDI 36-84, every third) and three
velocities with the FluidR3 GM soundfont (Debian ``fluidsynth`` + ``fluid-soundfont-gm``);
each note is a 1 s clip at 16 kHz (0.75 s held, then release), turned into a 64-band log-mel
spectrogram. The label is the program's GM family (piano, organ, guitar, ... 16 families of 8).
"""

from __future__ import annotations

import subprocess
import tempfile
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
from randquant.data.midi import midi_notes
from randquant.data.sources import Advance, Source, SourceIndex

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
GM_FAMILIES = (
    "piano", "chromatic percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass",
    "reed", "pipe", "synth lead", "synth pad", "synth effects", "ethnic", "percussive",
    "sound effects",
)  # fmt: skip
PITCHES = tuple(range(36, 85, 3))
VELOCITIES = (60, 90, 120)
NOTE_SECONDS, CLIP_SECONDS, SPACING_SECONDS = 0.75, 1.0, 1.5
SAMPLE_RATE = 16000
CHUNK = 400  # notes per fluidsynth run (about 10 minutes of audio)


def render_notes(
    fluidsynth: Path, soundfont: Path, notes: Sequence[tuple[int, int, int]]
) -> list[np.ndarray]:
    """Render ``(program, pitch, velocity)`` notes in one fluidsynth run; one 1 s clip each."""
    timed = [(g, p, v, i * SPACING_SECONDS, NOTE_SECONDS) for i, (g, p, v) in enumerate(notes)]
    with tempfile.TemporaryDirectory(prefix="randquant-gm-") as tmp:
        mid, wav = Path(tmp) / "notes.mid", Path(tmp) / "notes.wav"
        mid.write_bytes(midi_notes(timed))
        cmd = [str(fluidsynth), "-ni", "-q", "-R", "0", "-C", "0", "-r", str(SAMPLE_RATE)]
        cmd += ["-g", "0.6", "-F", str(wav), str(soundfont), str(mid)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
        if done.returncode != 0 or not wav.exists():
            raise RuntimeError(f"fluidsynth failed on {mid.name}: {done.stderr.strip()[-500:]}")
        audio = load_waveform(wav, sample_rate=SAMPLE_RATE)
    clip = round(CLIP_SECONDS * SAMPLE_RATE)
    starts = [round(t * SAMPLE_RATE) for *_, t, _ in timed]
    return [fix_length(audio[s : s + clip], clip) for s in starts]


class GMInstruments(Source):
    """General MIDI notes rendered by fluidsynth, labelled by instrument family."""

    name = "gm_instruments"
    modality = "audio"
    layout = "sequence"
    description = "fluidsynth-rendered GM notes by instrument family, log-mel 64x63, 16 families"
    apt = ("fluidsynth", "fluid-soundfont-gm")
    full_size = "5,216 train / 1,312 test, 64 mel bands x 63 frames (1 s)"

    def __init__(self, soundfont: Path = SOUNDFONT) -> None:
        self.soundfont = soundfont

    def source_files(self) -> list[Path]:
        return [self.require_program("fluidsynth"), *self.require_files(self.soundfont)]

    def index(self) -> SourceIndex:
        self.source_files()
        items = [(prog, p, v) for prog in range(128) for p in PITCHES for v in VELOCITIES]
        labels = np.array([prog // 8 for prog, _, _ in items], dtype=np.int64)
        return SourceIndex(items, labels, GM_FAMILIES)

    def load(self, items: Sequence[Any], advance: Advance) -> torch.Tensor:
        fluidsynth, soundfont = self.source_files()
        order = sorted(range(len(items)), key=lambda i: tuple(items[i]))
        chunks = [order[k : k + CHUNK] for k in range(0, len(order), CHUNK)]
        waves: list[np.ndarray] = [np.zeros(0, np.float32)] * len(items)

        def one(chunk: list[int]) -> None:
            rendered = render_notes(fluidsynth, soundfont, [tuple(items[i]) for i in chunk])
            for i, w in zip(chunk, rendered, strict=True):
                waves[i] = w
            advance(len(chunk))

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, chunks))
        n = round(CLIP_SECONDS * SAMPLE_RATE)
        return waves_to_logmel(waves, LogMelSpectrogram(sample_rate=SAMPLE_RATE), num_samples=n)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), **audio_meta(LogMelSpectrogram(), CLIP_SECONDS)}


SOURCES = (GMInstruments,)
