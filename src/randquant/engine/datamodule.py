"""``RQDataModule``: randquant's datasets and a user's own data as a LightningDataModule.

It serves ``(x, y, idx)`` batches of the train split (a disjoint, deterministic shard per DDP
rank; see :mod:`randquant.engine.data`), or ``(view1, view2, y, idx)`` when ``views`` are given
(views made per sample inside the DataLoader workers). The test and predict loaders serve the
test split in order (no validation loader: SSL pretraining has no validation step). Use it
with :func:`randquant.engine.pretrain` (which builds one itself) or with your own
LightningModule:

    >>> dm = RQDataModule("basic_motions", batch_size=32)  # doctest: +SKIP
    >>> dm = RQDataModule("my_data.npz", batch_size=32)  # doctest: +SKIP
    >>> trainer.fit(my_module, datamodule=dm)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightning.pytorch as pl
from torch.utils.data import DataLoader

from randquant.engine.data import IndexedTensors, train_loader

if TYPE_CHECKING:
    from randquant.augment import ViewAugmentation
    from randquant.data.base import Dataset


class RQDataModule(pl.LightningDataModule):
    """Batches of a :class:`~randquant.data.base.Dataset`, a named dataset or a user path.

    Args:
        data: a ``Dataset``; a name of :mod:`randquant.data.registry` (loaded with
            ``profile``); or a path that :func:`randquant.data.load_user_data` reads (``.npz``,
            image or wav folder, ``.csv``, ``.ts``, ``.off``/``.ply`` folder). Named and path
            data are standardised per channel with train statistics; a ``Dataset`` is used as
            given.
        batch_size: per-rank batch size (clipped to the rank's shard; at least 2 samples).
        num_workers: DataLoader workers.
        seed: seeds the sample order (with the epoch) and per-sample views.
        views: when set, views are made per sample in the workers (``augment_in_workers``).
        profile, layout, user_options: passed to the loaders (``user_options`` to
            ``load_user_data``, e.g. ``{"test_fraction": 0.2}``).
    """

    def __init__(
        self,
        data: Dataset | str | Path,
        *,
        batch_size: int = 256,
        num_workers: int = 0,
        seed: int = 0,
        views: ViewAugmentation | None = None,
        profile: str = "quick",
        layout: str | None = None,
        user_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(batch_size, int) or batch_size < 2:
            raise ValueError(f"batch_size must be an integer >= 2, got {batch_size!r}")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
        self.data, self.batch_size, self.num_workers = data, batch_size, num_workers
        self.seed, self.views, self.profile, self.layout = seed, views, profile, layout
        self.user_options = dict(user_options or {})
        self._dataset: Dataset | None = None

    @property
    def dataset(self) -> Dataset:
        """The loaded dataset (loads it on first use)."""
        if self._dataset is None:
            self._dataset = self._load()
        return self._dataset

    def _load(self) -> Dataset:
        from randquant.data import load_user_data, standardize
        from randquant.data.base import Dataset

        if isinstance(self.data, Dataset):
            return self.data
        path = Path(self.data)
        if isinstance(self.data, str) and not path.exists():
            from randquant.data.registry import list_datasets, load_dataset

            if self.data in {info.name for info in list_datasets()}:
                return standardize(load_dataset(self.data, profile=self.profile))
        return standardize(load_user_data(path, layout=self.layout, **self.user_options))

    def prepare_data(self) -> None:
        # Named datasets build their cache here, once per node.
        _ = self.dataset

    def setup(self, stage: str) -> None:
        _ = self.dataset

    def train_dataloader(self) -> DataLoader[Any]:
        trainer = self.trainer
        rank = trainer.global_rank if trainer is not None else 0
        world = trainer.world_size if trainer is not None else 1
        split = self.dataset.train
        return train_loader(
            split.x,
            split.y,
            batch_size=self.batch_size,
            seed=self.seed,
            rank=rank,
            world_size=world,
            num_workers=self.num_workers,
            transform=self.views.input_transform if self.views is not None else None,
        )

    def _in_order(self) -> DataLoader[Any]:
        split = self.dataset.test
        return DataLoader(
            IndexedTensors(split.x, split.y),
            batch_size=self.batch_size,
            shuffle=False,
            num_workers=self.num_workers,
        )

    def test_dataloader(self) -> DataLoader[Any]:
        return self._in_order()

    def predict_dataloader(self) -> DataLoader[Any]:
        return self._in_order()
