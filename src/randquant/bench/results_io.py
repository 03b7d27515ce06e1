"""Reading the benchmark result folders back: run records grouped by setting, mean ± std.

The records themselves are written by :func:`randquant.engine.sweep.run_sweep`; this
module only reads them (``<root>/<dataset>/<group>/runs/*.json``) and the manifests.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from randquant.engine.records import RunRecord
from randquant.engine.store import load_runs


@dataclass(frozen=True)
class Found:
    """One run record and where it was found (``dataset/group`` under the root)."""

    group: str
    record: RunRecord


def find_records(root: Path) -> list[Found]:
    """Every readable record under ``root/*/*/runs`` (suite and ablation layout)."""
    out: list[Found] = []
    if not root.is_dir():
        return out
    for runs in sorted(root.glob("*/*/runs")):
        group = runs.parent.name
        out += [Found(group, r) for r in load_runs(runs)]
    return out


def read_json(path: Path) -> Any | None:
    """The parsed JSON file, or ``None`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Cell:
    """Mean and sample std (0 for one seed) of one metric over seeds; ``n`` seeds."""

    mean: float
    std: float
    n: int

    def pct(self, digits: int = 1) -> str:
        """``"mean ± std"`` in percent."""
        return f"{100 * self.mean:.{digits}f} ± {100 * self.std:.{digits}f}"


def cell(values: Sequence[float]) -> Cell:
    """Mean ± sample std of ``values`` (at least one)."""
    if not values:
        raise ValueError("cell needs at least one value")
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return Cell(statistics.fmean(values), std, len(values))


@dataclass(frozen=True)
class Setting:
    """Runs of one setting (dataset, group, augment, method, rq_on) over seeds."""

    dataset: str
    group: str
    augment: str
    method: str
    rq_on: str
    encoder: str
    epochs: int
    batch_size: int
    runs: tuple[RunRecord, ...]

    def metric(self, name: str) -> Cell:
        """Mean ± std of a :class:`RunRecord` field over the seeds."""
        return cell([float(getattr(r, name)) for r in self.runs])

    @property
    def label(self) -> str:
        """The row label: the augmentation, plus where RQ ran / the method for other groups."""
        if self.group == "shed":
            return "ShED (method)"
        if self.group in ("dabs", "embedding_tf"):
            return f"{self.augment} @embedding"
        if self.group == "input_tf":
            return f"{self.augment} @input"
        return self.augment


def settings(found: Iterable[Found]) -> list[Setting]:
    """Group records by setting (first-seen order), seeds sorted."""
    groups: dict[tuple[str, ...], list[RunRecord]] = {}
    for f in found:
        r = f.record
        groups.setdefault((r.dataset, f.group, r.augment, r.method, r.rq_on, r.encoder), []).append(
            r
        )
    out = []
    for (dataset, group, augment, method, rq_on, encoder), runs in groups.items():
        runs.sort(key=lambda r: r.seed)
        out.append(
            Setting(
                dataset,
                group,
                augment,
                method,
                rq_on,
                encoder,
                runs[0].epochs,
                runs[0].batch_size,
                tuple(runs),
            )
        )
    return out
