"""A folder of audio clips per class (wav, ogg, flac), as log-mel spectrograms.

Arrangements: ``root/<class>/*.wav`` (split here), ``root/train/<class>/*`` + ``root/test/...``.
Clips are decoded with soundfile, mixed to mono, resampled, cropped or padded to
``duration`` seconds and turned into ``(n_mels, frames)`` log-mel spectrograms.

>>> ds = load_audio_folder("recordings/", duration=2.0)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from randquant.data.audio_features import LogMelSpectrogram, load_waveform
from randquant.data.base import Dataset
from randquant.data.files import class_folder_files, dataset_from_files

AUDIO_EXTENSIONS = frozenset({".wav", ".ogg", ".flac"})


def load_audio_folder(
    root: Path | str,
    *,
    sample_rate: int = 16000,
    duration: float = 1.0,
    n_mels: int = 64,
    test_fraction: float = 0.2,
    seed: int = 0,
    skip_bad: bool = False,
) -> Dataset:
    """A ``sequence`` :class:`Dataset` of log-mel spectrograms from class folders of clips.

    An unreadable or empty clip raises ``ValueError`` naming it (or is skipped and counted
    with ``skip_bad=True``); so does a class folder without audio files.
    """
    if duration <= 0:
        raise ValueError(f"duration must be > 0 seconds, got {duration}")
    root = Path(root)
    fe = LogMelSpectrogram(sample_rate=sample_rate, n_mels=n_mels)

    def decode(path: Path) -> np.ndarray:
        wave = load_waveform(path, sample_rate=sample_rate, duration=duration)
        with torch.no_grad():
            spec: np.ndarray = fe(torch.from_numpy(wave)).numpy()
        return spec

    splits = class_folder_files(root, AUDIO_EXTENSIONS, test_fraction=test_fraction, seed=seed)
    meta = {
        "modality": "audio",
        "source": str(root),
        "sample_rate": sample_rate,
        "n_mels": n_mels,
        "hop_length": fe.hop_length,
        "seconds": duration,
    }
    return dataset_from_files(
        root.resolve().name,
        "sequence",
        splits,
        decode,
        skip_bad=skip_bad,
        what="audio files",
        meta=meta,
    )
