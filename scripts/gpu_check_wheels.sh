#!/usr/bin/env bash
# Download the wheels scripts/gpu_check.sh may need on a GPU machine without internet:
#
#   bash scripts/gpu_check_wheels.sh [DIR [PYVER]]   (default benchmarks/gpu_wheels, this python)
#
# The GPU machine's python3 holds torch, Lightning and Triton; the CLI, the tests and the probe
# need more. Pure-python wheels fit any python; scikit-learn, scipy and kornia-rs are built per
# python version, so PYVER must be the GPU machine's (its `python3 -V`, e.g. 3.12). Versions are
# those of this checkout's virtualenv, so the code runs with what it was tested with. DIR is
# ignored by git: carry it with the device tool (`carry: ["benchmarks/gpu_wheels"]`, <= 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-benchmarks/gpu_wheels}
PY=${PYTHON:-.venv/bin/python}
PYVER=${2:-$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')}
mkdir -p "$DIR"
# pinned to this venv's versions; a package it lacks is downloaded at its newest version
pins=$("$PY" - <<'EOF'
from importlib.metadata import PackageNotFoundError, version
names = ["typer", "click", "shellingham", "rich", "pygments", "markdown-it-py", "mdurl",
         "pytest", "pluggy", "iniconfig", "pytest-timeout", "hypothesis", "attrs",
         "sortedcontainers", "jsonargparse", "docstring-parser", "typeshed-client",
         "scikit-learn", "scipy", "joblib", "threadpoolctl",
         "kornia", "kornia-rs"]
out = []
for n in names:
    try:
        out.append(f"{n}=={version(n)}")
    except PackageNotFoundError:
        out.append(n)
print(" ".join(out))
EOF
)
# shellcheck disable=SC2086
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --implementation cp \
  --python-version "$PYVER" --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux_2_28_x86_64 --platform any -d "$DIR" $pins
du -sh "$DIR"
ls "$DIR"
