"""Random draws for augmentations, all from an explicit generator on the generator's device.

Numbers are drawn on ``generator.device`` (so a CPU generator gives the same draws whatever the
batch's device) and moved to the batch's device; ``generator=None`` uses torch's global
generator on the batch's device.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def _device(generator: torch.Generator | None, like: Tensor) -> torch.device:
    return generator.device if generator is not None else like.device


def uniform(
    shape: Sequence[int],
    generator: torch.Generator | None,
    like: Tensor,
    low: float = 0.0,
    high: float = 1.0,
) -> Tensor:
    """``U[low, high)`` floats of ``shape``, drawn from ``generator``, on ``like``'s device."""
    u = torch.rand(tuple(shape), generator=generator, device=_device(generator, like))
    return (low + (high - low) * u).to(like.device)


def normal(shape: Sequence[int], generator: torch.Generator | None, like: Tensor) -> Tensor:
    """Standard normal floats of ``shape`` drawn from ``generator``, on ``like``'s device."""
    z = torch.randn(tuple(shape), generator=generator, device=_device(generator, like))
    return z.to(like.device)


def randperm(n: int, generator: torch.Generator | None, like: Tensor) -> Tensor:
    """A random permutation of ``range(n)`` (int64) on ``like``'s device."""
    return torch.randperm(n, generator=generator, device=_device(generator, like)).to(like.device)


def bernoulli(
    shape: Sequence[int], p: float, generator: torch.Generator | None, like: Tensor
) -> Tensor:
    """Booleans that are ``True`` with probability ``p``, on ``like``'s device."""
    return uniform(shape, generator, like) < p


def where_samples(mask: Tensor, new: Tensor, old: Tensor) -> Tensor:
    """Per sample: ``new[i]`` where ``mask[i]`` else ``old[i]`` (``mask`` has shape ``(N,)``)."""
    m = mask.reshape(-1, *([1] * (old.ndim - 1)))
    return torch.where(m, new, old)


def keep_with_prob(p: float, new: Tensor, old: Tensor, generator: torch.Generator | None) -> Tensor:
    """Per sample, keep ``new`` with probability ``p`` and ``old`` otherwise (no draw if p=1)."""
    if p >= 1.0:
        return new
    return where_samples(bernoulli((old.shape[0],), p, generator, old), new, old)


def gamma(
    concentration: float, shape: Sequence[int], generator: torch.Generator | None, like: Tensor
) -> Tensor:
    """``Gamma(concentration, 1)`` samples (Marsaglia-Tsang), drawn only from ``generator``.

    torch's own Gamma/Beta samplers read the global RNG, so this rejection sampler uses
    ``generator``'s uniform and normal draws; ``concentration < 1`` uses the boost
    ``Gamma(a) = Gamma(a + 1) * U^(1/a)``.
    """
    if concentration <= 0:
        raise ValueError(f"concentration must be > 0, got {concentration!r}")
    a = concentration + 1.0 if concentration < 1.0 else concentration
    d = a - 1.0 / 3.0
    c = 1.0 / (9.0 * d) ** 0.5
    size = tuple(shape)
    out = torch.zeros(size, dtype=torch.float64, device=like.device)
    todo = torch.ones(size, dtype=torch.bool, device=like.device)
    while bool(todo.any()):
        z = normal(size, generator, like).double()
        u = uniform(size, generator, like).double().clamp_min(1e-300)
        v = (1.0 + c * z) ** 3
        ok = (v > 0) & (torch.log(u) < 0.5 * z**2 + d - d * v + d * torch.log(v.clamp_min(1e-300)))
        take = todo & ok
        out = torch.where(take, d * v, out)
        todo &= ~ok
    if concentration < 1.0:
        u = uniform(size, generator, like).double().clamp_min(1e-300)
        out = out * u ** (1.0 / concentration)
    return out.float()


def beta(
    alpha: float,
    beta_: float,
    shape: Sequence[int],
    generator: torch.Generator | None,
    like: Tensor,
) -> Tensor:
    """``Beta(alpha, beta_)`` samples as ``G1 / (G1 + G2)`` of two generator-drawn gammas."""
    g1 = gamma(alpha, shape, generator, like).double()
    g2 = gamma(beta_, shape, generator, like).double()
    total = g1 + g2
    # both gammas can underflow to 0 for tiny alpha: fall back to a fair coin then
    coin = (uniform(tuple(shape), generator, like) < 0.5).double()
    return torch.where(total > 0, g1 / total.clamp_min(1e-300), coin).float()


def random_subset(
    n: int, m: int, k: int, generator: torch.Generator | None, like: Tensor
) -> Tensor:
    """``(n, m)`` booleans with exactly ``k`` random ``True`` per row (uniform over subsets)."""
    scores = uniform((n, m), generator, like)
    hidden = torch.zeros(n, m, dtype=torch.bool, device=like.device)
    if k > 0:
        hidden.scatter_(1, scores.topk(k, dim=1, largest=False).indices, True)
    return hidden
