"""An op call checks its input once: the draw and the apply take the checked tensor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import randquant.ops.functional as functional
import randquant.ops.module as module
import randquant.ops.options as options
import randquant.ops.sampler as sampler
from randquant import RandomizedQuantization, randomized_quantization


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = options.check_input

    def counted(x: object) -> torch.Tensor:
        seen.append(1)
        return real(x)

    for mod in (options, functional, sampler, module):
        if hasattr(mod, "check_input"):
            monkeypatch.setattr(mod, "check_input", counted)
    return seen


@pytest.mark.parametrize(
    ("call", "public_calls"),
    [
        (lambda x: randomized_quantization(x, num_bins=4), 1),
        (lambda x: RandomizedQuantization(num_bins=4)(x), 1),
        (
            lambda x: functional.apply_quantization(
                x, sampler.sample_quantization_params(x, num_bins=4), num_bins=4
            ),
            2,
        ),
    ],
    ids=["functional", "module", "sample_then_apply"],
)
def test_each_op_call_checks_its_input_once(
    calls: list[int], call: Callable[[Any], Any], public_calls: int
) -> None:
    call(torch.rand(2, 3, 4, 4))
    assert len(calls) == public_calls
