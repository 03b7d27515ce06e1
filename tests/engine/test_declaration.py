"""contrasts.json is written before the runs; seeds added later are a separate analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from randquant.engine.declaration import CONTRASTS_FILE, analyses, declare, read_declaration

PAIRS = [("rq", "none"), ("rq", "noise")]


def test_the_first_declaration_holds_and_later_seeds_are_an_extension(tmp_path: Path) -> None:
    first = declare(tmp_path, PAIRS, [0, 1, 2], dataset="digits")
    assert first.seeds == (0, 1, 2) and first.dataset == "digits"
    data = json.loads((tmp_path / CONTRASTS_FILE).read_text())
    assert data["n_seeds"] == 3 and data["pairs"] == [["rq", "none"], ["rq", "noise"]]
    # resuming with the declared seeds (or fewer) changes nothing
    assert declare(tmp_path, PAIRS, [0, 1], runs=4) == first
    # more seeds after looking: the declaration stays, an extension is appended
    grown = declare(tmp_path, PAIRS, [0, 1, 2, 3, 4, 5], runs=6)
    assert grown.seeds == (0, 1, 2)
    assert [(e.label, e.seeds, e.runs_before) for e in grown.extensions] == [
        ("extension 1", (3, 4, 5), 6)
    ]
    assert read_declaration(tmp_path) == grown
    assert analyses(grown, range(6)) == [
        ("declared", (0, 1, 2)),
        ("extension 1 (post hoc)", (0, 1, 2, 3, 4, 5)),
    ]
    with pytest.raises(ValueError, match="use a new output folder"):
        declare(tmp_path, [("rq", "mask")], [0, 1, 2], runs=6)
    # some of the declared contrasts: nothing changes; before any run: a fresh declaration
    assert declare(tmp_path, [("rq", "none")], [0], runs=6) == grown
    fresh = declare(tmp_path / "other", PAIRS, [0])
    assert declare(tmp_path / "other", [("rq", "mask")], [0, 1]).pairs == (("rq", "mask"),)
    assert fresh.pairs == tuple(PAIRS)


def test_older_declarations_without_seeds_are_labelled_not_rewritten(tmp_path: Path) -> None:
    (tmp_path / CONTRASTS_FILE).write_text(json.dumps({"pairs": [["rq", "none"]]}))
    old = declare(tmp_path, [("rq", "none")], [0, 1, 2, 3], runs=8)
    assert old.seeds is None and old.extensions == ()
    assert analyses(old, [0, 1, 2, 3]) == [("no declared seed count", (0, 1, 2, 3))]
    assert json.loads((tmp_path / CONTRASTS_FILE).read_text()) == {"pairs": [["rq", "none"]]}
    # runs on seeds nobody declared are their own, post hoc analysis
    decl = declare(tmp_path / "new", PAIRS, [0, 1])
    assert analyses(decl, [0, 1, 2])[-1] == ("undeclared seeds (post hoc)", (0, 1, 2))
