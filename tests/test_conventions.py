"""frameworks: each framework's own layer against tconv's record of it, through the real
frameworks (PyTorch, the onnx reference implementation, JAX's lax.conv_transpose, Keras 3 on JAX),
TensorFlow and Caffe by their documented formulas; ports between every pair of conventions,
run through both frameworks; the code lines, run as written; each framework's own rules.

Outside CI a missing framework skips the tests that need it; in CI (CI=true) it is an error.
Everything runs in float64, Keras included (its float type is set to float64 here).
"""

from __future__ import annotations

import ast
import importlib
import itertools
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tconv_cli.choices import Convention
from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.frameworks import (
    FRAMEWORKS,
    FrameworkWords,
    arguments,
    code,
    convert_weight,
    framework,
    layer_from,
    notes,
    onnx_pads,
    port,
    solve,
    to_layer,
    torch_kernel,
)
from tconv_cli.geometry import OUTPUT_PADDING_BEYOND_STRIDE, Axis
from tconv_cli.numeric import conv_transpose


def optional(name: str):
    """Import an oracle; None outside CI when it is missing (its tests skip), an error in CI."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        return None


# Keras runs on JAX, and XLA without its algebraic simplifier: conftest.py sets both before any
# test module imports Keras, TensorFlow or JAX.
torch = optional("torch")
onnx = optional("onnx")
jax = optional("jax")
keras = optional("keras") if jax else None
onnxruntime = optional("onnxruntime")
if jax:
    jax.config.update("jax_enable_x64", True)
    from jax import lax
if onnx:
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator
if keras:
    keras.config.set_floatx("float64")

CONVENTIONS = Convention.names()
ORACLES = {"torch": torch, "onnx": onnx, "jax": jax, "keras": keras}
TOLERANCE = {"rtol": 0, "atol": 1e-9}


def needs(*conventions: str):
    missing = [c for c in conventions if c in ORACLES and ORACLES[c] is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


def fl(convention: str, size, kernel, stride=1, dilation=1, **options) -> FrameworkWords:
    """A FrameworkWords from ints (every axis) or tuples."""

    def axes(value):
        return value if isinstance(value, tuple) else (value,)

    return FrameworkWords(
        convention, axes(size), axes(kernel), axes(stride), axes(dilation), **options
    )


# ---------------------------------------------------------------------------------------------
# Running a layer: x is (N, C_in, *sizes) and the weight in the layer's own layout, whatever the
# framework wants; the result is (N, C_out, *outputs).


def run_torch(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    module = getattr(torch.nn, f"ConvTranspose{layer.rank}d")(
        x.shape[1], w.shape[1] * layer.groups, **arguments(layer), bias=False, dtype=torch.float64
    )
    module.weight.data = torch.from_numpy(w)
    return module(torch.from_numpy(x)).detach().numpy()


def run_keras(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    module = getattr(keras.layers, f"Conv{layer.rank}DTranspose")(
        w.shape[-2], **arguments(layer), use_bias=False
    )
    module.build((None, *layer.size, x.shape[1]))
    module.kernel.assign(w)
    return np.moveaxis(np.asarray(module(np.moveaxis(x, 1, -1))), -1, 1)


def run_jax(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.asarray(lax.conv_transpose(x, w, **arguments(layer)))


def run_onnx_nodes(nodes: list, output: str, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    def value(name):
        return helper.make_tensor_value_info(name, TensorProto.DOUBLE, None)

    graph = helper.make_graph(nodes, "tconv", [value("x"), value("w")], [value(output)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    return ReferenceEvaluator(model).run(None, {"x": x, "w": w})[0]


def run_onnx(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], **arguments(layer))
    return run_onnx_nodes([node], "y", x, w)


def run_onnxruntime(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """ONNX Runtime's CPU ConvTranspose (float32: it has no float64 kernel)."""

    def value(name):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)

    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], **arguments(layer))
    graph = helper.make_graph([node], "tconv", [value("x"), value("w")], [value("y")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # its refusals are the test's business, not the log's
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"x": x.astype(np.float32), "w": w.astype(np.float32)})[0]


def tconv_values(layer: FrameworkWords, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """numeric's values for tconv's record of `layer`: what TensorFlow and Caffe, without an
    oracle here, are taken to compute."""
    return conv_transpose(
        x, convert_weight(w, layer, "torch"), to_layer(layer), groups=layer.groups
    )


RUN = {
    "torch": run_torch,
    "keras": run_keras,
    "jax": run_jax,
    "onnx": run_onnx,
    "tf": tconv_values,
    "caffe": tconv_values,
}


def apply_crop(y: np.ndarray, crop) -> np.ndarray:
    """A port's step on a channels-first output: zeros added first, then the crops."""
    y = np.pad(y, [(0, 0), (0, 0), *((max(-lo, 0), max(-hi, 0)) for lo, hi in crop)])
    cuts = (slice(max(lo, 0), n - max(hi, 0)) for (lo, hi), n in zip(crop, y.shape[2:]))
    return y[(..., *cuts)]


def assert_same(actual: np.ndarray, wanted: np.ndarray) -> None:
    assert actual.shape == wanted.shape
    np.testing.assert_allclose(actual, wanted, **TOLERANCE)


# ---------------------------------------------------------------------------------------------
# Random layers in each framework's own language (1-d and 2-d, small: the ONNX reference
# implementation loops in Python).


@st.composite
def framework_layers(draw, convention: str) -> FrameworkWords:
    rank = draw(st.integers(1, 2))

    def per_axis(strategy):
        return tuple(draw(strategy) for _ in range(rank))

    size, kernel = per_axis(st.integers(1, 4)), per_axis(st.integers(1, 4))
    stride, dilation = per_axis(st.integers(1, 3)), per_axis(st.integers(1, 3))
    options = {}
    if convention in ("torch", "onnx", "caffe"):
        options["groups"] = draw(st.sampled_from([1, 1, 2]))
    if convention in ("torch", "caffe"):
        options["padding"] = tuple((p, p) for p in per_axis(st.integers(0, 3)))
    if convention == "torch":
        options["output_padding"] = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)
        )
    if convention == "keras":
        if max(stride) > 1:
            dilation = (1,) * rank
        options["padding_name"] = draw(st.sampled_from(["same", "valid"]))
        if draw(st.booleans()):
            options["output_padding"] = tuple(draw(st.integers(0, s - 1)) for s in stride)
    if convention == "tf":
        name = draw(st.sampled_from(["SAME", "VALID"]))
        options["padding_name"] = name
        options["output_shape"] = tuple(
            draw(
                st.integers((i - 1) * s + 1, i * s)
                if name == "SAME"
                else st.integers((i - 1) * s + d * (k - 1) + 1, i * s + d * (k - 1))
            )
            for i, k, s, d in zip(size, kernel, stride, dilation)
        )
    if convention == "onnx":
        options["output_padding"] = tuple(draw(st.integers(0, s - 1)) for s in stride)
        auto = draw(st.sampled_from(["pads", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
        if auto == "pads":
            options["padding"] = per_axis(st.tuples(st.integers(0, 3), st.integers(0, 3)))
        else:
            options["padding_name"] = auto
        if auto.startswith("SAME") and draw(st.booleans()):
            options["output_shape"] = per_axis(st.integers(1, 12))
    if convention == "jax":
        options["transpose_kernel"] = draw(st.booleans())
        if draw(st.booleans()):
            options["padding_name"] = draw(st.sampled_from(["SAME", "VALID"]))
        else:
            options["padding"] = per_axis(st.tuples(st.integers(-2, 4), st.integers(-2, 4)))
    layer = FrameworkWords(convention, size, kernel, stride, dilation, **options)
    try:
        to_layer(layer)
    except ParameterError:
        assume(False)
    return layer


@st.composite
def operands(draw, layer: FrameworkWords) -> tuple[np.ndarray, np.ndarray]:
    """x `(N, C_in, *sizes)` and a weight in `layer`'s layout. With groups, one input and one
    output channel per group: the onnx reference implementation (1.23) computes nothing else
    (it slices the weight by output channels and writes one channel per group)."""
    g = layer.groups
    c_in, per_group = (g, 1) if g > 1 else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, *layer.size))
    w = rng.standard_normal((c_in, per_group, *layer.kernel))
    return x, convert_weight(w, "torch", layer)


# ---------------------------------------------------------------------------------------------
# Each framework's layer is tconv's record of it: shapes and values.


@pytest.mark.parametrize("convention", [pytest.param(c, marks=needs(c)) for c in ORACLES])
@settings(deadline=None, max_examples=40)
@given(data=st.data())
@pytest.mark.slow
def test_framework_layer_matches_its_record(convention, data):
    layer = data.draw(framework_layers(convention))
    x, w = data.draw(operands(layer))
    wanted = tconv_values(layer, x, w)
    assert wanted.shape[2:] == tuple(a.output for a in to_layer(layer))
    assert_same(RUN[convention](layer, x, w), wanted)


# ---------------------------------------------------------------------------------------------
# Ports: the source's layer and the target's layer (and step) give the same output.


@pytest.mark.parametrize("source", [pytest.param(c, marks=needs(c)) for c in CONVENTIONS])
@settings(deadline=None, max_examples=15)
@given(data=st.data())
@pytest.mark.slow
def test_port_computes_the_same(source, data):
    """Targets whose framework is missing are left out (outside CI)."""
    layer = data.draw(framework_layers(source))
    x, w = data.draw(operands(layer))
    y = RUN[source](layer, x, w)
    for target in (c for c in CONVENTIONS if ORACLES.get(c, True) is not None):
        try:
            ported = port(layer, target)
        except NoAnswer:
            record = to_layer(layer)
            strided_dilation = (
                max(a.stride for a in record) > 1 and max(a.dilation for a in record) > 1
            )
            lacks_groups = layer.groups > 1 and target in ("keras", "tf", "jax")
            assert lacks_groups or (target == "keras" and strided_dilation)
            continue
        assert ported.layer.convention == target
        assert ported.exact == (set(ported.crop) == {(0, 0)})
        assert ported.exact or target != "jax"  # its padding pairs keep any window
        assert ("\n" not in ported.code()) == ported.exact
        result = apply_crop(RUN[target](ported.layer, x, ported.weight(w)), ported.crop)
        assert_same(result, y)


@pytest.mark.parametrize(
    ("source", "target", "exact"),
    [
        (fl("keras", 3, 3, 2, padding_name="same"), "torch", False),  # crops 0 and 1
        (fl("torch", 3, 3, 2, padding=((1, 1),), output_padding=(1,)), "keras", False),
        (fl("torch", 3, 3, 2, padding=((1, 1),), output_padding=(1,)), "onnx", True),
        (fl("torch", 3, 3, 2, padding=((1, 1),), output_padding=(1,)), "jax", True),
        (fl("onnx", 3, 3, 2, padding_name="SAME_UPPER"), "keras", True),
        (fl("onnx", 3, 3, 2, padding_name="SAME_LOWER"), "torch", True),
        (fl("keras", 3, 3, 2, padding_name="valid", output_padding=(1,)), "torch", True),
        (fl("torch", 3, 3, 1, 2, output_padding=(1,)), "keras", False),  # legal in PyTorch only
        (fl("torch", 3, 3, 1, 2, output_padding=(1,)), "onnx", False),
        (fl("caffe", 3, 3, 2, padding=((1, 1),)), "keras", True),  # 'same' with output_padding=0
        (fl("jax", 3, 3, 2, padding=((-1, 5),)), "torch", False),  # crops one end, pads the other
        (fl("jax", 3, 3, 2, padding=((-1, 5),)), "keras", False),
        (fl("jax", 3, 1, 2, padding=((3, 0),)), "onnx", False),
        (fl("jax", 1, 1, 5, padding=((-5, 5),)), "torch", False),  # only zeros, after the end
        (fl("jax", 1, 1, 5, padding=((-5, 5),)), "onnx", False),
        (fl("jax", 3, 2, 2, padding=((-1, 5),)), "onnx", False),
        (fl("tf", (3, 2), 3, 2, padding_name="SAME", output_shape=(6, 3)), "torch", False),
        (fl("onnx", 2, 3, 1, 2, groups=2), "torch", True),
    ],
)
def test_code_lines_run_as_written(source, target, exact):
    """The port's code, pasted: run as written in the target framework, it gives the source's
    output (PyTorch, Keras, JAX and ONNX lines; Caffe and TensorFlow have no runtime here)."""
    skip = [c for c in (source.convention, target) if ORACLES.get(c, True) is None]
    if skip:
        pytest.skip(f"needs {', '.join(skip)}")
    ported = port(source, target)
    assert ported.exact == exact
    rng = np.random.default_rng(7)
    c_in, per_group = (source.groups, 1) if source.groups > 1 else (2, 3)
    x = rng.standard_normal((2, c_in, *source.size))
    w = rng.standard_normal((c_in, per_group, *source.kernel))
    c_out = per_group * source.groups
    wanted = RUN[source.convention](source, x, convert_weight(w, "torch", source))
    w = convert_weight(w, "torch", ported.layer)
    first, *steps = ported.code(c_in, c_out).splitlines()
    names = {
        "nn": torch and torch.nn,
        "keras": keras,
        "lax": jax and lax,
        "onnx": onnx,
        "x": x,
        "w": w,
    }
    made = eval(first, names)
    if target == "torch":
        made.double().weight.data = torch.from_numpy(w)
        made.bias.data.zero_()  # the line keeps PyTorch's default bias=True
        y = made(torch.from_numpy(x))
    elif target == "keras":
        made.build((None, *source.size, c_in))
        made.kernel.assign(w)
        y = made(np.moveaxis(x, 1, -1))
    elif target == "jax":
        y = made
    elif target == "onnx":
        nodes = [made, *(eval(line, names) for line in steps)]
        y, steps = run_onnx_nodes(nodes, nodes[-1].output[0], x, w), []
    for line in steps:
        names["y"] = y
        exec(line, names)  # noqa: S102 - the line as a user pastes it
        y = names["y"]
    y = np.asarray(y.detach() if target == "torch" else y)
    assert_same(np.moveaxis(y, -1, 1) if target == "keras" else y, wanted)


def output_options(layer: FrameworkWords):
    """Every small value of `layer`'s own output options, for a brute-force search."""
    rank = layer.rank
    if layer.convention == "tf" or layer.padding_name in ("SAME_UPPER", "SAME_LOWER"):
        for shape in itertools.product(range(1, 16), repeat=rank):
            yield replace(layer, output_shape=shape)
    elif layer.convention == "jax" and layer.padding:
        for highs in itertools.product(range(-12, 16), repeat=rank):
            pads = tuple((lo, hi) for (lo, _), hi in zip(layer.padding, highs))
            yield replace(layer, padding=pads)
    elif layer.convention in ("torch", "keras", "onnx"):
        yield replace(layer, output_padding=None)
        for ops in itertools.product(range(4), repeat=rank):
            yield replace(layer, output_padding=ops)
    else:
        yield layer


@pytest.mark.parametrize("convention", [pytest.param(c, marks=needs(c)) for c in CONVENTIONS])
@settings(deadline=None, max_examples=25)
@given(data=st.data())
@pytest.mark.slow
def test_solve_sets_the_frameworks_own_output_option(convention, data):
    layer = data.draw(framework_layers(convention))
    target = tuple(
        data.draw(st.integers(max(1, a.output - 3), a.output + 3)) for a in to_layer(layer)
    )

    def gives(candidate):
        try:
            return tuple(a.output for a in to_layer(candidate)) == target
        except ParameterError:
            return False

    try:
        solved = solve(layer, target)
    except NoAnswer as error:
        assert "with these parameters cannot give" in str(error)
        assert not any(gives(candidate) for candidate in output_options(layer))
        return
    assert gives(solved)
    kept = ("size", "kernel", "stride", "dilation", "groups", "padding_name", "transpose_kernel")
    assert [getattr(solved, f) for f in kept] == [getattr(layer, f) for f in kept]
    x, w = data.draw(operands(solved))
    assert RUN[convention](solved, x, w).shape[2:] == target


def test_solve_prefers_keras_own_default_and_says_what_cannot_be():
    same = fl("keras", 3, 3, 2, padding_name="same")
    assert solve(same, (6,)) == same  # output_padding None gives i·s
    assert solve(same, (5,)).output_padding == (0,)
    with pytest.raises(
        NoAnswer,
        match="keras.layers.ConvNDTranspose with these parameters "
        "cannot give 7: output_padding=2 must be",
    ):
        solve(same, (7,))
    with pytest.raises(
        NoAnswer, match="lax.conv_transpose with these parameters cannot give 9: it gives 7"
    ):
        solve(fl("jax", 3, 3, 2, padding_name="VALID"), (9,))


def test_port_says_why_it_needs_a_step():
    ported = port(fl("torch", 3, 3, 1, 2, output_padding=(1,)), "keras")
    assert ported.crop == ((0, -1),)
    assert ported.notes[:2] == (
        "no single keras.layers.ConvNDTranspose layer is exact: after it, add 1 zero at the end",
        OUTPUT_PADDING_BEYOND_STRIDE,
    )


def test_port_has_no_answer_without_groups_or_with_strided_dilation_in_keras():
    with pytest.raises(NoAnswer, match="has no groups: run one layer per group"):
        port(fl("torch", 3, 3, groups=2), "keras")
    with pytest.raises(NoAnswer, match="strides > 1` not supported in conjunction with"):
        port(fl("torch", 3, 3, 2, 2), "keras")


def test_port_checks_the_target_name():
    with pytest.raises(ParameterError, match="to=mxnet must be one of torch, keras"):
        port(fl("torch", 3, 3), "mxnet")


def test_weights_convert_both_ways():
    w = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)  # PyTorch: (C_in, C_out, 4, 5)
    kernel = convert_weight(w, "torch", "keras")
    assert kernel.shape == (4, 5, 3, 2) and kernel[1, 2, 0, 1] == w[1, 0, 1, 2]
    unflipped = fl("jax", 1, 1, padding_name="SAME", transpose_kernel=False)
    flipped = convert_weight(w, "torch", unflipped)
    assert flipped.shape == (3, 2, 4, 5) and flipped[0, 1, 0, 0] == w[1, 0, 3, 4]
    for layout in ("tf", "onnx", "caffe", unflipped):
        np.testing.assert_array_equal(
            convert_weight(convert_weight(w, "torch", layout), layout, "torch"), w
        )


# ---------------------------------------------------------------------------------------------
# Facts, pinned.


@needs("keras", "torch")
def test_keras_same_is_pytorch_p1_op1_shifted_by_one():
    keras_same = fl("keras", 4, 3, 2, padding_name="same")
    pytorch = fl("torch", 4, 3, 2, padding=((1, 1),), output_padding=(1,))
    assert to_layer(keras_same) == (Axis(4, 3, 2, pad_lo=0, pad_hi=1),)
    assert to_layer(pytorch) == (Axis(4, 3, 2, pad_lo=1, pad_hi=1, output_padding=1),)
    x = np.random.default_rng(0).standard_normal((1, 1, 4))
    w = np.random.default_rng(1).standard_normal((1, 1, 3))
    y_keras = run_keras(keras_same, x, convert_weight(w, "torch", "keras"))
    y_torch = run_torch(pytorch, x, w)
    assert y_keras.shape == y_torch.shape == (1, 1, 8)  # both 2i
    assert not np.allclose(y_keras, y_torch)
    np.testing.assert_allclose(y_keras[..., 1:], y_torch[..., :-1], **TOLERANCE)


@needs("onnx")
def test_onnx_same_upper_crops_the_odd_element_at_the_end_and_same_lower_at_the_start():
    x, w = np.array([[[1.0, 2, 3]]]), np.array([[[1.0, 10, 100]]])
    full = run_onnx(fl("onnx", 3, 3, 2, padding_name="VALID"), x, w)[0, 0]
    assert full.tolist() == [1, 10, 102, 20, 203, 30, 300]
    upper, lower = (fl("onnx", 3, 3, 2, padding_name=n) for n in ("SAME_UPPER", "SAME_LOWER"))
    assert to_layer(upper) == (Axis(3, 3, 2, pad_lo=0, pad_hi=1),)
    assert to_layer(lower) == (Axis(3, 3, 2, pad_lo=1, pad_hi=0),)
    assert run_onnx(upper, x, w)[0, 0].tolist() == full[:-1].tolist()
    assert run_onnx(lower, x, w)[0, 0].tolist() == full[1:].tolist()
    # The reference implementation agrees with the spec's words.
    spec = onnx.defs.get_schema("ConvTranspose").attributes["auto_pad"].description
    assert (
        "the extra padding is added at the end for SAME_UPPER and at the beginning for SAME_LOWER"
    ) in spec


@needs("onnx")
def test_onnx_negative_total_padding_follows_the_reference_floor_division():
    """k < s: the total padding is −1 and the output gets a zero; ⌊−1/2⌋ = −1 puts it at the
    begin for SAME_UPPER (C's truncating division would put it at the end)."""
    x, w = np.array([[[1.0, 2, 3]]]), np.array([[[1.0]]])
    upper, lower = (fl("onnx", 3, 1, 2, padding_name=n) for n in ("SAME_UPPER", "SAME_LOWER"))
    assert to_layer(upper) == (Axis(3, 1, 2, pad_lo=-1, pad_hi=0),)
    assert run_onnx(upper, x, w)[0, 0].tolist() == [0, 1, 0, 2, 0, 3]
    assert run_onnx(lower, x, w)[0, 0].tolist() == [1, 0, 2, 0, 3, 0]
    assert any("ONNX Runtime clamps a negative total padding at 0" in note for note in notes(upper))


@needs("onnx")
def test_onnx_reference_rejects_output_padding_from_stride_on_as_tconv_does():
    layer = fl("onnx", 3, 3, 1, 2, output_padding=(1,))
    x, w = np.ones((1, 1, 3)), np.ones((1, 1, 3))
    with pytest.raises(ValueError, match="sliding blocks"):
        run_onnx(layer, x, w)
    with pytest.raises(
        ParameterError,
        match="output_padding=1 must be at least 0 and less than "
        "strides \\(1\\): ONNX Runtime and the onnx",
    ):
        to_layer(layer)


@needs("jax")
@pytest.mark.parametrize("size", [1, 2, 4])
@pytest.mark.parametrize("kernel", [1, 2, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2])
def test_jax_same_is_i_s_and_valid_is_i_s_plus_max_ek_minus_s(size, kernel, stride, dilation):
    extent = dilation * (kernel - 1) + 1
    x, w = np.ones((1, 1, size)), np.ones((1, 1, kernel))
    for name, wanted in (
        ("SAME", size * stride),
        ("VALID", size * stride + max(extent - stride, 0)),
    ):
        layer = fl("jax", size, kernel, stride, dilation, padding_name=name)
        assert to_layer(layer)[0].output == wanted
        assert run_jax(layer, x, w).shape == (1, 1, wanted)


@needs("torch")
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_torch_accepts_named_padding_in_the_constructor_and_fails_in_forward(padding):
    module = torch.nn.ConvTranspose2d(1, 1, 3, padding=padding)
    with pytest.raises(
        TypeError, match="argument 'padding' .*must be tuple of ints, but found element of type str"
    ):
        module(torch.ones(1, 1, 4, 4))
    with pytest.raises(
        ParameterError,
        match=f"padding={padding} is accepted by nn.ConvTranspose2d's constructor, but its forward",
    ):
        to_layer(fl("torch", (4, 4), 3, padding_name=padding))


@needs("keras")
@pytest.mark.parametrize(
    ("layer", "keras_says", "tconv_says"),
    [
        (
            fl("keras", 4, 3, 2, output_padding=(2,)),
            "`output_padding` must be strictly less than `strides` for all dimensions",
            "output_padding=2 must be at least 0 and strictly less than strides \\(2\\)",
        ),
        (
            fl("keras", 4, 3, 1, 2, output_padding=(1,)),  # legal in PyTorch
            "`output_padding` must be strictly less than `strides`",
            "output_padding=1 must be at least 0 and strictly less than strides \\(1\\)",
        ),
        (
            fl("keras", 4, 3, 2, 2),
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`",
            "dilation=2 must be 1 on every axis when a stride is above 1",
        ),
        (
            fl("keras", (4, 4), 3, (2, 1), (1, 2)),  # on different axes: still refused
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`",
            "dilation=1,2 must be 1 on every axis when a stride is above 1 \\(strides 2,1\\)",
        ),
    ],
)
def test_keras_rules_are_keras_own(layer, keras_says, tconv_says):
    with pytest.raises(ValueError, match=keras_says):
        getattr(keras.layers, f"Conv{layer.rank}DTranspose")(1, **arguments(layer))
    with pytest.raises(ParameterError, match=tconv_says):
        to_layer(layer)


@needs("keras")
def test_keras_returns_an_empty_output_where_tconv_refuses():
    layer = fl("keras", 1, 2, 2, padding_name="same", output_padding=(0,))
    assert run_keras(layer, np.ones((1, 1, 1)), np.ones((2, 1, 1))).shape == (1, 1, 0)
    with pytest.raises(
        ParameterError, match="the output would have size .* = 0; it must be at least 1"
    ):
        to_layer(layer)


def test_keras_reads_padding_names_in_any_case():
    assert to_layer(fl("keras", 3, 3, 2, padding_name="SAME")) == (Axis(3, 3, 2, 0, 1),)


# ---------------------------------------------------------------------------------------------
# TensorFlow and Caffe, by their documented formulas (no oracle installed).


@pytest.mark.parametrize(
    ("padding", "output_shape", "record"),
    [
        ("VALID", 7, Axis(3, 3, 2, 0, 0)),  # (i−1)s + ek
        ("VALID", 8, Axis(3, 3, 2, 0, 0, output_padding=1)),  # … + s − 1: a zero at the end
        ("SAME", 5, Axis(3, 3, 2, 1, 1)),  # (i−1)s + 1: crop 2, ⌊2/2⌋ at the start
        ("SAME", 6, Axis(3, 3, 2, 0, 1)),  # i·s: crop 1, at the end
    ],
)
def test_tf_output_shape_crops_half_rounded_down_at_the_start(padding, output_shape, record):
    layer = fl("tf", 3, 3, 2, padding_name=padding, output_shape=(output_shape,))
    assert to_layer(layer) == (record,)


def test_tf_same_with_a_kernel_smaller_than_the_stride_adds_zeros_at_the_end():
    assert to_layer(fl("tf", 3, 1, 3, padding_name="SAME", output_shape=(9,))) == (
        Axis(3, 1, 3, 0, 0, output_padding=2),
    )


@pytest.mark.parametrize(
    ("padding", "output_shape", "accepted"),
    [("VALID", 6, "7…8"), ("VALID", 9, "7…8"), ("SAME", 4, "5…6"), ("SAME", 7, "5…6")],
)
def test_tf_refuses_output_shapes_it_rejects(padding, output_shape, accepted):
    layer = fl("tf", 3, 3, 2, padding_name=padding, output_shape=(output_shape,))
    with pytest.raises(
        ParameterError,
        match=f'output_shape={output_shape} must be {accepted} with padding="{padding}"',
    ):
        to_layer(layer)


def test_tf_needs_an_output_shape_and_notes_its_cpu_dilation_limit():
    with pytest.raises(ParameterError, match="output_shape is required"):
        to_layer(fl("tf", 3, 3, 2))
    assert any(
        "Current CPU implementations do not yet support dilation rates" in note
        for note in notes(fl("tf", 3, 3, 1, 2, padding_name="VALID", output_shape=(7,)))
    )


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "dilation", "output"),
    [(3, 3, 2, 1, 1, 5), (3, 4, 2, 1, 1, 6), (4, 3, 1, 0, 2, 8), (2, 3, 3, 2, 1, 2)],
)
def test_caffe_output_is_s_times_i_minus_1_plus_extent_minus_2p(
    size, kernel, stride, pad, dilation, output
):
    layer = fl("caffe", size, kernel, stride, dilation, padding=((pad, pad),))
    assert (
        to_layer(layer)[0].output
        == output
        == (stride * (size - 1) + dilation * (kernel - 1) + 1 - 2 * pad)
    )


def test_caffe_has_no_output_padding_and_pads_both_ends_alike():
    with pytest.raises(
        ParameterError, match="output_padding=1 is not a parameter of Caffe's Deconvolution"
    ):
        to_layer(fl("caffe", 3, 3, 2, output_padding=(1,)))
    with pytest.raises(ParameterError, match="padding=0:1 must be one number per axis"):
        to_layer(fl("caffe", 3, 3, 2, padding=((0, 1),)))
    with pytest.raises(ParameterError, match="the output would have size"):
        to_layer(fl("caffe", 1, 2, 1, padding=((1, 1),)))


# ---------------------------------------------------------------------------------------------
# Bad combinations: the rule is named.


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            fl("onnx", 3, 3, 2, padding=((1, 1),), padding_name="SAME_UPPER"),
            "auto_pad=SAME_UPPER cannot be used together with pads",
        ),
        (
            fl("onnx", 3, 3, 2, output_shape=(6,), padding_name="VALID"),
            "output_shape=6 does not go with auto_pad VALID",
        ),
        (
            fl("onnx", 3, 3, 2, output_shape=(6,), padding=((1, 1),)),
            "output_shape=6 and pads say the same thing",
        ),
        (fl("onnx", 3, 3, 2, padding=((-1, 0),)), "pads=-1:0 must be at least 0"),
        (fl("onnx", 3, 3, 2, padding_name="SAME"), "auto_pad=SAME must be one of NOTSET"),
        (fl("jax", 3, 3, 2), "padding is required by lax.conv_transpose"),
        (fl("jax", 3, 3, 2, padding=((1, 1),), padding_name="SAME"), "must be given once"),
        (fl("jax", 3, 3, 2, padding=((-4, -4),)), "the output would have size"),
        (fl("keras", 3, 3, padding=((1, 1),)), "padding=1:1 is not a parameter of keras"),
        (fl("keras", 3, 3, groups=2), "groups=2 is not a parameter of keras"),
        (fl("keras", 3, 3, padding_name="causal"), "padding=causal must be 'same' or 'valid'"),
        (
            fl("tf", 3, 3, output_padding=(0,), output_shape=(5,)),
            "output_padding=0 is not a parameter of tf.nn.convNd_transpose",
        ),
        (fl("torch", 3, 3, transpose_kernel=False), "transpose_kernel=False is not a parameter"),
        (fl("torch", 3, 3, 2, output_padding=(2,)), "must be smaller than stride or dilation"),
        (fl("torch", 3, 0), "kernel_size=0 must be 1…"),
        (fl("torch", 3, 3, groups=0), "groups=0 must be at least 1"),
    ],
)
def test_bad_combinations_name_the_rule(layer, message):
    with pytest.raises(ParameterError, match=message):
        to_layer(layer)


def test_per_axis_values_broadcast_and_must_agree():
    layer = fl("onnx", (3, 4), 3, padding=((0, 1),))
    assert layer.padding == ((0, 1), (0, 1)) and layer.stride == (1, 1)
    with pytest.raises(ParameterError, match="input=3,4 has 2 values but kernel_size has 3"):
        fl("torch", (3, 4), (3, 3, 3))
    with pytest.raises(ParameterError, match="convention=mxnet must be one of"):
        fl("mxnet", 3, 3)


def test_onnx_pads_are_begins_then_ends():
    assert onnx_pads([0, 1, 2, 3]) == ((0, 2), (1, 3))
    with pytest.raises(ParameterError, match="pads=0,1,2 must have a begin and an end"):
        onnx_pads([0, 1, 2])


@pytest.mark.parametrize(
    ("layer", "line"),
    [
        (
            fl("torch", (3, 3), (3, 5), 2, padding=((1, 1), (2, 2)), output_padding=(1,)),
            (
                "nn.ConvTranspose2d(C_in, C_out, kernel_size=(3, 5), stride=2, padding=(1, 2), "
                "output_padding=1)"
            ),
        ),
        (
            fl("keras", (3, 3), 3, 2, padding_name="same"),
            'keras.layers.Conv2DTranspose(C_out, kernel_size=3, strides=2, padding="same")',
        ),
        (
            fl("onnx", (3, 3), 3, 2, padding=((0, 1), (0, 1)), output_padding=(1,)),
            (
                'onnx.helper.make_node("ConvTranspose", ["x", "w"], ["y"], kernel_shape=[3, 3], '
                "strides=[2, 2], pads=[0, 0, 1, 1], output_padding=[1, 1])"
            ),
        ),
        (
            fl("jax", (3, 3), 3, 2, 2, padding=((1, 2), (1, 2))),
            (
                "lax.conv_transpose(x, w, strides=(2, 2), padding=((1, 2), (1, 2)), "
                'rhs_dilation=(2, 2), dimension_numbers=("NCHW", "OIHW", "NCHW"), '
                "transpose_kernel=True)"
            ),
        ),
        (
            fl("tf", (3, 3), 3, 2, padding_name="SAME", output_shape=(6, 6)),
            (
                "tf.nn.conv2d_transpose(x, filters, output_shape=[N, 6, 6, C_out], strides=2, "
                'padding="SAME")'
            ),
        ),
        (
            fl("caffe", (3, 3), (3, 5), 2, padding=((1, 1),), groups=2),
            (
                'layer { type: "Deconvolution" bottom: "x" top: "y" '
                "convolution_param { num_output: C_out kernel_size: 3 kernel_size: 5 stride: 2 "
                "pad: 1 group: 2 } }"
            ),
        ),
    ],
)
def test_code_lines(layer, line):
    assert code(layer) == line


def test_code_refuses_what_the_framework_cannot_write():
    with pytest.raises(ParameterError, match="padding=0:1 is asymmetric: nn.ConvTranspose1d"):
        code(fl("torch", 3, 3, 2, padding=((0, 1),)))
    with pytest.raises(ParameterError, match="rank=4 is above 3"):
        code(fl("keras", (2, 2, 2, 2), 1))


# ---------------------------------------------------------------------------------------------
# The registry, and typed values into a layer.


def test_the_registry_has_every_convention_once():
    assert list(FRAMEWORKS) == list(Convention)
    for convention, module in FRAMEWORKS.items():
        assert module.convention is convention
        assert type(module).__module__ == f"tconv_cli.frameworks.{convention.value}"


def compared_names(tree: ast.AST):
    """Framework names in comparisons (`== "keras"`, `in ("tf", "jax")`, `is Convention.jax`)
    and as dict keys (a lookup table by framework), with their line numbers."""

    def names(node):
        for leaf in ast.walk(node):
            if isinstance(leaf, ast.Constant) and leaf.value in CONVENTIONS:
                yield leaf.value
            elif (
                isinstance(leaf, ast.Attribute)
                and leaf.attr in CONVENTIONS
                and isinstance(leaf.value, ast.Name)
                and leaf.value.id == "Convention"
            ):
                yield leaf.attr

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                yield from ((node.lineno, name) for name in names(side))
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    yield from ((node.lineno, name) for name in names(key))


def test_no_framework_name_is_compared_outside_frameworks():
    """Only a framework's own module knows it. PyTorch's words are tconv's own record, so the
    resolve step asks, in one place, whether options need translation (`LayerOptions.foreign`);
    nothing else names PyTorch either."""
    package = Path(__file__).parent.parent / "tconv_cli"
    found = []
    for path in sorted(package.rglob("*.py")):
        if "frameworks" in path.relative_to(package).parts:
            continue
        for line, name in compared_names(ast.parse(path.read_text(encoding="utf-8"))):
            if name != "torch" or path.name != "resolve.py":
                found.append(f"{path.relative_to(package)}:{line}: {name}")
    assert found == []
    assert list(compared_names(ast.parse('if c == "keras" or d in ("tf",): x = {"onnx": 1}'))) == [
        (1, "keras"),
        (1, "tf"),
        (1, "onnx"),
    ]  # the scan finds them


def test_layer_from_takes_each_padding_word_once():
    common = {"size": (3,), "kernel_size": (3,), "stride": (2,)}
    onnx = layer_from("onnx", **common, pads=(0, 1))
    assert onnx.padding == ((0, 1),) and onnx.padding_name is None
    assert layer_from("onnx", **common, auto_pad="SAME_UPPER").padding_name == "SAME_UPPER"
    with pytest.raises(ParameterError, match="pads=1,1 and padding say the same thing"):
        layer_from("onnx", **common, padding=((1, 1),), pads=(1, 1))
    with pytest.raises(ParameterError, match="auto_pad=VALID and padding SAME_UPPER say the same"):
        layer_from("onnx", **common, padding_name="SAME_UPPER", auto_pad="VALID")
    with pytest.raises(ParameterError, match="pads=1,1 is not a parameter of nn.ConvTransposeNd"):
        layer_from("torch", **common, pads=(1, 1))
    with pytest.raises(ParameterError, match="auto_pad=VALID is not a parameter of keras"):
        layer_from("keras", **common, auto_pad="VALID")
    with pytest.raises(ParameterError, match="convention=mxnet must be one of"):
        layer_from("mxnet", **common)


def test_layer_from_fills_pytorchs_default_padding_only():
    common = {"size": (3,), "kernel_size": (3,), "stride": (2,), "default_padding": ((1, 1),)}
    assert layer_from("torch", **common).padding == ((1, 1),)
    assert layer_from("torch", **common, padding=((0, 0),)).padding == ((0, 0),)
    assert layer_from("torch", size=(3,), kernel_size=(3,)).padding is None  # PyTorch's 0
    for convention in ("keras", "tf", "onnx", "jax", "caffe"):
        assert layer_from(convention, **common).padding is None


def test_torch_kernel_flips_only_jax_without_transpose_kernel():
    kernel = np.arange(6).reshape(2, 3)
    for convention in CONVENTIONS:
        for transpose in (True, False):
            flipped = torch_kernel(convention, kernel, transpose_kernel=transpose)
            unflipped = convention == "jax" and not transpose
            wanted = kernel[::-1, ::-1] if unflipped else kernel
            np.testing.assert_array_equal(flipped, wanted)


def test_onnx_output_shape_with_notset_splits_as_same_lower():
    """Issue 13, item 4: the spec's "else" branch, as ONNX Runtime runs it (the reference
    implementation keeps pads at 0, so the note says explicit pads are portable)."""
    notset = fl("onnx", 3, 3, 2, output_shape=(6,))
    lower = fl("onnx", 3, 3, 2, output_shape=(6,), padding_name="SAME_LOWER")
    assert to_layer(notset) == to_layer(lower) == (Axis(3, 3, 2, pad_lo=1, pad_hi=0),)
    assert any("output_shape with auto_pad NOTSET" in note for note in notes(notset))


@needs("onnx")
@pytest.mark.skipif(onnxruntime is None, reason="needs onnxruntime")
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_onnx_runtime_agrees_or_the_layer_says_it_does_not(data):
    """Issue 13: ONNX Runtime as an oracle next to the reference implementation. Where it
    refuses a layer or computes other values, tconv's notes for the layer name it."""
    layer = data.draw(framework_layers("onnx"))
    x, w = data.draw(operands(layer))
    wanted = tconv_values(layer, x, w)
    try:
        got = run_onnxruntime(layer, x, w)
        same = got.shape == wanted.shape and np.allclose(got, wanted, rtol=1e-5, atol=1e-4)
    except Exception:  # noqa: BLE001 - any refusal of the runtime's
        same = False
    if not same:
        assert any("ONNX Runtime" in note for note in notes(layer)), arguments(layer)


@settings(deadline=None, max_examples=80)
@given(data=st.data())
def test_every_keras_port_carries_the_note_of_each_runtime_that_refuses_it(data):
    """Issue 13: the deviation table walked against random layers: a ported Keras layer that a
    runtime refuses (by the table) carries that runtime's note. Nothing runs on TensorFlow
    here (it is not in the test extra); each deviation is checked by itself below."""
    layer = data.draw(framework_layers("torch"))
    try:
        ported = port(layer, "keras")
    except NoAnswer:
        return
    keras_fw = framework("keras")
    for deviation in keras_fw.refusals(ported.layer, to_layer(ported.layer)):
        assert deviation.note() in ported.notes


@pytest.mark.parametrize(
    ("layer", "runtime"),
    [
        (fl("keras", 3, 2, 1, padding_name="same", output_padding=(0,)), "Keras on TensorFlow"),
        (fl("keras", 3, 3, 1, 2), "TensorFlow's CPU kernels"),
        (fl("tf", 3, 3, 1, 2, padding_name="SAME", output_shape=(3,)), "TensorFlow's CPU kernels"),
        (fl("onnx", 3, 1, 2, padding_name="SAME_UPPER"), "ONNX Runtime"),
    ],
)
def test_each_known_runtime_deviation_is_told(layer, runtime):
    """Issue 13: TensorFlow is too heavy to run here; its deviations are data, one test each."""
    told = framework(layer.convention).refusals(layer, to_layer(layer))
    assert len(told) == 1 and told[0].runtime.startswith(runtime)
    assert told[0].note() in notes(layer)
    fine = replace(layer, kernel=(3,), dilation=(1,))  # odd kernel, no dilation: runs
    assert not framework(fine.convention).refusals(fine, to_layer(fine))
