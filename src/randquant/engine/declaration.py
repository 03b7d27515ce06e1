"""What a comparison folder declares before its first run, and the stopping rule.

``<folder>/contrasts.json`` names the dataset, the contrasts (pairs of arms) and the seeds,
written before the first run (:func:`declare`). The analysis is the declared one: the index
tests the declared contrasts on the declared seeds only. **Adding seeds later starts a new,
separately labelled analysis**: a later call with seeds beyond the declaration does not
change it but appends an *extension* (``extension 1``, ``extension 2``, ...) that names its
seeds and how many runs were already recorded when it was declared; the index reports each
extension apart, labelled post hoc, and never merges it into the declared analysis. A
folder declared without seeds (files written before seeds were declared) has no declared
seed count: its index says so.

>>> decl = Declaration(pairs=(("rq", "none"),), seeds=(0, 1, 2))
>>> decl.covers([0, 1, 2]), decl.covers([0, 1, 2, 3])
(True, False)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from randquant.io import write_json_atomic

CONTRASTS_FILE = "contrasts.json"

Pair = tuple[str, str]


@dataclass(frozen=True)
class Extension:
    """Seeds added after the declaration: a separate analysis, post hoc by construction."""

    label: str
    seeds: tuple[int, ...]
    declared: str = ""
    runs_before: int = 0


@dataclass(frozen=True)
class Declaration:
    """The declared analysis of a folder: its pairs, its seeds (``None``: not declared)."""

    pairs: tuple[Pair, ...]
    seeds: tuple[int, ...] | None = None
    dataset: str = ""
    declared: str = ""
    extensions: tuple[Extension, ...] = field(default=())
    #: Arms not run because their views equal another arm's on this data: ``(arm, kept)``.
    not_run: tuple[tuple[str, str], ...] = ()

    def covers(self, seeds: Sequence[int]) -> bool:
        """Are ``seeds`` all declared (always false without declared seeds)?"""
        return self.seeds is not None and set(seeds) <= set(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``pairs`` first, as older readers expect)."""
        return {
            "pairs": [list(p) for p in self.pairs],
            "seeds": None if self.seeds is None else list(self.seeds),
            "n_seeds": None if self.seeds is None else len(self.seeds),
            "dataset": self.dataset,
            "declared": self.declared,
            "extensions": [
                {"label": e.label, "seeds": list(e.seeds), "declared": e.declared,
                 "runs_before": e.runs_before}
                for e in self.extensions
            ],
            "not_run": dict(self.not_run),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Declaration:
        """Read :meth:`to_dict` output, or the older ``{"pairs": [...]}`` (no seeds)."""
        seeds = data.get("seeds")
        return cls(
            pairs=tuple((str(a), str(b)) for a, b in data["pairs"]),
            seeds=None if seeds is None else tuple(int(s) for s in seeds),
            dataset=str(data.get("dataset", "")),
            declared=str(data.get("declared", "")),
            extensions=tuple(
                Extension(str(e["label"]), tuple(int(s) for s in e["seeds"]),
                          str(e.get("declared", "")), int(e.get("runs_before", 0)))
                for e in data.get("extensions", [])
            ),
            not_run=tuple((str(a), str(b)) for a, b in data.get("not_run", {}).items()),
        )  # fmt: skip


def read_declaration(folder: Path) -> Declaration | None:
    """The declaration of ``folder``, or ``None`` when there is none (or it is unreadable)."""
    try:
        data = json.loads((folder / CONTRASTS_FILE).read_text(encoding="utf-8"))
        return Declaration.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def declare(
    folder: Path,
    pairs: Sequence[Pair],
    seeds: Sequence[int],
    *,
    dataset: str = "",
    runs: int = 0,
    not_run: Mapping[str, str] | None = None,
) -> Declaration:
    """Declare ``pairs`` and ``seeds`` for ``folder`` before its runs; return what holds.

    The first call writes the declaration. A later call with the same pairs and seeds that
    the declaration covers changes nothing (a resumed sweep, or a call for some of the
    declared contrasts). Seeds beyond the declared ones (and beyond every extension) append
    an extension with them, ``runs`` (the run records already in the folder) noted; the
    declared analysis stays as it was. Contrasts the declaration lacks raise ``ValueError``
    once runs exist (a new set of contrasts is a new folder); before any run they replace it.
    ``not_run`` names the arms left out because they equal another (``{arm: kept}``). A folder
    whose runs predate declared seeds (an older ``contrasts.json`` without them) keeps its
    file as it is.
    """
    old = read_declaration(folder)
    wanted = tuple((a, b) for a, b in pairs)
    if old is None or (old.seeds is None and not runs):
        decl = Declaration(
            wanted, tuple(sorted(set(seeds))), dataset, _now(),
            not_run=tuple(sorted((not_run or {}).items())),
        )  # fmt: skip
        write_json_atomic(folder / CONTRASTS_FILE, decl.to_dict())
        return decl
    if old.seeds is None:
        return old  # runs made before seeds were declared: nothing can be declared now
    if not runs and set(wanted) - set(old.pairs):
        decl = Declaration(
            wanted, tuple(sorted(set(seeds))), dataset, _now(),
            not_run=tuple(sorted((not_run or {}).items())),
        )  # fmt: skip
        write_json_atomic(folder / CONTRASTS_FILE, decl.to_dict())
        return decl  # nothing ran yet, so nothing was seen: a fresh declaration
    if set(wanted) - set(old.pairs):
        raise ValueError(
            f"{folder / CONTRASTS_FILE} declares the contrasts "
            f"{[':'.join(p) for p in old.pairs]}, this call asks for "
            f"{[':'.join(p) for p in wanted]}: use a new output folder for other contrasts"
        )
    known = set(old.seeds or ()) | {s for e in old.extensions for s in e.seeds}
    new = tuple(sorted(set(seeds) - known))
    if not new:
        return old
    ext = Extension(f"extension {len(old.extensions) + 1}", new, _now(), runs)
    decl = Declaration(old.pairs, old.seeds, old.dataset or dataset, old.declared,
                       (*old.extensions, ext), old.not_run)  # fmt: skip
    write_json_atomic(folder / CONTRASTS_FILE, decl.to_dict())
    return decl


def analyses(decl: Declaration | None, seeds: Sequence[int]) -> list[tuple[str, tuple[int, ...]]]:
    """The separate analyses of a folder whose runs have ``seeds``: ``(label, seeds)``,
    the declared one first.

    ``"declared"`` on the declared seeds that ran; then each extension on the declared seeds
    plus its own and every earlier extension's (an extension adds to what was there), labelled
    ``"<label> (post hoc)"``; seeds that no declaration names make ``"undeclared seeds
    (post hoc)"`` on every seed. Without declared seeds: one analysis, ``"no declared seed
    count"``, on every seed.

    >>> more = (Extension("extension 1", (3, 4)),)
    >>> d = Declaration((("rq", "none"),), (0, 1, 2), extensions=more)
    >>> analyses(d, [0, 1, 2, 3, 4, 5])  # doctest: +NORMALIZE_WHITESPACE
    [('declared', (0, 1, 2)), ('extension 1 (post hoc)', (0, 1, 2, 3, 4)),
     ('undeclared seeds (post hoc)', (0, 1, 2, 3, 4, 5))]
    """
    ran = sorted(set(seeds))
    if decl is None or decl.seeds is None:
        return [("no declared seed count", tuple(ran))]
    have = set(decl.seeds)
    out = [("declared", tuple(s for s in ran if s in have))]
    for ext in decl.extensions:
        have |= set(ext.seeds)
        out.append((f"{ext.label} (post hoc)", tuple(s for s in ran if s in have)))
    if set(ran) - have:
        out.append(("undeclared seeds (post hoc)", tuple(ran)))
    return out
