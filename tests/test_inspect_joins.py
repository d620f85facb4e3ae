"""Joins in ONNX files against ONNX Runtime: random one-level encoder/decoder graphs (a Conv or
pool down, a ConvTranspose or Resize up, joined to the input by Concat, Add or Mul) at random
sizes. tconv fails exactly when ONNX Runtime does, names the node ONNX Runtime fails at, and
every fix it writes and every input it suggests runs. Then MatMul, a custom-domain node, and
the hostile attributes of issue 17."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest
from helpers import run
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

ort.set_default_logger_severity(4)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def weight(name, shape):
    return helper.make_tensor(
        name, TensorProto.FLOAT, shape, np.ones(int(np.prod(shape)), np.float32) * 0.1
    )


def save(path, nodes, x_shape, initializers, opset=17, domains=()):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializers,
    )
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=imports)
    model.ir_version = 8
    onnx.save(model, str(path))


def at(failed: str, node: str) -> bool:
    """ONNX Runtime's failure names `node` (when running it, or when loading a static model)."""
    return f"Name:'{node}'" in failed or f"Node ({node})" in failed


def ort_error(path, shape):
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        session.run(None, {"x": np.zeros(shape, np.float32)})
    except Exception as error:  # ONNX Runtime refuses the model at this shape
        return str(error)
    return None


@st.composite
def graphs(draw):
    rank = draw(st.sampled_from([1, 2]))
    per = lambda values: draw(st.lists(values, min_size=rank, max_size=rank))  # noqa: E731
    down = draw(st.sampled_from(["MaxPool", "AveragePool", "Conv"]))
    k = per(st.integers(1, 3))
    s = per(st.integers(1, 3))
    attrs = {"kernel_shape": k, "strides": s, "pads": [draw(st.integers(0, v - 1)) for v in k] * 2}
    if down != "Conv" and draw(st.booleans()):
        attrs["ceil_mode"] = 1
    nodes, inits = [], []
    inputs = ["x"]
    if down == "Conv":
        inputs.append("wd")
        inits.append(weight("wd", [2, 2, *k]))
    nodes.append(helper.make_node(down, inputs, ["d"], name="down", **attrs))
    up = draw(st.sampled_from(["ConvTranspose", "Resize"]))
    if up == "ConvTranspose":
        ku, su = per(st.integers(1, 4)), per(st.integers(1, 3))
        pads = [draw(st.integers(0, v - 1)) for v in ku] * 2
        ops = [draw(st.integers(0, v - 1)) for v in su]
        nodes.append(
            helper.make_node(
                "ConvTranspose",
                ["d", "wu"],
                ["u"],
                name="up",
                kernel_shape=ku,
                strides=su,
                pads=pads,
                output_padding=ops,
            )
        )
        inits.append(weight("wu", [2, 2, *ku]))
    else:
        scales = [1.0, 1.0] + [float(draw(st.sampled_from([1, 2, 3]))) for _ in range(rank)]
        inits.append(helper.make_tensor("scales", TensorProto.FLOAT, [rank + 2], scales))
        nodes.append(
            helper.make_node("Resize", ["d", "", "scales"], ["u"], name="up", mode="nearest")
        )
    join = draw(st.sampled_from(["Concat", "Add", "Mul"]))
    extra = {"axis": 1} if join == "Concat" else {}
    nodes.append(helper.make_node(join, ["u", "x"], ["j"], name="join", **extra))
    nodes.append(helper.make_node("Relu", ["j"], ["y"], name="after"))
    size = per(st.integers(1, 24))
    return rank, nodes, inits, [1, 2, *size]


@SETTINGS
@given(case=graphs())
@example(
    case=(
        2,
        [
            helper.make_node(
                "MaxPool", ["x"], ["d"], name="down", kernel_shape=[2, 2], strides=[2, 2]
            ),
            helper.make_node(
                "ConvTranspose", ["d", "wu"], ["u"], name="up", kernel_shape=[2, 2], strides=[2, 2]
            ),
            helper.make_node("Concat", ["u", "x"], ["j"], name="join", axis=1),
            helper.make_node("Relu", ["j"], ["y"], name="after"),
        ],
        [weight("wu", [2, 2, 2, 2])],
        [1, 2, 13, 10],
    )
)
@pytest.mark.slow
def test_a_join_fails_exactly_when_onnx_runtime_does(case, tmp_path_factory):
    rank, nodes, inits, shape = case
    note(
        f"{shape} "
        + "; ".join(
            f"{n.op_type} { {a.name: helper.get_attribute_value(a) for a in n.attribute} }"
            for n in nodes
        )
        + f" {[list(t.float_data) for t in inits if t.name == 'scales']}"
    )
    root = tmp_path_factory.mktemp("join")
    path = root / "m.onnx"
    save(path, nodes, [1, 2, *"HW"[:rank]], inits)  # dynamic, as exporters write them
    failed = ort_error(path, shape)
    given_ = ["--input-shape", ",".join(map(str, shape))]
    result = run("inspect", str(path), *given_, "--json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    error = data["error"]
    if error and error["join"] is None:
        # a window larger than the padded input: PyTorch refuses it; ONNX Runtime refuses it
        # or, where its integer division rounds toward zero, makes a size 0 or 1 of it
        message = error["message"]
        assert message.startswith(("down (", "up (")) and (
            "would be empty" in message or "must be at least 1" in message
        ), message
        assert message.startswith("down") or at(failed, "up"), (message, failed)
        return
    assert (result.exit_code == 1) == (failed is not None), (data, failed)
    if failed is None:
        return
    assert at(failed, "join") and error["join"]["name"] == "join"
    assert [layer["name"] for layer in data["layers"]] == ["down", "up"]
    fixed = root / "fixed.onnx"
    done = run("inspect", str(path), *given_, "--fix", str(fixed))
    assert done.exit_code == 1 and error["changes"], done.output
    assert ort_error(fixed, shape) is None, (error["fix"], ort_error(fixed, shape))
    assert run("inspect", str(fixed), *given_).exit_code == 0
    for key in ("below", "above"):
        near = error["inputs"][key]
        if near is None:
            continue
        assert ort_error(path, near) is None, (key, near)
        assert all((n - s) * (1 if key == "above" else -1) >= 0 for n, s in zip(near, shape))


def test_matmul_inner_sizes(tmp_path):
    path = tmp_path / "m.onnx"
    save(
        path,
        [
            helper.make_node(
                "Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3], strides=[2, 2]
            ),
            helper.make_node("MatMul", ["c", "b"], ["y"], name="mm"),
        ],
        [1, 2, "H", "W"],
        [weight("w", [2, 2, 3, 3]), weight("b", [5, 3])],
    )
    data = json.loads(run("inspect", str(path), "--input-shape", "1,2,9,9", "--json").stdout)
    error = data["error"]
    assert error["join"] == {
        "name": "mm",
        "op": "MatMul",
        "shapes": [[1, 2, 4, 4], [5, 3]],
        "axis": 3,
    }
    assert at(ort_error(path, [1, 2, 9, 9]), "mm")
    # the width the weight needs: (W − 3) // 2 + 1 = 5, none below
    assert error["inputs"] == {"below": None, "above": [1, 2, 9, 11]}
    assert ort_error(path, [1, 2, 9, 11]) is None
    assert error["changes"] == [{"layer": "mm", "op": "MatMul", "input": 0, "pad": [0, 0, 0, 1]}]
    fixed = tmp_path / "f.onnx"
    assert run("inspect", str(path), "--input-shape", "1,2,9,9", "--fix", str(fixed)).exit_code == 1
    assert ort_error(fixed, [1, 2, 9, 9]) is None


def test_a_custom_node_is_named_and_the_declared_shapes_carry_on(tmp_path):
    path = tmp_path / "m.onnx"
    nodes = [
        helper.make_node("Mystery", ["x"], ["a"], name="odd", domain="com.example"),
        helper.make_node(
            "ConvTranspose", ["a", "w"], ["y"], name="up", kernel_shape=[2], strides=[2]
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [weight("w", [2, 2, 2])],
        value_info=[helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 2, 7])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)]
    )
    model.ir_version = 8
    onnx.save(model, str(path))
    result = run("inspect", str(path), "--json")
    assert result.exit_code == 0, result.output
    odd, up = json.loads(result.stdout)["layers"]
    assert odd["op"] == "com.example.Mystery" and odd["output"] == [1, 2, 7]
    assert "no shape inference for com.example.Mystery" in odd["warnings"][0]
    assert up["input"] == [1, 2, 7] and up["output"] == [1, 2, 14]


def test_kernel_shape_of_strings_is_a_warning_not_a_traceback(tmp_path):
    path = tmp_path / "m.onnx"
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c")
    node.attribute.append(helper.make_attribute("kernel_shape", [b"3", b"3"]))
    save(path, [node], [1, 2, 5, 5], [weight("w", [2, 2, 3, 3])])
    result = run("inspect", str(path), "--json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (layer,) = json.loads(result.stdout)["layers"]
    assert layer["warnings"] == [
        "kernel_shape=['3', '3'] must be a list of integers: its output is unknown"
    ]
    assert ort_error(path, [1, 2, 5, 5]) is not None


def test_negative_resize_scales_are_refused_not_a_negative_size(tmp_path):
    path = tmp_path / "m.onnx"
    scales = helper.make_tensor("s", TensorProto.FLOAT, [4], [1, 1, -2, 2])
    save(
        path, [helper.make_node("Resize", ["x", "", "s"], ["y"], name="r")], [1, 2, 5, 5], [scales]
    )
    result = run("inspect", str(path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (layer,) = data["layers"]
    assert layer["output"] == [1, 2, None, None]
    assert "must be positive" in data["error"]["message"]
    assert ort_error(path, [1, 2, 5, 5]) is not None


def test_an_empty_window_names_its_layer_and_the_nearest_input(tmp_path):
    path = tmp_path / "m.onnx"
    save(
        path,
        [
            helper.make_node(
                "MaxPool", ["x"], ["p"], name="pool", kernel_shape=[4, 4], strides=[4, 4]
            ),
            helper.make_node("Conv", ["p", "w"], ["y"], name="conv", kernel_shape=[3, 3]),
        ],
        [1, 2, "H", "W"],
        [weight("w", [2, 2, 3, 3])],
    )
    result = run("inspect", str(path), "--input-shape", "1,2,9,20", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["join"] is None and error["layers"] == ["conv"]
    assert error["message"].startswith("conv (Conv) cannot run: the output would be empty (0×3)")
    # only the height is short: the width stays
    assert error["inputs"] == {"below": None, "above": [1, 2, 12, 20]}
    assert ort_error(path, [1, 2, 12, 20]) is None


def test_hostile_shape_arithmetic_is_not_evaluated(tmp_path):
    """A ConstantOfShape and a Range of 10^20 and 10^12 elements: never built (no MemoryError),
    the layers still known."""
    path = tmp_path / "m.onnx"
    big = helper.make_tensor("k", TensorProto.INT64, [4], [10**5] * 4)
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Mul", ["s", "k"], ["t"]),
        helper.make_node("ConstantOfShape", ["t"], ["c"]),
        helper.make_node("Range", ["a", "b", "d"], ["r"]),
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3]),
    ]
    save(
        path,
        nodes,
        [1, 2, "H", "W"],
        [
            big,
            weight("w", [2, 2, 3, 3]),
            helper.make_tensor("a", TensorProto.INT64, [], [0]),
            helper.make_tensor("b", TensorProto.INT64, [], [10**12]),
            helper.make_tensor("d", TensorProto.INT64, [], [1]),
        ],
    )
    result = run("inspect", str(path), "--input-shape", "1,2,3000,3000", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"][0]["output"] == [1, 2, 2998, 2998]


def test_fix_into_a_fifo_with_force_writes_into_it(tmp_path, monkeypatch):
    """A FIFO given to --fix with --force is written into, never replaced by a file."""
    from test_inspect_onnx import small_model

    path, fifo = tmp_path / "m.onnx", tmp_path / "pipe.onnx"
    small_model(path)
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so the writer need not wait
    try:
        result = run("inspect", str(path), "--fix", str(fifo), "--force")
        assert result.exit_code == 0, result.output
        got = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert onnx.load_model_from_string(got).graph.node[0].op_type == "ConvTranspose"
    # without a reader, it says so after files.FIFO_WAIT seconds instead of waiting forever
    monkeypatch.setattr("tconv_cli.files.FIFO_WAIT", 0.2)
    alone = run("inspect", str(path), "--fix", str(fifo), "--force")
    assert (alone.exit_code, alone.stderr) == (
        1,
        f"Error: cannot write {fifo}: a FIFO that nothing reads (waited 0.2 s)\n",
    )
