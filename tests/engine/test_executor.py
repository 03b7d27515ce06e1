"""The executor's in-process path: order, payloads loaded once each, failures reported while
the other tasks go on, and no Ray anywhere for `--workers 1` (the demo and the op never
need it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import randquant.engine.executor as ex
from randquant.engine.executor import Executor, execute


def test_in_process_runs_in_order_and_reports_failures() -> None:
    loaded: list[str] = []
    done: list[tuple[int, int]] = []
    failed: list[tuple[int, str]] = []

    def fn(task: int, payload: int) -> int:
        if task == 3:
            raise ValueError("three is bad")
        return task + payload

    def load(key: object) -> int:
        loaded.append(str(key))
        return 100 if key == "a" else 200

    execute(
        fn,
        [1, 2, 3, 4],
        load=load,
        key=lambda t: "a" if t < 3 else "b",
        on_done=lambda t, r: done.append((t, r)),
        on_failed=lambda t, err, trace: failed.append((t, err)),
    )
    assert done == [(1, 101), (2, 102), (4, 204)]  # the failure did not stop task 4
    assert failed == [(3, "ValueError: three is bad")]
    assert loaded == ["a", "b"]  # each payload once
    with pytest.raises(ValueError, match="three"):  # no on_failed: raised after the others
        execute(fn, [3, 4], load=lambda k: 0, on_done=lambda t, r: done.append((t, r)))
    assert done[-1] == (4, 4)


def test_without_ray_the_default_is_the_in_process_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "ray_available", lambda: False)
    assert ex.default_workers() == 1
    assert not Executor(workers=None).uses_ray
    with pytest.raises(ValueError, match=r"pip install 'randquant\[ray\]'"):
        Executor(workers=2)
    with pytest.raises(ValueError, match="workers must be >= 1"):
        Executor(workers=0)


def test_a_one_worker_sweep_never_imports_ray() -> None:
    here = str(Path(__file__).resolve().parent)
    script = (
        f"import sys; sys.path.insert(0, {here!r}); import sweep_kit, torch\n"
        "import tempfile\n"
        "sweep_kit.compare(sweep_kit.tiny(), ['none'], 'simclr', 1, [0, 1], tempfile.mkdtemp(),\n"
        "            **sweep_kit.TINY_RUN)\n"
        "print('ray' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_local_ray_workers_run_at_the_drivers_priority() -> None:
    # Ray starts its workers at nice 15 by default: on a shared box a sweep then crawls
    pytest.importorskip("ray")
    script = (
        "import os\n"
        "from randquant.engine.executor import Executor, execute\n"
        "got = []\n"
        "execute(lambda t, p: os.nice(0), [1, 2], load=lambda k: None,\n"
        "        executor=Executor(workers=2), on_done=lambda t, r: got.append(r))\n"
        "print('niceness', os.nice(0), sorted(got))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert "niceness 0 [0, 0]" in out, out
