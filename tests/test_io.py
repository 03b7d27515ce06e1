"""Atomic writes: whole files only, with the mode the umask gives (not mkstemp's 0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from randquant.io import current_umask, write_json_atomic, write_text_atomic

pytestmark = pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")

SNIPPET = """
import os, sys
os.umask(int(sys.argv[2], 8))
from randquant.io import current_umask, write_text_atomic
assert current_umask() == int(sys.argv[2], 8)
write_text_atomic(sys.argv[1], "x")
"""


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_honour_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    # a child process, so the test's own umask never changes under other threads
    target = tmp_path / "result.json"
    cmd = [sys.executable, "-c", SNIPPET, str(target), oct(umask)]
    subprocess.run(cmd, check=True, timeout=60)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text() == "x"


def test_replacing_a_file_keeps_no_temporary_and_reads_the_umask_unchanged(tmp_path: Path) -> None:
    before = current_umask()
    target = tmp_path / "out" / "r.json"
    write_json_atomic(target, {"a": 1})
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~before
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.json"]
    assert current_umask() == before
