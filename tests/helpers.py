"""Helpers the tests share: the real Typer app, PyTorch as the oracle, layer strategies.

Import them as `from helpers import run` (pytest puts this folder on sys.path); fixtures are
in `conftest.py`.
"""

from __future__ import annotations

import os

import pytest


def require_torch():
    """Import torch; skip without it, except in CI, where its absence is a failure."""
    if os.environ.get("CI") == "true":
        import torch  # noqa: PLC0415 - CI must run the oracle tests, never skip them
    else:
        torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # in case torch was imported before this file set the variables
    return torch


def run(*args: str, **kwargs):
    """`tconv ARGS` through the real Typer app; an exception that is not an exit is raised, so
    a traceback a user would see fails the test loudly."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from tconv_cli.cli import app  # noqa: PLC0415

    result = CliRunner().invoke(app, list(args), **kwargs)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def refused(result, code: int, *parts: str) -> str:
    """The run failed with `code` and one `Error:` line (nothing before it) holding every
    part; that line."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr
    return result.stderr


# --- shared strategies and oracles ---------------------------------------------------------


def transposed_layers(max_in: int = 4, max_in_1d: int | None = None, asymmetric: bool = False):
    """A hypothesis strategy of valid 1-d or 2-d transposed layers (tuples of geometry.Axis):
    inputs up to `max_in` (`max_in_1d` for 1-d ones), kernels up to 4, strides up to 3,
    dilation up to 2, padding up to beyond the kernel (`asymmetric`: each end its own)."""
    from hypothesis import assume
    from hypothesis import strategies as st

    from tconv_cli import geometry as g

    @st.composite
    def layers(draw):
        rank = draw(st.integers(1, 2))
        axes = []
        for _ in range(rank):
            i = draw(st.integers(1, max_in_1d if rank == 1 and max_in_1d else max_in))
            k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
            p_lo = draw(st.integers(0, d * (k - 1) + 1))
            p_hi = draw(st.integers(0, d * (k - 1) + 1)) if asymmetric else p_lo
            op = draw(st.integers(0, max(s, d) - 1))
            axes.append(g.Axis(i, k, s, p_lo, p_hi, d, op))
        layer = tuple(axes)
        try:
            g.check_transposed(layer)
        except g.ParameterError:
            assume(False)
        return layer

    return layers()


def torch_conv_transpose(torch, layer, x, w):
    """PyTorch's transposed convolution of one 1-d or 2-d channel (the oracle), as a 2-d array
    (a 1-d output as one row); padding as the layer's begin (symmetric layers)."""
    fn = [torch.nn.functional.conv_transpose1d, torch.nn.functional.conv_transpose2d][
        len(layer) - 1
    ]
    y = fn(
        torch.tensor(x, dtype=torch.float64)[None, None],
        torch.tensor(w, dtype=torch.float64)[None, None],
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        output_padding=[a.output_padding for a in layer],
        dilation=[a.dilation for a in layer],
    )
    return y[0, 0].numpy().reshape(1, -1) if len(layer) == 1 else y[0, 0].numpy()
