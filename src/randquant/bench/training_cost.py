"""``randquant bench train-step``: what RQ costs inside a real training step (CPU or GPU).

One step = make both views (the method's own ``make_views``), the method's SSL loss, backward
and the method's optimiser step; the same step is timed with the views made by ``none`` and
by ``rq``, interleaved round by round, and the RQ calls alone (two views) are timed on the same
batch. The share is ``RQ time / step time with RQ``; the target is at most 5 %. On a GPU
every timed call ends with a device synchronisation, so the times are the device's work.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from randquant.data.base import Dataset
from randquant.device import synchronize, torch_device

#: (setting name, dataset, method, encoder): an image and an audio setting of the suite.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("image: emoji 3x32x32, ResNet, SimCLR", "emoji", "simclr"),
    (
        "audio: tuxpaint_speech 64 mels x 126 frames, spectrogram CNN, BYOL",
        "tuxpaint_speech",
        "byol",
    ),
)
TARGET_SHARE_PCT = 5.0


@dataclass(frozen=True)
class StepCost:
    """Median times (ms) of one training step with and without RQ, and of RQ alone."""

    name: str
    batch_size: int
    width: int
    step_ms_none: float
    step_ms_rq: float
    rq_ms: float
    rq_share_pct: float


def _median_ms(fn: Callable[[], object], samples: list[float], device: torch.device) -> None:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    samples.append(1000 * (time.perf_counter() - start))


def measure_step(
    ds: Dataset,
    method: str,
    *,
    name: str,
    batch_size: int = 128,
    width: int = 64,
    repeats: int = 5,
    seed: int = 0,
    device: str = "cpu",
) -> StepCost:
    """Time training steps of ``method`` on a batch of ``ds`` with ``none`` vs ``rq`` views,
    on ``device`` (``cpu``, ``cuda`` or ``auto``)."""
    from randquant.augment import build_views
    from randquant.data.standardize import standardize
    from randquant.engine import PretrainConfig
    from randquant.methods.registry import build_method
    from randquant.models import build_encoder

    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2, got {batch_size}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    dev = torch_device(device)
    data = standardize(ds)
    x = data.train.x[:batch_size].to(dev)
    y = data.train.y[:batch_size].to(dev)
    cfg = PretrainConfig(method=method, epochs=1, batch_size=batch_size, seed=seed)
    modality = ds.meta.get("modality")
    steps: dict[str, Any] = {}
    for spec in ("none", "rq"):
        views = build_views(spec, ds.layout, modality=modality)
        torch.manual_seed(seed)
        encoder = build_encoder(
            "auto", layout=ds.layout, sample_shape=ds.sample_shape, meta=ds.meta, width=width
        )
        model = build_method(method, encoder, views, ds.num_classes, cfg).to(dev)
        opt = model.configure_optimizers()["optimizer"]

        def step(model: Any = model, opt: Any = opt) -> None:
            v, _ = model.make_views((x, y))
            loss, _ = model.ssl_loss(v)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        steps[spec] = step
    rq = build_views("rq", ds.layout, modality=modality).input_transform
    gen = torch.Generator(device=dev).manual_seed(seed)

    def rq_only() -> None:
        rq(x, generator=gen)
        rq(x, generator=gen)

    for fn in (steps["none"], steps["rq"], rq_only):  # warm-up: allocators, numba compile
        fn()
    times: dict[str, list[float]] = {"none": [], "rq": [], "rq_only": []}
    for _ in range(repeats):
        _median_ms(steps["none"], times["none"], dev)
        _median_ms(steps["rq"], times["rq"], dev)
        _median_ms(rq_only, times["rq_only"], dev)
    med = {k: statistics.median(v) for k, v in times.items()}
    return StepCost(
        name=name,
        batch_size=batch_size,
        width=width,
        step_ms_none=med["none"],
        step_ms_rq=med["rq"],
        rq_ms=med["rq_only"],
        rq_share_pct=100 * med["rq_only"] / med["rq"],
    )


def run_training_cost(
    *,
    batch_size: int = 128,
    width: int = 64,
    repeats: int = 5,
    threads: int = 2,
    device: str = "cpu",
    data: Path | str | None = None,
    method: str = "simclr",
) -> dict[str, Any]:
    """Measure every setting of :data:`SETTINGS` (or only ``data``, a ``.npz`` file, with
    ``method``) on ``device``; a JSON-ready dict with hardware, device and verdict."""
    from randquant.config import set_threads
    from randquant.data.registry import load_dataset
    from randquant.hardware import describe

    set_threads(threads)
    rows = []
    if data is not None:
        from randquant.data import load_user_data

        ds = load_user_data(data)
        shape = "x".join(str(n) for n in ds.sample_shape)
        name = f"{ds.layout}: {Path(data).name} {shape}, {method}"
        plan = [(name, ds, method)]
    else:
        plan = [(n, load_dataset(d, profile="quick", progress=False), m) for n, d, m in SETTINGS]
    for name, ds, how in plan:
        rows.append(
            measure_step(
                ds,
                how,
                name=name,
                batch_size=batch_size,
                width=width,
                repeats=repeats,
                device=device,
            )
        )
    worst = max(r.rq_share_pct for r in rows)
    verdict = (
        f"Measured worst share {worst:.1f} %: "
        + ("within" if worst <= TARGET_SHARE_PCT else "above")
        + f" the {TARGET_SHARE_PCT:g} % target."
    )
    return {
        "hardware": describe(threads),
        "device": torch_device(device).type,
        "repeats": repeats,
        "rows": [asdict(r) for r in rows],
        "verdict": verdict,
    }
