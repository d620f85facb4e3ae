"""numeric: the worked examples of DESIGN.md §7, PyTorch as the oracle over random layers (the
three methods against it and each other), the gather view's pieces, dtypes and bad operands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from tconv_cli import numeric
from tconv_cli.errors import ParameterError
from tconv_cli.geometry import Axis, check_conv
from tconv_cli.numeric import (
    METHODS,
    conv_matrix,
    conv_transpose,
    flip,
    zero_insert_and_pad,
)

# PyTorch, the oracle, comes from the `torch` fixture (tests/conftest.py): only the tests that
# ask for it need it, so the golden values and the pure tests run without it.


def transposed(torch, rank: int):
    return getattr(torch.nn.functional, f"conv_transpose{rank}d")


def direct(torch, rank: int):
    return getattr(torch.nn.functional, f"conv{rank}d")


def axis(i, k, s=1, p=0, d=1, op=0) -> Axis:
    return Axis(i, k, s, p, p, d, op)


# ---------------------------------------------------------------------------------------------
# DESIGN.md §7.


@pytest.mark.parametrize("method", METHODS)
def test_golden_2d_is_exact_in_integers(method):
    x = np.array([[[2, 3], [1, 3]]])  # unbatched, one channel
    kernel = np.array([[0, 1, 1], [0, 1, 0], [1, 0, 1]])
    y = conv_transpose(x, kernel[None, None], (axis(2, 3), axis(2, 3)), method=method)
    assert y.dtype == np.int64
    assert y.tolist() == [[[0, 2, 5, 3], [0, 3, 7, 3], [2, 4, 5, 3], [1, 3, 1, 3]]]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("stride", "padding", "expected"),
    [
        (1, 0, [5.5, 18.7, 41.8, 42.9, 29.7]),
        (2, 0, [5.5, 11, 24.2, 15.4, 33, 19.8, 29.7]),
        (2, 1, [11, 24.2, 15.4, 33, 19.8]),
    ],
)
def test_golden_1d_two_input_channels(method, stride, padding, expected):
    x = [[1, 2, 3], [4, 5, 6]]
    weight = [[[1.1, 2.2, 3.3]], [[1.1, 2.2, 3.3]]]  # (2, 1, 3)
    y = conv_transpose(x, weight, (axis(3, 3, stride, padding),), method=method)
    assert y.shape == (1, len(expected))
    np.testing.assert_allclose(y[0], expected, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# PyTorch as the oracle.


@dataclass(frozen=True)
class Problem:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    layer: tuple[Axis, ...]
    groups: int


def symmetric(layer: tuple[Axis, ...]) -> bool:
    """PyTorch can run this layer as it is: its padding is one non-negative p per axis."""
    return all(a.pad_lo == a.pad_hi >= 0 for a in layer)


def torch_args(layer: tuple[Axis, ...], **extra) -> dict:
    """The layer's stride and dilation as PyTorch's keyword arguments, and `extra`."""
    return dict(stride=[a.stride for a in layer], dilation=[a.dilation for a in layer], **extra)


def output_padding(layer: tuple[Axis, ...]) -> list[int]:
    return [a.output_padding for a in layer]


MAX_SIZE = {1: 6, 2: 4, 3: 2}  # small enough for the matrix method in 3-d


@st.composite
def axes(draw, max_size: int) -> Axis:
    """An axis PyTorch accepts, except that padding may also be asymmetric or negative."""
    k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    i = draw(st.integers(1, max_size))
    op = draw(st.integers(0, max(s, d) - 1))
    pads = st.integers(-2, d * (k - 1) + 1)
    lo = draw(pads)
    hi = lo if draw(st.booleans()) else draw(pads)
    a = Axis(i, k, s, lo, hi, d, op)
    assume(a.output >= 1)
    return a


@st.composite
def problems(draw) -> Problem:
    rank = draw(st.integers(1, 3))
    layer = tuple(draw(axes(MAX_SIZE[rank])) for _ in range(rank))
    groups = draw(st.integers(1, 3))
    c_in, c_out_group = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = () if draw(st.booleans()) else (draw(st.integers(1, 2)),)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((*batch, c_in, *(a.size for a in layer)))
    weight = rng.standard_normal((c_in, c_out_group, *(a.kernel for a in layer)))
    bias = rng.standard_normal(groups * c_out_group) if draw(st.booleans()) else None
    return Problem(x, weight, bias, layer, groups)


def torch_reference(torch, p: Problem) -> np.ndarray:
    """PyTorch's output with padding 0 (and the layer's output_padding), then `pad_lo` and `pad_hi`
    cropped off the ends, or zeros added where a pad is negative; bias last."""
    rank = len(p.layer)
    full = transposed(torch, rank)(
        torch.from_numpy(p.x),
        torch.from_numpy(p.weight),
        **torch_args(p.layer, output_padding=output_padding(p.layer), groups=p.groups),
    ).numpy()
    lead = [(0, 0)] * (full.ndim - rank)
    widened = np.pad(full, lead + [(max(0, -a.pad_lo), max(0, -a.pad_hi)) for a in p.layer])
    y = widened[(..., *(slice(max(0, a.pad_lo), max(0, a.pad_lo) + a.output) for a in p.layer))]
    return y if p.bias is None else y + p.bias.reshape(-1, *(1,) * rank)


@settings(max_examples=300, deadline=None)
@given(problems())
@pytest.mark.slow
def test_every_method_equals_pytorch_and_each_other(torch, p):
    expected = torch_reference(torch, p)
    if symmetric(p.layer):  # PyTorch itself, padding and bias included, agrees with the reference
        itself = transposed(torch, len(p.layer))(
            torch.from_numpy(p.x),
            torch.from_numpy(p.weight),
            None if p.bias is None else torch.from_numpy(p.bias),
            **torch_args(
                p.layer,
                padding=[a.pad_lo for a in p.layer],
                output_padding=output_padding(p.layer),
                groups=p.groups,
            ),
        ).numpy()
        np.testing.assert_allclose(expected, itself, rtol=0, atol=1e-9)
    results = {m: conv_transpose(p.x, p.weight, p.layer, p.bias, p.groups, m) for m in METHODS}
    for method, y in results.items():
        assert y.shape == expected.shape, method
        assert y.dtype == np.float64, method
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-9, err_msg=method)
        np.testing.assert_allclose(y, results["gather"], rtol=0, atol=1e-9, err_msg=method)


@settings(max_examples=150, deadline=None)
@given(problems())
@pytest.mark.slow
def test_integers_are_exact_like_pytorch_int64(torch, p):
    """PyTorch's CPU kernels take int64 (not int32 or smaller) and agree exactly."""

    def integers(a):
        return None if a is None else np.rint(3 * a).astype(np.int64)

    p = replace(p, x=integers(p.x), weight=integers(p.weight), bias=integers(p.bias))
    expected = torch_reference(torch, p)
    for method in METHODS:
        y = conv_transpose(p.x, p.weight, p.layer, p.bias, p.groups, method)
        assert y.dtype == np.int64, method
        assert np.array_equal(y, expected), method


@settings(max_examples=100, deadline=None)
@given(problems())
@pytest.mark.slow
def test_gather_one_tap_per_matrix_product_is_unchanged(p):
    """Large layers make the gather method split a phase's taps over several matrix products."""
    whole = conv_transpose(p.x, p.weight, p.layer, p.bias, p.groups)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(numeric, "_BLOCK_BYTES", 1)
        blocks = conv_transpose(p.x, p.weight, p.layer, p.bias, p.groups)
    np.testing.assert_allclose(blocks, whole, rtol=0, atol=1e-12)


def one_channel(p: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The first sample's first channel and the kernel linking it to the first output channel."""
    return p.x.reshape(-1, *p.x.shape[-len(p.layer) :])[0], p.weight[0, 0]


@settings(max_examples=200, deadline=None)
@given(problems())
@pytest.mark.slow
def test_zero_insertion_view_gives_the_values(p):
    """Correlating the zero-inserted, padded grid with the flipped, dilated kernel at stride 1."""
    x, kernel = one_channel(p)
    grid = zero_insert_and_pad(x, p.layer)
    windows = sliding_window_view(grid, [a.extent for a in p.layer])
    taps = windows[(..., *(slice(None, None, a.dilation) for a in p.layer))]
    literal = np.tensordot(taps, flip(kernel), len(p.layer))
    expected = conv_transpose(x[None], kernel[None, None], p.layer)[0]
    assert literal.shape == expected.shape
    np.testing.assert_allclose(literal, expected, rtol=0, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(problems())
@pytest.mark.slow
def test_conv_matrix_transposed_is_the_layer_and_itself_the_direct_convolution(torch, p):
    x, kernel = one_channel(p)
    layer, rank = p.layer, len(p.layer)
    c = conv_matrix(kernel, layer)
    assert c.shape == (prod(a.size for a in layer), prod(a.output for a in layer))
    y = conv_transpose(x[None], kernel[None, None], layer)[0]
    np.testing.assert_allclose(c.T @ x.ravel(), y.ravel(), rtol=0, atol=1e-9)
    # The direct convolution maps an output-sized array back to input size when op < s.
    if symmetric(layer) and all(a.output_padding < a.stride for a in layer):
        out = np.random.default_rng(0).standard_normal(y.shape)
        expected = direct(torch, rank)(
            torch.from_numpy(out[None]),
            torch.from_numpy(kernel[None, None]),
            **torch_args(layer, padding=[a.pad_lo for a in layer]),
        )
        np.testing.assert_allclose(c @ out.ravel(), expected.numpy().ravel(), rtol=0, atol=1e-9)


def test_conv_matrix_orientation():
    """Rows are input positions, columns output positions: row j holds the kernel at j·s − p."""
    c = conv_matrix([1, 2, 3], (axis(2, 3, s=2, p=1),))
    assert c.dtype == np.int64
    assert c.tolist() == [[2, 3, 0], [0, 1, 2]]


# ---------------------------------------------------------------------------------------------
# The gather view's pieces.


def test_zero_insert_and_pad_classic_figure():
    """DESIGN.md §6: i=3, k=3, s=2, p=1 is a 7×7 grid with inputs at 1, 3, 5; op=1 makes it 8×8."""
    x = np.arange(1, 10).reshape(3, 3)
    for op, side in ((0, 7), (1, 8)):
        grid = zero_insert_and_pad(x, (axis(3, 3, 2, 1, op=op),) * 2)
        assert grid.shape == (side, side)
        assert grid.dtype == x.dtype
        assert grid[1:6:2, 1:6:2].tolist() == x.tolist()
        assert grid.sum() == x.sum()


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        (Axis(3, 2, 2, pad_lo=3, pad_hi=0), [5, 0, 6, 0]),  # 1 − 3 = −2 before: cropped
        (Axis(2, 1, 2, pad_lo=-1, pad_hi=-1), [0, 4, 0, 5, 0]),  # negative pads: zeros added
        (Axis(2, 2, 1, pad_lo=0, pad_hi=1, dilation=2, output_padding=1), [0, 0, 4, 5, 0, 0]),
    ],
)
def test_zero_insert_and_pad_1d(a, expected):
    x = [4, 5, 6][: a.size]
    assert zero_insert_and_pad(x, (a,)).tolist() == expected


def test_flip_reverses_every_axis():
    assert flip([[1, 2], [3, 4]]).tolist() == [[4, 3], [2, 1]]


# ---------------------------------------------------------------------------------------------
# Dtypes.


@pytest.mark.parametrize("method", METHODS)
def test_integers_stay_exact_with_bias(method):
    y = conv_transpose([[1, 2]], [[[3, 4]]], (axis(2, 2, 2),), bias=[10], method=method)
    assert y.dtype == np.int64
    assert y.tolist() == [[13, 14, 16, 18]]


@pytest.mark.parametrize("method", METHODS)
def test_float32_stays_float32_and_mixed_becomes_float(method):
    layer = (axis(2, 2, 2),)
    x32, w32 = np.ones((1, 2), np.float32), np.ones((1, 1, 2), np.float32)
    assert conv_transpose(x32, w32, layer, method=method).dtype == np.float32
    assert conv_transpose([[1, 2]], [[[0.5, 1.0]]], layer, method=method).dtype == np.float64


# ---------------------------------------------------------------------------------------------
# Bad operands: a ParameterError that names the thing, the numbers and the rule.

LAYER_2D = (axis(3, 2, 2), axis(3, 2, 2))
X, W = np.ones((1, 3, 3)), np.ones((1, 1, 2, 2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            dict(x=[[1, 2, 3], [4, 5]], layer=(axis(3, 2),), weight=np.ones((2, 1, 2))),
            "x=[[1, 2, 3], [4, 5]] is ragged: every row must have the same length",
        ),
        (
            dict(x=np.ones((3, 3))),
            "x.shape=(3, 3) must be (N, C_in, 3, 3) or (C_in, 3, 3) for this 2-d layer",
        ),
        (
            dict(weight=np.ones((1, 1, 2))),
            "weight.shape=(1, 1, 2) must be (C_in, C_out/groups, 2, 2) for this 2-d layer",
        ),
        (
            dict(x=np.ones((2, 3, 3, 3)), weight=np.ones((3, 1, 2, 2)), groups=2),
            "groups=2 must divide the input channels (x.shape[1] = 3)",
        ),
        (
            dict(x=np.ones((2, 3, 3)), weight=np.ones((3, 1, 2, 2))),
            "weight.shape=(3, 1, 2, 2) must start with the input channels (x.shape[0] = 2), not 3",
        ),
        (dict(x=np.ones((1, 3, 4))), "input=3 on axis 1 does not match x.shape[2] = 4"),
        (dict(x=np.ones((5, 1, 3, 4))), "input=3 on axis 1 does not match x.shape[3] = 4"),
        (
            dict(weight=np.ones((1, 1, 2, 3))),
            "kernel_size=2 on axis 1 does not match weight.shape[3] = 3",
        ),
        (
            dict(weight=np.ones((1, 2, 2, 2)), groups=1, bias=np.ones(3)),
            "bias.shape=(3,) must be (2,): one value per output channel "
            "(weight.shape[1] × groups = 2 × 1)",
        ),
        (dict(groups=0), "groups=0 must be at least 1"),
        (
            dict(x=np.ones((0, 1, 3, 3))),
            "x.shape=(0, 1, 3, 3) has a 0: every dimension must be at least 1",
        ),
        (dict(x=np.array([["a"]])), "x.dtype=<U1 is not numeric: it must hold numbers"),
        (dict(method="fft"), "method=fft must be one of gather, scatter, matrix"),
        (dict(layer=()), "layer=() needs at least one spatial axis"),
        (dict(layer=(axis(3, 2, 0), axis(3, 2))), "stride=0 on axis 0 must be at least 1"),
        (
            dict(x=np.ones((1, 1)), weight=np.ones((1, 1, 2)), layer=(axis(1, 2, 1, 1),)),
            "the output would have size (1−1)×1 − 2×1 + 1×(2−1) + 0 + 1 = 0; it must be at least 1 "
            "(lower padding, or raise input, kernel_size, stride or dilation)",
        ),
        (
            dict(
                x=np.ones((1, 64, 64)),
                weight=np.ones((1, 1, 4, 4)),
                layer=(axis(64, 4, 2), axis(64, 4, 2)),
                method="matrix",
            ),
            "method=matrix would build 1,107,558,400 matrix entries (16 × 4096 inputs × 16900 "
            "outputs), more than 10,000,000: use gather or scatter",
        ),
    ],
)
def test_bad_operands(kwargs, message):
    call = dict(x=X, weight=W, layer=LAYER_2D) | kwargs
    with pytest.raises(ParameterError) as caught:
        conv_transpose(**call)
    assert str(caught.value) == message


def test_helpers_check_their_shapes():
    with pytest.raises(
        ParameterError,
        match=r"x.shape=\(2, 3\) must be the layer's input sizes "
        r"\(3, 3\), one channel",
    ):
        zero_insert_and_pad(np.ones((2, 3)), LAYER_2D)
    with pytest.raises(
        ParameterError,
        match=r"kernel.shape=\(3,\) must be the layer's kernel_size "
        r"\(2, 2\)",
    ):
        conv_matrix(np.ones(3), LAYER_2D)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2), st.data())
@pytest.mark.slow
def test_direct_conv_matches_pytorch(torch, rank, data):
    layer = tuple(
        Axis(
            data.draw(st.integers(1, 7)),
            data.draw(st.integers(1, 3)),
            data.draw(st.integers(1, 3)),
            p,
            p,
            data.draw(st.integers(1, 2)),
        )
        for p in [data.draw(st.integers(0, 2)) for _ in range(rank)]
    )
    try:
        check_conv(layer)
    except ParameterError:
        assume(False)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal([a.size for a in layer])
    w = rng.standard_normal([a.kernel for a in layer])
    expected = direct(torch, rank)(
        torch.from_numpy(x)[None, None],
        torch.from_numpy(w)[None, None],
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        dilation=[a.dilation for a in layer],
    )[0, 0].numpy()
    np.testing.assert_allclose(numeric.conv(x, w, layer), expected, rtol=0, atol=1e-9)
