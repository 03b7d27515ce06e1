"""Reference points for a `randquant compare` table: probes without any pretraining.

Usage: python scripts/reference_probes.py DATASET OUT.json [--seeds 0,1,2] [--width 64]

Writes, for the named dataset, ``raw`` (both probes on the flattened standardised input) and
``random_init`` (both probes on the untrained ``auto`` encoder of each seed). It is the same
computation as the ``references/`` records `randquant compare` writes into every output
folder (:func:`randquant.engine.references.reference_for`), kept in the flat format that
``benchmarks/results/{basicmotions,watch}/reference.json`` use. Those two files were written
before the probe became scikit-learn's cross-validated logistic regression, so a rerun gives
today's probe's numbers, not theirs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    """Parse the arguments, run the probes and write the JSON file."""
    from randquant.data import standardize
    from randquant.data.registry import load_dataset
    from randquant.engine.references import reference_for
    from randquant.engine.settings import CompareSettings
    from randquant.io import write_text_atomic

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--width", type=int, default=64)
    args = parser.parse_args()
    ds = standardize(load_dataset(args.dataset, progress=False))
    settings = CompareSettings(width=args.width, device="cpu")
    keys = ("linear_acc", "knn_acc", "linear_f1", "knn_f1")
    report: dict[str, object] = {"dataset": ds.name, "raw": {}, "random_init": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        ref = reference_for(ds, seed, settings)
        report["raw"] = {k: ref.raw_input[k] for k in keys}  # the same for every seed
        report["random_init"][str(seed)] = {k: ref.untrained[k] for k in keys}  # type: ignore[index]
    write_text_atomic(args.out, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
