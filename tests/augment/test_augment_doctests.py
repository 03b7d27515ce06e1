"""The examples in the augment docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "randquant.augment",
    "randquant.augment.base",
    "randquant.augment.generic",
    "randquant.augment.spec",
    "randquant.augment.views",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_to_spec_round_trips_through_build_views() -> None:
    from randquant.augment import build_views, parse_spec

    for spec in ["crop+rq:bins=16", "noise:sigma=0.2+mask", "img_rrc:scale_min=0.2+img_flip"]:
        layout = "image" if "img" in spec else "sequence"
        built = build_views(spec, layout).input_transform.to_spec()
        assert parse_spec(built) == parse_spec(spec)
