"""Deploy targets against the real converters and runtimes: every layer tconv calls native or
rewritten for OpenVINO and LiteRT is built there from tconv's printed form (the code it prints,
executed as it is) and its values compared with PyTorch's; every layer called refused fails
there. Core ML: the printed form converts with coremltools and its MIL program has the ops and
shapes tconv says (Core ML itself does not run on Linux)."""

from __future__ import annotations

import importlib
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv_cli import targets
from tconv_cli.geometry import Axis

pytestmark = pytest.mark.slow  # real exports and converters: the whole suite runs them


def optional(name: str):
    """A converter or runtime: the module's tests skip when it is missing, except in CI."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(name)
    return pytest.importorskip(name)


torch = optional("torch")
onnx = optional("onnx")
ov = optional("openvino")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TQDM_DISABLE", "1")  # coremltools' progress bars
tf = optional("tensorflow")
litert = optional("ai_edge_litert.interpreter")
ct = optional("coremltools")

SETTINGS = dict(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@st.composite
def records(draw, max_rank=3, negative=True):
    """A random layer as tconv's record (asymmetric and, sometimes, negative pads: other
    frameworks' words give them) with its groups and channels."""
    rank = draw(st.integers(1, max_rank))
    axes = []
    for _ in range(rank):
        k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        low = -1 if negative else 0
        lo, hi = draw(st.integers(low, 3)), draw(st.integers(low, 3))
        op = draw(st.integers(0, max(s, d) - 1))
        size = draw(st.integers(1, 4 if rank < 3 else 3))
        axes.append(Axis(size, k, s, lo, hi, d, op))
    layer = tuple(axes)
    for a in layer:
        if a.output < 1:
            from hypothesis import assume

            assume(False)
    groups = draw(st.integers(1, 2))
    return layer, groups


def reference(x, w, layer, groups):
    """PyTorch's numbers for the record: conv_transpose with its stride, dilation and groups,
    then each axis cropped by its pads (output_padding and negative pads: zeros added)."""
    n = len(layer)
    y = getattr(torch.nn.functional, f"conv_transpose{n}d")(
        torch.from_numpy(x),
        torch.from_numpy(w),
        stride=[a.stride for a in layer],
        dilation=[a.dilation for a in layer],
        groups=groups,
    ).numpy()
    for index, a in enumerate(layer):
        ax = index + 2
        lo, hi = a.pad_lo, a.pad_hi - a.output_padding
        widths = [(0, 0)] * y.ndim
        widths[ax] = (max(-lo, 0), max(-hi, 0))
        y = np.pad(y, widths)
        y = np.take(y, range(max(lo, 0), y.shape[ax] - max(hi, 0)), axis=ax)
    return y


def arrays(layer, groups, seed=0):
    rng = np.random.default_rng(seed)
    cin, cout = 2 * groups, groups
    x = rng.standard_normal((1, cin, *[a.size for a in layer])).astype(np.float32)
    w = rng.standard_normal((cin, cout // groups, *[a.kernel for a in layer])).astype(np.float32)
    return x, w, cout


def test_reference_is_pytorch_where_pytorch_says_it():
    layer = (Axis(5, 3, 2, 1, 1, 2, 1), Axis(4, 4, 3, 2, 2, 1, 2))
    x, w, _ = arrays(layer, 2)
    want = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        stride=(2, 3),
        padding=(1, 2),
        output_padding=(1, 2),
        dilation=(2, 1),
        groups=2,
    ).numpy()
    np.testing.assert_allclose(reference(x, w, layer, 2), want, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# OpenVINO: the printed ONNX nodes, converted by openvino.convert_model, run on the CPU.


def onnx_model(p, x, w):
    """The ONNX model of a plan's printed nodes (each line evaluated as it is)."""
    helper = onnx.helper
    nodes = [
        eval(line, {"onnx": onnx})  # noqa: S307 - tconv's own code
        for step in p.steps
        for line in step.code.splitlines()
        if line.startswith("onnx.helper.make_node(")
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info(nodes[-1].output[0], onnx.TensorProto.FLOAT, None)],
        [onnx.numpy_helper.from_array(w, "w")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


CORE = ov.Core()


def run_openvino(model, x, tmp_path, convert=False):
    """The model's output on OpenVINO's CPU plugin, and its ops with their attributes. Read by
    OpenVINO's ONNX frontend: `Core.read_model` (fast), or `ov.convert_model`, which uses the
    same frontend and takes half a second more."""
    path = tmp_path / "model.onnx"
    onnx.save(model, path)
    converted = ov.convert_model(str(path)) if convert else CORE.read_model(str(path))
    ops = {op.get_type_name(): op.get_attributes() for op in converted.get_ops()}
    compiled = CORE.compile_model(converted, "CPU", {"INFERENCE_NUM_THREADS": 1})
    return compiled(x)[0], ops


@settings(max_examples=30, **SETTINGS)
@given(records())
def test_openvino_runs_what_tconv_prints(tmp_path_factory, case):
    layer, groups = case
    p = targets.plan_record(layer, groups, "openvino")
    assert p.verdict in ("native", "rewritten")
    x, w, _ = arrays(layer, groups)
    y, ops = run_openvino(onnx_model(p, x, w), x, tmp_path_factory.mktemp("ov"))
    np.testing.assert_allclose(y, reference(x, w, layer, groups), atol=1e-4)
    assert ops[p.op] == p.attributes  # the target's own words, as OpenVINO states them
    assert ("Pad" in ops) == ("Pad" in p.ops) == (p.verdict == "rewritten")


def test_openvino_refuses_what_tconv_refuses(tmp_path):
    layer = (Axis(2, 2, 2, 0, 0),) * 4
    p = targets.plan_record(layer, 1, "openvino")
    assert p.verdict == "refused"
    x, w, _ = arrays(layer, 1)
    native = targets.plan_record(layer[:3], 1, "openvino")
    model = onnx_model(native, x, w)  # the same node, given a 4-d input
    with pytest.raises(Exception, match="ConvTranspose"):
        run_openvino(model, x, tmp_path, convert=True)


def test_openvino_refuses_negative_pads_that_tconv_rewrites(tmp_path):
    layer = (Axis(3, 3, 2, -1, 0),)
    assert targets.plan_record(layer, 1, "openvino").verdict == "rewritten"
    x, w, _ = arrays(layer, 1)
    node = onnx.helper.make_node(
        "ConvTranspose", ["x", "w"], ["y"], kernel_shape=[3], strides=[2], pads=[-1, 0]
    )
    graph = onnx.helper.make_graph(
        [node],
        "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x.shape)],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
        [onnx.numpy_helper.from_array(w, "w")],
    )
    with pytest.raises(RuntimeError, match="deconvolution"):  # its CPU plugin has no kernel
        run_openvino(onnx.helper.make_model(graph), x, tmp_path)


# ---------------------------------------------------------------------------------------------
# LiteRT: the printed TensorFlow code, converted by TFLiteConverter, run by LiteRT's interpreter.


def tflite_function(p, w, cout):
    """The plan's printed TensorFlow lines (up to the conversion), with the channel counts
    written in (`Plan.with_channels`), as a function of x."""
    p = p.with_channels(w.shape[0], cout, p.split_groups)
    lines = [
        line
        for step in p.steps
        for line in step.code.splitlines()
        if not line.startswith(("converter", "tflite_model"))
    ]
    source = "\n".join(lines)

    def f(x):
        scope = {"tf": tf, "np": np, "w": w, "x": x, "N": 1}
        exec(source, scope)  # noqa: S102 - tconv's own printed code
        return scope["y"]

    return f


def run_tflite(f, x):
    concrete = tf.function(f).get_concrete_function(tf.TensorSpec(x.shape, tf.float32))
    data = tf.lite.TFLiteConverter.from_concrete_functions([concrete], f).convert()
    interpreter = litert.Interpreter(model_content=data)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    ops = [o["op_name"] for o in interpreter._get_ops_details()]
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]), ops


@settings(max_examples=40, **SETTINGS)
@given(records())
def test_litert_runs_what_tconv_prints(case):
    layer, groups = case
    p = targets.plan_record(layer, groups, "tflite")
    assert p.verdict in ("native", "rewritten")
    x, w, cout = arrays(layer, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, ops = run_tflite(tflite_function(p, w, cout), np.moveaxis(x, 1, -1))
    np.testing.assert_allclose(np.moveaxis(y, -1, 1), reference(x, w, layer, groups), atol=1e-4)
    kept = [op for op in ops if op not in ("RESHAPE", "DELEGATE", "EXPAND_DIMS", "SQUEEZE")]
    assert kept == list(p.ops)


def test_litert_refuses_what_tconv_refuses():
    layer = (Axis(2, 2, 2, 0, 0),) * 4
    assert targets.plan_record(layer, 1, "tflite").verdict == "refused"
    x = np.zeros((1, 2, 2, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match="must be of length 3, 4 or 5"):  # no 4-d op to convert
        tf.nn.conv_transpose(x, np.zeros((2,) * 4 + (1, 1), np.float32), [1, 3, 3, 3, 3, 1], 2)


def test_litert_converter_refuses_dilation_that_tconv_writes_out():
    layer = (Axis(4, 3, 1, 0, 0, 2), Axis(4, 3, 1, 0, 0, 2))
    p = targets.plan_record(layer, 1, "tflite")
    assert p.verdict == "rewritten" and p.materialise_dilation
    w = np.zeros((3, 3, 1, 1), np.float32)

    def f(x):
        return tf.nn.conv2d_transpose(x, w, [1, 8, 8, 1], 1, "VALID", dilations=2)

    with pytest.raises(Exception, match="Conv2DBackpropInput"):
        run_tflite(f, np.zeros((1, 4, 4, 1), np.float32))


# ---------------------------------------------------------------------------------------------
# Core ML: converted only.


def coreml_program(p, x, w):
    """The MIL program coremltools makes of the plan's printed PyTorch lines, with the
    channel counts written in (`Plan.with_channels`)."""
    cin, cout = x.shape[1], w.shape[1] * p.native.groups
    lines = [
        line
        for step in p.with_channels(cin, cout, p.native.groups).steps
        for line in step.code.splitlines()
        if not line.startswith("mlmodel")
    ]
    source = "\n".join(lines)
    scope = {"nn": torch.nn, "x": torch.from_numpy(x)}
    exec(source.split("\ny = module(x)")[0], scope)  # noqa: S102 - builds `module`
    module = scope["module"]

    class Printed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.module = module

        def forward(self, x):
            local = {"nn": torch.nn, "module": self.module, "x": x}
            exec(source.split("\n", 1)[1], local)  # noqa: S102
            return local["y"]

    traced = torch.jit.trace(Printed().eval(), torch.from_numpy(x))
    prog = ct.convert(traced, inputs=[ct.TensorType(shape=x.shape)], convert_to="milinternal")
    return [op for op in prog.functions["main"].operations if op.op_type not in ("const", "cast")]


@settings(max_examples=10, **SETTINGS)
@given(records())
def test_coreml_converts_what_tconv_prints(case):
    layer, groups = case
    p = targets.plan_record(layer, groups, "coreml")
    x, w, _ = arrays(layer, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mil = coreml_program(p, x, w)
    assert tuple(op.op_type for op in mil) == p.ops
    conv = next(op for op in mil if op.op_type == "conv_transpose")
    assert list(conv.outputs[0].shape[2:]) == p.output_shape[2:]
    assert list(mil[-1].outputs[0].shape) == list(reference(x, w, layer, groups).shape)
    said = {
        key: conv.inputs[key].val.tolist()
        for key in ("strides", "dilations", "pad")
        if key in conv.inputs
    }
    assert said["strides"] == p.attributes["strides"]
    assert said.get("dilations", [1] * len(layer)) == p.attributes["dilations"]
    assert said.get("pad", [0] * 2 * len(layer)) == p.attributes["pad"]


@settings(max_examples=10, **SETTINGS)
@given(records(max_rank=3, negative=False))
def test_coreml_lowering_is_what_coremltools_does(case):
    """tconv's model of the converter: for PyTorch's own layer (symmetric pads), the ops and
    sizes coremltools makes, or its refusal."""
    layer, groups = case
    layer = tuple(
        Axis(a.size, a.kernel, a.stride, a.pad_lo, a.pad_lo, a.dilation, a.output_padding)
        for a in layer
    )
    if any(a.output < 1 for a in layer):
        return
    from tconv_cli.targets.coreml import lowering

    predicted, refusal = lowering(layer)
    x, w, cout = arrays(layer, groups)
    module = getattr(torch.nn, f"ConvTranspose{len(layer)}d")(
        2 * groups,
        cout,
        [a.kernel for a in layer],
        [a.stride for a in layer],
        [a.pad_lo for a in layer],
        [a.output_padding for a in layer],
        groups,
        dilation=[a.dilation for a in layer],
    )
    traced = torch.jit.trace(module.eval(), torch.from_numpy(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            prog = ct.convert(
                traced, inputs=[ct.TensorType(shape=x.shape)], convert_to="milinternal"
            )
        except Exception:  # noqa: BLE001 - the converter's refusals are of many types
            assert refusal
            return
    assert not refusal
    ops = [op for op in prog.functions["main"].operations if op.op_type not in ("const", "cast")]
    assert [(op.op_type, list(op.outputs[0].shape[2:])) for op in ops] == predicted


# ---------------------------------------------------------------------------------------------
# TensorRT: no GPU here. Its words are checked under its documented semantics (the output is
# the full one less pre_padding and post_padding; the parser's FILL slice adds zeros at the end).


@settings(max_examples=60, **SETTINGS)
@given(records())
def test_tensorrt_words_compute_pytorchs_numbers_under_its_documented_semantics(case):
    layer, groups = case
    p = targets.plan_record(layer, groups, "tensorrt")
    words = p.attributes
    rank = len(layer)
    fill = [0] * rank
    if "ISliceLayer" in p.ops:
        fill = eval(
            next(s.code for s in p.steps if "ISliceLayer" in s.code)
            .split("adds ")[1]
            .split(" at")[0]
        )  # noqa: S307 - tconv's printed list
    trt = tuple(
        Axis(a.size, a.kernel, a.stride, pre, post, a.dilation, extra)
        for a, pre, post, extra in zip(layer, words["pre_padding"], words["post_padding"], fill)
    )
    assert all(v >= 0 for v in words["pre_padding"] + words["post_padding"])
    x, w, _ = arrays(layer, groups)
    y = reference(x, w, trt, groups)
    for index, (lo, hi) in enumerate(p.crop):  # the ONNX Pad node where the record adds zeros
        widths = [(0, 0)] * y.ndim
        widths[index + 2] = (max(-lo, 0), max(-hi, 0))
        y = np.pad(y, widths)
    np.testing.assert_allclose(y, reference(x, w, layer, groups), atol=1e-4)


def test_tensorrt_follows_torch2trt_for_output_padding():
    """torch2trt: pre_padding = p, post_padding = p − output_padding."""
    p = targets.plan_record((Axis(17, 3, 2, 1, 1, 1, 1),) * 2, 1, "tensorrt")
    assert p.verdict == "native"
    assert p.attributes["pre_padding"] == [1, 1] and p.attributes["post_padding"] == [0, 0]
    p = targets.plan_record((Axis(17, 3, 2, 0, 0, 1, 1),) * 2, 1, "tensorrt")
    assert p.verdict == "rewritten" and p.ops == ("IDeconvolutionLayer", "ISliceLayer")
    assert targets.plan_record((Axis(2, 2, 2),) * 4, 1, "tensorrt").verdict == "refused"
