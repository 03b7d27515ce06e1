import os

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
