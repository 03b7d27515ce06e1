"""The docs/engine.md recipe: RQ views in a user's own LightningModule, fed by RQDataModule
from a user's .npz, seeded through Lightning, logged by a CSV logger. Kept equal to the docs."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.loggers import CSVLogger

from randquant.augment import build_views
from randquant.engine.datamodule import RQDataModule
from randquant.methods.losses import nt_xent
from randquant.models import build_encoder

torch.set_num_threads(1)


# --- the recipe, as in docs/engine.md ---------------------------------------------------------
class MySimCLR(pl.LightningModule):
    def __init__(self, layout: str, sample_shape: tuple[int, ...], spec: str = "crop+rq") -> None:
        super().__init__()
        self.save_hyperparameters()
        self.views = build_views(spec, layout)  # RQ (and crop) on whole batches
        self.encoder = build_encoder("auto", layout=layout, sample_shape=sample_shape, width=32)
        self.head = torch.nn.Linear(32, 16)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x = batch[0]  # RQDataModule batches are (x, y, idx)
        # one generator per step, seeded from (epoch, step): a resumed run draws the same views
        seed = 1_000_003 * self.current_epoch + batch_idx
        gen = torch.Generator(device=x.device).manual_seed(seed)
        v1 = self.views.input_transform(x, generator=gen)
        v2 = self.views.input_transform(x, generator=gen)
        z1, z2 = self.head(self.encoder(v1)), self.head(self.encoder(v2))
        loss = nt_xent(z1, z2, temperature=0.1)
        self.log("train/loss", loss)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.parameters(), lr=1e-3)


def fit(data: Path, root: Path) -> tuple[MySimCLR, Path]:
    pl.seed_everything(0)
    dm = RQDataModule(data, batch_size=8)
    model = MySimCLR(dm.dataset.layout, dm.dataset.sample_shape)
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="auto",
        logger=CSVLogger(root, name="mine"),
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_checkpointing=False,
        enable_model_summary=False,
    )
    trainer.fit(model, datamodule=dm)
    return model, Path(trainer.logger.log_dir)  # type: ignore[union-attr]


# --- checks ------------------------------------------------------------------------------------
def test_rq_views_in_a_users_own_lightning_module(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 12)
    x = rng.normal(size=(24, 3, 40)).astype(np.float32) + y[:, None, None]
    data = tmp_path / "mine.npz"
    np.savez(data, x_train=x, y_train=y, x_test=x[:8], y_test=y[:8])

    a, log_dir = fit(data, tmp_path / "a")
    b, _ = fit(data, tmp_path / "b")
    rows = list(csv.DictReader((log_dir / "metrics.csv").open()))
    assert rows and all(np.isfinite(float(r["train/loss"])) for r in rows if r["train/loss"])
    # seeded through Lightning: two runs give the same weights
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
    # the views really change the input (crop+rq), and differ between the two draws
    batch = next(iter(RQDataModule(data, batch_size=8).train_dataloader()))[0]
    gen = torch.Generator().manual_seed(0)
    v1, v2 = a.views.input_transform(batch, generator=gen), a.views.input_transform(batch, gen)
    assert v1.shape == batch.shape and not torch.equal(v1, batch) and not torch.equal(v1, v2)
