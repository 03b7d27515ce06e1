"""SSL losses: InfoNCE (with e-Mix soft targets), SimCLR's NT-Xent, MoCo v3's loss, BYOL's.

All take projections ``(N, D)`` (they L2-normalise internally) and return a scalar mean over
the local batch. Under ``torch.distributed`` with world size > 1, the contrastive losses use
the keys of *every* rank as negatives (:func:`gather_with_grad`); gradients flow to the local
part only, as in MoCo v3's ``concat_all_gather``.

e-Mix (i-Mix style): when the query of sample ``i`` was made from
``lam[i] * x[i] + (1 - lam[i]) * x[perm[i]]``, its target is the soft distribution
``lam[i]`` on key ``i`` and ``1 - lam[i]`` on key ``perm[i]``; pass ``perm`` and ``lam``.

Example::

    >>> import torch
    >>> q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> round(float(info_nce(q, q, temperature=1.0)), 4)  # log(1 + e^-1)
    0.3133
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor


def _world() -> tuple[int, int]:
    """(rank, world size) of the default process group, (0, 1) without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_with_grad(x: Tensor) -> tuple[Tensor, int]:
    """Concatenate ``x`` from all ranks in rank order; return it and this rank's index.

    Every rank must pass the same shape. The local slot holds ``x`` itself, so gradients flow
    to the local part; the other ranks' parts are constants. Without a process group (or with
    one process) this returns ``(x, 0)``.
    """
    rank, world = _world()
    if world == 1:
        return x, 0
    parts = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(parts, x.detach().contiguous())
    parts[rank] = x
    return torch.cat(parts), rank


def _check_pair(name: str, a: Tensor, b: Tensor) -> None:
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"{name}: expects two (N, D) tensors of the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def _check_temperature(name: str, temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"{name}: temperature must be > 0, got {temperature!r}")


def _check_mix(name: str, n: int, perm: Tensor | None, lam: Tensor | None) -> None:
    if (perm is None) != (lam is None):
        raise ValueError(f"{name}: pass both perm and lam (e-Mix) or neither")
    if perm is not None and lam is not None and (perm.shape != (n,) or lam.shape != (n,)):
        raise ValueError(
            f"{name}: perm and lam must have shape ({n},), "
            f"got {tuple(perm.shape)} and {tuple(lam.shape)}"
        )


def _mixed_nll(
    logp: Tensor, target: Tensor, perm: Tensor | None, lam: Tensor | None, offset: int
) -> Tensor:
    """Mean of ``-logp[i, target[i]]``, or its lam-mix with ``-logp[i, perm[i] + offset]``."""
    nll = -logp.gather(1, target[:, None]).squeeze(1)
    if perm is not None and lam is not None:
        other = -logp.gather(1, (perm.to(logp.device) + offset)[:, None]).squeeze(1)
        lam = lam.to(device=logp.device, dtype=logp.dtype)
        nll = lam * nll + (1.0 - lam) * other
    return nll.mean()


def info_nce(
    query: Tensor,
    key: Tensor,
    *,
    temperature: float,
    perm: Tensor | None = None,
    lam: Tensor | None = None,
) -> Tensor:
    """InfoNCE of ``query[i]`` against positive ``key[i]`` and every other key as negative.

    Keys are gathered over DDP ranks. With ``perm``/``lam`` (e-Mix) the target is soft:
    ``lam[i]`` on key ``i`` and ``1 - lam[i]`` on key ``perm[i]``.
    """
    _check_pair("info_nce", query, key)
    _check_temperature("info_nce", temperature)
    n = query.shape[0]
    _check_mix("info_nce", n, perm, lam)
    q = F.normalize(query.float(), dim=1)
    k_all, rank = gather_with_grad(F.normalize(key.float(), dim=1))
    logp = F.log_softmax(q @ k_all.T / temperature, dim=1)
    target = torch.arange(n, device=q.device) + rank * n
    return _mixed_nll(logp, target, perm, lam, rank * n)


def nt_xent(z1: Tensor, z2: Tensor, *, temperature: float) -> Tensor:
    """SimCLR's NT-Xent: each of the 2N views against its partner, the other 2N-2 as negatives.

    Over DDP ranks the negatives are the views of all ranks (2N per rank).
    """
    _check_pair("nt_xent", z1, z2)
    _check_temperature("nt_xent", temperature)
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    z_all, rank = gather_with_grad(z)
    logits = z @ z_all.T / temperature
    local = torch.arange(2 * n, device=z.device)
    self_col = local + rank * 2 * n
    logits = logits.masked_fill(
        torch.zeros_like(logits, dtype=torch.bool).scatter_(1, self_col[:, None], True),
        float("-inf"),
    )
    target = (local + n) % (2 * n) + rank * 2 * n
    return _mixed_nll(F.log_softmax(logits, dim=1), target, None, None, 0)


def moco_v3_loss(
    q1: Tensor,
    q2: Tensor,
    k1: Tensor,
    k2: Tensor,
    *,
    temperature: float,
    perm: Tensor | None = None,
    lam: Tensor | None = None,
) -> Tensor:
    """MoCo v3's symmetric loss ``ctr(q1, k2) + ctr(q2, k1)``, each InfoNCE scaled by ``2*T``.

    Keys come from the momentum encoder and get no gradient. With e-Mix, ``q1`` is the query
    of the mixed first view (soft target over ``k2``) and ``k1`` the key of the clean one.
    """
    k1, k2 = k1.detach(), k2.detach()
    first = info_nce(q1, k2, temperature=temperature, perm=perm, lam=lam)
    second = info_nce(q2, k1, temperature=temperature)
    return (first + second) * (2.0 * temperature)


def byol_loss(
    prediction: Tensor, target: Tensor, *, perm: Tensor | None = None, lam: Tensor | None = None
) -> Tensor:
    """BYOL's regression loss ``2 - 2 cos(p_i, z_i)``, mean over the batch; ``target`` is detached.

    With e-Mix the loss of mixed sample ``i`` is
    ``lam[i] * l(p_i, z_i) + (1 - lam[i]) * l(p_i, z_perm[i])``.
    """
    _check_pair("byol_loss", prediction, target)
    n = prediction.shape[0]
    _check_mix("byol_loss", n, perm, lam)
    p = F.normalize(prediction.float(), dim=1)
    z = F.normalize(target.detach().float(), dim=1)
    loss = 2.0 - 2.0 * (p * z).sum(dim=1)
    if perm is not None and lam is not None:
        other = 2.0 - 2.0 * (p * z[perm.to(z.device)]).sum(dim=1)
        lam = lam.to(device=p.device, dtype=p.dtype)
        loss = lam * loss + (1.0 - lam) * other
    return loss.mean()
