"""A sweep: many independent (dataset, augmentation, seed) runs, each pretrained and probed.

:func:`run_sweep` is what ``randquant compare`` and every ``randquant bench`` command that
trains many models drive. Each run is a :class:`~randquant.engine.settings.RunSpec`;
:func:`~randquant.engine.run.train_and_probe` turns one into a
:class:`~randquant.engine.records.RunRecord` (in this process, or in a Ray worker, see
:mod:`randquant.engine.executor`), and this process alone writes the files
(:mod:`randquant.engine.store`):

- ``<output>/runs/<run_id>.json``: the record, written atomically as soon as the run ends;
  a run whose record exists is not run again, so a sweep whose driver died resumes on rerun;
- ``<output>/failed/<run_id>.json``: a run that failed (its error and traceback), removed
  when a later sweep completes it;
- ``<output>/results.*``: the index (:mod:`randquant.engine.index`), rebuilt from the
  records while the sweep runs and at its end.

Example::

    >>> outcome = run_sweep(specs, load=lambda name: dataset)  # doctest: +SKIP
    >>> outcome.failed  # doctest: +SKIP
    []
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from randquant.engine.executor import Executor, default_workers, execute
from randquant.engine.index import rebuild_index
from randquant.engine.provenance import provenance
from randquant.engine.records import RunRecord
from randquant.engine.run import train_and_probe
from randquant.engine.settings import RunSpec
from randquant.engine.store import (
    CHECKPOINTS_DIR,
    RUNS_DIR,
    checkpoint_dir,
    failed_path,
    load_run,
    run_path,
    save_failure,
    save_run,
)

if TYPE_CHECKING:
    from randquant.data.base import Dataset


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


def _index_order(specs: Sequence[RunSpec]) -> Callable[[RunRecord], Any]:
    """Records of this sweep in spec order first, then the others by run id."""
    rank = {spec.run_id: i for i, spec in enumerate(specs)}
    return lambda r: (rank.get(r.run_id, len(rank)), r.run_id)


class SweepClock:
    """The time left for the whole sweep: from the runs finished so far (their pace over the
    elapsed time, which counts parallel workers), before the first one from ``run_seconds``
    (an estimate of one run) and the ``workers`` that run at once.

    >>> clock = SweepClock(todo=4, workers=2, run_seconds=60.0, started=0.0)
    >>> clock.left(finished=0, now=30.0), clock.left(finished=2, now=100.0)
    (90.0, 100.0)
    """

    def __init__(
        self, *, todo: int, workers: int, run_seconds: float | None, started: float
    ) -> None:
        self.todo, self.workers, self.run_seconds = todo, max(1, workers), run_seconds
        self.started = started

    def left(self, *, finished: int, now: float) -> float | None:
        """Seconds left after ``finished`` of the runs to do, or None when unknown."""
        elapsed = max(0.0, now - self.started)
        remaining = max(0, self.todo - finished)
        if finished > 0:
            return remaining * elapsed / finished
        if self.run_seconds is None:
            return None
        waves = -(-remaining // self.workers)
        return max(0.0, waves * self.run_seconds - elapsed)

    def text(self, *, finished: int, now: float) -> str:
        """``about 12 min left`` (or ``time left: not known yet``)."""
        left = self.left(finished=finished, now=now)
        if left is None:
            return "time left: not known yet"
        if left < 90:
            return f"about {left:.0f} s left"
        return f"about {left / 60:.0f} min left"


def run_sweep(
    specs: Sequence[RunSpec],
    load: Callable[[str], Dataset],
    *,
    executor: Executor | None = None,
    progress: bool = True,
    title: str = "sweep",
    on_failed: Callable[[RunSpec, str], None] | None = None,
    index_every_s: float = INDEX_EVERY_S,
    run_seconds: float | None = None,
) -> SweepOutcome:
    """Run every spec whose record is missing; write each record as its run ends.

    ``load(name)`` returns the standardised dataset a spec's ``data`` names (called once per
    name). A run that raises, or whose Ray worker died more often than the executor retries,
    gets ``failed/<run_id>.json`` and is reported in the outcome (and to ``on_failed``); the
    others go on. A folder's index is rebuilt when a run ends there and its last rebuild is
    ``index_every_s`` old (a rebuild reads every record; after each run it cost a busy
    2-core sweep a fifth of a core), and always at the end, also when the sweep is stopped.
    The progress shows the time left for the whole sweep (:class:`SweepClock`; ``run_seconds``
    estimates one run until the first one ends).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = [(s.output, s.run_id) for s in specs]
    if len(set(keys)) != len(keys):
        twice = sorted({str(o / r) for o, r in keys if keys.count((o, r)) > 1})
        raise ValueError(f"the sweep names a run twice: {twice}")
    executor = executor or Executor()
    found = {id(s): load_run(run_path(s.output, s.run_id)) for s in specs}
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
    workers = 1 if not executor.uses_ray else (executor.workers or default_workers())
    clock = SweepClock(
        todo=len(todo), workers=workers, run_seconds=run_seconds, started=time.monotonic()
    )
    ended = [0]  # runs of ``todo`` finished or failed

    with Progress(
        *columns,
        TimeElapsedColumn(),
        TextColumn("{task.fields[left]}"),
        disable=not progress,
    ) as bar:
        left = clock.text(finished=0, now=time.monotonic())
        task = bar.add_task(title, total=len(specs), completed=len(specs) - len(todo), left=left)

        def tick() -> None:
            bar.update(task, left=clock.text(finished=ended[0], now=time.monotonic()))

        def start(spec: RunSpec) -> None:
            bar.update(task, description=f"{title}: {spec.data} {spec.augment} seed {spec.seed}")
            tick()
            if per_run_bars:  # the run's own bar needs the console: pause ours, say the time
                bar.console.print(
                    f"{title}: run {ended[0] + 1} of {len(todo)} ({spec.augment}, seed "
                    f"{spec.seed}); sweep: {clock.text(finished=ended[0], now=time.monotonic())}"
                )
                bar.stop()

        def done(spec: RunSpec, record: RunRecord) -> None:
            save_run(spec.output / RUNS_DIR, record)
            failed_path(spec.output, spec.run_id).unlink(missing_ok=True)
            if not spec.keep_checkpoints:  # seen from here when local or on a shared disk
                shutil.rmtree(checkpoint_dir(spec.output, spec.run_id), ignore_errors=True)
            records[(spec.output, spec.run_id)] = record
            if time.monotonic() - rebuilt.get(spec.output, -index_every_s) >= index_every_s:
                rebuild_index(spec.output, _index_order(by_folder[spec.output]))
                rebuilt[spec.output] = time.monotonic()
            if per_run_bars:
                bar.start()
            ended[0] += 1
            bar.advance(task)
            tick()

        def fail(spec: RunSpec, error: str, trace: str) -> None:
            now = time.time()
            save_failure(
                spec.output,
                spec.run_id,
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
            ended[0] += 1
            bar.advance(task)
            tick()

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
                    (folder / CHECKPOINTS_DIR).rmdir()  # only when empty: no run to resume
    out = [found[id(s)] or records.get((s.output, s.run_id)) for s in specs]
    return SweepOutcome([r for r in out if r is not None], failed)


def check_resumable(specs: Sequence[RunSpec]) -> None:
    """Check, before any work, every checkpoint the runs would resume from (one that cannot
    be read or belongs to another run raises :class:`~randquant.engine.checkpoint.CheckpointError`
    naming it, rather than failing its run later, on some worker)."""
    from randquant.engine.checkpoint import LAST_CHECKPOINT, check_checkpoint

    for spec in specs:
        path = checkpoint_dir(spec.output, spec.run_id) / LAST_CHECKPOINT
        if path.is_file():
            check_checkpoint(path, run={"method": spec.settings.method, "seed": spec.seed})


def _quiet(spec: RunSpec) -> RunSpec:
    return replace(spec, progress=False)
