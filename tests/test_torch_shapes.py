"""PyTorch is the oracle: sizes, rejected layers and inverse solving, over random layers."""

from __future__ import annotations

import warnings
from functools import lru_cache

import pytest
from helpers import require_torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tconv_cli import geometry as g
from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.geometry import Axis

torch = require_torch()
F = torch.nn.functional
TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
DIRECT = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
MODULES = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}

# Sizes small enough for thousands of real convolutions; the values that matter are the edges:
# padding beyond d·(k−1), output_padding at and past max(s, d) − 1, zero and negative values.
# Every oracle answer is cached: the strategies draw from small spaces, so layers repeat, and
# the tests share the answers.
MAX_IN = {1: 9, 2: 6, 3: 4}


@st.composite
def raw_axis(draw, rank: int, legal: bool) -> Axis:
    """One axis; `legal=False` also draws zeros and negatives that PyTorch must reject.

    Dilation stays ≥ 1: PyTorch 2.13 rejects dilation 0 ("dilation should be greater than
    zero") except on some fast paths that skip the check (a 1×1 input, kernel 4×4, stride (1, 4),
    dilation (1, 0) returns a tensor); tconv always rejects it (tested in test_geometry).
    """
    low = 0 if not legal else 1
    i = draw(st.integers(low, MAX_IN[rank]))
    k = draw(st.integers(low, 4))
    s = draw(st.integers(low, 4))
    d = draw(st.integers(1, 3))
    reach = max(d, 1) * max(k - 1, 0)
    p = draw(st.integers(-1 if not legal else 0, reach + 2))
    op = draw(st.integers(-1 if not legal else 0, max(s, d, 1)))
    return Axis(i, k, s, p, p, d, op)


@st.composite
def layers(draw, legal: bool = True) -> tuple[Axis, ...]:
    rank = draw(st.integers(1, 3))
    return tuple(draw(raw_axis(rank, legal)) for _ in range(rank))


@lru_cache(maxsize=None)
def torch_transposed(layer) -> tuple[int, ...] | None:
    """PyTorch's output size for the layer, or None when it refuses it."""
    x = torch.zeros(1, 1, *(a.size for a in layer))
    w = torch.zeros(1, 1, *(a.kernel for a in layer))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = TRANSPOSED[len(layer)](
                x,
                w,
                stride=[a.stride for a in layer],
                padding=[a.pad_lo for a in layer],
                output_padding=[a.output_padding for a in layer],
                dilation=[a.dilation for a in layer],
            )
    except (RuntimeError, ValueError):
        return None
    return None if y.numel() == 0 else tuple(y.shape[2:])


@lru_cache(maxsize=None)
def torch_conv(layer) -> tuple[int, ...] | None:
    x = torch.zeros(1, 1, *(a.size for a in layer))
    w = torch.zeros(1, 1, *(a.kernel for a in layer))
    try:
        y = DIRECT[len(layer)](
            x,
            w,
            stride=[a.stride for a in layer],
            padding=[a.pad_lo for a in layer],
            dilation=[a.dilation for a in layer],
        )
    except (RuntimeError, ValueError):
        return None
    return None if y.numel() == 0 else tuple(y.shape[2:])


def ours(check, layer, size) -> tuple[int, ...] | None:
    try:
        check(layer)
    except ParameterError:
        return None
    return tuple(size(a) for a in layer)


@settings(max_examples=800, deadline=None)
@given(layers(legal=False))
@pytest.mark.slow
def test_transposed_size_and_validity_match_pytorch(layer):
    assert ours(g.check_transposed, layer, lambda a: a.output) == torch_transposed(layer)


@settings(max_examples=400, deadline=None)
@given(layers())
@pytest.mark.slow
def test_legal_layers_near_the_limits_match_pytorch(layer):
    """Every drawn value positive: only output_padding and the output size decide."""
    assert ours(g.check_transposed, layer, lambda a: a.output) == torch_transposed(layer)


@settings(max_examples=500, deadline=None)
@given(layers(legal=False))
@pytest.mark.slow
def test_direct_conv_size_and_validity_match_pytorch(layer):
    layer = tuple(Axis(**{**a.__dict__, "output_padding": 0}) for a in layer)
    assert ours(g.check_conv, layer, lambda a: a.conv_output) == torch_conv(layer)


@settings(max_examples=250, deadline=None)
@given(layers(), st.data())
@pytest.mark.slow
def test_asymmetric_padding_is_a_crop_of_the_unpadded_output(layer, data):
    """PyTorch has no asymmetric padding; padding=0 then cropping lo and hi is its meaning."""
    pads = [data.draw(st.tuples(st.integers(0, 4), st.integers(0, 4))) for _ in layer]
    layer = tuple(
        Axis(a.size, a.kernel, a.stride, lo, hi, a.dilation, 0) for a, (lo, hi) in zip(layer, pads)
    )
    full = torch_transposed(tuple(Axis(**{**a.__dict__, "pad_lo": 0, "pad_hi": 0}) for a in layer))
    expected = tuple(n - a.pad_lo - a.pad_hi for n, a in zip(full, layer))
    assume(all(n >= 1 for n in expected))
    g.check_transposed(layer)
    assert tuple(a.output for a in layer) == expected


@settings(max_examples=400, deadline=None)
@given(layers(), st.data())
@pytest.mark.slow
def test_inverse_with_input_matches_forward_output_size(layer, data):
    """`forward(x, output_size=T)` where PyTorch answers; the layer built directly elsewhere."""
    layer = tuple(Axis(**{**a.__dict__, "output_padding": 0}) for a in layer)
    target = tuple(
        data.draw(st.integers(max(1, a.min_output - 2), max(1, a.min_output + 4))) for a in layer
    )
    try:
        solved = g.solve(layer, target, given_input=True)
    except NoAnswer:
        # Nothing PyTorch accepts reaches the target on some axis.
        assert any(
            all(
                torch_transposed((Axis(**{**a.__dict__, "output_padding": op}),)) != (t,)
                for op in range(max(a.stride, a.dilation) + 1)
            )
            for a, t in zip(layer, target)
        )
        return
    assert torch_transposed(solved) == target
    module = MODULES[len(layer)](
        1,
        1,
        [a.kernel for a in layer],
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        dilation=[a.dilation for a in layer],
    )
    x = torch.zeros(1, 1, *(a.size for a in layer))
    torch_accepts = all(t in g.torch_output_size_range(a) for a, t in zip(layer, target))
    try:
        y = module(x, output_size=list(target))
    except (RuntimeError, ValueError):
        assert not torch_accepts
    else:
        assert torch_accepts and tuple(y.shape[2:]) == target


@settings(max_examples=400, deadline=None)
@given(layers(), st.data())
@pytest.mark.slow
def test_inverse_without_input_restores_the_encoder_input(layer, data):
    target = tuple(data.draw(st.integers(1, 3 * MAX_IN[len(layer)])) for _ in layer)
    template = tuple(Axis(**{**a.__dict__, "output_padding": 0}) for a in layer)
    encoder = tuple(Axis(**{**a.__dict__, "size": t}) for a, t in zip(template, target))
    encoder_out = torch_conv(encoder)
    try:
        solved = g.solve(template, target, given_input=False)
    except NoAnswer:
        assert encoder_out is None
        return
    assert tuple(a.size for a in solved) == encoder_out
    assert torch_transposed(solved) == target
    # every size with the same encoder output is listed, and only those: the listed sizes are
    # consecutive, and PyTorch's output size grows with the input, so checking them and one
    # size past each end proves it (no search over every size)
    for a, t in zip(solved, target):
        listed = list(g.conv_inputs(a))
        assert t in listed
        assert listed == list(range(listed[0], listed[-1] + 1))

        def encoded(n, a=a):
            return torch_conv((Axis(**{**a.__dict__, "size": n, "output_padding": 0}),))

        assert all(encoded(n) == (a.size,) for n in listed)
        assert listed[0] == 1 or encoded(listed[0] - 1) != (a.size,)
        assert encoded(listed[-1] + 1) != (a.size,)


@settings(max_examples=250, deadline=None)
@given(layers())
@pytest.mark.slow
def test_overlap_counts_are_a_transposed_conv_of_ones(layer):
    """Taps per output cell = conv_transpose(ones, ones): PyTorch counts them for us."""
    assume(torch_transposed(layer) is not None)
    x = torch.ones(1, 1, *(a.size for a in layer), dtype=torch.float64)
    w = torch.ones(1, 1, *(a.kernel for a in layer), dtype=torch.float64)
    y = TRANSPOSED[len(layer)](
        x,
        w,
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        output_padding=[a.output_padding for a in layer],
        dilation=[a.dilation for a in layer],
    )[0, 0]
    # The count is separable: the product over axes of each axis's taps at that position.
    expected = torch.ones((), dtype=torch.float64)
    for a in layer:
        line = torch.tensor(
            [g.taps_at(a, o + a.pad_lo) for o in range(a.output)], dtype=torch.float64
        )
        expected = expected.unsqueeze(-1) * line
        o = g.overlap(a)
        assert (o.min, o.max) == (int(line.min()), int(line.max()))
    assert torch.equal(y, expected)
