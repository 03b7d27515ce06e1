"""Reference points for a `randquant compare` table: probes without any pretraining.

Usage: python scripts/reference_probes.py DATASET OUT.json [--seeds 0,1,2] [--width 64]

Writes, for the named dataset (standardised per channel from train, as `compare` does):
``raw`` — linear probe and kNN on the flattened standardised inputs, and ``random_init`` —
both probes on the features of a randomly initialised ``auto`` encoder for each seed
(the same initial weights `compare` starts from, since the encoder is seeded the same way).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch


def main() -> None:
    """Parse the arguments, run the probes and write the JSON file."""
    from randquant.data import standardize
    from randquant.data.registry import load_dataset
    from randquant.engine.results import write_atomic
    from randquant.evaluate import evaluate_encoder
    from randquant.models import build_encoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--width", type=int, default=64)
    args = parser.parse_args()
    ds = standardize(load_dataset(args.dataset, progress=False))

    def summary(res: dict) -> dict[str, float]:  # type: ignore[type-arg]
        return {
            "linear_acc": res["linear"].accuracy,
            "knn_acc": res["knn"].accuracy,
            "linear_f1": res["linear"].macro_f1,
            "knn_f1": res["knn"].macro_f1,
        }

    report: dict[str, object] = {
        "dataset": ds.name,
        "raw": summary(evaluate_encoder(torch.nn.Flatten(), ds)),
        "random_init": {},
    }
    for seed in (int(s) for s in args.seeds.split(",")):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # as randquant.engine.compare.pretrain_one seeds the encoder
            enc = build_encoder(
                "auto", layout=ds.layout, sample_shape=ds.sample_shape, meta=ds.meta,
                width=args.width,
            )  # fmt: skip
        report["random_init"][str(seed)] = summary(evaluate_encoder(enc, ds, seed=seed))  # type: ignore[index]
    write_atomic(args.out, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
