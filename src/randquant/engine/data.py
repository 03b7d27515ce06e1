"""The training DataLoader: a disjoint shard per DDP rank, deterministic order, optional
per-sample augmentation inside the workers.

Batches are ``(x, y, idx)`` (views made later on the device), or ``(x1, x2, y, idx)`` when
``augment_in_workers`` is on. The order of an epoch depends only on ``(seed, epoch)``
(:class:`torch.utils.data.DistributedSampler`, re-seeded by Lightning's ``set_epoch``), so a
resumed run sees the same batches as an uninterrupted one.

With workers, each sample's views come from its own generator seeded from
``(seed, epoch, sample index)``: the draws do not depend on the number of workers, on which
worker got the sample, or on a resume.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import torch
from lightning.fabric.utilities.seed import pl_worker_init_function
from torch import Tensor
from torch.utils.data import DataLoader, DistributedSampler

from randquant.methods.base import derive_seed

if TYPE_CHECKING:
    from randquant.augment import BatchAugmentation


class IndexedTensors(torch.utils.data.Dataset[tuple[Tensor, Tensor, Tensor]]):
    """``(x[i], y[i], i)`` for each sample."""

    def __init__(self, x: Tensor, y: Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor, Tensor]:
        return self.x[i], self.y[i], torch.tensor(i)


class PerSampleViews(torch.utils.data.Dataset[tuple[Tensor, Tensor, Tensor, Tensor]]):
    """``(view1, view2, y[i], i)`` for an ``(epoch, i)`` key from :class:`EpochSampler`."""

    def __init__(self, x: Tensor, y: Tensor, transform: BatchAugmentation, seed: int) -> None:
        self.x, self.y, self.transform, self.seed = x, y, transform, seed

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, key: tuple[int, int]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        epoch, i = key
        gen = torch.Generator().manual_seed(derive_seed(self.seed, 3, epoch, i))
        sample = self.x[i][None]
        with torch.no_grad():
            v1 = self.transform(sample, generator=gen)[0]
            v2 = self.transform(sample, generator=gen)[0]
        return v1, v2, self.y[i], torch.tensor(i)


class EpochSampler(DistributedSampler[Any]):
    """A :class:`DistributedSampler` that yields ``(epoch, index)`` keys."""

    def __iter__(self) -> Iterator[tuple[int, int]]:  # type: ignore[override]
        epoch = int(self.epoch)
        for i in super().__iter__():
            yield epoch, int(i)


def shard_batch_size(n: int, batch_size: int, world_size: int) -> int:
    """The per-rank batch size: ``batch_size`` clipped to the rank's shard (>= 2 needed)."""
    shard = n // world_size
    if shard < 2:
        raise ValueError(
            f"the train split has {n} samples: too few for {world_size} rank(s) "
            "(each rank needs at least 2 samples per batch)"
        )
    return min(batch_size, shard)


def train_loader(
    x: Tensor,
    y: Tensor,
    *,
    batch_size: int,
    seed: int,
    rank: int,
    world_size: int,
    num_workers: int,
    transform: BatchAugmentation | None = None,
) -> DataLoader[Any]:
    """A shuffled loader over this rank's shard, dropping the last incomplete batch.

    ``transform`` set: views made per sample in the workers (see :class:`PerSampleViews`).
    """
    dataset: torch.utils.data.Dataset[Any]
    if transform is None:
        dataset = IndexedTensors(x, y)
        sampler: DistributedSampler[Any] = DistributedSampler(
            dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=True
        )
    else:
        dataset = PerSampleViews(x, y, transform, seed)
        sampler = EpochSampler(
            dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=True
        )
    return DataLoader(
        dataset,
        batch_size=shard_batch_size(len(x), batch_size, world_size),
        sampler=sampler,
        drop_last=True,
        num_workers=num_workers,
        # Lightning's worker seeding: python/numpy/torch in each worker from the loader's seeded
        # generator, the worker id and the rank, so stray global-RNG use is reproducible too
        worker_init_fn=partial(pl_worker_init_function, rank=rank) if num_workers > 0 else None,
        generator=torch.Generator().manual_seed(derive_seed(seed, 4, rank)),
        persistent_workers=False,
    )
