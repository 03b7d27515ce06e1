"""Training recipes: the paper's for large data, one that learns on small data.

The paper's ImageNet recipe (LARS, lr = 0.3 x batch / 256, batch 256, 10 warm-up epochs) gives
about 5 optimizer steps per epoch on a 1,300-sample set: a 30-epoch run is ~150 steps, the
10 warm-up epochs are a third of it, and the learning rate barely leaves zero. Small data
needs more steps per epoch (a smaller batch), an optimizer that moves without a large batch
(AdamW) and a warm-up that is a fraction of the run, not a fixed number of epochs.

========== ===================== ===============================================
recipe     chosen when           batch / optimizer / lr / warm-up
========== ===================== ===============================================
``paper``  train >= 50,000       256 / the method's (LARS) / its base lr x batch/256
                                 / 10 epochs
``small``  train < 50,000        train/8 as a power of two in [32, 256] / AdamW
                                 / 1e-3 (weight decay 1e-4) / 10 % of the run
========== ===================== ===============================================

Options the caller sets (batch size, lr, weight decay, ``optimizer``/``warmup_epochs`` in
the pretrain options) always win over the recipe's.

>>> r = choose_recipe("auto", n_train=1000)
>>> r.name, r.batch_size(1000), r.optimizer, r.warmup_epochs(40)
('small', 64, 'adamw', 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RECIPES: tuple[str, ...] = ("auto", "paper", "small")
#: Training sets of at least this many samples get the paper's recipe under ``auto``.
LARGE_DATA = 50_000


@dataclass(frozen=True)
class Recipe:
    """How to pretrain for a size of data (see the module table).

    ``optimizer``/``lr``/``weight_decay`` of ``None`` leave the method's defaults.
    ``warmup`` is a number of epochs when ``warmup_is_fraction`` is false, else a fraction
    of the run's epochs.
    """

    name: str
    optimizer: str | None
    lr: float | None
    weight_decay: float | None
    warmup: float
    warmup_is_fraction: bool

    def batch_size(self, n_train: int) -> int:
        """The batch size for ``n_train`` training samples."""
        if self.name == "paper":
            return 256
        target = max(32, min(256, n_train // 8))
        return 1 << (target.bit_length() - 1)  # the power of two at or below

    def warmup_epochs(self, epochs: int) -> int:
        """Warm-up epochs of a run of ``epochs``."""
        if self.warmup_is_fraction:
            return round(self.warmup * epochs)
        return min(int(self.warmup), epochs)


PAPER = Recipe("paper", None, None, None, 10, False)
SMALL = Recipe("small", "adamw", 1e-3, 1e-4, 0.1, True)


def check_recipe(name: str) -> str:
    """``name`` if it is one of :data:`RECIPES`, else ``ValueError`` listing them."""
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {name!r}")
    return name


def choose_recipe(name: str, n_train: int) -> Recipe:
    """``paper``, ``small``, or for ``auto`` the one that fits ``n_train`` samples."""
    check_recipe(name)
    if name == "auto":
        return PAPER if n_train >= LARGE_DATA else SMALL
    return PAPER if name == "paper" else SMALL


@dataclass(frozen=True)
class Resolved:
    """Concrete training options after a recipe filled what the caller left open."""

    recipe: str
    batch_size: int
    lr: float | None
    weight_decay: float | None
    pretrain_options: dict[str, Any]


def resolve(
    name: str,
    n_train: int,
    epochs: int,
    *,
    batch_size: int | None = None,
    lr: float | None = None,
    weight_decay: float | None = None,
    pretrain_options: Mapping[str, Any] | None = None,
) -> Resolved:
    """Fill batch size, lr, weight decay, optimizer and warm-up from the recipe.

    >>> resolve("small", 1000, 20, lr=0.01).lr, resolve("paper", 1000, 20).pretrain_options
    (0.01, {'warmup_epochs': 10})
    """
    recipe = choose_recipe(name, n_train)
    options = dict(pretrain_options or {})
    if recipe.optimizer is not None:
        options.setdefault("optimizer", recipe.optimizer)
    options.setdefault("warmup_epochs", recipe.warmup_epochs(epochs))
    return Resolved(
        recipe=recipe.name,
        batch_size=batch_size if batch_size is not None else recipe.batch_size(n_train),
        lr=lr if lr is not None else recipe.lr,
        weight_decay=weight_decay if weight_decay is not None else recipe.weight_decay,
        pretrain_options=options,
    )


def epochs_for_steps(steps: int, n_train: int, batch_size: int) -> int:
    """Epochs that give at least ``steps`` optimizer steps (full batches only).

    >>> epochs_for_steps(300, 1000, 64)
    20
    """
    per_epoch = max(1, n_train // batch_size)
    return max(1, -(-steps // per_epoch))
