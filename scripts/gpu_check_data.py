"""Write the small real dataset that ``scripts/gpu_check.sh`` carries to a GPU machine.

Usage: python scripts/gpu_check_data.py [OUT.npz]   (default benchmarks/data/emoji_gpu_check.npz)

A stratified slice of randquant's ``emoji`` dataset (the image setting of ``bench train-step``:
Noto Color Emoji glyphs from the Debian package fonts-noto-color-emoji, 3x32x32, 9 Unicode
groups): 256 train and 128 test images, stored as uint8 (the glyphs are exact multiples of
1/255), so the GPU machine needs neither the font package nor any download.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main(out: Path) -> None:
    from randquant.data.registry import load_dataset
    from randquant.data.splits import stratified_subset

    ds = load_dataset("emoji", profile="quick", progress=False)
    arrays = {}
    for split, n in (("train", 256), ("test", 128)):
        part = getattr(ds, split)
        y = part.y.numpy()
        keep = stratified_subset(np.arange(len(y)), y, n, seed=0)
        x = (part.x.numpy()[keep] * 255).round()
        arrays[f"x_{split}"] = x.astype(np.uint8)
        arrays[f"y_{split}"] = y[keep].astype(np.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
    print(f"wrote {out} ({out.stat().st_size / 2**20:.2f} MB): {shapes}")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1] if len(sys.argv) == 2 else "benchmarks/data/emoji_gpu_check.npz"))
