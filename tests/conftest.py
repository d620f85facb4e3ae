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

# Keras runs on JAX in the oracle tests (tests/test_conventions.py), whichever test module
# imports Keras first: TensorFlow (the deploy targets' tests) imports it too, and on its
# TensorFlow backend Keras cannot run a dilated transposed convolution on the CPU. Keras reads
# the backend once, on import, so it is set here, before any test module is imported.
os.environ["KERAS_BACKEND"] = "jax"
# XLA's CPU algebraic simplifier (jaxlib 0.10.2) aborts the whole process on some valid layers,
# e.g. keras.layers.Conv2DTranspose(1, (3, 2), strides=(3, 2), padding="same",
# output_padding=(0, 0)) on a (1, 1, 3, 1) input: "Check failed: ... Window dimensions do not match
# RHS shape". Without that optimisation pass the values are right. XLA reads it once, too.
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_disable_hlo_passes=algsimp"

if os.environ.get("TCONV_HIDE_TORCH") == "1":
    sys.modules["torch"] = None  # `import torch` now raises ImportError

from helpers import require_torch  # noqa: E402 - after the thread settings above


@pytest.fixture(scope="session")
def torch():
    """PyTorch for an oracle test (see `require_torch`)."""
    return require_torch()


#: Modules whose every test holds tconv against a framework that runs here.
ORACLE_MODULES = {
    "test_torch_shapes",
    "test_inspect_onnx",
    "test_inspect_torch",
    "test_inspect_torch_joins",
    "test_inspect_torch_cli",
    "test_inspect_real",
    "test_inspect_joins",
    "test_network_torch",
    "test_targets",
    "test_targets_cli",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs an outside program, so `-m` can leave it out: `browser` for the tests
    that take the Chromium fixture, `oracle` for those that take `torch`, live in an oracle
    module, or are skipped without a framework (`needs(...)`: reason "needs …"). Slow tests
    carry `@pytest.mark.slow` themselves (over ~2 s on a busy two-core machine)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = getattr(getattr(item, "module", None), "__name__", "")
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        needs = any(
            str(mark.kwargs.get("reason", "")).startswith("needs ")
            for mark in item.iter_markers("skipif")
        )
        if "torch" in fixtures or module in ORACLE_MODULES or needs:
            item.add_marker(pytest.mark.oracle)
