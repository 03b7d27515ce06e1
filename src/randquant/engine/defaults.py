"""The defaults of ``randquant compare``: encoder, width, batch and steps by data size and shape.

Chosen on tuning data (digits, emoji, tuxpaint_stamps; benchmarks/recipe_search/README.md): at
the same 300 steps the plain ConvNet at width 256 probed 4-8 points above the ResNet at width
64 on the 32x32 colour sets and cost about half as much per step (channels_last). The steps
fill a time budget: by default :data:`DEFAULT_BUDGET_S` for a reference sweep on the reference
machine, estimated from the multiply-adds of a step, so the defaults do not depend on the
machine they run on; ``--budget 10m`` measures a step here and sizes the sweep to it;
``--budget 2000steps`` names the steps.

>>> plan = make_plan(layout="image", sample_shape=(3, 32, 32), n_train=1000, n_test=300,
...                  runs=12, workers=2)
>>> plan.encoder, plan.width, plan.batch_size, plan.steps
('convnet', 256, 64, 689)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from torch import nn

from randquant.engine.recipe import SMALL, epochs_for_steps

if TYPE_CHECKING:
    from randquant.data.base import Layout


def sample_macs(encoder: nn.Module, sample_shape: Sequence[int], layout: str = "image") -> int:
    """Multiply-adds of one sample's forward pass through the convolutions and linear layers
    of ``encoder`` (counted with forward hooks on a zero input of ``sample_shape``; token ids
    for the ``tokens`` layout). Attention's matrix products are not counted.

    >>> from randquant.models import build_encoder
    >>> sample_macs(build_encoder("convnet", layout="image", sample_shape=(1, 8, 8), width=64),
    ...             (1, 8, 8))
    59904
    """
    import torch

    total = 0

    def count(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        nonlocal total
        if not isinstance(output, torch.Tensor):
            return
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            per_out = module.in_channels // module.groups * math.prod(module.kernel_size)
            total += output.numel() * per_out
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    hooks = [
        m.register_forward_hook(count)
        for m in encoder.modules()
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))
    ]
    was_training = encoder.training
    try:
        encoder.eval()
        dtype = torch.long if layout == "tokens" else torch.float32
        x = torch.zeros(1, *sample_shape, dtype=dtype)
        with torch.no_grad():
            encoder(x)
    finally:
        for h in hooks:
            h.remove()
        encoder.train(was_training)
    return int(total)


#: Images whose sides are all at most this get the plain ConvNet at :data:`CONVNET_WIDTH`.
SMALL_IMAGE_MAX_PX = 64
CONVNET_WIDTH = 256
#: Width of every other encoder (the ``auto`` encoder of the layout).
DEFAULT_WIDTH = 64
#: Sample-MACs per second of one SimCLR step (two views, forward + backward, AdamW) on one
#: core of the reference machine (2-core AMD EPYC, torch 2.13, fp32), fitted on the slowest
#: of the measured shapes (benchmarks/recipe_search/step_cost_1thread.txt), so estimates err
#: long; plus a fixed cost per step (views, optimizer, logging).
REFERENCE_MACS_PER_S = 7.5e9
STEP_OVERHEAD_S = 0.03
#: The sweep the default budget is sized for: 4 arms x 3 seeds on the reference machine's 2
#: cores, in this many seconds, of which :data:`TRAIN_SHARE` trains (the rest: probes,
#: references, start-up). The steps depend on the data only, so adding seeds later keeps the
#: runs (and their ids) of the first ones.
DEFAULT_BUDGET_S = 15 * 60
REFERENCE_RUNS = 12
REFERENCE_WORKERS = 2
TRAIN_SHARE = 0.8
#: Bounds of the steps a default plan or a time budget picks.
MIN_STEPS = 100
MAX_STEPS = 2000
#: The largest batch a plan picks (more, smaller steps learn more in the same time here).
PLAN_MAX_BATCH = 128
#: The estimated probe time of a run: a fixed part and one per (train + test) sample and
#: feature dimension (the linear probe's cross-validated fits).
PROBE_FIXED_S = 5.0
PROBE_PER_SAMPLE_DIM_S = 2e-6

_BUDGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|steps?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Budget:
    """What ``--budget`` asks for: the wall time of the whole sweep, or steps per run.

    >>> parse_budget("10m"), parse_budget("2000steps")
    (Budget(seconds=600.0, steps=None), Budget(seconds=None, steps=2000))
    """

    seconds: float | None = None
    steps: int | None = None

    def describe(self) -> str:
        """``10 min`` / ``2000 steps``."""
        if self.steps is not None:
            return f"{self.steps} steps"
        assert self.seconds is not None
        return f"{self.seconds / 60:g} min"


def parse_budget(text: str) -> Budget:
    """``--budget``: minutes (``10m``, ``10min``), seconds (``90s``), hours (``1h``) of the
    whole sweep, or optimizer steps per run (``2000steps``); ``ValueError`` names the option.
    """
    found = _BUDGET.match(str(text))
    if found is None:
        raise ValueError(
            f"budget must be a time like 10m, 90s or 1h, or steps like 2000steps, got {text!r}"
        )
    value, unit = float(found[1]), found[2].lower()
    if unit.startswith("step"):
        if value != int(value) or value < 1:
            raise ValueError(f"budget in steps must be a whole number >= 1, got {text!r}")
        return Budget(steps=int(value))
    if value <= 0:
        raise ValueError(f"budget must be > 0, got {text!r}")
    return Budget(seconds=value * _UNIT_SECONDS[unit])


def default_encoder(layout: str, sample_shape: Sequence[int]) -> tuple[str, int]:
    """``(encoder, width)`` of the defaults: the ConvNet at width 256 for images up to
    :data:`SMALL_IMAGE_MAX_PX` a side, else the layout's ``auto`` encoder at width 64.

    >>> default_encoder("image", (3, 32, 32)), default_encoder("image", (3, 96, 96))
    (('convnet', 256), ('auto', 64))
    """
    if layout == "image" and max(sample_shape[1:]) <= SMALL_IMAGE_MAX_PX:
        return "convnet", CONVNET_WIDTH
    return "auto", DEFAULT_WIDTH


def estimate_step_seconds(step_macs: float, batch_size: int) -> float:
    """Seconds of one SimCLR step on one core of the reference machine, from the MACs of one
    sample through the encoder and projector (:func:`sample_macs`).

    >>> round(estimate_step_seconds(15e6, 128), 3)
    0.286
    """
    return STEP_OVERHEAD_S + batch_size * step_macs / REFERENCE_MACS_PER_S


def estimate_probe_seconds(n_samples: int, feature_dim: int, step_macs: float) -> float:
    """Seconds of one run's probes: features of ``n_samples`` (a forward pass is about a
    sixth of a two-view training step per sample) and the linear probe's fits."""
    forward = n_samples * step_macs / 6 / REFERENCE_MACS_PER_S
    return PROBE_FIXED_S + forward + PROBE_PER_SAMPLE_DIM_S * n_samples * feature_dim


@dataclass(frozen=True)
class Plan:
    """What ``compare`` will run: encoder, width, batch, optimizer steps (and the epochs the
    engine runs to give them), with the time it expects."""

    encoder: str
    width: int
    batch_size: int
    steps: int
    epochs: int
    step_seconds: float
    probe_seconds: float
    run_seconds: float
    sweep_seconds: float
    runs: int
    workers: int
    basis: str
    """How the steps were chosen: ``defaults``, ``budget 10 min`` or ``budget 2000 steps``."""
    cost_source: str
    """``reference machine (estimate)`` or ``measured here``."""

    def describe(self) -> str:
        """One line for the console and the log."""
        return (
            f"plan ({self.basis}): encoder {self.encoder}, width {self.width}, batch "
            f"{self.batch_size}, {self.steps} steps per run ({self.epochs} epochs); "
            f"{self.step_seconds:.3f} s/step ({self.cost_source}): about "
            f"{self.run_seconds / 60:.1f} min per run, {self.sweep_seconds / 60:.0f} min for "
            f"{self.runs} runs on {self.workers} worker{'s' if self.workers > 1 else ''}"
        )


def plan_steps(
    budget: Budget | None,
    *,
    step_seconds: float,
    probe_seconds: float,
    runs: int,
    workers: int,
) -> int:
    """Optimizer steps per run: the budget's steps, or as many as fit its time (default:
    :data:`DEFAULT_BUDGET_S` for :data:`REFERENCE_RUNS` runs on :data:`REFERENCE_WORKERS`),
    within [:data:`MIN_STEPS`, :data:`MAX_STEPS`] (a time budget below the minimum gets
    what fits, at least 1 step).

    >>> plan_steps(None, step_seconds=0.2, probe_seconds=10.0, runs=12, workers=2)
    550
    >>> plan_steps(Budget(steps=321), step_seconds=9.9, probe_seconds=0.0, runs=1, workers=1)
    321
    """
    if budget is not None and budget.steps is not None:
        return budget.steps
    if step_seconds <= 0:
        raise ValueError(f"step_seconds must be > 0, got {step_seconds!r}")
    if budget is None:
        seconds, runs, workers = float(DEFAULT_BUDGET_S), REFERENCE_RUNS, REFERENCE_WORKERS
    else:
        assert budget.seconds is not None
        seconds = budget.seconds
    waves = -(-max(1, runs) // max(1, workers))  # runs one after another on a worker
    per_run = seconds * TRAIN_SHARE / waves - probe_seconds
    steps = math.floor(per_run / step_seconds + 1e-9)
    if budget is None:
        return max(MIN_STEPS, min(MAX_STEPS, steps))
    return max(1, min(MAX_STEPS, steps))


def make_plan(
    *,
    layout: str,
    sample_shape: Sequence[int],
    n_train: int,
    n_test: int,
    runs: int,
    workers: int,
    budget: Budget | None = None,
    encoder: str | None = None,
    width: int | None = None,
    batch_size: int | None = None,
    meta: Mapping[str, Any] | None = None,
    measure: Callable[[nn.Module, int], float] | None = None,
) -> Plan:
    """The defaults of ``compare`` for this data: encoder and width
    (:func:`default_encoder`, unless given), batch (the small recipe's, at most
    :data:`PLAN_MAX_BATCH`, unless given) and steps (:func:`plan_steps`).

    Without a time budget the cost per step is the reference machine's estimate
    (:func:`estimate_step_seconds`), so the defaults do not depend on the machine. A time
    budget sizes the sweep's own ``runs`` on its ``workers``, with the cost of a step that
    ``measure(model, batch)`` times here (e.g. :func:`measure_step_seconds`), or without
    ``measure`` the reference machine's estimate (the demo: the same steps everywhere).
    """
    from randquant.methods.simclr import PROJ_HIDDEN_DIM, PROJ_OUT_DIM
    from randquant.models import build_encoder

    chosen, chosen_width = default_encoder(layout, sample_shape)
    name = encoder if encoder is not None else chosen
    w = width if width is not None else (chosen_width if encoder in (None, chosen) else 64)
    model = build_encoder(name, layout=layout, sample_shape=tuple(sample_shape), meta=meta, width=w)
    macs = sample_macs(model, sample_shape, layout) + w * PROJ_HIDDEN_DIM
    macs += PROJ_HIDDEN_DIM * PROJ_OUT_DIM
    batch = batch_size if batch_size is not None else min(PLAN_MAX_BATCH, SMALL.batch_size(n_train))
    batch = min(batch, n_train)
    timed = budget is not None and budget.seconds is not None and measure is not None
    step_s = measure(model, batch) if timed and measure is not None else None
    if step_s is None:
        step_s = estimate_step_seconds(macs, batch)
    probe_s = estimate_probe_seconds(n_train + n_test, w, macs)
    steps = plan_steps(
        budget,
        step_seconds=step_s,
        probe_seconds=probe_s,
        runs=runs,
        workers=workers,
    )
    epochs = epochs_for_steps(steps, n_train, batch)
    run_s = epochs * max(1, n_train // batch) * step_s + probe_s
    waves = -(-max(1, runs) // max(1, workers))
    basis = "defaults" if budget is None else f"budget {budget.describe()}"
    return Plan(
        encoder=name,
        width=w,
        batch_size=batch,
        steps=steps,
        epochs=epochs,
        step_seconds=step_s,
        probe_seconds=probe_s,
        run_seconds=run_s,
        sweep_seconds=waves * run_s / TRAIN_SHARE,
        runs=runs,
        workers=workers,
        basis=basis,
        cost_source="measured here" if timed else "reference machine, estimate",
    )


def measure_step_seconds(
    model: nn.Module, batch_size: int, *, layout: str, steps: int = 3
) -> float:
    """Seconds of one SimCLR ``crop+rq`` step (AdamW) of ``model`` on random data of its
    input shape on this machine and thread count: the median of ``steps`` steps after one
    warm-up step. The model is trained on noise: pass a throw-away copy."""
    import statistics
    import time

    import torch

    from randquant.augment import build_views
    from randquant.config import PretrainConfig
    from randquant.methods.registry import build_method

    shape = tuple(getattr(model, "build_spec", {}).get("sample_shape", ()))
    if not shape:
        raise ValueError("measure_step_seconds needs an encoder made by build_encoder")
    cfg = PretrainConfig(batch_size=max(2, batch_size), optimizer="adamw", lr=1e-3)
    spec = "crop+rq" if layout != "vector" else "rq"
    views = build_views(spec, cast("Layout", layout))
    method: Any = build_method("simclr", model, views, 2, cfg)
    opt = torch.optim.AdamW(method.parameters(), lr=1e-3)
    if layout == "tokens":
        x = torch.randint(1, 8, (cfg.batch_size, *shape))
    else:
        x = torch.randn(cfg.batch_size, *shape)
    y = torch.zeros(cfg.batch_size, dtype=torch.long)
    times = []
    for i in range(steps + 1):
        start = time.perf_counter()
        views, _ = method.make_views((x, y))
        loss, _ = method.ssl_loss(views)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:
            times.append(time.perf_counter() - start)
    return float(statistics.median(times)) + STEP_OVERHEAD_S
