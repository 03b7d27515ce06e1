"""The torch log-mel front-end and the MIDI writer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from randquant.data.audio_features import (
    LogMelSpectrogram,
    fix_length,
    load_waveform,
    mel_filterbank,
)
from randquant.data.midi import midi_notes


def test_filterbank_matches_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    ours = mel_filterbank(n_mels=40, n_fft=512, sample_rate=16000, f_min=20.0, f_max=7000.0)
    ref = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, fmin=20.0, fmax=7000.0, htk=True)
    assert np.allclose(ours.numpy(), ref, atol=1e-6)


def test_logmel_shape_and_tone_band() -> None:
    fe = LogMelSpectrogram(sample_rate=16000, n_mels=64)
    t = torch.arange(16000) / 16000
    tones = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (200.0, 1000.0, 5000.0)])
    spec = fe(tones)
    assert spec.shape == (3, 64, fe.frames(16000)) and spec.dtype == torch.float32
    peaks = spec.mean(dim=2).argmax(dim=1).tolist()
    assert peaks[0] < peaks[1] < peaks[2]
    assert fe(tones.reshape(3, 1, -1)).shape == (3, 1, 64, fe.frames(16000))


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="hop_length"):
        LogMelSpectrogram(hop_length=0)
    with pytest.raises(ValueError, match="f_max"):
        mel_filterbank(n_mels=8, n_fft=64, sample_rate=8000, f_max=9000.0)


def test_waveform_resample_and_length(tmp_path: Path) -> None:
    import soundfile as sf

    stereo = np.stack([np.ones(44100), -np.ones(44100) * 0.5], axis=1).astype(np.float32)
    sf.write(tmp_path / "a.wav", stereo, 44100)
    wave = load_waveform(tmp_path / "a.wav", sample_rate=16000, duration=2.0)
    assert wave.shape == (32000,) and wave.dtype == np.float32
    assert wave[8000] == pytest.approx(0.25, abs=1e-3) and wave[-1] == 0.0
    assert fix_length(np.arange(5.0), 3).tolist() == [0.0, 1.0, 2.0]
    (tmp_path / "b.wav").write_bytes(b"not audio")
    with pytest.raises(ValueError, match=r"b\.wav"):
        load_waveform(tmp_path / "b.wav")


def test_midi_bytes() -> None:
    data = midi_notes([(0, 60, 100, 0.0, 0.5), (0, 62, 100, 1.0, 0.5), (40, 64, 90, 2.0, 0.5)])
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    assert int.from_bytes(data[18:22], "big") == len(data) - 22
    assert data.count(bytes([0xC0, 0])) == 1 and data.count(bytes([0xC0, 40])) == 1
    assert data.count(bytes([0x90])) == 3 and data.endswith(b"\xff\x2f\x00")
    with pytest.raises(ValueError, match="bad note"):
        midi_notes([(0, 128, 100, 0.0, 0.5)])


def test_midi_renders_with_fluidsynth(tmp_path: Path) -> None:
    sf2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
    if shutil.which("fluidsynth") is None or not sf2.exists():
        pytest.skip("needs apt-get install -y fluidsynth fluid-soundfont-gm")
    (tmp_path / "n.mid").write_bytes(midi_notes([(0, 69, 110, 0.0, 0.5)]))
    cmd = ["fluidsynth", "-ni", "-q", "-r", "16000", "-F", str(tmp_path / "n.wav"), str(sf2)]
    subprocess.run([*cmd, str(tmp_path / "n.mid")], check=True, capture_output=True, timeout=60)
    wave = load_waveform(tmp_path / "n.wav", sample_rate=16000)
    assert np.abs(wave[:4000]).max() > 0.01 and len(wave) >= 8000
