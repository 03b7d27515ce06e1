"""Where ``randquant bench report`` reads from and writes to, and what each dataset is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Inputs:
    """Where the report reads from and writes to (the power profile's folder sits beside
    the suite's: ``<suite>/../power``)."""

    results: Path = Path("benchmarks/results")
    suite: Path = Path("benchmarks/results/suite/quick")
    ablation: Path = Path("benchmarks/results/ablation/quick")
    docs: Path = Path("docs")

    @property
    def img(self) -> Path:
        return self.docs / "img"

    @property
    def power(self) -> Path:
        return self.suite.parent / "power"


def modality_of(manifest: dict[str, Any] | None, dataset: str) -> str:
    """The modality of ``dataset``: the manifest's word for it, else the registry's."""
    mods = (manifest or {}).get("modalities", {})
    if dataset in mods:
        return str(mods[dataset])
    from randquant.data.registry import list_datasets

    known = {d.name: d.modality for d in list_datasets()}
    return known.get(dataset, "other")
