"""Check a ``--config`` YAML file before the parser reads it, and keep messages short.

A config is a small tree of options. What is refused here, by a ``typer.BadParameter`` that
names the file and never shows its content:

* a file over :data:`MAX_BYTES`, or not UTF-8 text;
* YAML whose anchors and aliases expand to more than :data:`MAX_VALUES` values (a 400-byte
  "billion laughs" file expands to 3.4 GB, and a message that repeats the value to as much);
* a file that is not a mapping of options (``--config /etc/passwd``), and a ``config:`` key
  inside a config (it would make the parser read, and its error print, another file).

>>> check_config_file(Path("run.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

MAX_BYTES = 1 << 20
MAX_VALUES = 10_000
#: Longest message shown for a bad value: the value is cut, never the option's name.
MAX_MESSAGE = 300


def short(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def _bad(path: Path, why: str) -> typer.BadParameter:
    return typer.BadParameter(f"{path}: {why}", param_hint="--config")


def _expanded(node: Any, memo: dict[int, int], depth: int) -> int:
    """Values ``node`` expands to, each shared (aliased) node counted once per use."""
    import yaml  # type: ignore[import-untyped]

    if id(node) in memo:
        return memo[id(node)]
    if depth > 50:
        return MAX_VALUES + 1
    total = 1
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded(item, memo, depth + 1)
            if total > MAX_VALUES:
                break
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded(key, memo, depth + 1) + _expanded(value, memo, depth + 1)
            if total > MAX_VALUES:
                break
    memo[id(node)] = total
    return total


def check_config_file(path: Path) -> None:
    """``typer.BadParameter`` (for ``--config``) when ``path`` is not a small YAML mapping of
    options; see the module's docstring."""
    import yaml  # type: ignore[import-untyped]

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _bad(path, f"{size:,} bytes; a config file is at most {MAX_BYTES:,}")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise _bad(path, "no such file") from None
    except OSError as err:
        raise _bad(path, f"cannot be read ({err.strerror or type(err).__name__})") from None
    except UnicodeDecodeError:
        raise _bad(path, "is not UTF-8 text (is it a YAML config?)") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # nodes: aliases stay shared
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _bad(path, f"is not valid YAML ({err.problem or 'syntax error'}{where})") from None
    except yaml.YAMLError:
        raise _bad(path, "is not valid YAML") from None
    if root is None:
        return
    if _expanded(root, {}, 0) > MAX_VALUES:
        raise _bad(
            path,
            f"its anchors and aliases expand to more than {MAX_VALUES:,} values; "
            "a config is a small tree of options",
        )
    if not isinstance(root, yaml.MappingNode):
        raise _bad(path, "is not a YAML mapping of options (option: value lines)")
    for key, _ in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value in ("config", "print_config"):
            raise _bad(
                path, f"a config file may not hold {key.value!r}: nested configs are not read"
            )


def check_config_args(argv: Sequence[str]) -> None:
    """:func:`check_config_file` for every ``--config FILE`` / ``--config=FILE`` in ``argv``."""
    items = list(argv)
    for i, token in enumerate(items):
        if token == "--config" and i + 1 < len(items):
            check_config_file(Path(items[i + 1]))
        elif token.startswith("--config="):
            check_config_file(Path(token.split("=", 1)[1]))
