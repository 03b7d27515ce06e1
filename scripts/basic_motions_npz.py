"""Write aeon's bundled BasicMotions (6 channels x 100 steps, 4 activities) as a randquant .npz.

Usage: python scripts/basic_motions_npz.py OUT.npz

The file holds x_train (40, 6, 100), y_train, x_test (40, 6, 100), y_test with the original
string labels (standing, running, walking, badminton); nothing is downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main(out: Path) -> None:
    """Load both splits from aeon's bundled files and save them to ``out``."""
    from aeon.datasets import load_basic_motions

    x_train, y_train = load_basic_motions(split="train")
    x_test, y_test = load_basic_motions(split="test")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        x_train=np.asarray(x_train, dtype=np.float32),
        y_train=np.asarray(y_train).astype(str),
        x_test=np.asarray(x_test, dtype=np.float32),
        y_test=np.asarray(y_test).astype(str),
    )
    print(f"wrote {out}: train {x_train.shape}, test {x_test.shape}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
