"""Build decoder.onnx, the small model of the README's `tconv inspect` example.

A decoder as exporters write them: one ConvTranspose with explicit pads, one with
auto_pad=SAME_UPPER and output_padding (which runtimes have read differently), then a Conv.
Run from the repository root:  python examples/models/make.py
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper


def weight(name: str, shape: list[int], seed: int):
    values = np.random.default_rng(seed).normal(0, 0.1, shape).astype(np.float32)
    return helper.make_tensor(name, TensorProto.FLOAT, shape, values.ravel())


def build() -> onnx.ModelProto:
    nodes = [
        helper.make_node("ConvTranspose", ["x", "w1"], ["a"], name="up1", kernel_shape=[4, 4],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["b"], name="relu1"),
        helper.make_node("ConvTranspose", ["b", "w2"], ["c"], name="up2", kernel_shape=[3, 3],
                         strides=[2, 2], auto_pad="SAME_UPPER", output_padding=[1, 1]),
        helper.make_node("Relu", ["c"], ["d"], name="relu2"),
        helper.make_node("Conv", ["d", "w3"], ["y"], name="head", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(
        nodes, "decoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 7, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 28, 28])],
        [weight("w1", [8, 4, 4, 4], 1), weight("w2", [4, 2, 3, 3], 2),
         weight("w3", [1, 2, 3, 3], 3)])
    model = helper.make_model(graph, producer_name="tconv examples",
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(build(), str(Path(__file__).with_name("decoder.onnx")))
