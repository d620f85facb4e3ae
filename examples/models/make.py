"""Build decoder.onnx and unet.onnx, the small models of the README's `tconv inspect` examples.

decoder.onnx: a decoder as exporters write them: one ConvTranspose with explicit pads, one with
auto_pad=SAME_UPPER and output_padding (which runtimes have read differently), then a Conv.
unet.onnx: examples/models/unet.py's U-Net as torch.onnx.export writes it with dynamic height
and width (MaxPool down, ConvTranspose k=2 s=2 up, Concat skips), which runs only at sizes that
halve evenly three times.
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
        helper.make_node(
            "ConvTranspose",
            ["x", "w1"],
            ["a"],
            name="up1",
            kernel_shape=[4, 4],
            strides=[2, 2],
            pads=[1, 1, 1, 1],
        ),
        helper.make_node("Relu", ["a"], ["b"], name="relu1"),
        helper.make_node(
            "ConvTranspose",
            ["b", "w2"],
            ["c"],
            name="up2",
            kernel_shape=[3, 3],
            strides=[2, 2],
            auto_pad="SAME_UPPER",
            output_padding=[1, 1],
        ),
        helper.make_node("Relu", ["c"], ["d"], name="relu2"),
        helper.make_node(
            "Conv", ["d", "w3"], ["y"], name="head", kernel_shape=[3, 3], pads=[1, 1, 1, 1]
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "decoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 7, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 28, 28])],
        [
            weight("w1", [8, 4, 4, 4], 1),
            weight("w2", [4, 2, 3, 3], 2),
            weight("w3", [1, 2, 3, 3], 3),
        ],
    )
    model = helper.make_model(
        graph, producer_name="tconv examples", opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def unet(levels: int = 3, width: int = 4) -> onnx.ModelProto:
    """inc, down1…down3 (MaxPool, Conv, Relu), up1…up3 (ConvTranspose, Concat, Conv, Relu)."""
    nodes, weights, seed = [], [], iter(range(10, 1000))

    def conv(name: str, x: str, c_in: int, c_out: int) -> str:
        w = f"{name}.weight"
        weights.append(weight(w, [c_out, c_in, 3, 3], next(seed)))
        nodes.append(
            helper.make_node(
                "Conv",
                [x, w],
                [f"{name}.conv"],
                name=f"{name}.conv",
                kernel_shape=[3, 3],
                pads=[1, 1, 1, 1],
            )
        )
        nodes.append(helper.make_node("Relu", [f"{name}.conv"], [name], name=f"{name}.relu"))
        return name

    x = conv("inc", "x", 3, width)
    skips, channels = [(x, width)], width
    for level in range(1, levels + 1):
        name = f"down{level}"
        nodes.append(
            helper.make_node(
                "MaxPool",
                [x],
                [f"{name}.pool"],
                name=f"{name}.pool",
                kernel_shape=[2, 2],
                strides=[2, 2],
            )
        )
        x = conv(name, f"{name}.pool", channels, channels * 2)
        channels *= 2
        skips.append((x, channels))
    skips.pop()
    for level in range(1, levels + 1):
        name = f"up{level}"
        skip, half = skips.pop()
        w = f"{name}.up.weight"
        weights.append(weight(w, [channels, half, 2, 2], next(seed)))
        nodes.append(
            helper.make_node(
                "ConvTranspose",
                [x, w],
                [f"{name}.up"],
                name=f"{name}.up",
                kernel_shape=[2, 2],
                strides=[2, 2],
            )
        )
        nodes.append(
            helper.make_node(
                "Concat", [f"{name}.up", skip], [f"{name}.cat"], name=f"{name}.cat", axis=1
            )
        )
        x = conv(name, f"{name}.cat", 2 * half, half)
        channels = half
    weights.append(weight("outc.weight", [1, channels, 1, 1], next(seed)))
    nodes.append(
        helper.make_node("Conv", [x, "outc.weight"], ["y"], name="outc", kernel_shape=[1, 1])
    )
    graph = helper.make_graph(
        nodes,
        "unet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1, "height", "width"])],
        weights,
    )
    model = helper.make_model(
        graph, producer_name="tconv examples", opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    folder = Path(__file__).parent
    onnx.save(build(), str(folder / "decoder.onnx"))
    onnx.save(unet(), str(folder / "unet.onnx"))
