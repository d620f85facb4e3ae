"""Shared test helpers: PyTorch is the oracle, and in CI it must be there."""

from __future__ import annotations

import os

import pytest


def require_torch():
    """Import torch; skip the module without it, except in CI, where its absence is a failure."""
    if os.environ.get("CI") == "true":
        import torch  # noqa: PLC0415 - CI must run the oracle tests, never skip them

        return torch
    return pytest.importorskip("torch")
