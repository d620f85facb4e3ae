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


def run(*args: str, **kwargs):
    """`tconv ARGS` through the real Typer app; an exception that is not an exit is raised, so
    a traceback a user would see fails the test loudly."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from tconv_cli.cli import app  # noqa: PLC0415

    result = CliRunner().invoke(app, list(args), **kwargs)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
