"""Run independent tasks in this process, or as Ray tasks on a local instance or a cluster.

:func:`execute` takes a list of tasks and a function ``fn(task, payload)``; each task names
the *payload* it needs (a dataset, say) by a key, and every payload is loaded once: in this
process for ``workers=1``, into Ray's object store otherwise (so a 100-run sweep ships each
dataset to a node once, not 100 times).

With Ray, every task is one Ray task with ``num_cpus=1`` (``num_gpus=1`` when the runs use a
GPU) and one torch thread. A task whose worker process dies (SIGKILL, out of memory, a lost
node) is retried up to ``max_retries`` times by Ray; an exception raised by ``fn`` itself is
not retried (it would raise again) and is reported to ``on_failed`` at once. The other tasks
always run to the end.

Without an ``address`` a local Ray instance is started and stopped here; ``address="auto"``
or ``"ray://host:port"`` joins an existing cluster (see docs/engine.md). Ray is an optional
dependency (``pip install randquant[ray]``); ``workers=1`` never imports it.

Example::

    >>> def square(task: int, payload: int) -> int:
    ...     return task * task + payload
    >>> done = []
    >>> execute(square, [1, 2, 3], load=lambda key: 10, on_done=lambda t, r: done.append(r))
    >>> done
    [11, 14, 19]
"""

from __future__ import annotations

import importlib.util
import logging
import os
import traceback
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from randquant.config import check_threads, check_workers, set_threads

T = TypeVar("T")
R = TypeVar("R")

#: Retries of a task whose worker died, before it is reported as failed.
MAX_RETRIES = 2


def ray_available() -> bool:
    """True when ``import ray`` would work."""
    return importlib.util.find_spec("ray") is not None


def default_workers() -> int:
    """What ``--workers`` means when not given: every core with Ray installed, else 1."""
    return (os.cpu_count() or 1) if ray_available() else 1


@dataclass(frozen=True)
class Executor:
    """Where tasks run.

    ``workers``: tasks at once (1 = in this process, one after another; more = Ray; ``None``
    = :func:`default_workers`, or with an ``address`` as many as the cluster's CPUs take).
    ``address``: an existing Ray cluster (``auto``, ``ray://host:port``); ``None`` starts a
    local instance of ``workers`` CPUs. ``gpus_per_task``: Ray's ``num_gpus`` of each task.
    ``threads``: torch (and numba) threads inside each Ray task.
    """

    workers: int | None = 1
    address: str | None = None
    gpus_per_task: float = 0.0
    threads: int = 1
    max_retries: int = MAX_RETRIES

    def __post_init__(self) -> None:
        check_workers(self.workers)
        check_threads(self.threads)
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.gpus_per_task < 0:
            raise ValueError(f"gpus_per_task must be >= 0, got {self.gpus_per_task}")
        if self.address is not None and not self.address.strip():
            raise ValueError("address must name a Ray cluster (auto or ray://host:port), got ''")
        if self.uses_ray and not ray_available():
            what = f"--ray-address {self.address}" if self.address else f"--workers {self.workers}"
            raise ValueError(
                f"{what} runs on Ray, which is not installed: pip install 'randquant[ray]' "
                "(or use --workers 1 to run in this process)"
            )

    @property
    def uses_ray(self) -> bool:
        """Whether tasks go to Ray (several workers, or a cluster address)."""
        return self.address is not None or (self.workers or default_workers()) > 1


def describe_error(err: BaseException) -> str:
    """One line naming the error, for a failed record (the traceback goes beside it)."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[-1] if text else ''}".rstrip(": ")


def execute(
    fn: Callable[[T, Any], R],
    tasks: Sequence[T],
    *,
    load: Callable[[Hashable], Any],
    key: Callable[[T], Hashable] = lambda task: None,
    executor: Executor | None = None,
    on_start: Callable[[T], None] = lambda task: None,
    on_done: Callable[[T, R], None] = lambda task, result: None,
    on_failed: Callable[[T, str, str], None] | None = None,
) -> None:
    """Run ``fn(task, load(key(task)))`` for every task; report each outcome as it arrives.

    ``on_done(task, result)`` and ``on_failed(task, error, traceback)`` run in this process,
    in completion order. Without ``on_failed`` the first failure is raised (after the other
    tasks ended). ``KeyboardInterrupt`` and ``SystemExit`` stop everything at once.
    """
    executor = executor or Executor()
    failures: list[BaseException] = []

    def failed(task: T, err: BaseException, trace: str) -> None:
        if on_failed is None:
            failures.append(err)
        else:
            on_failed(task, describe_error(err), trace)

    if executor.uses_ray:
        _execute_ray(fn, tasks, load, key, executor, on_start, on_done, failed)
    else:
        cache: dict[Hashable, Any] = {}
        for task in tasks:
            k = key(task)
            if k not in cache:
                cache = {k: load(k)}  # one payload in memory at a time
            on_start(task)
            try:
                result = fn(task, cache[k])
            except Exception as err:
                failed(task, err, traceback.format_exc())
                continue
            on_done(task, result)
    if failures:
        raise failures[0]


def _run_task(fn: Callable[[Any, Any], Any], task: Any, payload: Any, threads: int) -> Any:
    """The body of every Ray task: pin the thread count, then call ``fn``."""
    set_threads(threads)
    return fn(task, payload)


def _execute_ray(
    fn: Callable[[T, Any], R],
    tasks: Sequence[T],
    load: Callable[[Hashable], Any],
    key: Callable[[T], Hashable],
    executor: Executor,
    on_start: Callable[[T], None],
    on_done: Callable[[T, R], None],
    failed: Callable[[T, BaseException, str], None],
) -> None:
    import ray
    from ray.exceptions import RayError, RayTaskError

    started = not ray.is_initialized()
    if started:
        if executor.address is None:
            ray.init(
                address="local",  # a new instance, even where `ray start` left a cluster
                num_cpus=executor.workers or default_workers(),
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
                # Ray starts workers at nice 15: on a shared box they then get a few % of a
                # core, and the sweep the user asked for is the job, not a background chore
                _system_config={"worker_niceness": 0},
            )
        else:
            ray.init(address=executor.address, logging_level=logging.WARNING)
    try:
        remote = ray.remote(_run_task).options(
            num_cpus=1,
            num_gpus=executor.gpus_per_task,
            max_retries=executor.max_retries,
            retry_exceptions=False,
        )
        refs: dict[Hashable, Any] = {}
        # a local instance has exactly `workers` CPUs; on a cluster, `workers` caps the runs
        # in flight (None: submit all, the cluster's free CPUs decide how many run at once)
        limit = executor.workers or (default_workers() if executor.address is None else 10**9)
        todo = list(tasks)
        todo.reverse()
        pending: dict[Any, T] = {}
        while todo or pending:
            while todo and len(pending) < limit:
                task = todo.pop()
                k = key(task)
                if k not in refs:
                    refs[k] = ray.put(load(k))
                on_start(task)
                pending[remote.remote(fn, task, refs[k], executor.threads)] = task
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except RayTaskError as err:  # fn raised: its own exception, not retried
                    cause = err.cause if isinstance(err.cause, BaseException) else err
                    failed(task, cause, str(err))
                    continue
                except RayError as err:  # the worker died max_retries + 1 times
                    failed(task, err, str(err))
                    continue
                on_done(task, result)
    finally:
        if started:
            ray.shutdown()
