"""Losses, heads, LARS and schedules against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from randquant.methods.losses import byol_loss, gather_with_grad, info_nce, moco_v3_loss, nt_xent
from randquant.methods.optim import (
    LARS,
    build_optimizer,
    cosine_momentum,
    param_groups,
    warmup_cosine,
)
from randquant.models.heads import MLPHead, prediction_head, projection_head


def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _np_ce(logits: np.ndarray, target: int) -> float:
    m = logits.max()
    return float(-(logits[target] - m - np.log(np.exp(logits - m).sum())))


def test_info_nce_identity_pair_matches_closed_form() -> None:
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert float(info_nce(q, q, temperature=1.0)) == pytest.approx(math.log(1 + math.e**-1))


def test_info_nce_matches_numpy_reference() -> None:
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    logits = _unit(q.numpy()) @ _unit(k.numpy()).T / 0.5
    expected = np.mean([_np_ce(logits[i], i) for i in range(5)])
    assert float(info_nce(q, k, temperature=0.5)) == pytest.approx(expected, rel=1e-5)


def test_info_nce_soft_targets_weight_both_keys() -> None:
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    perm = torch.tensor([1, 0, 3, 2])
    lam = torch.tensor([1.0, 0.0, 0.5, 0.25])
    logits = _unit(q.numpy()) @ _unit(k.numpy()).T / 0.2
    per = [
        float(lam[i]) * _np_ce(logits[i], i) + (1 - float(lam[i])) * _np_ce(logits[i], int(perm[i]))
        for i in range(4)
    ]
    got = info_nce(q, k, temperature=0.2, perm=perm, lam=lam)
    assert float(got) == pytest.approx(float(np.mean(per)), rel=1e-5)
    ones = info_nce(q, k, temperature=0.2, perm=perm, lam=torch.ones(4))
    assert float(ones) == pytest.approx(float(info_nce(q, k, temperature=0.2)), rel=1e-6)


def test_nt_xent_matches_loop_over_2n_views() -> None:
    g = torch.Generator().manual_seed(2)
    z1, z2 = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g)
    z = _unit(np.concatenate([z1.numpy(), z2.numpy()]))
    sim = z @ z.T / 0.1
    losses = []
    for a in range(6):
        others = [b for b in range(6) if b != a]
        pos = others.index((a + 3) % 6)
        losses.append(_np_ce(sim[a, others], pos))
    assert float(nt_xent(z1, z2, temperature=0.1)) == pytest.approx(np.mean(losses), rel=1e-5)


def test_nt_xent_gradient_reaches_both_views() -> None:
    z1 = torch.randn(4, 3, requires_grad=True)
    z2 = torch.randn(4, 3, requires_grad=True)
    nt_xent(z1, z2, temperature=0.5).backward()
    assert z1.grad is not None and z2.grad is not None
    assert z1.grad.abs().sum() > 0 and z2.grad.abs().sum() > 0


def test_moco_v3_loss_is_symmetric_sum_scaled_by_two_t() -> None:
    g = torch.Generator().manual_seed(3)
    q1, q2, k1, k2 = (torch.randn(4, 3, generator=g) for _ in range(4))
    t = 0.2
    expected = 2 * t * (info_nce(q1, k2, temperature=t) + info_nce(q2, k1, temperature=t))
    assert float(moco_v3_loss(q1, q2, k1, k2, temperature=t)) == pytest.approx(float(expected))


def test_moco_v3_loss_gives_no_gradient_to_keys() -> None:
    q1, q2 = torch.randn(3, 2, requires_grad=True), torch.randn(3, 2, requires_grad=True)
    k1, k2 = torch.randn(3, 2, requires_grad=True), torch.randn(3, 2, requires_grad=True)
    moco_v3_loss(q1, q2, k1, k2, temperature=1.0).backward()
    assert k1.grad is None and k2.grad is None and q1.grad is not None


def test_byol_loss_values() -> None:
    p = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert float(byol_loss(p, p)) == pytest.approx(0.0, abs=1e-6)
    assert float(byol_loss(p, -p)) == pytest.approx(4.0)
    ortho = torch.tensor([[0.0, 1.0], [3.0, 0.0]])
    assert float(byol_loss(p, ortho)) == pytest.approx(2.0)
    # e-Mix: sample 0 half on itself (loss 0), half on sample 1 (orthogonal: loss 2) -> 1;
    # sample 1 all on itself -> 0; mean 0.5
    mixed = byol_loss(p, p, perm=torch.tensor([1, 0]), lam=torch.tensor([0.5, 1.0]))
    assert float(mixed) == pytest.approx(0.5)


def test_gather_without_process_group_is_identity() -> None:
    x = torch.randn(3, 2)
    out, rank = gather_with_grad(x)
    assert out is x and rank == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: info_nce(torch.ones(2, 3), torch.ones(3, 3), temperature=1.0), "same shape"),
        (lambda: info_nce(torch.ones(2, 3), torch.ones(2, 3), temperature=0.0), "temperature"),
        (lambda: nt_xent(torch.ones(2), torch.ones(2), temperature=1.0), r"\(N, D\)"),
        (
            lambda: info_nce(
                torch.ones(2, 3), torch.ones(2, 3), temperature=1.0, perm=torch.zeros(2).long()
            ),
            "perm and lam",
        ),
        (
            lambda: byol_loss(
                torch.ones(2, 3), torch.ones(2, 3), perm=torch.zeros(3).long(), lam=torch.ones(3)
            ),
            r"shape \(2,\)",
        ),
    ],
)
def test_losses_reject_bad_input(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_lars_step_by_hand() -> None:
    w = torch.nn.Parameter(torch.tensor([[3.0, 4.0]]))  # norm 5: a LARS group
    b = torch.nn.Parameter(torch.tensor([1.0]))  # 1-D: plain SGD, no weight decay
    opt = LARS(
        [{"params": [w]}, {"params": [b], "lars": False, "weight_decay": 0.0}],
        lr=2.0,
        weight_decay=0.0,
        momentum=0.9,
    )
    w.grad = torch.tensor([[0.6, 0.8]])  # norm 1 -> trust ratio 0.001 * 5 / 1
    b.grad = torch.tensor([0.5])
    opt.step()
    assert torch.allclose(w.detach(), torch.tensor([[3.0 - 2 * 0.003, 4.0 - 2 * 0.004]]))
    assert torch.allclose(b.detach(), torch.tensor([0.0]))
    w.grad = torch.tensor([[0.6, 0.8]])
    b.grad = torch.tensor([0.5])
    opt.step()  # momentum buffer: 0.9 * 0.5 + 0.5 = 0.95
    assert torch.allclose(b.detach(), torch.tensor([-1.9]))


def test_param_groups_split_decay_and_classifier() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    groups = param_groups(net, classifier=net[2], classifier_lr=0.5)
    by_name = {g["name"]: g for g in groups}
    assert [p.shape for p in by_name["decay"]["params"]] == [torch.Size([3, 4])]
    assert len(by_name["no_decay"]["params"]) == 3 and by_name["no_decay"]["lars"] is False
    assert by_name["classifier"]["lr"] == 0.5 and len(by_name["classifier"]["params"]) == 2
    assert isinstance(
        build_optimizer("adamw", groups, lr=1e-3, weight_decay=0.1), torch.optim.AdamW
    )
    with pytest.raises(ValueError, match="optimizer must be one of"):
        build_optimizer("sgd", groups, lr=0.1, weight_decay=0.0)


def test_warmup_cosine_and_momentum_schedules() -> None:
    assert [warmup_cosine(s, total_steps=10, warmup_steps=2) for s in (0, 1)] == [0.5, 1.0]
    assert warmup_cosine(2, total_steps=10, warmup_steps=2) == pytest.approx(1.0)
    assert warmup_cosine(6, total_steps=10, warmup_steps=2) == pytest.approx(0.5)
    assert warmup_cosine(10, total_steps=10, warmup_steps=2) == pytest.approx(0.0)
    assert cosine_momentum(0, total_steps=100, base=0.99) == pytest.approx(0.99)
    assert cosine_momentum(50, total_steps=100, base=0.99) == pytest.approx(0.995)
    assert cosine_momentum(100, total_steps=100, base=0.99) == pytest.approx(1.0)


def test_heads_shapes_and_layers() -> None:
    proj = projection_head(8, hidden_dim=16, out_dim=4, last_bn=True, bias=False)
    assert proj(torch.randn(5, 8)).shape == (5, 4)
    last = proj.net[-1]
    assert isinstance(last, torch.nn.BatchNorm1d) and not last.affine
    pred = prediction_head(4, hidden_dim=16)
    assert pred(torch.randn(5, 4)).shape == (5, 4)
    assert [type(m).__name__ for m in pred.net] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        proj(torch.randn(5, 7))
    with pytest.raises(ValueError, match="num_layers"):
        MLPHead(4, 4, 4, num_layers=0)
