"""Measure `tconv inspect` on an ONNX file of about 100 nodes against its targets, in this
process: a U-Net as exporters write it (Conv, BatchNormalization, Relu, MaxPool down;
ConvTranspose up; attention gates; Concat skips; dynamic H and W), built with onnx.helper.

A. A size that runs: the whole inspection (read, onnx's shape inference, tconv's arithmetic held
   against it, every join checked), against `onnx.load` + `onnx.shape_inference.infer_shapes`
   alone. Target: ≤ 1 s.
B. A size that fails at a join: the same, plus the fix (re-inferred per change) and the
   nearest inputs (a bounded search). Target: ≤ 1 s.
C. The whole command, `python -m tconv_cli inspect … --input-shape` (B's size) in a new
   process, against `python -c "import onnx"` (what loading onnx alone costs).

    PYTHONPATH=. python benchmarks/inspect_onnx.py [--runs 5] [--depth 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from tconv_cli.models import onnx as onnx_models

TARGET = 1.0  # seconds


def unet(depth: int, width: int = 8) -> onnx.ModelProto:
    nodes, inits = [], []
    count = iter(range(10**6))

    def tensor(shape):
        name = f"w{next(count)}"
        inits.append(
            helper.make_tensor(
                name, TensorProto.FLOAT, shape, np.full(int(np.prod(shape)), 0.01, np.float32)
            )
        )
        return name

    def block(x, c_in, c_out):
        for _ in range(2):
            y = f"t{next(count)}"
            nodes.append(
                helper.make_node(
                    "Conv",
                    [x, tensor([c_out, c_in, 3, 3])],
                    [y],
                    kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1],
                )
            )
            z = f"t{next(count)}"
            nodes.append(
                helper.make_node(
                    "BatchNormalization",
                    [y, tensor([c_out]), tensor([c_out]), tensor([c_out]), tensor([c_out])],
                    [z],
                )
            )
            x = f"t{next(count)}"
            nodes.append(helper.make_node("Relu", [z], [x]))
            c_in = c_out
        return x

    x, c, skips = "x", 3, []
    for level in range(depth):
        x = block(x, c, width << level)
        c = width << level
        skips.append((x, c))
        pooled = f"t{next(count)}"
        nodes.append(
            helper.make_node("MaxPool", [x], [pooled], kernel_shape=[2, 2], strides=[2, 2])
        )
        x = pooled
    x = block(x, c, c)
    for skip, channels in reversed(skips):
        up = f"t{next(count)}"
        nodes.append(
            helper.make_node(
                "ConvTranspose",
                [x, tensor([c, channels, 2, 2])],
                [up],
                kernel_shape=[2, 2],
                strides=[2, 2],
            )
        )
        gate, weight = f"t{next(count)}", f"t{next(count)}"
        nodes.append(
            helper.make_node(
                "Conv", [up, tensor([channels, channels, 1, 1])], [gate], kernel_shape=[1, 1]
            )
        )
        nodes.append(helper.make_node("Sigmoid", [gate], [weight]))
        gated = f"t{next(count)}"
        nodes.append(helper.make_node("Mul", [skip, weight], [gated]))
        joined = f"t{next(count)}"
        nodes.append(helper.make_node("Concat", [up, gated], [joined], axis=1))
        x, c = block(joined, 2 * channels, channels), channels
    nodes.append(helper.make_node("Conv", [x, tensor([1, c, 1, 1])], ["y"], kernel_shape=[1, 1]))
    graph = helper.make_graph(
        nodes,
        "unet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, "H", "W"])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def timed(function, runs: int) -> float:
    function()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (median)")
    parser.add_argument("--depth", type=int, default=5, help="U-Net levels (5: about 100 nodes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "unet.onnx")
        model = unet(args.depth)
        onnx.save(model, path)
        side = 32 << args.depth
        good, bad = [1, 3, side, side], [1, 3, side + 5, side - 3]
        print(
            f"{len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers; "
            f"runs at {good[2]}×{good[3]}, fails at {bad[2]}×{bad[3]}"
        )

        def reference():
            loaded = onnx.load(path)
            del loaded.graph.input[0].type.tensor_type.shape.dim[2:]
            for size in good[2:]:
                loaded.graph.input[0].type.tensor_type.shape.dim.add().dim_value = size
            onnx.shape_inference.infer_shapes(loaded, strict_mode=True, data_prop=True)

        base = timed(reference, args.runs)
        print(f"reference (onnx.load + infer_shapes): {base * 1000:.1f} ms")
        for label, shape in (("A. runs", good), ("B. fails", bad)):
            seconds = timed(
                lambda shape=shape: onnx_models.inspect(path, input_shape=shape), args.runs
            )
            inspection = onnx_models.inspect(path, input_shape=shape)
            said = (
                "exit 0"
                if inspection.error is None
                else (
                    f"exit 1, {len(inspection.error['fix'])} fix lines, inputs "
                    f"{inspection.error['inputs']}"
                )
            )
            print(
                f"{label}: {seconds * 1000:.1f} ms ({said}); ratio to reference "
                f"{seconds / base:.1f}; target ≤ {TARGET:g} s: "
                f"{'met' if seconds <= TARGET else 'NOT met'}"
            )
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": root}
        command = [
            sys.executable,
            "-m",
            "tconv_cli",
            "inspect",
            path,
            "--input-shape",
            ",".join(map(str, bad)),
        ]
        whole = timed(lambda: subprocess.run(command, capture_output=True, env=env), args.runs)
        onnx_alone = timed(
            lambda: subprocess.run([sys.executable, "-c", "import onnx"], env=env), args.runs
        )
        print(
            f"C. the command: {whole * 1000:.0f} ms; python -c 'import onnx': "
            f"{onnx_alone * 1000:.0f} ms; ratio {whole / onnx_alone:.2f}"
        )


if __name__ == "__main__":
    main()
