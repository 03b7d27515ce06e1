import os
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
torch.set_num_threads(min(2, torch.get_num_threads()))
if not torch.cuda.is_available():
    # the Triton kernels run on Triton's CPU interpreter (tests/ops/test_triton.py); it must be
    # on before anything imports triton, as triton decorates its own library at import
    os.environ.setdefault("TRITON_INTERPRET", "1")


@pytest.fixture(scope="module")
def npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny two-class ``.npz`` (16 train, 6 test samples of shape (2, 24)) for CLI runs;
    a module may define its own ``npz`` (tests/cli/test_train_cli.py has string labels)."""
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 8)
    x = rng.normal(size=(16, 2, 24)).astype(np.float32) + y[:, None, None] * 2.0
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x[:6], y_test=y[:6])
    return path
