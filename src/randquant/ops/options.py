"""The op's options, written once, and the mapping from a tensor to its groups.

:class:`RQOptions` is the one place the options of RQ are listed, typed and validated. The
functional form, the module, the sampler, the numpy twin, the kornia adapter and the spec
language (``rq:bins=8``) all build one and read it.

A *group* is one channel of one sample. Internally every input is looked at as a
``(B, C, M)`` view: sample axis first, channel axis second, every other axis flattened.
Which axes are the sample and channel axes comes from ``layout`` (``"image"`` by default:
``(C, H, W)`` is one image, ``(N, C, H, W)`` a batch) or from ``channel_dim``/``batch_dim``
given together; anything else is an error that names the argument to give.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

Spacing = Literal["random", "uniform"]
Proxy = Literal["random", "middle"]
Backend = Literal["auto", "numba", "torch", "triton"]
Layout = Literal["image", "sequence", "points", "embedding"]
SPACINGS: tuple[str, ...] = ("random", "uniform")
PROXIES: tuple[str, ...] = ("random", "middle")
BACKENDS: tuple[str, ...] = ("auto", "numba", "torch", "triton")

#: layout -> (channel axis counted from the end, dims of one sample, how one sample reads)
LAYOUTS: dict[str, tuple[int, int, str]] = {
    "image": (-3, 3, "(C, H, W)"),
    "sequence": (-2, 2, "(C, L)"),
    "points": (-1, 2, "(P, 3)"),
    "embedding": (-1, 2, "(L, D)"),
}
#: the largest bin count accepted: far beyond any use (a group of a 224x224 image has 50,176
#: values), small enough that the edges of one group stay a few MB
MAX_NUM_BINS = 1 << 20
#: the most memory the drawn parameters of one call may take (edges, proxies and the draws)
MAX_PARAMS_BYTES = 1 << 30

# Small integers and half types are computed in float32 (exact for their values); 32/64-bit
# integers need float64 to keep their values (exact up to 2**53).
_COMPUTE_DTYPE: dict[torch.dtype, torch.dtype] = {
    torch.bool: torch.float32,
    torch.uint8: torch.float32,
    torch.int8: torch.float32,
    torch.int16: torch.float32,
    torch.int32: torch.float64,
    torch.int64: torch.float64,
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
    torch.float32: torch.float32,
    torch.float64: torch.float64,
}


def exact_int(name: str, value: object) -> int:
    """``value`` as an ``int`` when it is one exactly (``8``, ``np.int64(8)``, ``tensor(8)``)."""
    if isinstance(value, bool) or (isinstance(value, torch.Tensor) and value.dtype == torch.bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None


def exact_float(name: str, value: object) -> float:
    """``value`` as a ``float`` when it is a real number (``0.5``, ``np.float32(0.5)``,
    ``tensor(0.5)``)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.ndim == 0:
        if value.dtype.is_complex or value.dtype == torch.bool:
            raise ValueError(f"{name} must be a real number, got {value!r}")
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    return float(value)


def _pick(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _axis(name: str, value: object, none_ok: bool) -> int | str | None:
    if isinstance(value, str) and value == "auto":
        return "auto"
    if value is None and none_ok:
        return None
    try:
        return exact_int(name, value)
    except ValueError:
        allowed = "an int, None or 'auto'" if none_ok else "an int or 'auto'"
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None


@dataclass(frozen=True)
class RQOptions:
    """Every option of Randomized Quantization, validated on construction.

    Args:
        num_bins: bins per group, ``1 <= num_bins <= 2**20``.
        p: probability of quantizing each sample.
        spacing: ``"random"`` or ``"uniform"`` inner bin edges.
        proxy: ``"random"`` value inside each bin, or its ``"middle"``.
        same_on_batch: share the random fractions across the samples of a batch.
        layout: how to read ``x`` when no dims are given: ``"image"`` (the default: ``(C, H, W)``
            is one image, ``(N, C, H, W)`` a batch), ``"sequence"`` (``(C, L)`` / ``(N, C, L)``),
            ``"points"`` (``(P, 3)`` / ``(N, P, 3)``, xyz are the channels) or ``"embedding"``
            (``(L, D)`` / ``(N, L, D)``, the embedding dimensions are the channels).
        channel_dim, batch_dim: explicit axes instead of a layout, given together
            (``batch_dim=None`` for a single sample).
        backend: ``"auto"`` (numba on the CPU when installed), ``"numba"``, ``"torch"`` or
            ``"triton"`` (fused GPU kernels, float16/bfloat16/float32); identical results.

    Numbers convert when exact (``np.int64(8)``, ``torch.tensor(0.5)``); anything else is a
    ``ValueError`` naming the option and the value.

    Example:
        >>> RQOptions(num_bins=4, layout="points").dims(3)
        (2, 0)
    """

    num_bins: int = 8
    p: float = 1.0
    spacing: Spacing = "random"
    proxy: Proxy = "random"
    same_on_batch: bool = False
    layout: Layout | None = None
    channel_dim: int | Literal["auto"] = field(default="auto")
    batch_dim: int | Literal["auto"] | None = field(default="auto")
    backend: Backend = "auto"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        nb = exact_int("num_bins", self.num_bins)
        if not 1 <= nb <= MAX_NUM_BINS:
            raise ValueError(f"num_bins must be an integer in [1, {MAX_NUM_BINS}], got {nb}")
        set_(self, "num_bins", nb)
        p = exact_float("p", self.p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be a probability in [0, 1], got {self.p!r}")
        set_(self, "p", p)
        set_(self, "spacing", _pick("spacing", self.spacing, SPACINGS))
        set_(self, "proxy", _pick("proxy", self.proxy, PROXIES))
        if not isinstance(self.same_on_batch, bool):
            raise ValueError(f"same_on_batch must be True or False, got {self.same_on_batch!r}")
        set_(self, "backend", _pick("backend", self.backend, BACKENDS))
        cd = _axis("channel_dim", self.channel_dim, none_ok=False)
        bd = _axis("batch_dim", self.batch_dim, none_ok=True)
        set_(self, "channel_dim", cd)
        set_(self, "batch_dim", bd)
        if self.layout is not None:
            _pick("layout", self.layout, tuple(LAYOUTS))
        if cd != "auto" and bd == "auto":
            raise ValueError(
                f"channel_dim={cd} was given without batch_dim: pass batch_dim=0 when axis 0 "
                "holds the samples, batch_dim=None for a single sample, or a layout instead"
            )
        if cd == "auto" and bd != "auto":
            raise ValueError(f"batch_dim={bd} was given without channel_dim: pass both")
        if cd != "auto" and self.layout is not None:
            raise ValueError(f"give layout={self.layout!r} or channel_dim/batch_dim, not both")
        if isinstance(cd, int) and isinstance(bd, int) and cd == bd:
            raise ValueError(f"channel_dim and batch_dim must differ, both are {cd}")

    @classmethod
    def build(
        cls, options: RQOptions | None = None, num_bins: object = None, **kwargs: Any
    ) -> RQOptions:
        """``options`` (or the defaults) with ``num_bins`` (unless None) and ``kwargs`` replacing
        fields; an unknown name is a ``TypeError`` that lists the options."""
        if num_bins is None and not kwargs and isinstance(options, RQOptions):
            return options  # the module's own options: no dataclass introspection (Dynamo)
        if num_bins is not None:
            kwargs["num_bins"] = num_bins
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(
                f"unknown RQ option {unknown[0]!r}; options: {', '.join(sorted(names))}"
            )
        if options is None:
            return cls(**kwargs)
        if not isinstance(options, RQOptions):
            raise TypeError(f"options must be RQOptions, got {type(options).__name__}")
        return dataclasses.replace(options, **kwargs) if kwargs else options

    def dims(self, ndim: int) -> tuple[int, int | None]:
        """``(channel axis, sample axis or None)`` of an ``ndim``-d input, both non-negative."""
        if isinstance(self.channel_dim, int):
            bd = self.batch_dim if isinstance(self.batch_dim, int) else None
            return resolve_dims(ndim, self.channel_dim, bd)
        layout = self.layout or "image"
        ch, one, reads = LAYOUTS[layout]
        if ndim not in (one, one + 1):
            how = "" if self.layout else " (the default)"
            raise ValueError(
                f"x has {ndim} dims, but layout {layout!r}{how} takes one sample {reads} "
                f"({one} dims) or a batch of them ({one + 1} dims): pass "
                "layout='image'|'sequence'|'points'|'embedding', or channel_dim= and batch_dim="
            )
        return ndim + ch, (0 if ndim == one + 1 else None)

    def describe(self) -> str:
        """The options that differ from the defaults, as ``name=value`` (for ``repr``)."""
        parts = [f"num_bins={self.num_bins}"]
        for f in dataclasses.fields(self)[1:]:
            value = getattr(self, f.name)
            if value != f.default:
                parts.append(f"{f.name}={value!r}")
        return ", ".join(parts)


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The float dtype RQ computes in for an input of ``dtype``."""
    try:
        return _COMPUTE_DTYPE[dtype]
    except KeyError:
        supported = ", ".join(str(d).removeprefix("torch.") for d in _COMPUTE_DTYPE)
        raise TypeError(
            f"randomized_quantization does not support dtype {dtype}; supported: {supported}"
        ) from None


def check_input(x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    compute_dtype(x.dtype)
    return x


def resolve_dims(ndim: int, channel_dim: int, batch_dim: int | None) -> tuple[int, int | None]:
    """Normalise negative axes; ``ValueError`` when out of range or equal."""
    need = 1 if batch_dim is None else 2
    if ndim < need:
        raise ValueError(
            f"x has {ndim} dims but needs at least {need} "
            f"(channel_dim={channel_dim}, batch_dim={batch_dim})"
        )
    if not -ndim <= channel_dim < ndim:
        raise ValueError(f"channel_dim={channel_dim} is out of range for a {ndim}-d input")
    c = channel_dim % ndim
    if batch_dim is None:
        return c, None
    if not -ndim <= batch_dim < ndim:
        raise ValueError(f"batch_dim={batch_dim} is out of range for a {ndim}-d input")
    b = batch_dim % ndim
    if b == c:
        raise ValueError(
            f"channel_dim={channel_dim} and batch_dim={batch_dim} name the same axis of a "
            f"{ndim}-d input"
        )
    return c, b


def group_view(x: torch.Tensor, dims: tuple[int, int | None]) -> torch.Tensor:
    """``x`` as ``(B, C, M)``: a view whenever the layout allows, else a copy."""
    c, b = dims
    if b is None:
        x, c, b = x.unsqueeze(0), c + 1, 0
    moved = x.movedim((b, c), (0, 1))
    return moved.reshape(moved.shape[0], moved.shape[1], math.prod(moved.shape[2:]))


def ungroup(y3: torch.Tensor, x: torch.Tensor, dims: tuple[int, int | None]) -> torch.Tensor:
    """Inverse of :func:`group_view`: ``(B, C, M)`` back to ``x``'s shape."""
    c, b = dims
    if b is None:
        moved = x.unsqueeze(0).movedim((0, c + 1), (0, 1))
        return y3.reshape(moved.shape).movedim((0, 1), (0, c + 1)).squeeze(0)
    moved = x.movedim((b, c), (0, 1))
    return y3.reshape(moved.shape).movedim((0, 1), (b, c))


def group_shape(x: torch.Tensor, dims: tuple[int, int | None]) -> tuple[int, ...]:
    """``(B, C)``, or ``(C,)`` for a single sample."""
    c, b = dims
    return (x.shape[c],) if b is None else (x.shape[b], x.shape[c])
