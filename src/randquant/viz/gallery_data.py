"""What a gallery shows: a few samples of a dataset and two augmented views of each.

:func:`gallery_views` picks ``n`` training samples (different classes first), runs the view
pipeline of a spec on them twice, exactly as pretraining does (on the per-channel standardised
data), and returns them in *display space*: un-standardised for images, spectrograms, point
clouds and sensor curves, standardised features for tables, and embedded tokens ``(n, L, D)``
when the data is text or RQ runs on the embedding.

>>> import torch
>>> from randquant.data.base import Dataset, SplitData
>>> split = SplitData(torch.randn(8, 2, 30), torch.arange(8) % 2)
>>> ds = Dataset("toy", "sequence", split, split, 2, ("a", "b"))
>>> g = gallery_views(ds, "rq", n=3, seed=0)
>>> g.kind, tuple(g.originals.shape), len(g.views)
('curves', (3, 2, 30), 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from randquant.augment import ViewAugmentation, build_views
from randquant.augment.layout import DEFAULT_MODALITY
from randquant.data.base import Dataset
from randquant.data.standardize import standardize

GalleryKind = Literal["images", "spectrograms", "points", "curves", "table", "embeddings"]
#: Embedding width of the transformer used to show token embeddings (compare's default).
EMBED_WIDTH = 64


@dataclass(frozen=True)
class GalleryViews:
    """Originals and two augmented views of ``n`` samples, in display space.

    ``kind`` says how to draw them; ``labels`` holds each sample's class name; ``texts`` the
    decoded text of byte-token samples (original, view 1, view 2), else empty; ``note`` a line
    that says what the pictures are (e.g. the embedding module at init).
    """

    kind: GalleryKind
    originals: Tensor
    views: tuple[Tensor, Tensor]
    labels: tuple[str, ...]
    title: str
    note: str = ""
    texts: tuple[tuple[str, str, str], ...] = ()
    up_axis: str = "y"


def pick_samples(y: Tensor, n: int, *, seed: int = 0) -> Tensor:
    """Indices of ``n`` samples of labels ``y``: one per class in a seeded order, then more.

    >>> pick_samples(torch.tensor([0, 0, 1, 1, 2]), 3).sort().values.tolist() != [0, 1, 2]
    True
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(y), generator=g)
    seen: set[int] = set()
    first: list[int] = []
    rest: list[int] = []
    for i in order.tolist():
        (rest if int(y[i]) in seen else first).append(i)
        seen.add(int(y[i]))
    return torch.tensor((first + rest)[: min(n, len(y))], dtype=torch.long)


def _kind(ds: Dataset, modality: str, views: ViewAugmentation) -> GalleryKind:
    if ds.layout == "tokens" or views.embedding_transform is not None:
        return "embeddings"
    if ds.layout == "image":
        return "images"
    if ds.layout == "points":
        return "points"
    if ds.layout == "vector":
        return "table"
    return "spectrograms" if modality == "audio" else "curves"


def _unstandardize(x: Tensor, ds: Dataset) -> Tensor:
    """Undo :func:`standardize` (per-channel mean/std recorded in ``ds.meta``)."""
    mean = torch.tensor(ds.meta["channel_mean"], dtype=torch.float64)
    std = torch.tensor(ds.meta["channel_std"], dtype=torch.float64)
    if ds.layout in ("sequence", "image"):
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean, std = mean.reshape(shape), std.reshape(shape)
    return (x.double() * std + mean).float()


def _decode(ids: Tensor, ds: Dataset) -> str:
    """Byte tokens (UTF-8 byte + 2, 1 = end, 0 = pad) as text; other vocabularies as ids."""
    eos = ds.meta.get("eos_id")
    if ds.meta.get("vocab_size") == 258 and eos == 1:
        raw = bytes(int(t) - 2 for t in ids.tolist() if int(t) >= 2)
        return raw.decode("utf-8", errors="replace")
    return " ".join(str(int(t)) for t in ids.tolist() if int(t) != 0)


def _embedder(ds: Dataset, seed: int) -> torch.nn.Module:
    """The transformer's embedding module for ``ds`` at init (seeded, global RNG untouched)."""
    from randquant.models.transformer import TransformerEncoder

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        enc = TransformerEncoder.for_layout(
            ds.layout, ds.sample_shape, ds.meta, width=EMBED_WIDTH, depth=1
        )
    return enc.embedding


def gallery_views(
    ds: Dataset,
    spec: str,
    *,
    n: int = 6,
    seed: int = 0,
    rq_on: str | None = None,
) -> GalleryViews:
    """Build two views of ``n`` training samples of ``ds`` with the augmentation ``spec``.

    ``rq_on`` defaults to ``auto`` (:func:`~randquant.augment.views.resolve_rq_on`). Raises
    ``ValueError`` for a bad ``spec`` (naming it) or a spec that does not fit the dataset's
    layout.
    """
    modality = str(ds.meta.get("modality", DEFAULT_MODALITY[ds.layout]))
    try:
        views = build_views(spec, ds.layout, modality=modality, rq_on=rq_on or "auto")
    except (KeyError, ValueError) as err:
        raise ValueError(f"augmentation spec {spec!r}: {str(err).strip(chr(39))}") from err
    std = standardize(ds)
    idx = pick_samples(std.train.y, n, seed=seed)
    x = std.train.x[idx]
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        v1 = views.input_transform(x, generator=g)
        v2 = views.input_transform(x, generator=g)
    kind = _kind(ds, modality, views)
    labels = tuple(ds.class_names[int(c)] for c in std.train.y[idx])
    title = f"{ds.name} ({modality}): originals and two views of {spec!r}"
    if kind == "embeddings":
        return _embedded(std, views, x, (v1, v2), labels, title, seed, g)
    if kind in ("images", "spectrograms", "points", "curves"):
        x, v1, v2 = (_unstandardize(t, std) for t in (x, v1, v2))
    note = "standardised features (train mean 0, std 1)" if kind == "table" else ""
    up = str(ds.meta.get("up_axis", "y"))
    return GalleryViews(kind, x, (v1, v2), labels, title, note, up_axis=up)


def _embedded(
    ds: Dataset,
    views: ViewAugmentation,
    x: Tensor,
    inputs: tuple[Tensor, Tensor],
    labels: tuple[str, ...],
    title: str,
    seed: int,
    g: torch.Generator,
) -> GalleryViews:
    """Embed originals and views with the transformer's embedding module at init."""
    embed = _embedder(ds, seed)
    transform = views.embedding_transform
    with torch.no_grad():
        originals = embed(x).tokens
        out = []
        for v in inputs:
            tokens = embed(v).tokens
            out.append(tokens if transform is None else transform(tokens, generator=g))
    where = "RQ on the embedded tokens" if transform is not None else "input augmentation only"
    note = (
        f"token embeddings (transformer embedding module at init, seed {seed}, width "
        f"{EMBED_WIDTH}; not trained), {where}"
    )
    texts: tuple[tuple[str, str, str], ...] = ()
    if ds.layout == "tokens":
        texts = tuple(
            (_decode(x[i], ds), _decode(inputs[0][i], ds), _decode(inputs[1][i], ds))
            for i in range(len(x))
        )
    return GalleryViews("embeddings", originals, (out[0], out[1]), labels, title, note, texts)
