"""A tiny Standard MIDI File writer: enough to render single notes with a soundfont.

>>> data = midi_notes([(0, 60, 100, 0.0, 0.5), (40, 64, 90, 1.0, 0.5)])
>>> data[:4]
b'MThd'
"""

from __future__ import annotations

from collections.abc import Sequence

TICKS_PER_QUARTER = 480
TEMPO_US_PER_QUARTER = 500_000  # 120 bpm: 960 ticks a second
TICKS_PER_SECOND = TICKS_PER_QUARTER * 1_000_000 // TEMPO_US_PER_QUARTER


def _vlq(value: int) -> bytes:
    """MIDI variable-length quantity."""
    if value < 0:
        raise ValueError(f"delta time must be >= 0, got {value}")
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_notes(notes: Sequence[tuple[int, int, int, float, float]], *, channel: int = 0) -> bytes:
    """A format-0 MIDI file playing ``(program, pitch, velocity, start_s, length_s)`` notes.

    A program change goes out just before each note whose program differs from the last one,
    so many instruments can share one file (and one soundfont load) on one ``channel``.
    """
    if not 0 <= channel < 16:
        raise ValueError(f"channel must lie in [0, 16), got {channel}")
    events: list[tuple[int, int, bytes]] = []  # (tick, order, message): off < program < on
    for program, pitch, velocity, start, length in notes:
        ok = 0 <= program < 128 and 0 <= pitch < 128 and 0 < velocity < 128
        if not (ok and start >= 0 and length > 0):
            raise ValueError(
                "bad note (program, pitch, velocity, start, length) = "
                f"{(program, pitch, velocity, start, length)}"
            )
        on, off = round(start * TICKS_PER_SECOND), round((start + length) * TICKS_PER_SECOND)
        events.append((on, 1, bytes([0xC0 | channel, program])))
        events.append((on, 2, bytes([0x90 | channel, pitch, velocity])))
        events.append((off, 0, bytes([0x80 | channel, pitch, 0])))
    events.sort(key=lambda e: (e[0], e[1]))
    track = bytearray(b"\x00\xff\x51\x03" + TEMPO_US_PER_QUARTER.to_bytes(3, "big"))
    now, current = 0, -1
    for tick, _, msg in events:
        if msg[0] & 0xF0 == 0xC0:
            if msg[1] == current:
                continue
            current = msg[1]
        track += _vlq(tick - now) + msg
        now = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    header += TICKS_PER_QUARTER.to_bytes(2, "big")
    return header + b"MTrk" + len(track).to_bytes(4, "big") + bytes(track)
