"""Seconds per SimCLR optimizer step (two views, forward + backward + AdamW) on the CPU.

python benchmarks/recipe_search/step_cost.py --threads 1
python benchmarks/recipe_search/step_cost.py --threads 1 --group power   # points and text rows
Every configuration is timed in this one process, interleaved (round robin), so a busy
machine slows them alike; the median over rounds is printed, with the encoder's and
projector's multiply-adds per sample (randquant.engine.recipe.step_macs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from randquant.augment import build_views
from randquant.engine import PretrainConfig
from randquant.engine.defaults import sample_macs
from randquant.methods.registry import build_method
from randquant.models import build_encoder

CONFIGS = [
    # label, encoder, width, layout, shape, batch, channels_last (model only)
    ("resnet w64 3x32x32", "resnet", 64, "image", (3, 32, 32), 128, False),
    ("resnet w64 3x32x32 channels_last", "resnet", 64, "image", (3, 32, 32), 128, True),
    ("convnet w256 3x32x32", "convnet", 256, "image", (3, 32, 32), 128, False),
    ("convnet w256 3x32x32 channels_last", "convnet", 256, "image", (3, 32, 32), 128, True),
    ("convnet w256 1x28x28 channels_last", "convnet", 256, "image", (1, 28, 28), 128, True),
    ("convnet w256 1x8x8 channels_last", "convnet", 256, "image", (1, 8, 8), 128, True),
    ("convnet w256 3x64x64 channels_last", "convnet", 256, "image", (3, 64, 64), 128, True),
    ("cnn1d w64 1x427", "cnn1d", 64, "sequence", (1, 427), 128, False),
    ("cnn1d w64 6x100", "cnn1d", 64, "sequence", (6, 100), 128, False),
]
#: The power profile's points and text rows against what they replaced (batch 64).
POWER_CONFIGS = [
    ("pointnet w64 1024x3", "pointnet", 64, "points", (1024, 3), 64, False),
    ("pointnet w64 256x3", "pointnet", 64, "points", (256, 3), 64, False),
    ("transformer w64 128 bytes", "transformer", 64, "tokens", (128,), 64, False),
    ("transformer w32 128 bytes", "transformer", 32, "tokens", (128,), 64, False),
    ("token_cnn w64 128 bytes", "token_cnn", 64, "tokens", (128,), 64, False),
]
BYTES = 259  # wordnet_glosses' vocabulary: 256 bytes + padding, end, unused


def make(
    encoder: str, width: int, layout: str, shape: tuple[int, ...], batch: int, cl: bool
) -> tuple[Callable[[], None], int]:
    meta = {"vocab_size": BYTES} if layout == "tokens" else {}
    enc = build_encoder(encoder, layout=layout, sample_shape=shape, width=width, meta=meta)
    if cl:
        enc = enc.to(memory_format=torch.channels_last)
    macs = sample_macs(enc, shape, layout)
    views = build_views("crop+rq", layout, rq_on="auto")  # tokens: RQ on the embedded bytes
    cfg = PretrainConfig(batch_size=batch, optimizer="adamw", lr=1e-3)
    method = build_method("simclr", enc, views, 10, cfg)
    opt = torch.optim.AdamW(method.parameters(), lr=1e-3)
    x = (
        torch.randint(1, BYTES, (batch, *shape))
        if layout == "tokens"
        else torch.randn(batch, *shape)
    )
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        v, _ = method.make_views((x, y))
        loss, _ = method.ssl_loss(v)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step, macs


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--group", choices=("default", "power"), default="default")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    configs = POWER_CONFIGS if a.group == "power" else CONFIGS
    made = {c[0]: make(*c[1:]) for c in configs}
    times: dict[str, list[float]] = {k: [] for k in made}
    for fn, _ in made.values():
        fn()  # warm-up
    for _ in range(a.rounds):
        for k, (fn, _) in made.items():
            t = time.perf_counter()
            for _ in range(a.steps):
                fn()
            times[k].append((time.perf_counter() - t) / a.steps)
    print(f"threads {a.threads}, torch {torch.__version__}, SimCLR crop+rq, AdamW")
    print(f"{'config':40s} {'batch':>5s} {'MMAC/sample':>11s} {'s/step':>7s}")
    for (k, (_, macs)), c in zip(made.items(), configs, strict=True):
        print(f"{k:40s} {c[5]:5d} {macs / 1e6:11.2f} {statistics.median(times[k]):7.3f}")


if __name__ == "__main__":
    main()
