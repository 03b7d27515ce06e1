"""Every augmentation on every layout it supports: shape, dtype, device, seeded determinism."""

from __future__ import annotations

import pytest
import torch
from aug_batches import LAYOUT_SHAPES, gen, make_batch
from hypothesis import given, settings
from hypothesis import strategies as st

from randquant.augment import REGISTRY, build_views
from randquant.augment.layout import DEFAULT_MODALITY

torch.set_num_threads(1)

MODALITY_FOR_SEQUENCE = ("sensor", "audio")


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, entry in REGISTRY.items():
        if name == "mixup":
            continue
        for layout in entry.layouts:
            if layout not in LAYOUT_SHAPES:
                continue
            if name == "specific":
                mods = (
                    MODALITY_FOR_SEQUENCE if layout == "sequence" else (DEFAULT_MODALITY[layout],)
                )
                cases += [(name, layout, m) for m in mods]
            else:
                cases.append((name, layout, DEFAULT_MODALITY[layout]))
    return cases


CASES = _cases()
# augmentations that may leave some seeds' batches unchanged, or are deterministic
NOT_ALWAYS_RANDOM = {"none"}


@pytest.mark.parametrize(("name", "layout", "modality"), CASES, ids=lambda v: str(v))
def test_shape_dtype_device_and_determinism(name: str, layout: str, modality: str) -> None:
    views = build_views(name, layout, modality=modality)  # type: ignore[arg-type]
    aug = views.input_transform
    x = make_batch(layout)
    before = x.clone()
    y1 = aug(x, generator=gen(0))
    y2 = aug(x, generator=gen(0))
    assert y1.shape == x.shape
    assert y1.dtype == x.dtype
    assert y1.device == x.device
    assert torch.equal(x, before), "the input batch must not be modified"
    assert torch.equal(y1, y2), "same seed must give the same output"
    if name not in NOT_ALWAYS_RANDOM:
        others = [aug(x, generator=gen(s)) for s in range(1, 4)]
        assert any(not torch.equal(y1, o) for o in others), "different seeds should differ"
    if layout != "tokens":
        assert torch.isfinite(y1).all()


@pytest.mark.parametrize("layout", ["sequence", "image", "points", "vector"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
@pytest.mark.parametrize(
    "name", ["rq", "noise", "mask", "channel_mask", "scarf", "crop", "specific"]
)
def test_other_float_dtypes_are_kept(name: str, layout: str, dtype: torch.dtype) -> None:
    if name == "crop" and layout == "vector":
        pytest.skip("crop has no vector form")
    aug = build_views(name, layout).input_transform  # type: ignore[arg-type]
    y = aug(make_batch(layout, dtype=dtype), generator=gen(0))
    assert y.dtype == dtype
    assert torch.isfinite(y.float()).all()


@pytest.mark.parametrize("layout", ["sequence", "image", "points", "vector", "tokens"])
def test_empty_batch_passes_through(layout: str) -> None:
    spec = "mask" if layout in ("tokens", "vector") else "crop+mask"
    aug = build_views(spec, layout).input_transform  # type: ignore[arg-type]
    x = make_batch(layout)[:0]
    assert aug(x, generator=gen(0)).shape == x.shape


def test_wrong_rank_is_rejected_with_shape() -> None:
    aug = build_views("noise", "image").input_transform
    with pytest.raises(ValueError, match=r"layout 'image' needs a batch with 4 dims.*\(6, 4, 40\)"):
        aug(make_batch("sequence"), generator=gen(0))


def test_integer_batch_on_float_layout_is_rejected() -> None:
    aug = build_views("noise", "sequence").input_transform
    with pytest.raises(ValueError, match="floating-point"):
        aug(torch.zeros(2, 3, 4, dtype=torch.int64), generator=gen(0))


def test_generator_none_uses_global_rng() -> None:
    aug = build_views("noise", "sequence").input_transform
    x = make_batch("sequence")
    torch.manual_seed(5)
    a = aug(x)
    torch.manual_seed(5)
    assert torch.equal(a, aug(x))


def test_views_of_one_batch_differ_when_the_generator_advances() -> None:
    aug = build_views("crop+rq", "sequence").input_transform
    g = gen(0)
    x = make_batch("sequence")
    assert not torch.equal(aug(x, generator=g), aug(x, generator=g))


_SMALL = {
    "sequence": st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 9)),
    "image": st.tuples(
        st.integers(1, 3), st.sampled_from([1, 3]), st.integers(1, 9), st.integers(1, 9)
    ),
    "points": st.tuples(st.integers(1, 3), st.integers(1, 9), st.just(3)),
    "vector": st.tuples(st.integers(1, 3), st.integers(1, 9)),
    "tokens": st.tuples(st.integers(1, 3), st.integers(1, 9)),
}


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_tiny_and_odd_shapes_keep_the_contract(
    case: tuple[str, str, str], data: st.DataObject
) -> None:
    name, layout, modality = case
    shape = data.draw(_SMALL[layout])
    g = torch.Generator().manual_seed(data.draw(st.integers(0, 2**31)))
    x = torch.randint(0, 5, shape) if layout == "tokens" else torch.randn(shape, generator=g)
    aug = build_views(name, layout, modality=modality).input_transform  # type: ignore[arg-type]
    y = aug(x, generator=gen(0))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.equal(y, aug(x, generator=gen(0)))
    if layout != "tokens":
        assert torch.isfinite(y).all()
