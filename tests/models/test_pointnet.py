"""PointNet: the output does not depend on the order of the points."""

from __future__ import annotations

import pytest
import torch

from randquant.models import PointNet


@pytest.mark.parametrize("input_transform", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_permutation_invariance(input_transform: bool, train: bool) -> None:
    torch.manual_seed(0)
    net = PointNet(width=16, input_transform=input_transform).train(train)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 100, 3, generator=g)
    perm = torch.randperm(100, generator=g)
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(x[:, perm]), rtol=1e-5, atol=1e-5)
        # and it is not trivially constant: other clouds give other features
        assert not torch.allclose(net(x), net(x.flip(0)), atol=1e-4)


def test_tnet_starts_as_identity() -> None:
    torch.manual_seed(0)
    net = PointNet(width=16, input_transform=True).eval()
    assert net.tnet is not None
    mats = net.tnet(torch.randn(2, 3, 50))
    torch.testing.assert_close(mats, torch.eye(3).expand(2, 3, 3))
