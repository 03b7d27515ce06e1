"""From one typed config tree to the command line and a YAML file (jsonargparse).

A command's options are one frozen dataclass (e.g. :class:`~randquant.cli.commands.PretrainCommand`)
whose dataclass-typed fields are the nodes of the tree (``source``, ``model``, ``train``) and
whose other fields are the command's own. :func:`parse` makes a jsonargparse parser from it, so

* every field is a flag (``--train.batch_size``), and every leaf also answers to its own name,
  with dashes or underscores (``--batch-size``, ``--batch_size``), when the name is unique;
* ``--config FILE.yaml`` reads the same tree from YAML (flags given after it override it), and
  ``--print_config`` writes the tree of the current flags as YAML;
* each rule is checked once, in the ``__post_init__`` of the dataclass that owns the field; a
  bad value stops with a one-line ``Invalid value for '--option'`` (exit status 2).

Why jsonargparse: it is what LightningCLI (so Lightning, already a dependency) is built on; it
reads dataclasses, their type hints and their field docstrings directly, so the tree is written
once as plain typed Python and the flags, the help and the YAML schema all follow from it.
OmegaConf would need its own structured-config classes plus a hand-written flag layer.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

import typer

from randquant.cli.config_file import check_config_args, short

T = TypeVar("T")

#: Fields of a node that a command does not expose (set by the command itself).
Skips = dict[str, frozenset[str]]


def _nodes(tree: type[Any]) -> dict[str, type[Any]]:
    hints = typing.get_type_hints(tree)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(tree)
        if dataclasses.is_dataclass(hints[f.name])
    }


def _leaves(tree: type[Any], skips: Skips) -> dict[str, Any]:
    """``{full key: type}`` of every flag of ``tree``."""
    out: dict[str, Any] = {}
    nodes = _nodes(tree)
    hints = typing.get_type_hints(tree)
    for f in dataclasses.fields(tree):
        if f.name in nodes:
            node_hints = typing.get_type_hints(nodes[f.name])
            for g in dataclasses.fields(nodes[f.name]):
                if g.name not in skips.get(f.name, frozenset()):
                    out[f"{f.name}.{g.name}"] = node_hints[g.name]
        else:
            out[f.name] = hints[f.name]
    return out


def _aliases(leaves: dict[str, Any]) -> dict[str, str]:
    """``{leaf name: full key}`` for the leaf names that occur once in the tree."""
    names: dict[str, list[str]] = {}
    for key in leaves:
        names.setdefault(key.rsplit(".", 1)[-1], []).append(key)
    return {name: keys[0] for name, keys in names.items() if len(keys) == 1}


def flag(key: str, aliases: dict[str, str]) -> str:
    """How messages name the option of ``key``: its short dashed form when it has one."""
    name = key.rsplit(".", 1)[-1]
    return "--" + (name.replace("_", "-") if aliases.get(name) == key else key)


def _is(kind: type, hint: Any) -> bool:
    return hint is kind or kind in typing.get_args(hint)


def _is_list(hint: Any) -> bool:
    """A list-only flag (repeatable); ``str | list[...]`` flags take one comma-separated value."""
    return typing.get_origin(hint) is list


def normalize_argv(argv: Sequence[str], leaves: dict[str, Any]) -> list[str]:
    """Rewrite short, dashed and bare-boolean flags into the parser's full keys.

    ``--batch-size 8`` -> ``--train.batch_size 8``; ``--resume`` -> ``--train.resume true``;
    ``--no-progress`` -> ``--progress false``; a list flag given several times
    (``--contrast a:b --contrast c:d``) -> one JSON list.
    """
    aliases = _aliases(leaves)
    out: list[str] = []
    lists: dict[str, list[str]] = {}
    items = list(argv)
    i = 0
    while i < len(items):
        token = items[i]
        i += 1
        if not token.startswith("--") or token in ("--help", "--config", "--print_config"):
            out.append(token)
            continue
        name, eq, value = token[2:].partition("=")
        key = name.replace("-", "_")
        key = aliases.get(key, key)
        negated = aliases.get(key.removeprefix("no_"), key.removeprefix("no_"))
        if (
            key not in leaves
            and key.startswith("no_")
            and not eq
            and _is(bool, leaves.get(negated))
        ):
            out += [f"--{negated}", "false"]
            continue
        if key not in leaves:
            out.append(token)
            continue
        hint = leaves[key]
        if not eq:
            if _is(bool, hint) and (i >= len(items) or items[i].startswith("--")):
                value = "true"
            elif i < len(items):
                value, i = items[i], i + 1
            else:
                raise typer.BadParameter("needs a value", param_hint=flag(key, aliases))
        if _is_list(hint) and not value.lstrip().startswith("["):
            lists.setdefault(key, []).append(value)
            continue
        out += [f"--{key}", value]
    for key, values in lists.items():
        out += [f"--{key}", json.dumps(values)]
    return out


def _short_names(leaves: dict[str, Any]) -> dict[str, str]:
    """``{"--train.batch_size": "--batch-size", ...}``: how ``--help`` names each option."""
    aliases = _aliases(leaves)
    return {f"--{key}": flag(key, aliases) for key in leaves}


@cache
def _parser(tree: type[Any], skip_items: tuple[tuple[str, frozenset[str]], ...]) -> Any:
    import argparse

    from jsonargparse import (  # type: ignore[attr-defined]
        ActionConfigFile,
        ArgumentParser,
        DefaultHelpFormatter,
        set_parsing_settings,
    )

    set_parsing_settings(docstring_parse_attribute_docstrings=True)  # field docs -> --help

    skips = dict(skip_items)
    short = _short_names(_leaves(tree, skips))

    class Formatter(argparse.RawDescriptionHelpFormatter, DefaultHelpFormatter):
        """Keep the description's line breaks (the examples); name each option as people
        type it (``--batch-size``, not ``--train.batch_size``)."""

        def _format_action_invocation(self, action: argparse.Action) -> str:
            names = [short.get(o, o) for o in action.option_strings]
            if action.option_strings and names != action.option_strings:
                action = argparse.Action(
                    list(dict.fromkeys(names)), action.dest, nargs=action.nargs,
                    metavar=action.metavar, help=action.help,
                )  # fmt: skip
            return str(super()._format_action_invocation(action))

    nodes = _nodes(tree)
    prog = getattr(tree, "PROG", f"randquant {tree.__name__.removesuffix('Command').lower()}")
    parser = ArgumentParser(
        prog=prog,
        usage=f"{prog} [options]  (--help lists them; --config FILE.yaml reads them)",
        description=(tree.__doc__ or "")
        + "\nEvery option answers to its own name, with dashes (--batch-size) or as the key of\n"
        "the tree (--train.batch_size); --config FILE.yaml reads the same tree from YAML,\n"
        "--print_config writes it. A true/false option also takes --NAME and --no-NAME.",
        exit_on_error=False,
        formatter_class=Formatter,
    )
    parser.add_argument("--config", action=ActionConfigFile, help="A YAML file of this tree.")
    parser.add_class_arguments(tree, nested_key=None, as_group=False, skip=set(nodes))
    for name, node in nodes.items():
        parser.add_class_arguments(node, name, skip=set(skips.get(name, frozenset())))
    return parser


def _bad_key(message: str) -> str | None:
    found = re.search(r'(?:Parser )?key "([^"]+)"', message)
    return found.group(1) if found else None


def _hint(key_or_field: str, node: str | None, aliases: dict[str, str]) -> str:
    key = f"{node}.{key_or_field}" if node else key_or_field
    return flag(key, aliases)


def _from_value_error(
    err: ValueError, node: str | None, fields: set[str], aliases: dict[str, str]
) -> typer.BadParameter:
    text = short(str(err))
    head = text.split(":", 1)[0] if ":" in text.split(" must ", 1)[0] else text.split(" ", 1)[0]
    names = [part.strip() for part in head.split("/")]
    if names and all(name in fields for name in names):
        hint = " / ".join(_hint(name, node, aliases) for name in names)
        body = text.split(":", 1)[1].strip() if "/" in head else text
        return typer.BadParameter(body, param_hint=hint)
    return typer.BadParameter(text, param_hint="--" + node if node else "--config")


def parse(tree: type[T], argv: Sequence[str], *, skips: Skips | None = None) -> T:
    """Parse ``argv`` (flags and/or ``--config FILE``) into the config tree ``tree``.

    Raises ``typer.BadParameter`` naming the option for any bad value (the CLI prints it on
    one line and exits with status 2); ``--help`` prints the help and exits.
    """
    from jsonargparse import ArgumentError

    skips = skips or {}
    cls: Any = tree
    leaves = _leaves(cls, skips)
    aliases = _aliases(leaves)
    parser = _parser(cls, tuple(sorted(skips.items())))
    check_config_args(argv)
    try:
        parsed = parser.parse_args(normalize_argv(argv, leaves))
    except ArgumentError as err:
        message = short(" ".join(str(err).split()))
        key = _bad_key(message)
        if key in leaves:
            detail = message.split(":", 1)[1].strip() if ":" in message else message
            raise typer.BadParameter(detail, param_hint=flag(key, aliases)) from None
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if unknown:
            raise typer.BadParameter("no such option (see --help)", param_hint=unknown[1]) from None
        raise typer.BadParameter(message, param_hint="--config") from None
    values = parsed.as_dict()
    values.pop("config", None)
    built: dict[str, Any] = {}
    for name, node in _nodes(cls).items():
        fields = {f.name for f in dataclasses.fields(node)}
        try:
            built[name] = node(**(values.pop(name, None) or {}))
        except ValueError as err:
            raise _from_value_error(err, name, fields, aliases) from None
    top = {f.name for f in dataclasses.fields(cls)}
    try:
        out: T = cls(**values, **built)
        return out
    except ValueError as err:
        raise _from_value_error(err, None, top, aliases) from None
