"""Contrastive losses under a 2-process gloo group: negatives come from both ranks, so the mean
of the two ranks' losses equals the single-process loss over the whole batch."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from randquant.methods.losses import gather_with_grad, info_nce, nt_xent


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    perm, lam = torch.tensor([1, 0, 3, 2]), torch.tensor([0.7, 0.2, 1.0, 0.5])
    return a, b, perm, lam


def _worker(rank: int, init_file: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        a, b, perm, lam = _batch()
        part = slice(4 * rank, 4 * rank + 4)
        za = a[part].clone().requires_grad_(True)
        zb = b[part].clone()
        gathered, r = gather_with_grad(za)
        losses = torch.stack(
            [
                nt_xent(za, zb, temperature=0.5),
                info_nce(za, zb, temperature=0.5),
                info_nce(za, zb, temperature=0.5, perm=perm, lam=lam),
            ]
        )
        losses[0].backward()
        mean = losses.detach().clone()
        dist.all_reduce(mean)
        torch.save(
            {"mean": mean / 2, "grad": za.grad, "gathered": gathered.detach(), "rank": r},
            Path(out_dir) / f"rank{rank}.pt",
        )
    finally:
        dist.destroy_process_group()


def test_losses_gather_negatives_across_two_ranks(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    a, b, perm, lam = _batch()
    assert (r0["rank"], r1["rank"]) == (0, 1)
    assert torch.equal(r0["gathered"], a) and torch.equal(r1["gathered"], a)
    # the global perm of e-Mix on rank r is perm + 4 r (partners live on the same rank)
    full_perm = torch.cat([perm, perm + 4])
    expected = torch.stack(
        [
            nt_xent(a, b, temperature=0.5),
            info_nce(a, b, temperature=0.5),
            info_nce(a, b, temperature=0.5, perm=full_perm, lam=torch.cat([lam, lam])),
        ]
    )
    assert torch.allclose(r0["mean"], expected, atol=1e-6)
    assert torch.allclose(r1["mean"], expected, atol=1e-6)
    assert r0["grad"] is not None and r0["grad"].abs().sum() > 0
