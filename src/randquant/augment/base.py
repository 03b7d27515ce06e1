"""The batched augmentation contract: a module that maps a batch to a batch of the same shape.

Every augmentation in :mod:`randquant.augment` is a :class:`BatchAugmentation`:

* ``forward(x, generator=None)`` takes a whole batch (``N`` first) and returns a tensor of the
  same shape, dtype and device; each sample gets its own random draw.
* All randomness comes from ``generator`` (a :class:`torch.Generator`); random numbers are drawn
  on the generator's device, so a CPU generator also drives a CUDA batch and gives the same
  draws. ``generator=None`` falls back to torch's global generator on the batch's device.
* Options are keyword-only, validated in ``__init__`` with ``ValueError`` naming option and value,
  and shown by ``repr()``.

Example::

    >>> import torch
    >>> from randquant.augment import Compose, Identity
    >>> aug = Compose([Identity()])
    >>> aug(torch.zeros(2, 3, 5), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 3, 5])
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

#: Number of dims of a batch for each layout (see :mod:`randquant.data.base`).
BATCH_NDIM: dict[str, int] = {
    "sequence": 3,
    "image": 4,
    "points": 3,
    "vector": 2,
    "tokens": 2,
    "embedding": 3,
}
FLOAT_LAYOUTS: tuple[str, ...] = ("sequence", "image", "points", "vector")
#: parameters filled from the context (the dataset), never from the spec string
CONTEXT_PARAMS: frozenset[str] = frozenset({"layout", "modality"})


class BatchAugmentation(nn.Module):
    """Base class: a batch in, a batch of the same shape, dtype and device out.

    Subclasses set ``name`` (the spec name), ``layouts`` (the layouts they accept), take their
    options as keyword-only ``__init__`` arguments and call ``super().__init__(layout=layout)``:
    the options they were built with are recorded from that signature, so ``repr`` and
    :meth:`to_spec` show them (a subclass that passes ``**options`` itself records those
    instead). They implement :meth:`transform`, which receives a validated batch.
    """

    name: ClassVar[str] = "augmentation"
    layouts: ClassVar[tuple[str, ...]] = FLOAT_LAYOUTS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _recording_options(init)  # type: ignore[method-assign]

    def __init__(self, *, layout: str | None = None, **options: Any) -> None:
        super().__init__()
        if layout is not None and layout not in self.layouts:
            hint = ""
            if layout == "tokens" and "embedding" in self.layouts:
                hint = (
                    "; token ids are discrete: apply it to the embedded tokens with "
                    "`--rq-on embedding` (rq_on='embedding')"
                )
            raise ValueError(
                f"augmentation {self.name!r} does not support layout {layout!r}; "
                f"it supports {', '.join(self.layouts)}{hint}"
            )
        self.layout = layout
        self.options: dict[str, Any] = dict(options)
        self._options_given = bool(options)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Augment the batch ``x`` (``N`` first); the result has ``x``'s shape and dtype."""
        self.check_input(x)
        if x.shape[0] == 0:
            return x.clone()
        y = self.transform(x, generator)
        return y.to(dtype=x.dtype)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        """Do the work on a validated batch; subclasses override this."""
        raise NotImplementedError

    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` when ``x`` does not fit this augmentation's layout."""
        if not isinstance(x, Tensor):
            raise TypeError(f"{self.name}: expected a torch.Tensor batch, got {type(x).__name__}")
        if self.layout is None:
            return
        ndim = BATCH_NDIM[self.layout]
        if x.ndim != ndim:
            raise ValueError(
                f"{self.name}: layout {self.layout!r} needs a batch with {ndim} dims, "
                f"got shape {tuple(x.shape)}"
            )
        if self.layout == "tokens":
            if x.dtype.is_floating_point:
                raise ValueError(f"{self.name}: tokens must be integer ids, got {x.dtype}")
        elif not x.dtype.is_floating_point:
            raise ValueError(
                f"{self.name}: layout {self.layout!r} needs a floating-point batch, got {x.dtype}"
            )

    @classmethod
    def option_table(cls) -> dict[str, tuple[Any, Any]]:
        """``name -> (type hint, default)`` of each user option (what the spec language reads):
        by default the keyword-only ``__init__`` parameters other than ``layout``/``modality``."""
        hints = typing.get_type_hints(cls.__init__)
        return {
            p.name: (hints.get(p.name, str), p.default)
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in CONTEXT_PARAMS
        }

    def to_spec(self) -> str:
        """The spec string that rebuilds this augmentation, e.g. ``noise:sigma=0.2``.

        Options equal to their defaults are left out.
        """
        table = self.option_table()
        empty = inspect.Parameter.empty
        changed = {
            k: v
            for k, v in self.options.items()
            if k not in table or table[k][1] is empty or table[k][1] != v
        }
        if not changed:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in changed.items())

    def extra_repr(self) -> str:
        parts = [f"layout={self.layout!r}"] if self.layout is not None else []
        parts += [f"{k}={v!r}" for k, v in self.options.items()]
        return ", ".join(parts)


def format_value(value: Any) -> str:
    """An option value as the spec parser reads it back (``true``/``false``, ``none``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _recording_options(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap a subclass ``__init__`` so that, unless it passed its options to the base itself,
    the keyword-only arguments it was called with (defaults filled) become ``self.options``."""
    signature = inspect.signature(init)
    keyword_only = [
        p.name
        for p in signature.parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in CONTEXT_PARAMS
    ]

    @functools.wraps(init)
    def wrapper(self: BatchAugmentation, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if keyword_only and not self._options_given:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            self.options = {name: bound.arguments[name] for name in keyword_only}

    return wrapper


class Identity(BatchAugmentation):
    """``none``: returns the batch unchanged (a copy, so callers may write into it)."""

    name = "none"
    layouts = (*FLOAT_LAYOUTS, "tokens", "embedding")

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        return x.clone()


class Compose(BatchAugmentation):
    """Apply augmentations in order, all drawing from the same generator.

    ``Compose([])`` is the identity. ``to_spec`` joins the parts with ``+``.
    """

    name = "compose"
    layouts = (*FLOAT_LAYOUTS, "tokens", "embedding")

    def __init__(self, augmentations: Sequence[BatchAugmentation]) -> None:
        super().__init__()
        for i, aug in enumerate(augmentations):
            if not isinstance(aug, BatchAugmentation):
                raise TypeError(
                    f"Compose: item {i} must be a BatchAugmentation, got {type(aug).__name__}"
                )
        self.augmentations = nn.ModuleList(augmentations)

    def __len__(self) -> int:
        return len(self.augmentations)

    def __iter__(self) -> Any:
        return iter(self.augmentations)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        for aug in self.augmentations:
            x = aug(x, generator=generator)
        return x

    def to_spec(self) -> str:
        parts = [a.to_spec() for a in self.augmentations if isinstance(a, BatchAugmentation)]
        return "+".join(parts) if parts else "none"


def check_probability(name: str, value: float) -> float:
    """Validate a probability option; raise ``ValueError`` naming the option."""
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return float(value)


def check_int(name: str, value: int, *, minimum: int = 0) -> int:
    """Validate an integer option (bools are rejected); raise ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Validate a positive (or non-negative) number option."""
    ok = value >= 0 if allow_zero else value > 0
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


def check_range(name_lo: str, lo: float, name_hi: str, hi: float, *, upper: float = 1.0) -> None:
    """Validate ``0 < lo <= hi <= upper``; raise ``ValueError`` naming both options."""
    if not 0.0 < lo <= hi <= upper:
        raise ValueError(
            f"{name_lo} and {name_hi} must satisfy 0 < {name_lo} <= {name_hi} <= {upper}, "
            f"got {name_lo}={lo!r}, {name_hi}={hi!r}"
        )
