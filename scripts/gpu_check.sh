#!/usr/bin/env bash
# The GPU check of issue 13, in one run of at most 8 minutes on one GPU machine:
#
#   bash scripts/gpu_check.sh OUTDIR
#
# Runs from the repository root of a copy of the tree, with no internet. randquant is used from
# src/ (PYTHONPATH, nothing installed); the machine's python3 is expected to hold torch (CUDA),
# Lightning and Triton. What else is missing (typer, rich, pytest, hypothesis, scikit-learn, ...)
# can be carried as wheels (scripts/gpu_check_wheels.sh writes them to benchmarks/gpu_wheels/,
# an ignored folder: pass it in the device tool's `carry`); they are installed with --no-deps
# into a private folder, never over the machine's packages. A step whose modules are missing is
# skipped and says which; each step has its own time limit, so one hang cannot eat the budget.
#
# Writes into OUTDIR (PREFIX is gpu_, or cpu_dryrun_ with GPU_CHECK_DEVICE=cpu):
#   check.log                 what ran, each step's exit status and seconds
#   env.json                  python, torch, CUDA, GPU, importable modules, nvidia-smi
#   PREFIXtests.xml/.log      junit and log of tests/ops/test_cuda.py, test_triton.py and
#                             tests/bench/test_official_op.py
#   PREFIXop.json/.log        randquant bench op --device DEVICE (randquant, Triton, official, copy)
#   PREFIXtrain_step.json/.log randquant bench train-step --device DEVICE on the carried dataset
#   PREFIXsuite/              randquant compare (none, rq, crop+rq; 1 seed) on the carried dataset
#
# Environment: GPU_CHECK_DEVICE (cuda | cpu: a dry run on the CPU), GPU_CHECK_BUDGET_S (total
# seconds, default 470), GPU_CHECK_SHAPE (bench op --shape; default: the device's default,
# 256,3,224,224 on cuda), GPU_CHECK_BATCH (train-step and suite batch, default 256),
# GPU_CHECK_EPOCHS (suite epochs, default 3), GPU_CHECK_REPEATS (train-step rounds, default 5),
# GPU_CHECK_LIMIT_SCALE (multiplies every step's limit, default 1: for slow dry runs),
# GPU_CHECK_WHEELS (wheel folder, default benchmarks/gpu_wheels), PYTHON (default python3).
set -u
OUT=${1:?usage: bash scripts/gpu_check.sh OUTDIR}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PY=${PYTHON:-python3}
DEVICE=${GPU_CHECK_DEVICE:-cuda}
BUDGET=${GPU_CHECK_BUDGET_S:-470}
WHEELS=${GPU_CHECK_WHEELS:-benchmarks/gpu_wheels}
BATCH=${GPU_CHECK_BATCH:-256}
EPOCHS=${GPU_CHECK_EPOCHS:-3}
REPEATS=${GPU_CHECK_REPEATS:-5}
SCALE=${GPU_CHECK_LIMIT_SCALE:-1}
DATA=benchmarks/data/emoji_gpu_check.npz
if [ "$DEVICE" = cuda ]; then PREFIX=gpu_; else PREFIX=cpu_dryrun_; fi
START=$(date +%s)
LOG="$OUT/check.log"
: >"$LOG"
say() { echo "$*" | tee -a "$LOG"; }

SITE=$(mktemp -d /tmp/randquant_gpu_check_site.XXXXXX)
export PYTHONPATH="$PWD/src:$SITE${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1 COLUMNS=200 NO_COLOR=1
RQ=("$PY" -c "from randquant.cli import main; main()")

# run NAME LIMIT_S CMD...: one step under its own limit, never past the total budget
run() {
  local name=$1 limit=$(($2 * SCALE)) left t0 rc
  shift 2
  left=$((BUDGET - ($(date +%s) - START)))
  if [ "$left" -lt 20 ]; then say "SKIP $name: budget spent"; return; fi
  [ "$limit" -gt "$left" ] && limit=$left
  say "== $name (limit ${limit}s): $*"
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" >"$OUT/$PREFIX$name.log" 2>&1
  rc=$?
  say "   $name: exit $rc, $(($(date +%s) - t0)) s$([ $rc -eq 124 ] && echo ' (TIMED OUT)')"
  tail -n 5 "$OUT/$PREFIX$name.log" | sed 's/^/   | /' | tee -a "$LOG" >/dev/null
}

# missing MOD...: the modules of the list that python cannot import (empty when all can)
missing() {
  "$PY" - "$@" <<'EOF'
import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))
EOF
}

# --- 0. carried wheels, then the environment ---------------------------------------------------
if compgen -G "$WHEELS/*.whl" >/dev/null; then
  # all at once; if one does not fit this python, one by one (the others still install)
  if ! "$PY" -m pip install --quiet --no-index --no-deps --target "$SITE" "$WHEELS"/*.whl \
    >>"$LOG" 2>&1; then
    for whl in "$WHEELS"/*.whl; do
      "$PY" -m pip install --quiet --no-index --no-deps --target "$SITE" "$whl" >>"$LOG" 2>&1 \
        || say "   wheel not installed (other python version?): $(basename "$whl")"
    done
  fi
fi
"$PY" - "$OUT/env.json" "$DEVICE" <<'EOF' 2>&1 | tee -a "$LOG"
import importlib.util, json, platform, shutil, subprocess, sys
mods = ["numpy", "torch", "lightning", "triton", "numba", "typer", "rich", "pytest",
        "hypothesis", "kornia", "sklearn", "scipy", "jsonargparse", "statsmodels", "yaml"]
env = {"python": sys.version.split()[0], "platform": platform.platform(), "device": sys.argv[2],
       "importable": {m: importlib.util.find_spec(m) is not None for m in mods}}
try:
    import torch
    env.update(torch=torch.__version__, torch_cuda=torch.version.cuda,
               cuda_available=torch.cuda.is_available(),
               gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
except Exception as err:  # report, do not stop: the steps will say what fails
    env["torch_error"] = repr(err)
if shutil.which("nvidia-smi"):
    env["nvidia_smi"] = subprocess.run(["nvidia-smi"], capture_output=True, text=True).stdout
json.dump(env, open(sys.argv[1], "w"), indent=2)
print({k: v for k, v in env.items() if k != "nvidia_smi"})
EOF
if [ "$DEVICE" = cuda ] && [ "$("$PY" -c 'import torch; print(torch.cuda.is_available())' 2>/dev/null)" != True ]; then
  say "STOP: GPU_CHECK_DEVICE=cuda but torch sees no CUDA device (GPU_CHECK_DEVICE=cpu for a dry run)"
  exit 2
fi

# --- 1. the CUDA tests (+ the Triton kernels and the official peer) ----------------------------
need=$(missing torch pytest hypothesis numpy)
if [ -n "$need" ]; then
  say "SKIP tests: missing $need"
else
  tflag=()
  [ -z "$(missing pytest_timeout)" ] && tflag=(--timeout 120)
  # test_cuda.py last: its torch.compile test is the slowest (inductor on a cold cache)
  run tests 150 "$PY" -m pytest -v -p no:cacheprovider "${tflag[@]}" -rs --durations=8 \
    tests/bench/test_official_op.py tests/ops/test_triton.py tests/ops/test_cuda.py \
    --junitxml="$OUT/${PREFIX}tests.xml"
fi

# --- 2. bench op: randquant (torch, Triton), the official algorithm, x.clone() -----------------
need=$(missing torch typer rich numpy)
if [ -n "$need" ]; then
  say "SKIP op: missing $need"
else
  shape=()
  [ -n "${GPU_CHECK_SHAPE:-}" ] && shape=(--shape "$GPU_CHECK_SHAPE")
  run op 110 "${RQ[@]}" bench op --device "$DEVICE" "${shape[@]}" --repeats 7 \
    --output "$OUT/${PREFIX}op.json"
fi

# --- 3. bench train-step on the carried image dataset ------------------------------------------
need=$(missing torch typer rich numpy lightning)
if [ -n "$need" ]; then
  say "SKIP train_step: missing $need"
else
  run train_step 50 "${RQ[@]}" bench train-step --device "$DEVICE" --data "$DATA" \
    --batch-size "$BATCH" --repeats "$REPEATS" --output "$OUT/${PREFIX}train_step.json"
fi

# --- 4. a short suite (compare) on the carried dataset -----------------------------------------
need=$(missing torch typer rich numpy lightning sklearn scipy)
if [ -n "$need" ]; then
  say "SKIP suite: missing $need (the linear probe needs scikit-learn)"
else
  run suite 150 "${RQ[@]}" compare --data "$DATA" --augment none,rq,crop+rq --epochs "$EPOCHS" \
    --seeds 0 --batch-size "$BATCH" --width 32 --device "$DEVICE" --quiet \
    --output "$OUT/${PREFIX}suite"
fi

rm -rf "$SITE"
say "done in $(($(date +%s) - START)) s (budget $BUDGET s); outputs in $OUT"
