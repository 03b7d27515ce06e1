"""One pretraining run with explicit recipe knobs, probed; appends one JSON line to --log.

python benchmarks/recipe_search/one_run.py --dataset emoji --encoder convnet --width 256 \
    --steps 600 --batch 128 --temperature 0.5 --seed 0 --log benchmarks/recipe_search/log.jsonl
The dataset is standardised per channel as `randquant compare` does; the probe is the
engine's (linear probe with its weight-decay sweep, kNN k=20). References (raw input and the
untrained encoder of that seed) are probed too when --references is given.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from randquant.augment import build_views
from randquant.data.registry import load_dataset
from randquant.data.standardize import standardize
from randquant.engine import pretrain
from randquant.engine.config import PretrainConfig
from randquant.engine.recipe import epochs_for_steps
from randquant.evaluate.probe import evaluate_encoder
from randquant.models import build_encoder


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", required=True)
    p.add_argument("--data", default=None, help="an .npz instead of a named dataset")
    p.add_argument("--encoder", default="resnet")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--augment", default="crop+rq")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--temperature", type=float, default=0.1)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--proj", type=int, default=128)
    p.add_argument("--warmup", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--references", action="store_true")
    p.add_argument("--log", required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.data:
        from randquant.data import load_user_data

        ds = load_user_data(a.data)
    else:
        ds = load_dataset(a.dataset, profile="quick")
    data = standardize(ds)
    n = len(data.train)
    epochs = epochs_for_steps(a.steps, n, a.batch)
    torch.manual_seed(a.seed)
    enc = build_encoder(a.encoder, layout=data.layout, sample_shape=data.sample_shape,
                        meta=data.meta, width=a.width)
    row = {"dataset": a.dataset, "encoder": a.encoder, "width": a.width, "augment": a.augment,
           "steps": a.steps, "epochs": epochs, "batch": a.batch, "lr": a.lr, "wd": a.wd,
           "temperature": a.temperature, "hidden": a.hidden, "proj": a.proj,
           "warmup": a.warmup, "seed": a.seed, "n_train": n, "n_test": len(data.test)}
    if a.references:
        from randquant.evaluate.probe import evaluate_encoder as ev

        res = ev(enc, data, seed=a.seed)
        row["untrained_linear"] = res["linear"].accuracy
        row["untrained_knn"] = res["knn"].accuracy
        flat = torch.nn.Flatten()
        res = ev(flat, data, seed=a.seed)
        row["raw_linear"] = res["linear"].accuracy
        row["raw_knn"] = res["knn"].accuracy
    views = build_views(a.augment, data.layout, modality=data.meta.get("modality"))
    cfg = PretrainConfig(method="simclr", epochs=epochs, batch_size=a.batch, lr=a.lr,
                         weight_decay=a.wd, optimizer="adamw",
                         warmup_epochs=round(a.warmup * epochs), seed=a.seed, progress=False)
    t = time.perf_counter()
    result = pretrain(data, views, enc, cfg, logger=False,
                      method_options={"temperature": a.temperature, "hidden_dim": a.hidden,
                                      "proj_dim": a.proj})
    row["train_s"] = round(time.perf_counter() - t, 1)
    row["steps_run"] = epochs * max(1, n // a.batch)
    row["s_per_step"] = round(row["train_s"] / row["steps_run"], 3)
    res = evaluate_encoder(result.encoder, data, seed=a.seed)
    row["linear"] = res["linear"].accuracy
    row["knn"] = res["knn"].accuracy
    row["final_loss"] = result.final_loss
    print(json.dumps(row))
    with Path(a.log).open("a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
