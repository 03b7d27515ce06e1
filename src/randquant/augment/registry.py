"""Every augmentation by spec name, with its keyword-only options read from its signature."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any

from randquant.augment import generic
from randquant.augment.base import BatchAugmentation, Identity
from randquant.augment.crop import RandomCrop
from randquant.augment.specific import SPECIFIC_PIECES, Specific


@dataclass(frozen=True)
class OptionInfo:
    """One option of an augmentation: its name, type hint and default."""

    name: str
    hint: Any
    default: Any

    def type_name(self) -> str:
        """The option's type as users read it, e.g. ``int``, ``random|middle``."""
        return _type_name(self.hint)


@dataclass(frozen=True)
class Entry:
    """One named augmentation: ``factory(layout=..., [modality=...], **options)``."""

    name: str
    factory: type[BatchAugmentation]
    kind: str  # generic | crop | specific | marker
    layouts: tuple[str, ...]

    @property
    def description(self) -> str:
        """The docstring's first paragraph as one line, without the ``name``: tag and markup."""
        doc = inspect.getdoc(self.factory) or self.name
        first = " ".join(doc.strip().split("\n\n")[0].split())
        return first.removeprefix(f"``{self.name}``: ").replace("``", "")

    def options(self) -> dict[str, OptionInfo]:
        """The user options, from the augmentation's :meth:`~BatchAugmentation.option_table`."""
        table = self.factory.option_table()
        return {name: OptionInfo(name, hint, default) for name, (hint, default) in table.items()}

    def takes_modality(self) -> bool:
        return "modality" in inspect.signature(self.factory.__init__).parameters


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(hint))
    if origin is not None:  # X | None
        return "|".join(_type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "none"
    return getattr(hint, "__name__", str(hint))


def _entry(cls: type[BatchAugmentation], kind: str) -> Entry:
    return Entry(cls.name, cls, kind, tuple(cls.layouts))


REGISTRY: dict[str, Entry] = {
    e.name: e
    for e in [
        _entry(generic.RandQuant, "generic"),
        _entry(generic.GaussianNoise, "generic"),
        _entry(generic.RandomMask, "generic"),
        _entry(generic.ChannelMask, "generic"),
        _entry(generic.Scarf, "generic"),
        _entry(generic.MixupMarker, "marker"),
        _entry(Identity, "generic"),
        _entry(RandomCrop, "crop"),
        Entry(
            "specific", Specific, "specific", ("image", "sequence", "points", "vector", "tokens")
        ),
        *[_entry(cls, "specific") for cls in SPECIFIC_PIECES],
    ]
}


def get_entry(name: str) -> Entry:
    """The entry called ``name``; ``ValueError`` listing the valid names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown augmentation {name!r}; available: {', '.join(REGISTRY)}"
        ) from None


def available_augmentations() -> dict[str, str]:
    """Every augmentation name with a one-line description."""
    return {name: entry.description for name, entry in REGISTRY.items()}
