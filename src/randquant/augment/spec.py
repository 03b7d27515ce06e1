"""The augmentation spec language: ``name[:k=v,...]`` parts joined by ``+``.

Examples: ``none``, ``rq``, ``rq:bins=16,proxy=middle,p=0.5``, ``crop+rq``, ``noise:sigma=0.2``,
``specific``, ``crop+mixup``. Names and option names are case-insensitive; each option is
converted to the type of the augmentation's keyword-only parameter (``int``, ``float``,
``bool`` as true/false, a fixed choice, or ``none`` where the option may be unset). Values may
not contain ``+``, ``,``, ``:`` or ``=`` (write ``1e-3``, not ``1e+3``).

    >>> parse_spec("crop+rq:bins=16")
    (AugSpec(name='crop', options={}), AugSpec(name='rq', options={'bins': 16}))
    >>> format_spec(parse_spec("rq:proxy=middle,bins=16"))
    'rq:proxy=middle,bins=16'
"""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from randquant.augment.base import BatchAugmentation, format_value
from randquant.augment.registry import OptionInfo, get_entry

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class AugSpec:
    """One parsed part of a spec: an augmentation name and its typed options."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.options:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in self.options.items())


def parse_spec(spec: str) -> tuple[AugSpec, ...]:
    """Parse ``spec`` into parts; names and option names/types are checked, ranges are not.

    Raises ``ValueError`` naming the bad part, option or value and listing the valid ones.
    Value ranges (e.g. ``bins=0``) are checked when the augmentation is built.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"augmentation spec must be a non-empty string, got {spec!r}")
    return tuple(_parse_part(part, spec) for part in spec.split("+"))


def _parse_part(part: str, spec: str) -> AugSpec:
    name, sep, rest = part.strip().partition(":")
    name = name.strip().lower()
    if not name:
        raise ValueError(f"empty augmentation name in spec {spec!r} (check for '++' or ':')")
    entry = get_entry(name)
    valid = entry.options()
    options: dict[str, Any] = {}
    if sep and not rest.strip():
        raise ValueError(f"{name}: nothing after ':' in spec {spec!r}")
    for item in rest.split(",") if sep else []:
        key, eq, raw = item.partition("=")
        key = key.strip().lower()
        if not eq or not key or not raw.strip():
            raise ValueError(f"{name}: option {item.strip()!r} in spec {spec!r} must be key=value")
        if key not in valid:
            listing = ", ".join(valid) if valid else "none"
            raise ValueError(f"{name} has no option {key!r}; its options: {listing}")
        if key in options:
            raise ValueError(f"{name}: option {key!r} given twice in spec {spec!r}")
        options[key] = convert_value(name, valid[key], raw.strip())
    return AugSpec(name, options)


def convert_value(aug: str, option: OptionInfo, raw: str) -> Any:
    """Convert ``raw`` to ``option``'s type; ``ValueError`` naming augmentation, option, value."""
    try:
        return _convert(option.hint, raw)
    except ValueError:
        raise ValueError(
            f"{aug}: option {option.name!r} must be {option.type_name()}, got {raw!r}"
        ) from None


def _convert(hint: Any, raw: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if raw.lower() in choices:
            return raw.lower()
        raise ValueError(raw)
    if origin is not None:  # a union such as float | None
        args = typing.get_args(hint)
        if type(None) in args and raw.lower() == "none":
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(arg, raw)
            except ValueError:
                continue
        raise ValueError(raw)
    if hint is bool:
        if raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise ValueError(raw)
    if hint is int:
        return int(raw)
    if hint is float:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
        return value
    return raw


def split_specs(text: str) -> list[str]:
    """Split a comma-separated list of specs, keeping each spec's ``k=v`` options attached
    (a part ``k=v`` with no ``:`` before its ``=`` continues the spec before it).

    >>> split_specs("rq:bins=16,proxy=middle,noise, mask")
    ['rq:bins=16,proxy=middle', 'noise', 'mask']
    """
    specs: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if specs and "=" in part and ":" not in part.split("=", 1)[0]:
            specs[-1] += "," + part
        elif part:
            specs.append(part)
    return specs


def rq_bins(spec: str) -> int | None:
    """The bin count of a spec that is RQ alone with at most its ``bins`` set (``rq`` has the
    op's default), else ``None``.

    >>> rq_bins("rq:bins=16"), rq_bins("rq"), rq_bins("rq:p=0.5"), rq_bins("crop+rq")
    (16, 8, None, None)
    """
    try:
        parts = parse_spec(spec)
    except (KeyError, ValueError):
        return None
    if len(parts) != 1 or parts[0].name != "rq" or set(parts[0].options) - {"bins"}:
        return None
    default = get_entry("rq").options()["bins"].default
    return int(parts[0].options.get("bins", default))


def format_spec(parts: Iterable[AugSpec]) -> str:
    """The spec string of ``parts``; ``parse_spec(format_spec(p)) == p``."""
    text = "+".join(str(p) for p in parts)
    return text or "none"


def build_augmentation(
    part: AugSpec, layout: str, *, modality: str | None = None
) -> BatchAugmentation:
    """Build one parsed part for ``layout`` (and ``modality``, for ``specific``).

    The augmentation itself rejects a layout it does not support, with a ``ValueError``.
    """
    entry = get_entry(part.name)
    kwargs: dict[str, Any] = dict(part.options)
    if entry.takes_modality():
        kwargs["modality"] = modality
    return entry.factory(layout=layout, **kwargs)
