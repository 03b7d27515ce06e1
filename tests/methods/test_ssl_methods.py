"""Each SSL method trains on an easy set: the loss falls and the online probe learns."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from ssl_kit import SMALL_HEADS, TinyEncoder, blobs, quick_config, views

from randquant.config import METHOD_NAMES
from randquant.engine import pretrain
from randquant.methods import BYOL, METHODS, MoCoV3, SimCLR, build_method
from randquant.methods import byol as byol_mod
from randquant.methods import moco_v3 as moco_mod
from randquant.methods import simclr as simclr_mod
from randquant.models import build_encoder

torch.set_num_threads(1)

# Per method: an explicit optimiser setting that learns within a few dozen steps on the toy set.
FAST = {
    "simclr": {"optimizer": "adamw", "lr": 3e-3, "weight_decay": 0.0},
    "moco_v3": {"optimizer": "adamw", "lr": 3e-3, "weight_decay": 0.0},
    "byol": {"optimizer": "adamw", "lr": 3e-3, "weight_decay": 0.0},
}


@pytest.mark.parametrize("name", sorted(FAST))
def test_method_loss_decreases_on_easy_data(name: str) -> None:
    cfg = quick_config(method=name, epochs=12, warmup_epochs=1, **FAST[name])
    result = pretrain(blobs(n=64), views(), TinyEncoder(), cfg, method_options=SMALL_HEADS)
    losses = result.epoch_losses
    assert len(losses) == 12 and result.epochs_run == 12
    assert all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-3:]) / 3 < 0.9 * sum(losses[:3]) / 3, losses
    assert result.final_loss == losses[-1]


@pytest.mark.parametrize("name", sorted(FAST))
def test_method_trains_with_mixup_and_default_optimiser(name: str) -> None:
    cfg = quick_config(method=name, epochs=2)
    result = pretrain(blobs(), views("noise+mixup"), TinyEncoder(), cfg, method_options=SMALL_HEADS)
    assert len(result.epoch_losses) == 2
    assert all(torch.isfinite(torch.tensor(result.epoch_losses)))


def test_defaults_are_the_papers() -> None:
    assert (SimCLR.default_optimizer, SimCLR.base_lr, simclr_mod.TEMPERATURE) == ("lars", 0.3, 0.1)
    assert (MoCoV3.base_lr, moco_mod.TEMPERATURE, MoCoV3.base_momentum) == (0.6, 1.0, 0.99)
    assert (BYOL.base_lr, BYOL.default_weight_decay, byol_mod.MOMENTUM) == (0.2, 1.5e-6, 0.996)
    method = build_method("moco-v3", TinyEncoder(), views(), 3, quick_config())
    assert isinstance(method, MoCoV3)
    assert method.projector.out_dim == moco_mod.PROJ_OUT_DIM


def test_momentum_target_follows_online_network_slowly() -> None:
    cfg = quick_config(method="byol", epochs=1, optimizer="adamw", lr=1e-2)
    method = build_method("byol", TinyEncoder(), views(), 3, cfg, **SMALL_HEADS)
    assert isinstance(method, BYOL)
    online = next(method.encoder.parameters())
    target = next(method.target_encoder.parameters())
    assert torch.equal(online, target) and not target.requires_grad
    before = target.detach().clone()
    with torch.no_grad():
        online.add_(1.0)
    method.update_target(0.9)
    assert torch.allclose(target, before + 0.1 * 1.0, atol=1e-6)


def test_config_knows_every_registered_method() -> None:
    assert sorted(METHOD_NAMES) == sorted(METHODS)


def test_shed_pretrains_a_transformer_through_the_engine() -> None:
    ds = blobs(n=32)
    torch.manual_seed(0)
    encoder = build_encoder("transformer", layout="vector", sample_shape=ds.sample_shape, width=16)
    result = pretrain(ds, views("rq", rq_on="embedding"), encoder, quick_config(method="shed"))
    assert len(result.epoch_losses) == 2 and torch.isfinite(torch.tensor(result.final_loss))


def test_build_method_rejects_unknown_names_and_bad_options() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        build_method("swav", TinyEncoder(), views(), 3, quick_config())
    with pytest.raises(ValueError, match="temperature must be > 0"):
        build_method("simclr", TinyEncoder(), views(), 3, quick_config(), temperature=0.0)
    with pytest.raises(ValueError, match="out_dim"):
        build_method("simclr", torch.nn.Linear(3, 3), views(), 3, quick_config())


def test_online_classifier_learns_separable_blobs() -> None:
    cfg = quick_config(method="simclr", epochs=20, **FAST["simclr"])
    logged: list[float] = []

    class Grab(pl.Callback):
        def on_train_epoch_end(self, trainer: pl.Trainer, module: Any) -> None:
            logged.append(float(trainer.callback_metrics["train/online_acc"]))

    pretrain(
        blobs(n=64), views(), TinyEncoder(), cfg, callbacks=[Grab()], method_options=SMALL_HEADS
    )
    assert logged[-1] > 0.8, logged


class SpyTransform(torch.nn.Module):
    """Wraps an embedding transform and records the generator and shape of every call."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.calls: list[tuple[tuple[int, ...], torch.Generator | None]] = []

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        self.calls.append((tuple(x.shape), generator))
        out: torch.Tensor = self.inner(x, generator=generator)
        return out


@pytest.mark.parametrize(("name", "calls_per_step"), [("simclr", 2), ("byol", 4)])
def test_rq_on_embedding_reaches_every_encoder_call(name: str, calls_per_step: int) -> None:
    ds = blobs(n=32)
    torch.manual_seed(0)
    encoder = build_encoder("transformer", layout="vector", sample_shape=ds.sample_shape, width=16)
    base = views("rq", rq_on="embedding")
    spy = SpyTransform(base.embedding_transform)  # type: ignore[arg-type]
    cfg = quick_config(method=name, epochs=1, batch_size=16)
    result = pretrain(
        ds, replace(base, embedding_transform=spy), encoder, cfg, method_options=SMALL_HEADS
    )
    assert len(spy.calls) == 2 * calls_per_step  # 2 steps per epoch
    shape, gen = spy.calls[0]
    assert shape[0] == 16 and len(shape) == 3  # embedded tokens (N, L, D)
    assert isinstance(gen, torch.Generator)
    assert torch.isfinite(torch.tensor(result.final_loss))


def test_gradient_accumulation_and_bf16_autocast_flags_reach_the_trainer() -> None:
    steps: list[int] = []

    class Steps(pl.Callback):
        def on_train_end(self, trainer: pl.Trainer, module: Any) -> None:
            steps.append(trainer.global_step)
            assert trainer.precision == "bf16-mixed"

    cfg = quick_config(epochs=2, accumulate_grad_batches=2, precision="bf16-mixed")
    result = pretrain(
        blobs(n=64), views(), TinyEncoder(), cfg, callbacks=[Steps()], method_options=SMALL_HEADS
    )
    assert steps == [4]  # 4 batches per epoch, 2 epochs, one optimizer step per 2 batches
    assert len(result.epoch_losses) == 2
