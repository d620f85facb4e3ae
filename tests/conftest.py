"""Shared test helpers: PyTorch is the oracle, and in CI it must be there.

Only the oracle tests need torch: they take the `torch` fixture (or, for a module that is
oracle tests only, call `require_torch()` at import). Without torch they skip, except in CI
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


def require_torch():
    """Import torch; skip without it, except in CI, where its absence is a failure."""
    if os.environ.get("CI") == "true":
        import torch  # noqa: PLC0415 - CI must run the oracle tests, never skip them
    else:
        torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # in case torch was imported before this file set the variables
    return torch


@pytest.fixture(scope="session")
def torch():
    """PyTorch for an oracle test (see `require_torch`)."""
    return require_torch()


def run(*args: str, **kwargs):
    """`tconv ARGS` through the real Typer app; an exception that is not an exit is raised, so
    a traceback a user would see fails the test loudly."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from tconv_cli.cli import app  # noqa: PLC0415

    result = CliRunner().invoke(app, list(args), **kwargs)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
