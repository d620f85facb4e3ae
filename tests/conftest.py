"""Fixtures and the test session's set-up; the helpers tests import are in `helpers.py`.

PyTorch is the oracle, and in CI it must be there. Only the oracle tests need torch: they
take the `torch` fixture (or, for a module that is oracle tests only, call
`helpers.require_torch()` at import). Without torch they skip, except in CI
(`CI=true`), where its absence is a failure. `TCONV_HIDE_TORCH=1` hides an installed torch
(every `import torch` fails, as if it were absent), to check that the golden values and the
pure tests still run:  TCONV_HIDE_TORCH=1 python -m pytest -q tests/test_numeric.py
"""

from __future__ import annotations

import os
import sys

import pytest

# One thread for PyTorch and NumPy's BLAS (read when they are first imported): the oracles run
# thousands of tiny operations, which threads only slow down (15 ms instead of 0.02 ms a
# convolution on a busy 2-core machine).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

if os.environ.get("TCONV_HIDE_TORCH") == "1":
    sys.modules["torch"] = None  # `import torch` now raises ImportError

# Tests written before helpers.py import these from here; new tests import `helpers`.
from helpers import (  # noqa: E402, F401
    require_torch,
    run,
    torch_conv_transpose,
    transposed_layers,
)


@pytest.fixture(scope="session")
def torch():
    """PyTorch for an oracle test (see `require_torch`)."""
    return require_torch()
