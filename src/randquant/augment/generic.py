"""Generic augmentations: they know only the layout, never the modality.

=============  ==========================================================================
name           what it does (defaults)
=============  ==========================================================================
rq             Randomized Quantization of each channel of each sample (8 bins)
noise          ``x + sigma * std_c * eps``: Gaussian noise scaled by each channel's std in
               that sample (``sigma=0.1``)
mask           zero a fraction ``ratio`` (0.5) of the positions along the non-channel
               axes, shared across channels; points: dropped points become copies of kept
               points; tokens: masked tokens become 0 (padding)
channel_mask   zero each whole channel with probability ``p`` (0.2), keeping at least one;
               for ``vector`` each feature is a channel
scarf          SCARF (Bahri et al. 2022): each feature replaced, with probability ``p``
               (0.6), by its value in another random sample of the batch (the empirical
               marginal); tabular and sensor data's strong generic baseline
mixup          marker for e-Mix (:func:`randquant.augment.views.mix_batch`), not a module
none           identity
=============  ==========================================================================

Token ids are discrete: ``rq``, ``noise`` and ``channel_mask`` on ``tokens`` data run on the
embedded tokens ``(N, L, D)`` (layout ``embedding``, channel = embedding dimension) when the
views are built with ``rq_on="embedding"``; otherwise they are rejected with that hint.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import torch
from torch import Tensor

from randquant.augment.base import (
    FLOAT_LAYOUTS,
    BatchAugmentation,
    check_positive,
    check_probability,
)
from randquant.augment.draws import keep_with_prob, normal, random_subset, uniform
from randquant.augment.layout import channel_dim, from_ncm, to_ncm
from randquant.ops import RandomizedQuantization, RQOptions

#: RQOptions fields that the batch's layout decides, never the spec; the spec's short names
_RQ_FROM_LAYOUT = frozenset({"layout", "channel_dim", "batch_dim", "backend"})
_RQ_SPEC = {"num_bins": "bins"}
_RQ_FIELD = {v: k for k, v in _RQ_SPEC.items()}


class RandQuant(BatchAugmentation):
    """``rq``: Randomized Quantization (Wu et al. 2023) of every channel of every sample.

    Wraps :class:`randquant.RandomizedQuantization`. The channel axis follows the layout
    (``sequence``/``image`` -> 1, ``points`` -> -1, ``vector`` -> the whole sample is one group,
    ``embedding`` -> -1). ``tokens`` are rejected: use ``rq_on="embedding"``.

    Gradients: by default they follow the op's autograd (RQ's output depends on ``x`` only
    through each group's min and max, so almost every element gets a zero gradient); with
    ``ste=True`` the gradient passes straight through, ``y = rq(x) + (x - x.detach())``, which
    lets an embedding module under ``rq_on="embedding"`` keep learning.

    Example::

        >>> aug = RandQuant(layout="image", bins=8)
        >>> y = aug(torch.rand(4, 3, 8, 8), generator=torch.Generator().manual_seed(0))
    """

    name = "rq"
    layouts = (*FLOAT_LAYOUTS, "embedding")

    def __init__(self, *, layout: str, ste: bool = False, **options: Any) -> None:
        dim = channel_dim(layout)  # raises the `--rq-on embedding` hint for tokens
        table = self.option_table()
        unknown = sorted(set(options) - set(table))
        if unknown:
            raise ValueError(f"rq has no option {unknown[0]!r}; its options: {', '.join(table)}")
        fields = {_RQ_FIELD.get(k, k): v for k, v in options.items()}
        try:
            opts = RQOptions(**fields, channel_dim=dim, batch_dim=0)
        except ValueError as e:  # the spec calls num_bins `bins`
            raise ValueError(str(e).replace("num_bins", "bins")) from None
        given = {k: getattr(opts, _RQ_FIELD.get(k, k)) for k in table if k != "ste"}
        super().__init__(layout=layout, **given, ste=ste)
        if not isinstance(ste, bool):
            raise ValueError(f"ste must be true or false, got {ste!r}")
        self.ste = ste
        self.op = RandomizedQuantization(options=opts)

    @classmethod
    def option_table(cls) -> dict[str, tuple[Any, Any]]:
        """The fields of :class:`~randquant.RQOptions` that the batch's layout does not decide
        (``num_bins`` spelt ``bins``), and ``ste``."""
        hints = typing.get_type_hints(RQOptions)
        table = {
            _RQ_SPEC.get(f.name, f.name): (hints[f.name], f.default)
            for f in dataclasses.fields(RQOptions)
            if f.name not in _RQ_FROM_LAYOUT
        }
        return {**table, "ste": (bool, False)}

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        grouped = x.reshape(x.shape[0], 1, -1) if self.layout == "vector" else x
        if self.ste:
            with torch.no_grad():
                quantised: Tensor = self.op(grouped.detach(), generator=generator)
            # q + (x - x) is exactly q forward, and passes the gradient straight to x
            return quantised.reshape(x.shape) + (x - x.detach())
        out: Tensor = self.op(grouped, generator=generator)
        return out.reshape(x.shape)


class GaussianNoise(BatchAugmentation):
    """``noise``: Gaussian noise relative to each channel's std: ``x + sigma * std_c * eps``.

    ``eps ~ N(0, 1)`` per element; ``std_c`` is the standard deviation of channel ``c`` within
    each sample (for ``vector``, of the whole sample), so ``sigma`` is a signal-to-noise knob
    that ignores units. Constant channels get no noise. ``p``: per-sample probability of noise.
    """

    name = "noise"
    layouts = (*FLOAT_LAYOUTS, "embedding")

    def __init__(self, *, layout: str, sigma: float = 0.1, p: float = 1.0) -> None:
        super().__init__(layout=layout)
        self.sigma = check_positive("sigma", sigma, allow_zero=True)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        assert self.layout is not None
        v = to_ncm(x.float(), self.layout)
        std = v.detach().std(dim=2, keepdim=True, unbiased=False)  # noise is not learned through
        y = v + self.sigma * std * normal(v.shape, generator, x)
        out = from_ncm(y, self.layout, tuple(x.shape))
        return keep_with_prob(self.p, out, x.float(), generator)


def _random_ranks(scores: Tensor) -> Tensor:
    """The rank of each entry within its row (0 = smallest), as int64."""
    return scores.argsort(dim=1).argsort(dim=1)


class RandomMask(BatchAugmentation):
    """``mask``: hide a fraction ``ratio`` of the positions along the non-channel axes.

    Exactly ``round(ratio * M)`` of the ``M`` positions of each sample are hidden, shared by all
    channels (image pixels, time steps, features of a vector). ``points``: hidden points are
    replaced by copies of randomly chosen kept points (at least one point is kept), so the set
    keeps its size and no fake point sits at the origin. ``tokens``: only non-padding tokens
    (id != 0) are masked, and become 0.
    """

    name = "mask"
    layouts = (*FLOAT_LAYOUTS, "tokens")

    def __init__(self, *, layout: str, ratio: float = 0.5, p: float = 1.0) -> None:
        super().__init__(layout=layout)
        self.ratio = check_probability("ratio", ratio)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        if self.layout == "points":
            out = self._drop_points(x, generator)
        elif self.layout == "tokens":
            out = self._mask_tokens(x, generator)
        else:
            assert self.layout is not None
            v = to_ncm(x, self.layout)
            n, _, m = v.shape
            hidden = random_subset(n, m, round(self.ratio * m), generator, x)
            out = from_ncm(v.masked_fill(hidden[:, None, :], 0.0), self.layout, tuple(x.shape))
        return keep_with_prob(self.p, out, x, generator)

    def _drop_points(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n, pts, _ = x.shape
        k = min(round(self.ratio * pts), pts - 1)
        order = uniform((n, pts), generator, x).argsort(dim=1)  # first k are dropped
        pick = (uniform((n, k), generator, x) * (pts - k)).long().clamp_max(pts - k - 1)
        source = torch.arange(pts, device=x.device).expand(n, pts).clone()
        source.scatter_(1, order[:, :k], order[:, k:].gather(1, pick))
        return x.gather(1, source[:, :, None].expand(n, pts, x.shape[2]))

    def _mask_tokens(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        real = x != 0
        scores = uniform(x.shape, generator, x).masked_fill(~real, 2.0)  # padding sorts last
        k = (self.ratio * real.sum(dim=1).float()).round().long()
        hidden = _random_ranks(scores) < k[:, None]
        return x.masked_fill(hidden, 0)


class ChannelMask(BatchAugmentation):
    """``channel_mask``: zero each whole channel of each sample with probability ``p``.

    At least one channel of every sample is kept. For ``vector`` batches each feature counts
    as a channel (DABS-style: one feature, one token).
    """

    name = "channel_mask"
    layouts = (*FLOAT_LAYOUTS, "embedding")

    def __init__(self, *, layout: str, p: float = 0.2) -> None:
        super().__init__(layout=layout)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        assert self.layout is not None
        v = x.reshape(x.shape[0], -1, 1) if self.layout == "vector" else to_ncm(x, self.layout)
        n, c, _ = v.shape
        scores = uniform((n, c), generator, x)
        drop = scores < self.p
        keep_one = scores.argmax(dim=1, keepdim=True)  # the least-likely-dropped channel
        drop.scatter_(1, keep_one, False)
        y = v.masked_fill(drop[:, :, None], 0.0)
        if self.layout == "vector":
            return y.reshape(x.shape)
        return from_ncm(y, self.layout, tuple(x.shape))


class Scarf(BatchAugmentation):
    """``scarf``: replace each feature, with probability ``p``, by its value in another sample.

    SCARF (Bahri et al., ICLR 2022) corrupts a row by drawing each chosen feature from the
    feature's empirical marginal; here the marginal is the batch: every corrupted element takes
    the value at the same position (feature, channel and time step) of a random other sample
    of the batch. A feature is one element of a sample (a column of a ``vector``, one channel at
    one time step of a ``sequence``, one pixel of one channel of an ``image``). Batches of one
    sample are returned unchanged (there is no other row to draw from).

    Example::

        >>> aug = Scarf(layout="vector", p=0.6)
        >>> y = aug(torch.randn(8, 16), generator=torch.Generator().manual_seed(0))
    """

    name = "scarf"
    layouts = (*FLOAT_LAYOUTS, "embedding")

    def __init__(self, *, layout: str, p: float = 0.6) -> None:
        super().__init__(layout=layout)
        self.p = check_probability("p", p)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        n = x.shape[0]
        if n < 2:
            return x.clone()
        flat = x.reshape(n, -1)
        corrupt = uniform(flat.shape, generator, x) < self.p
        # another row for every element: i + k (mod n) with k uniform in 1..n-1, never i itself
        shift = (uniform(flat.shape, generator, x) * (n - 1)).long().clamp_max(n - 2) + 1
        rows = (torch.arange(n, device=x.device)[:, None] + shift) % n
        donor = flat.gather(0, rows)
        return torch.where(corrupt, donor, flat).reshape(x.shape)


class MixupMarker(BatchAugmentation):
    """``mixup``: e-Mix marker. Not applied to inputs; it sets ``ViewAugmentation.mixup``.

    The engine mixes each batch with :func:`randquant.augment.mix_batch`
    (``lam ~ Beta(alpha, alpha)``) and contrasts against both sources with weight ``lam``.
    """

    name = "mixup"
    layouts = (*FLOAT_LAYOUTS, "tokens")

    def __init__(self, *, layout: str, alpha: float = 1.0) -> None:
        super().__init__(layout=layout)
        self.alpha = check_positive("alpha", alpha)

    def transform(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        return x.clone()
