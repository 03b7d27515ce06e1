"""Encoder files: a saved encoder comes back with the same weights and features."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from randquant.engine.encoder_file import load_encoder, save_encoder
from randquant.models import build_encoder


def test_round_trip_gives_identical_features(tmp_path: Path) -> None:
    torch.manual_seed(0)
    enc = build_encoder("cnn1d", layout="sequence", sample_shape=(3, 20), width=8).eval()
    path = save_encoder(
        tmp_path / "e.pt", enc, name="cnn1d", layout="sequence", sample_shape=(3, 20), width=8,
        meta={"modality": "sensor", "bad": object()}, info={"augment": "rq", "seed": 1},
    )  # fmt: skip
    back, payload = load_encoder(path)
    x = torch.randn(4, 3, 20)
    assert torch.equal(enc(x), back(x))
    assert payload["info"] == {"augment": "rq", "seed": 1}
    assert payload["build"]["meta"] == {"modality": "sensor"}  # non-JSON entries dropped
    assert [p.name for p in tmp_path.iterdir()] == ["e.pt"]  # no temporary file left


def test_load_rejects_foreign_files(tmp_path: Path) -> None:
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.ones(2)}, other)
    with pytest.raises(ValueError, match=r"other.pt: not a randquant encoder file"):
        load_encoder(other)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ValueError, match=r"junk.pt: not a readable encoder file"):
        load_encoder(junk)
