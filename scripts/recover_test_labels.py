"""Recover the test labels of result folders whose reference records predate labels.

    python scripts/recover_test_labels.py PROFILE FOLDER [FOLDER ...]

Each FOLDER is ``<root>/<dataset>/<group>`` of ``randquant bench suite --profile PROFILE``;
the dataset is loaded and cut exactly as that profile's runs were
(``randquant.bench.suite.load_for_budget``), and its test labels are written to
``FOLDER/test_labels.json`` only if they reproduce every accuracy of the folder's reference
records (``randquant.bench.labels.save_recovered_labels``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from randquant.bench.labels import save_recovered_labels
from randquant.bench.suite import budget_for, load_for_budget


def main() -> None:
    profile, folders = sys.argv[1], [Path(p) for p in sys.argv[2:]]
    for folder in folders:
        dataset = folder.parent.name
        data = load_for_budget(dataset, budget_for(profile, dataset))
        how = (
            f"randquant.bench.suite.load_for_budget({dataset!r}, "
            f"budget_for({profile!r}, {dataset!r})).test.y"
        )
        print(save_recovered_labels(folder, [int(y) for y in data.test.y.tolist()], how))


if __name__ == "__main__":
    main()
