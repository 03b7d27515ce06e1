"""`randquant pretrain` in a real subprocess, SIGKILLed mid-epoch once its first checkpoint
exists (the child kills itself at a chosen batch of the second epoch: no timing), then resumed
with ``--resume``: the per-epoch losses, the final encoder and its features match an
uninterrupted run (so any probe of them does too), ``randquant probe`` writes a valid
result for it, and no temporary or corrupt file is left behind.

Both runs are subprocesses with ``OMP_NUM_THREADS=1``: a run inside pytest with
``torch.set_num_threads(1)`` instead differed in the 7th digit of the third epoch's loss.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from randquant.cli import app
from randquant.engine.encoder_file import load_encoder
from randquant.evaluate import extract_features

EPOCHS = 3
#: the child SIGKILLs itself before this (epoch, batch): epoch 0's checkpoint is on disk, epoch 1
#: is part done
KILL_AT = (1, 3)
ARGS = ["--epochs", str(EPOCHS), "--batch-size", "16", "--width", "8", "--encoder", "cnn1d"]
ARGS += ["--augment", "rq:bins=8", "--method", "simclr", "--device", "cpu", "--quiet"]


def _npz(root: Path) -> Path:
    rng = np.random.default_rng(0)
    y = np.arange(960) % 3
    x = (rng.normal(size=(960, 2, 32)) + y[:, None, None]).astype(np.float32)
    np.savez(root / "tiny.npz", x_train=x[:768], y_train=y[:768], x_test=x[768:], y_test=y[768:])
    return root / "tiny.npz"


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _reap() -> Iterator[None]:
    """Never leave a training process behind, whatever fails."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# Run in the child before the CLI: every Trainer it builds gets a callback that SIGKILLs the
# process at the start of batch KILL_AT (a kill at a chosen point, not after a sleep).
_KILLER = """
import os, signal, sys
import lightning.pytorch as pl
EPOCH, BATCH = {kill_at}
class _Kill(pl.Callback):
    def on_train_batch_start(self, trainer, module, batch, idx):
        if (trainer.current_epoch, idx) == (EPOCH, BATCH):
            os.kill(os.getpid(), signal.SIGKILL)
_init = pl.Trainer.__init__
def _with_kill(self, *a, callbacks=None, **kw):
    _init(self, *a, callbacks=[*(callbacks or []), _Kill()], **kw)
pl.Trainer.__init__ = _with_kill
"""


def _pretrain(
    data: Path, out: Path, *extra: str, kill_at: tuple[int, int] | None = None
) -> subprocess.Popen[str]:
    code = "import sys; from randquant.cli import main; sys.argv[0] = 'randquant'; main()"
    if kill_at is not None:
        code = _KILLER.format(kill_at=kill_at) + code
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-c", code, "pretrain", "--data", str(data), "--output", str(out)]
    proc = subprocess.Popen(
        [*cmd, *ARGS, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    STARTED.append(proc)
    return proc


def _finish(proc: subprocess.Popen[str], timeout: float = 90) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:  # timed out: never leave it running
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out[-3000:]
    return out


def _probe(encoder: Path, data: Path, result: Path) -> dict[str, object]:
    args = ["probe", "--checkpoint", str(encoder), "--data", str(data), "--device", "cpu"]
    res = CliRunner().invoke(app, [*args, "--output", str(result)])
    assert res.exit_code == 0, res.output
    payload: dict[str, object] = json.loads(result.read_text())
    return payload


def _losses(ckpt: Path) -> list[float]:
    saved = torch.load(ckpt, weights_only=True)
    return list(saved["randquant_epoch_losses"])


@pytest.mark.timeout(300)
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(tmp_path: Path) -> None:
    data = _npz(tmp_path)
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    proc = _pretrain(data, killed / "enc.pt", kill_at=KILL_AT)
    uninterrupted = _pretrain(data, straight / "enc.pt")  # the same run, on the other core
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode == -signal.SIGKILL, output[-3000:]  # it died where it was told
    assert not (killed / "enc.pt").exists()  # killed before the end
    ckpt = killed / "enc.pt.ckpt" / "last.ckpt"
    assert len(_losses(ckpt)) == KILL_AT[0]  # a complete, readable checkpoint of epoch 0
    _finish(uninterrupted)

    # the resumed run starts at epoch 1: were it to train epoch 0 again, it would die here
    _finish(_pretrain(data, killed / "enc.pt", "--resume", kill_at=(0, 0)))
    # the resumed run went on from the checkpoint: same per-epoch losses as the straight run
    assert _losses(ckpt) == _losses(straight / "enc.pt.ckpt" / "last.ckpt")
    enc_a, meta_a = load_encoder(straight / "enc.pt")
    enc_b, meta_b = load_encoder(killed / "enc.pt")
    sa, sb = enc_a.state_dict(), enc_b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        torch.testing.assert_close(sb[key], sa[key], rtol=1e-6, atol=1e-7)
    assert meta_b["info"]["final_loss"] == pytest.approx(meta_a["info"]["final_loss"], abs=1e-6)

    # same features on the test split, so any probe of the two gives the same result ...
    x_test = torch.from_numpy(np.load(data)["x_test"]).float()
    feats_a, feats_b = extract_features(enc_a, x_test), extract_features(enc_b, x_test)
    torch.testing.assert_close(feats_b, feats_a, rtol=1e-5, atol=1e-6)
    # ... and the CLI probe of the resumed encoder writes a complete, sane result
    probe = _probe(killed / "enc.pt", data, killed / "probe.json")
    for name in ("linear", "knn"):
        entry = probe[name]
        assert isinstance(entry, dict) and 0.0 <= entry["accuracy"] <= 1.0
    assert isinstance(probe["linear"], dict) and probe["linear"]["accuracy"] > 0.6  # 3 easy blobs
    # nothing temporary or partial is left anywhere (the logger's metrics folder aside)
    every = [p.relative_to(killed) for p in killed.rglob("*")]
    assert not [p for p in every if p.name.endswith(".tmp")], every
    left = sorted(str(p) for p in every if "logs" not in p.parts)
    assert left == ["enc.pt", "enc.pt.ckpt", "enc.pt.ckpt/last.ckpt", "probe.json"], left
