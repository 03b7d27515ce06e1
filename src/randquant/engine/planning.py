"""Which arms and contrasts a comparison runs: the rule every planner calls.

Arms whose views equal another arm's on the data (:func:`randquant.augment.equivalence.
identical_arms`; ``channel_mask`` on one channel is ``none``) are not run: each would cost a
full run and make a contrast that tests nothing. A declared contrast that names one is left
out too. What was left out is kept in the folder's declaration
(:mod:`randquant.engine.declaration`, ``not_run``) so the index and the report name it.

>>> import torch
>>> from randquant.data import Dataset, SplitData
>>> x = torch.randn(12, 1, 16); y = torch.arange(3).repeat(4)
>>> ds = Dataset("toy", "sequence", SplitData(x, y), SplitData(x, y), 3, ("a", "b", "c"))
>>> plan = arms_to_run(ds, ["rq", "none", "channel_mask"], [("rq", "none"), ("rq", "channel_mask")])
>>> plan.arms, plan.pairs, plan.not_run
(['rq', 'none'], [('rq', 'none')], {'channel_mask': 'none'})
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from randquant.data.base import Dataset

Pair = tuple[str, str]
#: Samples of the training split the view pipelines are applied to.
PROBE_BATCH = 64


@dataclass(frozen=True)
class ArmPlan:
    """The arms and contrasts to run, and the arms left out (``{arm: the arm it equals}``)."""

    arms: list[str]
    pairs: list[Pair]
    not_run: dict[str, str]


def arms_to_run(
    data: Dataset, arms: Sequence[str], pairs: Sequence[Pair], *, rq_on: str = "input"
) -> ArmPlan:
    """Drop the arms identical to another on ``data`` (the simpler one is kept) and the
    contrasts that name them."""
    from randquant.augment.equivalence import identical_arms

    batch = data.train.x[:PROBE_BATCH]
    same = identical_arms(arms, batch, data.layout, modality=data.meta.get("modality"), rq_on=rq_on)
    return ArmPlan(
        [a for a in arms if a not in same],
        [(a, b) for a, b in pairs if a not in same and b not in same],
        same,
    )
