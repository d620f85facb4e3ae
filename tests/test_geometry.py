"""The arithmetic core on its own: the facts of DESIGN.md §4, the rules' messages, brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tconv_cli import geometry as g
from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.geometry import Axis

# DESIGN.md §4, verified against PyTorch 2.13: (i, k, s, p, d, op) → output, None for an error.
FACTS = [
    ((3, 3, 2, 1, 1, 0), 5),
    ((3, 3, 2, 1, 1, 1), 6),
    ((4, 4, 2, 1, 1, 0), 8),
    ((3, 3, 1, 0, 2, 1), 8),
    ((3, 3, 1, 0, 2, 2), None),
    ((7, 5, 3, 4, 2, 2), 21),
    ((5, 3, 1, 3, 1, 0), 1),
    ((2, 3, 2, 3, 2, 0), 1),
    ((1, 2, 1, 1, 1, 0), None),
    ((1, 3, 4, 2, 1, 3), 2),
]


def axis(i, k, s, p, d, op=0) -> Axis:
    return Axis(i, k, s, p, p, d, op)


@pytest.mark.parametrize(("params", "expected"), FACTS)
def test_verified_facts(params, expected):
    layer = (axis(*params),)
    if expected is None:
        with pytest.raises(ParameterError):
            g.check_transposed(layer)
    else:
        g.check_transposed(layer)
        assert layer[0].output == expected


def test_output_padding_rule_names_the_limit_and_axis():
    layer = (axis(3, 3, 2, 1, 1, 0), axis(3, 3, 2, 1, 1, 2))
    with pytest.raises(ParameterError) as caught:
        g.check_transposed(layer)
    error = caught.value
    assert (error.param, error.value, error.axis) == ("output_padding", 2, 1)
    assert "smaller than stride or dilation (max(2, 1) = 2)" in str(error)


def test_output_too_small_shows_the_formula():
    with pytest.raises(ParameterError) as caught:
        g.check_transposed((axis(1, 2, 1, 1, 1, 0),))
    assert "(1−1)×1 − 2×1 + 1×(2−1) + 0 + 1 = 0" in str(caught.value)
    assert caught.value.param is None


@pytest.mark.parametrize(
    ("field", "value", "param"),
    [
        ("size", 0, "input"),
        ("kernel", 0, "kernel_size"),
        ("stride", 0, "stride"),
        ("dilation", -1, "dilation"),
        ("pad_lo", -1, "padding"),
        ("output_padding", -1, "output_padding"),
        ("size", 2**31, "input"),
        ("stride", 10**30, "stride"),
    ],
)
def test_each_parameter_has_a_rule(field, value, param):
    a = axis(3, 3, 2, 1, 1)
    bad = Axis(**{**a.__dict__, field: value})
    with pytest.raises(ParameterError) as caught:
        g.check_transposed((bad,))
    assert caught.value.param == param


def test_make_layer_broadcasts_and_rejects_mismatched_lists():
    layer = g.make_layer((32, 24), (3,), (2,), ((1, 1),))
    assert [a.size for a in layer] == [32, 24] and all(a.kernel == 3 for a in layer)
    with pytest.raises(ParameterError, match="input=32,24 has 2 values but kernel_size has 3"):
        g.make_layer((32, 24), (3, 3, 3))


def test_inverse_without_input_is_the_encoder_decoder_case():
    (a,) = g.solve((axis(1, 3, 2, 1, 1),), (6,), given_input=False)
    assert (a.size, a.output_padding, a.output) == (3, 1, 6)
    assert list(g.conv_inputs(a)) == [5, 6]


def test_dcgan_decoder_restores_64():
    """DESIGN.md §7: ConvTranspose2d(k=4, s=2, p=1) after Conv2d(k=4, s=2, p=1) on 64×64."""
    encoder = Axis(64, 4, 2, 1, 1)
    assert encoder.conv_output == 32
    layer = g.solve((Axis(32, 4, 2, 1, 1),) * 2, (64, 64), given_input=True)
    assert [a.output_padding for a in layer] == [0, 0]


def test_unreachable_target_says_what_reaches_it():
    with pytest.raises(NoAnswer) as caught:
        g.solve((axis(3, 3, 2, 1, 1),), (10,), given_input=True)
    message = str(caught.value)
    assert "reaches 5 to 6 (output_padding 0 to 1)" in message
    assert "an input of 5 reaches 10" in message


def test_target_must_be_positive():
    with pytest.raises(ParameterError) as caught:
        g.solve((axis(3, 3, 2, 1, 1),), (0,), given_input=True)
    assert caught.value.param == "target"


def test_tensor_shapes_follow_pytorch_layouts():
    layer = (Axis(32, 4, 2, 1, 1),) * 2
    t = g.tensor_shapes(layer, 64, 32, groups=2, batch=8)
    assert t.input == (8, 64, 32, 32) and t.output == (8, 32, 64, 64)
    assert t.weight == (64, 16, 4, 4) and t.bias == (32,)
    assert t.parameters == 64 * 16 * 16 + 32
    conv = g.tensor_shapes((Axis(64, 4, 2, 1, 1),), 3, 10, transposed=False, bias=False)
    assert conv.weight == (10, 3, 4) and conv.output == (10, 32) and conv.parameters == 120
    with pytest.raises(ParameterError, match="divisible by groups"):
        g.tensor_shapes(layer, 64, 30, groups=4)


# --- brute force -----------------------------------------------------------------------------

small = st.integers(1, 7)


@st.composite
def axes(draw) -> Axis:
    i, k = draw(small), draw(st.integers(1, 5))
    s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    lo = draw(st.integers(-2, d * (k - 1) + 2))
    hi = draw(st.integers(-2, d * (k - 1) + 2))
    op = draw(st.integers(0, max(s, d) - 1))
    return Axis(i, k, s, lo, hi, d, op)


def scatter_taps(a: Axis) -> list[int]:
    """Kernel taps per output cell by the definition: input j's tap t lands at j·s + t·d − p_lo."""
    counts = [0] * max(a.output, 0)
    for j in range(a.size):
        for t in range(a.kernel):
            q = j * a.stride + t * a.dilation - a.pad_lo
            if 0 <= q < len(counts):
                counts[q] += 1
    return counts


@settings(max_examples=1200, deadline=None)
@given(axes())
@pytest.mark.slow
def test_overlap_matches_the_definition(a):
    counts = scatter_taps(a)
    if not counts:
        return
    o = g.overlap(a)
    assert (o.min, o.max) == (min(counts), max(counts))
    # the periodic pattern: a long input shows it in its middle
    long = Axis(60, a.kernel, a.stride, 0, 0, a.dilation)
    middle = scatter_taps(long)[long.extent : long.extent + 2 * a.stride * a.dilation]
    assert (o.interior_min, o.interior_max) == (min(middle), max(middle))


@settings(max_examples=1000, deadline=None)
@given(axes(), st.integers(1, 60))
@pytest.mark.slow
def test_inverse_matches_brute_force(a, target):
    a = Axis(a.size, a.kernel, a.stride, max(a.pad_lo, 0), max(a.pad_hi, 0), a.dilation)
    found = [
        op
        for op in range(a.max_output_padding + 1)
        if Axis(**{**a.__dict__, "output_padding": op}).output == target
    ]
    try:
        (solved,) = g.solve((a,), (target,), given_input=True)
    except NoAnswer:
        assert not found
        assert a.size not in g.inputs_reaching(a, target)
        for i in g.inputs_reaching(a, target):
            g.solve((Axis(**{**a.__dict__, "size": i}),), (target,), given_input=True)
    else:
        assert found == [solved.output_padding]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 5), st.integers(1, 3))
def test_same_padding_is_the_least_that_gives_ceil_of_input_over_stride(i, k, s, d):
    a = Axis(i, k, s, dilation=d)
    total = g.same_padding(a)
    padded = [Axis(i, k, s, 0, t, d).conv_output for t in range(max(total, 0) + 1)]
    assert padded[-1] == -(-i // s)
    if total > 0:  # one less and the output is smaller
        assert padded[-2] < padded[-1]
    else:  # no padding already fits the last window
        assert total + a.stride > 0 and padded[0] == -(-i // s)
