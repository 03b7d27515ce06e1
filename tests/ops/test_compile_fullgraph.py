"""``torch.compile(RandomizedQuantization(...), fullgraph=True)`` traces in one graph
(issue 20): before, Dynamo stopped at ``dataclasses.fields`` of the options and at
``torch.rand(..., generator=None)`` over symbolic sizes."""

from __future__ import annotations

import pytest
import torch

from randquant.ops import RandomizedQuantization


@pytest.mark.parametrize(
    ("options", "shape"),
    [({}, (4, 3, 8, 8)), ({"p": 0.5}, (4, 3, 8, 8)), ({"layout": "points"}, (4, 50, 3))],
)
def test_fullgraph_compile_of_the_module(
    options: dict[str, object], shape: tuple[int, ...]
) -> None:
    torch._dynamo.reset()
    aug = RandomizedQuantization(4, **options)  # type: ignore[arg-type]
    compiled = torch.compile(aug, fullgraph=True, backend="eager")
    for n in (shape[0], shape[0] + 2):  # a second batch size: recompiled with dynamic sizes
        x = torch.rand(n, *shape[1:])
        y = compiled(x)
        assert y.shape == x.shape and y.dtype == x.dtype
        for a, b in zip(y, x, strict=True):  # each sample quantized (<= 4 values), or kept (p)
            groups = a.T if "layout" in options else a.flatten(1)
            assert torch.equal(a, b) or all(g.unique().numel() <= 4 for g in groups)
        params = aug.sample_params(x)
        assert torch.equal(compiled(x, params=params), aug(x, params=params))
