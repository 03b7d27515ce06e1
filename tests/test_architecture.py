"""The house's floors (docs/architecture.md): imports run one way, files stay short.

Reads the import statements of every module under ``src/randquant`` (those inside functions
and ``TYPE_CHECKING`` blocks too) and checks that no module imports one on a higher floor,
that no modules import each other in a loop, and that no file is longer than 400 lines.
``python -m pytest tests/test_architecture.py -q -s`` prints the floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "randquant"
MAX_LINES = 400

#: Floors from the ground up; a module may import its own floor and the floors below.
#: The most specific prefix wins (``randquant.engine.records`` before ``randquant.engine``).
FLOORS: dict[str, int] = {
    "randquant.io": 0,
    "randquant.device": 0,
    "randquant.hardware": 0,
    "randquant.ops": 0,
    "randquant.models": 0,
    "randquant.numpy": 1,
    "randquant.kornia": 1,
    "randquant.data": 1,
    "randquant.augment": 2,
    "randquant.evaluate": 2,
    "randquant.viz": 3,
    "randquant.config": 3,
    "randquant.methods": 4,
    # the engine: records and their layout -> one run | analysis -> sweep -> compare
    "randquant.engine.records": 5,
    "randquant.engine.record_check": 5,
    "randquant.engine.ray_address": 5,
    "randquant.engine.declaration": 5,
    "randquant.engine.provenance": 5,
    "randquant.engine.recipe": 5,
    "randquant.engine.defaults": 5,
    "randquant.engine.executor": 5,
    "randquant.engine.checkpoint": 5,
    "randquant.engine.data": 5,
    "randquant.engine.store": 6,
    "randquant.engine.settings": 6,
    "randquant.engine.planning": 6,
    "randquant.engine.contrasts": 6,
    "randquant.engine.tables": 6,
    "randquant.engine.datamodule": 6,
    "randquant.engine.encoder_file": 6,
    "randquant.engine.training": 7,
    "randquant.engine.index": 7,
    "randquant.engine": 7,  # the package's face: PretrainConfig, pretrain
    "randquant.engine.run": 8,
    "randquant.engine.references": 9,
    "randquant.engine.sweep": 9,
    "randquant.engine.plan": 10,
    "randquant.engine.compare": 11,
    "randquant.bench": 12,
    "randquant.cli": 13,
    "randquant": 14,  # the top-level face re-exports the user-facing names
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """The randquant modules ``path`` imports (``from pkg import mod`` names ``pkg.mod``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("randquant")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("randquant"):
            base = node.module or ""
            subs = {f"{base}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs or {base}
    return {m for m in found if m in MODULES}


GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def floor(name: str) -> int:
    best = max((p for p in FLOORS if name == p or name.startswith(p + ".")), key=len)
    return FLOORS[best]


def test_no_import_runs_back_up() -> None:
    up = [
        f"{a} (floor {floor(a)}) -> {b} (floor {floor(b)})"
        for a, targets in GRAPH.items()
        for b in sorted(targets)
        if floor(b) > floor(a)
    ]
    assert not up, "imports that run back up:\n" + "\n".join(up)


def test_no_circle_of_imports() -> None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []
    circles: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(GRAPH[name]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)
    assert not circles, "circles of imports:\n" + "\n".join(circles)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_file_over_400_lines(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name]} has {lines} lines (at most {MAX_LINES})"


def test_print_the_floors() -> None:
    """With ``-s``: every floor and its modules, from the top down."""
    by_floor: dict[int, list[str]] = {}
    for name in MODULES:
        by_floor.setdefault(floor(name), []).append(name.removeprefix("randquant."))
    for level in sorted(by_floor, reverse=True):
        print(f"floor {level:2d}: {', '.join(sorted(by_floor[level]))}")
    assert by_floor


def test_the_engine_package_and_the_config_import_no_lightning() -> None:
    """``randquant.config`` promises no heavy imports; ``randquant.engine`` loads Lightning
    only when ``pretrain`` is first used."""
    import subprocess
    import sys

    code = (
        "import sys, randquant.config, randquant.engine, randquant.engine.compare; "
        "print('lightning' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
