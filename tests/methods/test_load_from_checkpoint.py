"""Each method's ``load_from_checkpoint(path)`` alone rebuilds it from a ``pretrain`` checkpoint
(plain hyperparameters, readable with ``torch.load(weights_only=True)``), and the default
loggers write the metrics into the run folder."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from ssl_kit import blobs, quick_config, same_state, state_of

from randquant.augment import build_views
from randquant.engine import pretrain
from randquant.methods import METHODS
from randquant.models import build_encoder

torch.set_num_threads(1)

HEADS = {
    "simclr": {"hidden_dim": 32, "proj_dim": 16},
    "moco_v3": {"hidden_dim": 32, "proj_dim": 16, "temperature": 0.2},
    "byol": {"hidden_dim": 32, "proj_dim": 16},
    "shed": {"shuffle_fraction": 0.3},
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_load_from_checkpoint_alone_restores_a_usable_encoder(name: str, tmp_path: Path) -> None:
    data = blobs(n=32)
    encoder = build_encoder(
        "transformer" if name == "shed" else "auto", layout="vector", sample_shape=(8,), width=16
    )
    views = build_views("noise:sigma=0.3", "vector")
    cfg = quick_config(method=name, epochs=1, batch_size=8, checkpoint_dir=tmp_path)
    result = pretrain(data, views, encoder, cfg, method_options=HEADS[name], logger=False)
    path = tmp_path / "last.ckpt"
    saved = torch.load(path, map_location="cpu", weights_only=True)  # plain types only
    assert saved["hyper_parameters"]["encoder"]["name"] == encoder.build_spec["name"]
    assert saved["hyper_parameters"]["hparams"]["batch_size"] == 8

    method = METHODS[name].load_from_checkpoint(path, weights_only=True)

    assert method.name == name and method.hp.batch_size == 8
    assert method.view_aug.spec == "noise:sigma=0.3"
    for option, value in HEADS[name].items():
        assert method.hparams[option] == value
    assert same_state(state_of(method.encoder), state_of(result.encoder))
    x = data.test.x[:4]
    with torch.no_grad():
        assert torch.equal(method.encoder.eval()(x), result.encoder(x))


def test_an_encoder_without_build_spec_is_passed_again(tmp_path: Path) -> None:
    from ssl_kit import SMALL_HEADS, TinyEncoder

    cfg = quick_config(epochs=1, batch_size=8, checkpoint_dir=tmp_path)
    result = pretrain(
        blobs(n=32), build_views("noise", "vector"), TinyEncoder(), cfg,
        method_options=SMALL_HEADS, logger=False,
    )  # fmt: skip
    method = METHODS["simclr"].load_from_checkpoint(
        tmp_path / "last.ckpt", weights_only=True, encoder=TinyEncoder()
    )
    assert same_state(state_of(method.encoder), state_of(result.encoder))
    with pytest.raises(ValueError, match=r"not an encoder build spec|pass encoder="):
        METHODS["simclr"].load_from_checkpoint(tmp_path / "last.ckpt", weights_only=True)


def test_default_logger_writes_metrics_into_the_run_folder(tmp_path: Path) -> None:
    cfg = quick_config(epochs=2, batch_size=8, checkpoint_dir=tmp_path)
    encoder = build_encoder("auto", layout="vector", sample_shape=(8,), width=16)
    pretrain(blobs(n=32), build_views("noise", "vector"), encoder, cfg)
    metrics = tmp_path / "logs" / "version_0" / "metrics.csv"
    rows = list(csv.DictReader(metrics.open()))
    assert {"train/loss", "train/online_acc", "train/epoch_loss", "epoch"} <= set(rows[0])
    epoch_losses = [float(r["train/epoch_loss"]) for r in rows if r["train/epoch_loss"]]
    assert len(epoch_losses) == 2
    assert "batch_size: 8" in (metrics.parent / "hparams.yaml").read_text()
    off = tmp_path / "off"
    encoder = build_encoder("auto", layout="vector", sample_shape=(8,), width=16)
    pretrain(blobs(n=32), build_views("noise", "vector"), encoder, quick_config(
        epochs=1, batch_size=8, checkpoint_dir=off), logger=False)  # fmt: skip
    assert sorted(p.name for p in off.iterdir()) == ["last.ckpt"]
