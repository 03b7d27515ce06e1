"""A sweep: many independent (dataset, augmentation, seed) runs, each pretrained and probed.

:func:`run_sweep` is what ``randquant compare`` and every ``randquant bench`` command that
trains many models drive. Each run is a :class:`RunSpec`; :func:`train_and_probe` turns one
into a :class:`~randquant.engine.results.RunRecord` (in this process, or in a Ray worker, see
:mod:`randquant.engine.executor`), and this process alone writes the files:

- ``<output>/runs/<run_id>.json``: the record, written atomically as soon as the run ends;
  a run whose record exists is not run again, so a sweep whose driver died resumes on rerun;
- ``<output>/failed/<run_id>.json``: a run that failed (its error and traceback), removed
  when a later sweep completes it;
- ``<output>/results.*``: the index, rebuilt from the records after every run.

Example::

    >>> outcome = run_sweep(specs, load=lambda name: dataset)  # doctest: +SKIP
    >>> outcome.failed  # doctest: +SKIP
    []
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from randquant.engine.executor import Executor, execute
from randquant.engine.results import RunRecord, load_run, rebuild_index, save_run
from randquant.io import write_json_atomic

if TYPE_CHECKING:
    from randquant.data.base import Dataset
    from randquant.engine.compare import CompareSettings, Trainer


def command_line() -> str:
    """This process's command, as a user would type it (``randquant ...`` for the CLI)."""
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv else "python"
    if prog == "randquant" or prog.endswith("-script.py"):
        return "randquant " + shlex.join(argv[1:])
    return shlex.join([Path(sys.executable).name, *argv])


def code_version() -> dict[str, Any]:
    """randquant's version, and its git commit and dirty flag when it runs from a git
    checkout, read *now* (not cached: a run records the code it started from, so the caller
    reads this when the run starts, :attr:`RunSpec.code`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        info: dict[str, Any] = {"randquant": version("randquant")}
    except PackageNotFoundError:
        info = {"randquant": None}
    here = Path(__file__).resolve().parents[1]  # the randquant package
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return info
    info["git_commit"] = commit
    info["git_dirty"] = bool(dirty)  # uncommitted changes to tracked files of the package
    return info


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def provenance(
    command: str,
    device: str,
    started: float,
    ended: float,
    code: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Where and how a record was made: everything needed to read it on its own.

    ``code`` is :func:`code_version` as read when the work *started* (a commit made, or a
    file edited, while a run trains must not be credited to it); without it, it is read now.
    """
    from randquant.bench.hardware import describe

    return {
        "command": command,
        "code": code_version() if code is None else code,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "hardware": describe(torch.get_num_threads()),
        "threads": torch.get_num_threads(),
        "device": device,
        "python": platform.python_version(),
        "started": _utc(started),
        "ended": _utc(ended),
        "wall_seconds": round(ended - started, 3),
    }


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what to train, where its files go, and how it was asked for.

    ``data`` names the (standardised) dataset the sweep's ``load`` returns; ``output`` is
    the folder of its ``runs/``, ``failed/``, ``checkpoints/`` and index; ``command`` the
    command line recorded in the record's provenance.
    """

    data: str
    augment: str
    seed: int
    settings: CompareSettings
    output: Path
    run_id: str
    probe_max_iter: int = 500
    keep_checkpoints: bool = False
    trainer: Trainer | None = None
    progress: bool = False
    command: str = field(default_factory=command_line)
    #: The code the run starts from (:func:`code_version`), read when the spec is made:
    #: before the sweep, in the driver, so a worker records what the run was asked to run.
    code: dict[str, Any] = field(default_factory=code_version)

    @property
    def label(self) -> str:
        """``dataset/augment seed N``, how a failure or a progress line names the run."""
        return f"{self.data} {self.augment} seed {self.seed} ({self.output / self.run_id})"


#: What a record keeps of the linear probe's fit (see :func:`randquant.evaluate.linear_probe`).
PROBE_DETAIL: tuple[str, ...] = ("C", "converged", "n_iter", "cv_accuracy", "cv_unconverged")


def train_and_probe(spec: RunSpec, data: Dataset) -> RunRecord:
    """Pretrain (resuming from the run's checkpoint if one is there), probe, and build the
    record. The checkpoint stays: the driver removes it once the record is saved (unless
    ``keep_checkpoints``), so a driver that dies in between loses no finished training."""
    from randquant.device import resolve_device
    from randquant.engine.compare import encoder_label, pretrain_one
    from randquant.evaluate.probe import evaluate_encoder

    started = time.time()
    settings = spec.settings
    ckpt = spec.output / "checkpoints" / spec.run_id
    trainer = spec.trainer or pretrain_one
    trained = trainer(
        data, spec.augment, spec.seed, settings, checkpoint_dir=ckpt, progress=spec.progress
    )
    _, probe_device = resolve_device(settings.device)
    probes = evaluate_encoder(
        trained.encoder,
        data,
        device=probe_device,
        seed=spec.seed,
        linear_max_iter=spec.probe_max_iter,
    )
    record = RunRecord(
        augment=spec.augment,
        method=settings.method,
        seed=spec.seed,
        epochs=settings.epochs,
        linear_acc=probes["linear"].accuracy,
        knn_acc=probes["knn"].accuracy,
        linear_f1=probes["linear"].macro_f1,
        knn_f1=probes["knn"].macro_f1,
        train_seconds=trained.train_seconds,
        final_loss=trained.final_loss,
        dataset=data.name,
        encoder=encoder_label(settings.encoder, trained.encoder),
        batch_size=settings.batch_size,
        rq_on=settings.rq_on,
        linear_weight_decay=probes["linear"].detail["weight_decay"],
        run_id=spec.run_id,
        provenance=provenance(
            spec.command, str(probe_device), started, time.time(), code=spec.code
        ),
        probe={k: probes["linear"].detail[k] for k in PROBE_DETAIL if k in probes["linear"].detail},
        predictions={name: list(res.predictions) for name, res in probes.items()},
    )
    return record


class SweepFailed(RuntimeError):
    """Some runs of a sweep failed (the others finished); ``failed`` names them."""

    def __init__(self, failed: Sequence[tuple[RunSpec, str]]) -> None:
        self.failed = list(failed)
        names = "; ".join(f"{spec.label}: {error}" for spec, error in self.failed)
        super().__init__(f"{len(self.failed)} run(s) failed: {names}")


@dataclass
class SweepOutcome:
    """The records of a sweep (in spec order, finished ones included) and its failures."""

    records: list[RunRecord]
    failed: list[tuple[RunSpec, str]]

    def raise_if_failed(self) -> None:
        """Raise :class:`SweepFailed` naming every failed run, if any."""
        if self.failed:
            raise SweepFailed(self.failed)


#: Seconds between two rebuilds of a folder's index while its sweep runs.
INDEX_EVERY_S = 30.0


def failed_path(spec: RunSpec) -> Path:
    """Where a failed run's record goes."""
    return spec.output / "failed" / f"{spec.run_id}.json"


def _index_order(specs: Sequence[RunSpec]) -> Callable[[RunRecord], Any]:
    """Records of this sweep in spec order first, then the others by run id."""
    rank = {spec.run_id: i for i, spec in enumerate(specs)}
    return lambda r: (rank.get(r.run_id, len(rank)), r.run_id)


def run_sweep(
    specs: Sequence[RunSpec],
    load: Callable[[str], Dataset],
    *,
    executor: Executor | None = None,
    progress: bool = True,
    title: str = "sweep",
    on_failed: Callable[[RunSpec, str], None] | None = None,
    index_every_s: float = INDEX_EVERY_S,
) -> SweepOutcome:
    """Run every spec whose record is missing; write each record as its run ends.

    ``load(name)`` returns the standardised dataset a spec's ``data`` names (called once per
    name). A run that raises, or whose Ray worker died more often than the executor retries,
    gets ``failed/<run_id>.json`` and is reported in the outcome (and to ``on_failed``); the
    others go on. A folder's index is rebuilt when a run ends there and its last rebuild is
    ``index_every_s`` old (a rebuild reads every record; after each run it cost a busy
    2-core sweep a fifth of a core), and always at the end, also when the sweep is stopped.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = [(s.output, s.run_id) for s in specs]
    if len(set(keys)) != len(keys):
        twice = sorted({str(o / r) for o, r in keys if keys.count((o, r)) > 1})
        raise ValueError(f"the sweep names a run twice: {twice}")
    executor = executor or Executor()
    found = {id(s): load_run(s.output / "runs" / f"{s.run_id}.json") for s in specs}
    todo = [s for s in specs if found[id(s)] is None]
    check_resumable(todo)
    if not todo or (len(todo) == 1 and executor.address is None):
        executor = Executor()  # nothing to share out: no Ray start-up for one run
    if executor.uses_ray:
        todo = [_quiet(s) for s in todo]  # workers have no console: one bar, here
    by_folder: dict[Path, list[RunSpec]] = {}
    for s in specs:
        by_folder.setdefault(s.output, []).append(s)
    records: dict[tuple[Path, str], RunRecord] = {}
    failed: list[tuple[RunSpec, str]] = []
    rebuilt: dict[Path, float] = {}
    per_run_bars = any(s.progress for s in todo)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())

    with Progress(*columns, TimeElapsedColumn(), disable=not progress) as bar:
        task = bar.add_task(title, total=len(specs), completed=len(specs) - len(todo))

        def start(spec: RunSpec) -> None:
            bar.update(task, description=f"{title}: {spec.data} {spec.augment} seed {spec.seed}")
            if per_run_bars:  # the run's own bar needs the console: pause ours
                bar.stop()

        def done(spec: RunSpec, record: RunRecord) -> None:
            save_run(spec.output / "runs", record)
            failed_path(spec).unlink(missing_ok=True)
            if not spec.keep_checkpoints:  # seen from here when local or on a shared disk
                shutil.rmtree(spec.output / "checkpoints" / spec.run_id, ignore_errors=True)
            records[(spec.output, spec.run_id)] = record
            if time.monotonic() - rebuilt.get(spec.output, -index_every_s) >= index_every_s:
                rebuild_index(spec.output, _index_order(by_folder[spec.output]))
                rebuilt[spec.output] = time.monotonic()
            if per_run_bars:
                bar.start()
            bar.advance(task)

        def fail(spec: RunSpec, error: str, trace: str) -> None:
            now = time.time()
            write_json_atomic(
                failed_path(spec),
                {
                    "run_id": spec.run_id,
                    "dataset": spec.data,
                    "augment": spec.augment,
                    "seed": spec.seed,
                    "error": error,
                    "traceback": trace,
                    "provenance": provenance(
                        spec.command, spec.settings.device, now, now, code=spec.code
                    ),
                },
            )
            failed.append((spec, error))
            if per_run_bars:
                bar.start()
            bar.console.print(f"[red]failed[/] {spec.label}: {error}")
            if on_failed is not None:
                on_failed(spec, error)
            bar.advance(task)

        def load_once(name: Hashable) -> Dataset:
            bar.update(task, description=f"{title}: loading {name}")
            return load(str(name))

        try:
            execute(
                train_and_probe,
                todo,
                load=load_once,
                key=lambda s: s.data,
                executor=executor,
                on_start=start,
                on_done=done,
                on_failed=fail,
            )
        finally:  # also after Ctrl-C: the index holds every record written
            for folder, folder_specs in by_folder.items():
                if folder.is_dir():
                    rebuild_index(folder, _index_order(folder_specs))
                with contextlib.suppress(OSError):
                    (folder / "checkpoints").rmdir()  # only when empty: no run to resume
    out = [found[id(s)] or records.get((s.output, s.run_id)) for s in specs]
    return SweepOutcome([r for r in out if r is not None], failed)


def check_resumable(specs: Sequence[RunSpec]) -> None:
    """Check, before any work, every checkpoint the runs would resume from (one that cannot
    be read or belongs to another run raises :class:`~randquant.engine.checkpoint.CheckpointError`
    naming it, rather than failing its run later, on some worker)."""
    from randquant.engine.checkpoint import LAST_CHECKPOINT, check_checkpoint

    for spec in specs:
        path = spec.output / "checkpoints" / spec.run_id / LAST_CHECKPOINT
        if path.is_file():
            check_checkpoint(path, run={"method": spec.settings.method, "seed": spec.seed})


def _quiet(spec: RunSpec) -> RunSpec:
    from dataclasses import replace

    return replace(spec, progress=False)


def read_failures(root: Path) -> list[dict[str, Any]]:
    """Every failed-run record under ``root`` (any depth), sorted by path."""
    out = []
    for path in sorted(root.rglob("failed/*.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out
