"""`tconv inspect` on ONNX files: ONNX Runtime and the onnx reference implementation are the
oracles. Random ConvTranspose nodes (every auto_pad, output_shape, output_padding up to
max(stride, dilation), dilations, groups): tconv's output size is the spec's (the reference
implementation's), and where a runtime gives another size or refuses, a warning names it; every
--fix'ed model runs the same in both and computes the spec's values. Then models exported by
torch.onnx.export, Conv and pooling nodes against ONNX Runtime, and the command's errors."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from helpers import refused, run
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from tconv_cli.models import onnx as onnx_models  # noqa: E402

ort.set_default_logger_severity(4)  # shape mismatches against declared outputs are expected
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
OPSET = 17


def save(path, nodes, x_shape, initializers, outputs=("y",), opset=OPSET):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return model


def ort_run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def ref_run(path, x):
    return ReferenceEvaluator(str(path)).run(None, {"x": x})


def attempt(function, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args), None
    except Exception as error:  # the runtime refuses the node
        return None, error


# ---------------------------------------------------------------------------------------------
# Random ConvTranspose nodes.


@st.composite
def conv_transposes(draw):
    rank = draw(st.sampled_from([1, 1, 2]))
    per_axis = lambda values: st.lists(values, min_size=rank, max_size=rank)  # noqa: E731
    size = draw(per_axis(st.integers(1, 5)))
    kernel = draw(per_axis(st.integers(1, 4)))
    stride = draw(per_axis(st.integers(1, 4)))
    dilation = draw(per_axis(st.sampled_from([1, 1, 2, 3])))
    attrs = {"kernel_shape": kernel, "strides": stride, "dilations": dilation}
    auto = draw(st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    if auto != "NOTSET" or draw(st.booleans()):
        attrs["auto_pad"] = auto
    ops = draw(st.tuples(*[st.integers(0, max(s, d) - 1) for s, d in zip(stride, dilation)]))
    if any(ops) or draw(st.booleans()):
        attrs["output_padding"] = list(ops)
    if auto != "VALID" and draw(st.integers(0, 3)) == 0:  # output_shape, reachable or not
        full = [
            (i - 1) * s + d * (k - 1) + 1 + op
            for i, k, s, d, op in zip(size, kernel, stride, dilation, ops)
        ]
        attrs["output_shape"] = [max(1, f - draw(st.integers(-1, 3))) for f in full]
    elif auto == "NOTSET":
        attrs["pads"] = draw(per_axis(st.integers(0, 3))) + draw(per_axis(st.integers(0, 3)))
    groups = draw(st.sampled_from([1, 1, 2]))
    if groups > 1:
        attrs["group"] = groups
    out_per_group = draw(st.integers(1, 2))
    return rank, size, kernel, groups, out_per_group, attrs


def conv_transpose_model(path, rank, size, kernel, groups, out_per_group, attrs):
    # one channel per group: onnx 1.23.2's reference implementation fails on grouped
    # ConvTranspose with more (fixed by onnx/onnx#8446)
    in_channels = 2 if groups == 1 else groups
    out_per_group = out_per_group if groups == 1 else 1
    w = np.random.default_rng(0).integers(-3, 4, (in_channels, out_per_group, *kernel))
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", **attrs)
    save(
        path,
        [node],
        [1, in_channels, *size],
        [helper.make_tensor("w", TensorProto.FLOAT, list(w.shape), w.astype(np.float32).ravel())],
    )
    x = np.random.default_rng(1).integers(-3, 4, (1, in_channels, *size)).astype(np.float32)
    return x, w.astype(np.float32)


def torch_values(torch, x, w, layer):
    """The spec's values for explicit pads (PyTorch computes the full output; the pads crop)."""
    rank = len(layer.kernel_size)
    conv = {1: torch.nn.functional.conv_transpose1d, 2: torch.nn.functional.conv_transpose2d}
    full = conv[rank](
        torch.from_numpy(x),
        torch.from_numpy(w),
        stride=layer.stride,
        output_padding=layer.output_padding,
        groups=layer.groups,
        dilation=layer.dilation,
    ).numpy()
    # a negative pad adds zeros (output_shape beyond the full output)
    full = np.pad(full, [(0, 0), (0, 0)] + [(max(-lo, 0), max(-hi, 0)) for lo, hi in layer.padding])
    cuts = tuple(
        slice(max(lo, 0), full.shape[2 + axis] - max(hi, 0))
        for axis, (lo, hi) in enumerate(layer.padding)
    )
    return full[(slice(None), slice(None), *cuts)]


SAME = ("SAME_UPPER", "SAME_LOWER")


def inferred_shape(path):
    """onnx's own shape inference of the output, where it gives one."""
    try:
        model = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    except Exception:  # it refuses the node
        return None
    dims = model.graph.output[0].type.tensor_type.shape.dim
    values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    return values if values and None not in values else None


def names(layer, runtime):
    return any(runtime in warning for warning in layer.warnings)


def refuses(layer, runtime):
    """A warning says that `runtime` refuses the layer."""
    return any(
        runtime in warning and ("refuse" in warning or "reject" in warning)
        for warning in layer.warnings
    )


@SETTINGS
@given(case=conv_transposes())
# SAME with a kernel smaller than the stride: the spec adds zeros, ONNX Runtime does not
@example(case=(1, [3], [1], 1, 1, {"kernel_shape": [1], "strides": [3], "auto_pad": "SAME_UPPER"}))
# output_shape with NOTSET: ONNX Runtime splits the padding, the reference keeps it at 0
@example(case=(1, [3], [3], 1, 1, {"kernel_shape": [3], "strides": [2], "output_shape": [6]}))
# output_padding ≥ stride that dilation allows: both refuse, PyTorch computes it
@example(
    case=(
        1,
        [3],
        [3],
        1,
        1,
        {
            "kernel_shape": [3],
            "strides": [1],
            "dilations": [2],
            "output_padding": [1],
            "pads": [0, 1],
        },
    )
)
# SAME with output_padding, 2-d, grouped
@example(
    case=(
        2,
        [5, 4],
        [3, 2],
        2,
        1,
        {
            "kernel_shape": [3, 2],
            "strides": [2, 3],
            "auto_pad": "SAME_LOWER",
            "output_padding": [1, 2],
            "group": 2,
        },
    )
)
@pytest.mark.slow
def test_conv_transpose_sizes_are_the_spec_and_runtimes_that_differ_are_named(
    case, tmp_path_factory, torch
):
    path = tmp_path_factory.mktemp("ct") / "model.onnx"
    x, w = conv_transpose_model(path, *case)
    attrs = case[-1]
    layer = onnx_models.inspect(str(path)).layers[0]
    ours = None if layer.output is None or None in layer.output[2:] else layer.output
    runtime, refused = attempt(ort_run, path, x)
    reference, ref_refused = attempt(ref_run, path, x)
    ignores_output_shape = "output_shape" in attrs and attrs.get("auto_pad", "NOTSET") == "NOTSET"
    if ours is None or min(ours[2:]) < 1:  # no output: the warning says why
        assert layer.warnings, layer
        assert reference is None or 0 in reference[0].shape or ignores_output_shape
        return
    if reference is not None and not ignores_output_shape:
        assert list(reference[0].shape) == ours, layer  # the spec, as the reference runs it
    elif ignores_output_shape and (reference is None or list(reference[0].shape) != ours):
        assert names(layer, "reference implementation"), layer
    if refused is not None:
        assert refuses(layer, "ONNX Runtime"), (layer, refused)
    elif list(runtime[0].shape) != ours:
        assert names(layer, "ONNX Runtime"), (layer, runtime[0].shape)
    inferred = inferred_shape(path)
    if (
        inferred
        and inferred != ours
        and attrs.get("auto_pad", "NOTSET") in SAME
        and "output_shape" not in attrs
    ):
        assert names(layer, "shape inference"), (layer, inferred)
        assert onnx_models._sizes(inferred[2:]) in " ".join(layer.warnings)
    if not layer.warnings:
        assert runtime is not None and reference is not None
        np.testing.assert_array_equal(runtime[0], reference[0])

    # --fix: both runtimes compute the spec's values
    fixed = path.with_name("fixed.onnx")
    done = onnx_models.fix(str(path), str(fixed))
    if not done.rewritten:
        assert not done.skipped or ours is None
        return
    if reference is not None and not ignores_output_shape:
        spec = reference[0]
    elif ignores_output_shape and runtime is not None:
        spec = runtime[0]  # ONNX Runtime splits output_shape's padding as the spec says
    else:  # both refuse: PyTorch computes the full output, the record's pads cut it
        spec = torch_values(torch, x, w, layer)
    assert list(spec.shape) == ours
    model = onnx.load(str(fixed))
    for node in model.graph.node:
        if node.op_type == "ConvTranspose":
            given_ = {a.name for a in node.attribute}
            assert {"pads", "output_padding"} <= given_
            assert not given_ & {"auto_pad", "output_shape"}
    fixed_runtime, fixed_reference = ort_run(fixed, x)[0], ref_run(fixed, x)[0]
    np.testing.assert_array_equal(fixed_runtime, fixed_reference)
    np.testing.assert_array_equal(fixed_reference, spec)
    assert onnx_models.fix(str(fixed), str(fixed.with_name("again.onnx"))).rewritten == []


def test_a_known_case_in_full(tmp_path):
    """SAME_UPPER with output_padding on 5×7, stride 2: the spec says 10×14."""
    path = tmp_path / "same.onnx"
    conv_transpose_model(
        path,
        2,
        [5, 7],
        [3, 3],
        1,
        1,
        {
            "kernel_shape": [3, 3],
            "strides": [2, 2],
            "auto_pad": "SAME_UPPER",
            "output_padding": [1, 1],
        },
    )
    result = run("inspect", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"{path}: 1 layer, 1 with warnings",
        "1  up  ConvTranspose  1×2×5×7 → 1×1×10×14",
        "   kernel 3  stride 2  padding 1 (auto_pad SAME_UPPER)  output_padding 1",
    ]
    assert "12×16 instead of 10×14" in " ".join(result.stdout.split())  # auto_pad dropped
    assert "gives 11×15" in result.stdout  # onnx's shape inference
    assert max(len(line) for line in lines[1:]) <= 80  # the first holds the path


def test_asymmetric_3d_padding_names_tensorrt(tmp_path):
    path = tmp_path / "3d.onnx"
    conv_transpose_model(
        path,
        3,
        [2, 3, 4],
        [3, 3, 3],
        1,
        1,
        {"kernel_shape": [3, 3, 3], "strides": [2, 2, 2], "auto_pad": "SAME_UPPER"},
    )
    layer = onnx_models.inspect(str(path)).layers[0]
    assert layer.padding == [[0, 1]] * 3 and layer.output == [1, 1, 4, 6, 8]
    assert names(layer, "TensorRT")
    done = onnx_models.fix(str(path), str(tmp_path / "f.onnx"))
    assert done.rewritten == ["up"]  # explicit, and still asymmetric: the warning stays
    assert names(onnx_models.inspect(str(tmp_path / "f.onnx")).layers[0], "TensorRT")


# ---------------------------------------------------------------------------------------------
# Conv and pooling nodes against ONNX Runtime.


@st.composite
def windows(draw):
    op = draw(st.sampled_from(["Conv", "MaxPool", "AveragePool"]))
    size = draw(st.lists(st.integers(1, 9), min_size=2, max_size=2))
    kernel = [draw(st.integers(1, i)) for i in size]
    attrs = {
        "kernel_shape": kernel,
        "strides": draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)),
    }
    if op != "AveragePool":
        attrs["dilations"] = [
            1 + (draw(st.integers(0, 2)) if k * 3 <= i else 0) for k, i in zip(kernel, size)
        ]
    auto = draw(st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    attrs["auto_pad"] = auto
    if auto == "NOTSET":
        attrs["pads"] = [draw(st.integers(0, k - 1)) for k in kernel * 2]
    if op != "Conv" and draw(st.booleans()):
        attrs["ceil_mode"] = 1
    return op, size, attrs


@SETTINGS
@given(case=windows())
@example(
    case=(
        "MaxPool",
        [6, 6],
        {"kernel_shape": [2, 2], "strides": [1, 1], "dilations": [2, 2], "auto_pad": "SAME_UPPER"},
    )
)
@example(
    case=(
        "Conv",
        [6, 5],
        {"kernel_shape": [2, 2], "strides": [1, 2], "dilations": [2, 1], "auto_pad": "SAME_LOWER"},
    )
)
@example(
    case=(
        "AveragePool",
        [2, 5],
        {"kernel_shape": [1, 3], "strides": [2, 3], "auto_pad": "SAME_LOWER", "ceil_mode": 1},
    )
)
@pytest.mark.slow
def test_conv_and_pool_sizes_equal_onnx_runtime(case, tmp_path_factory):
    op, size, attrs = case
    path = tmp_path_factory.mktemp("w") / "model.onnx"
    inputs, inits = ["x"], []
    if op == "Conv":
        inputs.append("w")
        inits.append(
            helper.make_tensor(
                "w",
                TensorProto.FLOAT,
                [3, 2, *attrs["kernel_shape"]],
                np.ones(6 * np.prod(attrs["kernel_shape"]), np.float32),
            )
        )
    save(path, [helper.make_node(op, inputs, ["y"], **attrs)], [1, 2, *size], inits)
    x = np.ones((1, 2, *size), np.float32)
    runtime, refused = attempt(ort_run, path, x)
    layer = onnx_models.inspect(str(path)).layers[0]
    if refused is None and layer.output != list(runtime[0].shape):  # the warning says so
        assert names(layer, "ONNX Runtime") and layer.output[2:] == [
            -(-i // s) for i, s in zip(size, attrs["strides"])
        ], (layer, attrs)
    elif refused is None:
        inferred = inferred_shape(path)
        for warning in layer.warnings:  # only what is true of onnx's inference, or dilation
            assert "dilated" in warning or (
                inferred != layer.output
                and warning.startswith(
                    f"onnx's shape inference gives {onnx_models._sizes(inferred)} here"
                )
            ), layer
    else:
        assert min(layer.output[2:]) < 1 or refuses(layer, "ONNX Runtime"), (layer, refused)


def test_resize_and_the_shapes_between(tmp_path):
    """Resize with constant scales and with sizes computed from Shape, Concat and Pad between."""
    path = tmp_path / "r.onnx"
    c = lambda name, values, kind=TensorProto.FLOAT: helper.make_tensor(  # noqa: E731
        name, kind, [len(values)], values
    )
    nodes = [
        helper.make_node("Resize", ["x", "", "scales"], ["a"], name="up2", mode="nearest"),
        helper.make_node("Relu", ["a"], ["b"]),
        helper.make_node("Pad", ["b", "pads"], ["p"]),
        helper.make_node("Concat", ["p", "p"], ["cat"], axis=1),
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Slice", ["shape", "two", "four"], ["hw"]),
        helper.make_node("Mul", ["hw", "three"], ["hw3"]),
        helper.make_node("Concat", ["nc", "hw3"], ["sizes"], axis=0),
        helper.make_node("Resize", ["cat", "", "", "sizes"], ["y"], name="to_sizes"),
        helper.make_node("MaxPool", ["y"], ["z"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    ]
    save(
        path,
        nodes,
        [1, 3, 5, 7],
        [
            c("scales", [1.0, 1.0, 2.0, 1.5]),
            c("pads", [0, 0, 1, 0, 0, 0, 0, 2], TensorProto.INT64),
            c("two", [2], TensorProto.INT64),
            c("four", [4], TensorProto.INT64),
            c("three", [3], TensorProto.INT64),
            c("nc", [1, 6], TensorProto.INT64),
        ],
        outputs=("a", "y", "z"),
    )
    got = [layer.output for layer in onnx_models.inspect(str(path)).layers]
    want = [list(v.shape) for v in ort_run(path, np.ones((1, 3, 5, 7), np.float32))]
    assert got == want == [[1, 3, 10, 10], [1, 6, 15, 21], [1, 6, 8, 11]]


# ---------------------------------------------------------------------------------------------
# Models exported by PyTorch.


def decoder(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Upsample(scale_factor=2),
        nn.Conv2d(4, 3, 3, padding=1),
    )


def tiny_unet(torch):
    nn = torch.nn

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.down1, self.down2 = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.out = nn.Conv2d(16, 2, 1)

        def forward(self, x):
            skip = torch.relu(self.down1(x))
            deep = torch.relu(self.down2(self.pool(skip)))
            return self.out(torch.cat([self.up(deep), skip], dim=1))

    return UNet()


def export(torch, module, shape, path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (torch.zeros(shape),),
            str(path),
            dynamo=False,
            input_names=["x"],
            **options,
        )


def hooked_shapes(torch, module, shape):
    kinds = (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.MaxPool2d, torch.nn.Upsample)
    seen = []
    for child in module.modules():
        if isinstance(child, kinds):
            child.register_forward_hook(lambda m, i, o: seen.append(list(o.shape)))
    with torch.no_grad():
        module(torch.zeros(shape))
    return seen


@pytest.mark.parametrize(
    ("make", "shape", "other"),
    [(decoder, (1, 16, 5, 7), (3, 16, 6, 9)), (tiny_unet, (2, 3, 12, 10), (1, 3, 8, 14))],
)
def test_exported_models(make, shape, other, tmp_path, torch):
    module = make(torch)
    path = tmp_path / "model.onnx"
    export(torch, module, shape, path)
    result = run("inspect", str(path), "--json")
    assert result.exit_code == 0, result.output
    layers = json.loads(result.stdout)["layers"]
    assert [layer["output"] for layer in layers] == hooked_shapes(torch, module, shape)
    assert not any(layer["warnings"] for layer in layers)
    inferred = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    assert layers[-1]["output"] == [
        d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim
    ]
    text = run("inspect", str(path))
    assert text.exit_code == 0 and max(map(len, text.stdout.splitlines()[1:])) <= 80
    # another input size than the exported one: what the module gives at that size
    resized = run("inspect", str(path), "--input-shape", ",".join(map(str, other)), "--json")
    assert [layer["output"] for layer in json.loads(resized.stdout)["layers"]] == hooked_shapes(
        torch, make(torch), other
    )


def test_a_dynamic_input_needs_input_shape(tmp_path, torch):
    path = tmp_path / "dyn.onnx"
    export(
        torch,
        decoder(torch),
        (1, 16, 5, 7),
        path,
        dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}},
    )
    result = run("inspect", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --input-shape: input_shape is needed: the input 'x' of "
        f"{path} has dynamic dimensions (batch×16×height×width); give its "
        "whole shape, e.g. 1,3,224,224\n"
    )
    given_ = run("inspect", str(path), "--input", "1,16,4,4", "--json")
    assert given_.exit_code == 0, given_.output
    want = ort_run(path, np.zeros((1, 16, 4, 4), np.float32))[0].shape
    assert json.loads(given_.stdout)["layers"][-1]["output"] == list(want) == [1, 3, 30, 30]
    for bad, rule in (
        ("1,16,4", "has 3 dimensions but the input 'x'"),
        ("1,8,4,4", "gives 8 channels, but the model's weights take 16"),
        ("1,16,0,4", "must be sizes between 1 and"),
    ):
        wrong = run("inspect", str(path), "--input-shape", bad)
        assert wrong.exit_code == 2 and rule in wrong.stderr, wrong.stderr
        assert wrong.stderr.startswith(f"Error: --input-shape {bad}: ")


# ---------------------------------------------------------------------------------------------
# The command: files that are not ONNX models, --fix, --args, JSON, the missing extra.


def small_model(path, **attrs):
    conv_transpose_model(
        path,
        1,
        [4],
        [3],
        1,
        1,
        {"kernel_shape": [3], "strides": [2], "auto_pad": "SAME_LOWER", **attrs},
    )


@pytest.mark.parametrize("damage", ["missing", "empty", "text", "truncated", "directory", "npy"])
def test_files_that_are_not_onnx_models(damage, tmp_path):
    path = tmp_path / "model.onnx"
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "text":
        path.write_text("this is not a model\n")
    elif damage == "truncated":
        small_model(tmp_path / "whole.onnx")
        data = (tmp_path / "whole.onnx").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "directory":
        path.mkdir()
    elif damage == "npy":
        np.save(tmp_path / "a.npy", np.zeros(3))
        (tmp_path / "a.npy").rename(path)
    result = run("inspect", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1


def test_fix_writes_only_a_name_that_ends_in_onnx(tmp_path):
    """A typo such as `--fix fixed.txt` is refused before anything runs or is written."""
    path = tmp_path / "m.onnx"
    small_model(path)
    result = run("inspect", str(path), "--fix", str(tmp_path / "fixed.txt"))
    refused(result, 2, "--fix", "fixed.txt", "ends in .onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    upper = run("inspect", str(path), "--fix", str(tmp_path / "FIXED.ONNX"))
    assert upper.exit_code == 0, upper.output


def test_fix_refuses_to_overwrite_without_force(tmp_path):
    path, out = tmp_path / "m.onnx", tmp_path / "fixed.onnx"
    small_model(path)
    out.write_text("keep me")
    result = run("inspect", str(path), "--fix", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out} exists; pass --force to overwrite it\n"
    assert out.read_text() == "keep me"
    forced = run("inspect", str(path), "--fix", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.splitlines()[-2:] == [f"wrote {out}: 1 node rewritten", "  up"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixed.onnx", "m.onnx"]
    x = np.ones((1, 2, 4), np.float32)
    np.testing.assert_array_equal(ort_run(out, x)[0], ref_run(path, x)[0])


def test_args_and_fix_apply_to_their_sources_only(tmp_path):
    path = tmp_path / "m.onnx"
    small_model(path)
    result = run("inspect", str(path), "--args", '{"n": 3}')
    assert result.exit_code == 2
    assert result.stderr == (
        f'Error: --args {{"n": 3}}: applies to PyTorch modules only'
        f" (the keyword arguments of their class or function); {path} is "
        "an ONNX file\n"
    ).replace('{"n": 3}', "'{\"n\": 3}'")
    result = run("inspect", "models.py:UNet", "--fix", str(tmp_path / "f.onnx"))
    assert result.exit_code == 2 and "applies to an ONNX SOURCE only" in result.stderr
    result = run("inspect", str(path), "--args", "{not json")
    assert result.exit_code == 2 and "is not JSON" in result.stderr


def test_json_schema(tmp_path):
    path = tmp_path / "m.onnx"
    small_model(path, output_padding=[1])
    data = json.loads(run("inspect", str(path), "--json").stdout)
    assert set(data) == {"source", "layers", "error", "notes"} and data["error"] is None
    layer = data["layers"][0]
    assert {
        "name",
        "op",
        "input",
        "output",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "output_padding",
        "warnings",
    } <= set(layer)
    assert layer["op"] == "ConvTranspose" and layer["padding"] == [[1, 1]]
    assert layer["input"] == [1, 2, 4] and layer["output"] == [1, 1, 8]
    fixed = json.loads(
        run("inspect", str(path), "--json", "--fix", str(tmp_path / "f.onnx")).stdout
    )
    assert fixed["fixed"] == {
        "output": str(tmp_path / "f.onnx"),
        "rewritten": ["up"],
        "skipped": [],
    }


def test_without_the_onnx_package(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    small_model(path)
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = run("inspect", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: reading ONNX files needs the onnx package: pip install 'tconv[onnx]'\n"
    )


def test_help_says_a_pytorch_file_is_run():
    result = run("inspect", "--help", env={"COLUMNS": "100"})
    text = " ".join(result.stdout.split())
    assert "imports and runs that file's code" in text and "nothing else is executed" in text
    assert "--input-shape" in text and "--input " in text


def test_shape_does_not_import_onnx():
    code = (
        "import sys; from tconv_cli.cli import app; from typer.testing import CliRunner; "
        "CliRunner().invoke(app, ['shape']); import tconv_cli.models; "
        "print(sorted(m for m in ('onnx', 'torch', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# The command driven with random sources and options, as test_cli_fuzz drives the others.

SOURCES = [
    "good.onnx",
    "dynamic.onnx",
    "text.onnx",
    "empty.onnx",
    "truncated.onnx",
    "folder.onnx",
    "missing.onnx",
    "npy.onnx",
]


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    from test_cli_fuzz import make_files

    root = tmp_path_factory.mktemp("inspect_fuzz")
    make_files(root)
    small_model(root / "good.onnx", output_padding=[1])
    node = helper.make_node(
        "ConvTranspose", ["x", "w"], ["y"], kernel_shape=[3], strides=[2], output_shape=[8]
    )
    save(
        root / "dynamic.onnx",
        [node],
        ["N", 2, "L"],
        [helper.make_tensor("w", TensorProto.FLOAT, [2, 1, 3], np.ones(6, np.float32))],
    )
    (root / "text.onnx").write_text("not a model")
    (root / "empty.onnx").write_bytes(b"")
    data = (root / "good.onnx").read_bytes()
    (root / "truncated.onnx").write_bytes(data[: len(data) * 2 // 3])
    (root / "folder.onnx").mkdir()
    (root / "good.npy").rename(root / "npy.onnx")
    (root / "exists.onnx").write_bytes(b"keep")
    (root / "dangling.onnx").symlink_to(root / "nowhere")
    return root


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
@pytest.mark.slow
def test_inspect_answers_like_a_tool(fuzz_root, data):
    from test_cli_fuzz import SIZES, check, outputs

    args = ["inspect", data.draw(st.sampled_from(SOURCES))]
    valued = {
        "--input-shape": SIZES,
        "--input": SIZES,
        "--args": st.sampled_from(['{"n": 1}', "{", "[]", ""]),
        "--fix": outputs(fuzz_root, [".onnx"]),
    }
    for name in data.draw(st.lists(st.sampled_from(sorted(valued)), max_size=3, unique=True)):
        args += [name, data.draw(valued[name])]
    args += data.draw(st.lists(st.sampled_from(["--force", "--json"]), max_size=2, unique=True))
    check(fuzz_root, args)


def test_the_report_of_a_failed_forward():
    """The report the torch side fills: its layers, then the error, its layers and the fix."""
    from tconv_cli.models import Inspection, ModelLayer
    from tconv_cli.render.models import report

    layers = [
        ModelLayer(
            "encoder.down1.maxpool_conv.0",
            "MaxPool2d",
            [1, 64, 101, 75],
            [1, 64, 50, 37],
            [2, 2],
            [2, 2],
            [[0, 0], [0, 0]],
            [1, 1],
        ),
        ModelLayer(
            "up1.up",
            "ConvTranspose2d",
            [1, 512, 6, 4],
            [1, 256, 12, 8],
            [2, 2],
            [2, 2],
            [[0, 0], [0, 0]],
            [1, 1],
            [0, 0],
        ),
    ]
    error = {
        "message": "Sizes of tensors must match except in dimension 1. Expected size 12 "
        "but got size 9 for tensor number 1 in the list.",
        "layers": ["up1.up", "down3"],
        "fix": ["up1.up: output_padding=(0, 1), or forward(x, output_size=[12, 9])"],
    }
    lines = report(Inspection("unet.py:UNet", layers, error))
    assert lines == [
        "unet.py:UNet: 2 layers",
        "1  encoder.down1.maxpool_conv.0  MaxPool2d        1×64×101×75 → 1×64×50×37",
        "   kernel 2  stride 2  padding 0",
        "2  up1.up                        ConvTranspose2d    1×512×6×4 → 1×256×12×8",
        "   kernel 2  stride 2  padding 0",
        "error: Sizes of tensors must match except in dimension 1. Expected size 12 but",
        "  got size 9 for tensor number 1 in the list.",
        "  layers: up1.up, down3",
        "  fix: up1.up: output_padding=(0, 1), or forward(x, output_size=[12, 9])",
    ]
    assert max(map(len, lines)) <= 80
    layers[0].name = "a.very.long.module.path.in.some.model.encoder.down1.maxpool_conv.0"
    cut = report(Inspection("unet.py:UNet", layers, None))[1]
    assert cut.startswith("1  …") and cut.endswith("1×64×101×75 → 1×64×50×37") and len(cut) <= 80


def conv_model(path, x_shape, **attrs):
    """One Conv (2 → 2 channels, a 3×3 kernel) with the given attributes."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2, 3, 3], np.ones(36, np.float32))
    save(path, [helper.make_node("Conv", ["x", "w"], ["y"], name="c", **attrs)], x_shape, [w])


@pytest.mark.parametrize(
    ("attrs", "said"),
    [
        ({"strides": [0, 1]}, "strides=[0, 1] must be at least 1"),
        ({"strides": [2]}, "strides=[2] has 1 values; a 2-d node needs 2"),
        ({"pads": [1, 1, 1]}, "pads=[1, 1, 1] has 3 values; a 2-d node needs 4"),
        ({"dilations": [1, 0]}, "dilations=[1, 0] must be at least 1"),
    ],
)
def test_malformed_attributes_are_warned_and_the_size_is_unknown(attrs, said, tmp_path):
    """No traceback and no made-up size: the node's output is unknown, the warning says
    which attribute is wrong and why, and the model cannot run there (exit 1)."""
    path = tmp_path / "m.onnx"
    conv_model(path, [1, 2, 5, 5], **attrs)
    result = run("inspect", str(path), "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["error"]["message"].startswith("c (Conv) cannot run: ")
    (layer,) = data["layers"]
    assert layer["output"] == [1, 2, None, None]
    assert any(said in warning for warning in layer["warnings"]), layer["warnings"]


def test_an_empty_output_is_unknown_not_negative(tmp_path):
    path = tmp_path / "m.onnx"
    conv_model(path, [1, 2, 2, 2])  # a 3×3 kernel on a 2×2 input
    layer = json.loads(run("inspect", str(path), "--json").stdout)["layers"][0]
    assert layer["output"] == [1, 2, None, None]
    assert any("the output would be empty" in warning for warning in layer["warnings"])


@pytest.mark.parametrize("shape", ["1,8,99999999999,7", "1,8,0,7"])
def test_an_input_shape_out_of_range_is_refused_as_for_torch_modules(shape):
    result = run("inspect", "examples/models/decoder.onnx", "--input-shape", shape)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"Error: --input-shape {shape}: input_shape must be sizes between 1 and 2,147,483,647\n"
    )


def test_an_empty_fix_is_refused():
    result = run("inspect", "examples/models/decoder.onnx", "--fix", "")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --fix is empty: give the name of the file to write\n",
    )


def test_tconv_overrules_onnx_inference_and_the_layers_after_follow():
    """decoder.onnx's SAME_UPPER ConvTranspose with output_padding: onnx's inference says
    29×29 (onnx/onnx#4299), the spec 28×28; the Conv after it gets 28×28, as ONNX Runtime runs
    it."""
    path = "examples/models/decoder.onnx"
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    said = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in inferred.graph.value_info
    }
    assert said["c"] == [1, 2, 29, 29]
    layers = json.loads(run("inspect", path, "--json").stdout)["layers"]
    assert layers[1]["output"] == layers[2]["input"] == [1, 2, 28, 28]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert session.run(None, {"x": np.zeros((1, 8, 7, 7), np.float32)})[0].shape == (1, 1, 28, 28)
