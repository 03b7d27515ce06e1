#!/usr/bin/env bash
# Debian packages that ship the real datasets randquant uses (see docs/datasets.md).
# Needs root (or sudo) and apt-get; elsewhere it says so and the datasets that ship inside
# PyPI packages (scikit-learn, aeon, seglearn, mnist1d) remain available.
set -u
PACKAGES="dataset-fashion-mnist espeak-ng fluidsynth fluid-soundfont-gm fonts-noto-color-emoji
unicode-data opencv-doc sweethome3d-furniture tuxpaint-stamps-default wordnet-base"
missing=""
for p in $PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "data packages: all installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; }; then
  echo "data packages: cannot run apt-get here (no root/apt); missing:$missing" >&2
  echo "data packages: falling back to datasets shipped in PyPI packages" >&2
  exit 0
fi
echo "data packages: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null && \
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "data packages: apt-get failed; datasets from these packages will be unavailable" >&2
    exit 0
  }
echo "data packages: done"
