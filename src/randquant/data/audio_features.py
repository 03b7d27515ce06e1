"""Audio front-end: decode with soundfile, fix the length, log-mel spectrogram in torch.

The spectrogram's mel bands are its channels: ``(n_mels, frames)`` per clip, the ``sequence``
layout, as in BYOL-A and the paper's audio setting.

>>> fe = LogMelSpectrogram(sample_rate=16000, n_mels=64)
>>> fe(torch.zeros(2, 16000)).shape
torch.Size([2, 64, 63])
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from torch import nn

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 64


def _hz_to_mel(f: torch.Tensor) -> torch.Tensor:
    return 2595.0 * torch.log10(1.0 + f / 700.0)


def _mel_to_hz(m: torch.Tensor) -> torch.Tensor:
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank(
    *, n_mels: int, n_fft: int, sample_rate: int, f_min: float = 0.0, f_max: float | None = None
) -> torch.Tensor:
    """Triangular HTK-mel filters of unit area (Slaney norm), shape ``(n_mels, n_fft // 2 + 1)``.

    Matches ``librosa.filters.mel(..., htk=True)``.
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(
            f"need 0 <= f_min < f_max <= sample_rate/2, got f_min={f_min}, f_max={f_max}"
        )
    if n_mels < 1:
        raise ValueError(f"n_mels must be >= 1, got {n_mels}")
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    mels = torch.linspace(
        float(_hz_to_mel(torch.tensor(f_min))), float(_hz_to_mel(torch.tensor(f_max))), n_mels + 2
    )
    edges = _mel_to_hz(mels.double())
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lo) / (mid - lo)
    down = (hi - freqs) / (hi - mid)
    fb = torch.clamp(torch.minimum(up, down), min=0.0)
    fb = fb * (2.0 / (hi - lo))
    return fb.float()


class LogMelSpectrogram(nn.Module):
    """Waveforms ``(..., samples)`` to log-mel spectrograms ``(..., n_mels, frames)``."""

    filterbank: torch.Tensor
    window: torch.Tensor

    def __init__(
        self,
        *,
        sample_rate: int = SAMPLE_RATE,
        n_fft: int = N_FFT,
        hop_length: int = HOP,
        n_mels: int = N_MELS,
        f_min: float = 20.0,
        f_max: float | None = None,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        for opt, val in (
            ("sample_rate", sample_rate),
            ("n_fft", n_fft),
            ("hop_length", hop_length),
        ):
            if val < 1:
                raise ValueError(f"{opt} must be >= 1, got {val}")
        self.sample_rate, self.n_fft, self.hop_length = sample_rate, n_fft, hop_length
        self.n_mels, self.eps = n_mels, eps
        fb = mel_filterbank(
            n_mels=n_mels, n_fft=n_fft, sample_rate=sample_rate, f_min=f_min, f_max=f_max
        )
        self.register_buffer("filterbank", fb, persistent=False)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """Log-mel of ``wave`` (float, last axis = time)."""
        lead = wave.shape[:-1]
        flat = wave.reshape(-1, wave.shape[-1]).float()
        spec = torch.stft(
            flat, self.n_fft, self.hop_length, window=self.window, center=True, return_complex=True
        )
        power = spec.real**2 + spec.imag**2
        mel = torch.matmul(self.filterbank, power)
        out = torch.log(mel + self.eps)
        return out.reshape(*lead, *out.shape[-2:])

    def frames(self, num_samples: int) -> int:
        """Number of frames for a clip of ``num_samples`` samples."""
        return 1 + num_samples // self.hop_length

    def extra_repr(self) -> str:
        return (
            f"sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length}, "
            f"n_mels={self.n_mels}"
        )


def audio_meta(fe: LogMelSpectrogram, seconds: float) -> dict[str, float | int]:
    """The front-end facts an audio dataset records in ``Dataset.meta``."""
    return {
        "sample_rate": fe.sample_rate,
        "n_mels": fe.n_mels,
        "hop_length": fe.hop_length,
        "seconds": seconds,
    }


def fix_length(wave: np.ndarray, num_samples: int) -> np.ndarray:
    """Crop ``wave`` to its first ``num_samples`` samples or pad it with zeros."""
    if len(wave) >= num_samples:
        return wave[:num_samples]
    return np.pad(wave, (0, num_samples - len(wave)))


#: Sample rates a clip's header may declare (Hz): 1 kHz (telephony is 8 kHz) to 768 kHz (the
#: highest rate of studio converters). A header outside names the file instead of designing
#: a resampling filter for a 100 MHz "clip".
MIN_RATE, MAX_RATE = 1_000, 768_000
#: Largest up/down factor resampled with a polyphase filter (whose length grows with it);
#: beyond it (rates like 44101 Hz) the FFT method, whose cost depends on the length only.
_MAX_POLY = 1000


def resample(wave: np.ndarray, rate: int, sample_rate: int) -> np.ndarray:
    """``wave`` from ``rate`` to ``sample_rate`` Hz, at a cost bounded by its length."""
    from scipy.signal import resample as fft_resample
    from scipy.signal import resample_poly

    g = math.gcd(rate, sample_rate)
    up, down = sample_rate // g, rate // g
    if max(up, down) <= _MAX_POLY:
        out: np.ndarray = resample_poly(wave, up, down)
    else:
        out = fft_resample(wave, max(1, round(len(wave) * sample_rate / rate)))
    return out.astype(np.float32)


def load_waveform(
    source: Path | bytes, *, sample_rate: int = SAMPLE_RATE, duration: float | None = None
) -> np.ndarray:
    """Decode ``source`` (a path, or the bytes of a wav/ogg/flac file) to mono float32.

    Resampled to ``sample_rate``; with ``duration`` (seconds) cropped or zero-padded to it,
    and only the frames that make those seconds are decoded. ``ValueError`` names a file
    soundfile cannot decode, one whose header declares a rate outside
    [:data:`MIN_RATE`, :data:`MAX_RATE`], and one holding NaN or inf samples.
    """
    import soundfile as sf

    name = str(source) if isinstance(source, Path) else "<audio bytes>"
    try:
        with sf.SoundFile(source if isinstance(source, Path) else io.BytesIO(source)) as f:
            rate = int(f.samplerate)
            if not MIN_RATE <= rate <= MAX_RATE:
                raise ValueError(
                    f"audio file {name} declares a sample rate of {rate} Hz, outside "
                    f"[{MIN_RATE}, {MAX_RATE}] Hz"
                )
            # the seconds asked for, plus a margin wider than the resampling filter's reach,
            # so the samples kept are those resampling the whole clip gives
            frames = -1 if duration is None else math.ceil((duration + 0.05) * rate) + 64
            data = f.read(frames, dtype="float32", always_2d=True)
    except ValueError as err:
        if name in str(err):
            raise
        raise ValueError(f"cannot decode audio file {name}: {err}") from err
    except Exception as err:
        raise ValueError(f"cannot decode audio file {name}: {err}") from err
    if data.shape[0] == 0:
        raise ValueError(f"audio file {name} holds no samples")
    bad = ~np.isfinite(data)
    if bad.any():
        first = int(np.flatnonzero(bad.any(axis=1))[0])
        raise ValueError(
            f"audio file {name}: {int(bad.sum())} samples are NaN or inf (first at frame {first})"
        )
    wave = data.mean(axis=1)
    if rate != sample_rate:
        wave = resample(wave, rate, sample_rate)
    if duration is not None:
        wave = fix_length(wave, round(duration * sample_rate))
    return np.ascontiguousarray(wave, dtype=np.float32)


def waves_to_logmel(
    waves: Iterable[np.ndarray], fe: LogMelSpectrogram, *, num_samples: int, batch: int = 256
) -> torch.Tensor:
    """Log-mel ``(N, n_mels, frames)`` float32 of equal-length waveforms, ``batch`` at a time.

    ``waves`` may be a generator: only one batch of waveforms is held in memory at once.
    """
    out: list[torch.Tensor] = [torch.zeros(0, fe.n_mels, fe.frames(num_samples))]
    buf: list[np.ndarray] = []

    def flush() -> None:
        with torch.no_grad():
            out.append(fe(torch.from_numpy(np.stack(buf))).float())
        buf.clear()

    for w in waves:
        if len(w) != num_samples:
            raise ValueError(f"waveform of {len(w)} samples, expected {num_samples}")
        buf.append(w)
        if len(buf) == batch:
            flush()
    if buf:
        flush()
    return torch.cat(out)
