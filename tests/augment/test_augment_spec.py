"""The spec language: parsing, typing, round trips and error messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from randquant.augment import REGISTRY, AugSpec, build_views, format_spec, parse_spec


def test_parse_examples_from_the_contract() -> None:
    assert parse_spec("none") == (AugSpec("none"),)
    assert parse_spec("rq:bins=16,proxy=middle,p=0.5") == (
        AugSpec("rq", {"bins": 16, "proxy": "middle", "p": 0.5}),
    )
    assert [p.name for p in parse_spec("crop+rq")] == ["crop", "rq"]
    assert parse_spec("noise:sigma=0.2") == (AugSpec("noise", {"sigma": 0.2}),)
    assert [p.name for p in parse_spec("crop+mixup")] == ["crop", "mixup"]
    assert parse_spec(" Crop + RQ : BINS = 4 ") == (AugSpec("crop"), AugSpec("rq", {"bins": 4}))


def test_values_are_typed() -> None:
    (rq,) = parse_spec("rq:bins=16,p=1")
    assert isinstance(rq.options["bins"], int) and isinstance(rq.options["p"], float)
    (crop,) = parse_spec("crop:scale_min=none,scale_max=0.9")
    assert crop.options == {"scale_min": None, "scale_max": 0.9}
    (rot,) = parse_spec("pc_rotate:up=Z")
    assert rot.options == {"up": "z"}


@pytest.mark.parametrize(
    "spec", ["crop+rq:bins=16,proxy=middle", "noise:sigma=0.001", "none", "pc_rotate:up=z"]
)
def test_format_round_trips(spec: str) -> None:
    parts = parse_spec(spec)
    assert parse_spec(format_spec(parts)) == parts
    assert format_spec(parts) == spec


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "non-empty"),
        ("rqq", r"unknown augmentation 'rqq'; available: rq, noise, mask"),
        ("crop++rq", "empty augmentation name"),
        (
            "rq:bin=4",
            r"rq has no option 'bin'; its options: bins, p, spacing, proxy, same_on_batch, ste",
        ),
        ("rq:bins=four", r"rq: option 'bins' must be int, got 'four'"),
        ("rq:bins=1.5", r"option 'bins' must be int, got '1.5'"),
        ("rq:proxy=zeros", r"option 'proxy' must be random\|middle, got 'zeros'"),
        ("noise:sigma=nan", r"option 'sigma' must be float, got 'nan'"),
        ("rq:bins", "must be key=value"),
        ("rq:", "nothing after ':'"),
        ("rq:bins=4,bins=5", "given twice"),
        ("none:x=1", "none has no option 'x'; its options: none"),
    ],
)
def test_bad_specs_are_rejected_with_a_clear_message(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


def test_value_ranges_are_checked_when_building() -> None:
    with pytest.raises(ValueError, match=r"bins must be an integer in \[1, 1048576\], got 0"):
        build_views("rq:bins=0", "image")
    with pytest.raises(ValueError, match="does not support layout 'points'"):
        build_views("img_flip", "points")


_NAMES = st.sampled_from(sorted(REGISTRY))


@settings(max_examples=60, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=4), st.data())
def test_generated_specs_round_trip(names: list[str], data: st.DataObject) -> None:
    parts = []
    for name in names:
        opts = {}
        for opt in REGISTRY[name].options().values():
            if data.draw(st.booleans()) and isinstance(opt.default, (int, float, str)):
                opts[opt.name] = opt.default
        parts.append(AugSpec(name, opts))
    text = format_spec(parts)
    assert parse_spec(text) == tuple(parts)
