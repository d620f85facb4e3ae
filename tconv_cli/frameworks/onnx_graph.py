"""ONNX graphs in tconv's words: a ConvTranspose node's attributes made explicit (pads and
output_padding, no auto_pad or output_shape), and the Pad and Slice nodes that add or remove
elements after a node. `models.onnx` (`--fix`) and `targets` (the portable form) both write
nodes with these; onnx is imported only when a graph is edited."""

from __future__ import annotations

from typing import Any

from .onnx import FRAMEWORK


def pad_slice(
    graph: Any, source: str, final: str, begins: list[int], ends: list[int], version: int
) -> list[Any]:
    """Nodes from tensor `source` to `final` that add zeros (a positive amount) or remove
    elements (a negative one) at the begin and the end of each axis: a Pad, then a Slice."""
    import onnx as module  # noqa: PLC0415 - only where an ONNX graph is edited

    helper = module.helper

    def constant(name: str, values: list[int]) -> str:
        graph.initializer.append(
            helper.make_tensor(
                f"{final}__tconv_{name}", module.TensorProto.INT64, [len(values)], values
            )
        )
        return f"{final}__tconv_{name}"

    made, data = [], source
    pads = [max(v, 0) for v in begins] + [max(v, 0) for v in ends]
    cut = [
        (axis, max(-lo, 0), hi)
        for axis, (lo, hi) in enumerate(zip(begins, ends))
        if lo < 0 or hi < 0
    ]
    if any(pads):
        out = f"{final}__tconv_padded" if cut else final
        if version < 11:
            made.append(helper.make_node("Pad", [data], [out], pads=pads))
        else:
            made.append(helper.make_node("Pad", [data, constant("pads", pads)], [out]))
        data = out
    if cut:
        starts = [start for _, start, _ in cut]
        stops = [hi if hi < 0 else 2**63 - 1 for _, _, hi in cut]
        axes = [axis for axis, _, _ in cut]
        if version < 10:
            made.append(
                helper.make_node("Slice", [data], [final], starts=starts, ends=stops, axes=axes)
            )
        else:
            made.append(
                helper.make_node(
                    "Slice",
                    [
                        data,
                        constant("starts", starts),
                        constant("ends", stops),
                        constant("axes", axes),
                    ],
                    [final],
                )
            )
    return made


def crop_nodes(node: Any, crop: Any, version: int, graph: Any) -> list[Any]:
    """Nodes after ConvTranspose `node` that add the zeros and remove the elements of `crop`
    ((begin, end) per spatial axis, positive: removed), ending in `node`'s original output."""
    final = node.output[0]
    node.output[0] = f"{final}__tconv_full"
    return pad_slice(
        graph,
        node.output[0],
        final,
        [0, 0, *(-lo for lo, _ in crop)],
        [0, 0, *(-hi for _, hi in crop)],
        version,
    )


def make_explicit(node: Any, fl: Any) -> None:
    """`node`'s geometry attributes replaced by `fl`'s, with pads and output_padding explicit."""
    import onnx as module  # noqa: PLC0415 - only where an ONNX graph is edited

    keep = [
        a
        for a in node.attribute
        if a.name
        not in (
            "auto_pad",
            "output_shape",
            "pads",
            "output_padding",
            "kernel_shape",
            "strides",
            "dilations",
            "group",
        )
    ]
    arguments: dict[str, Any] = FRAMEWORK.arguments(fl, None)
    rank = fl.rank
    pairs = fl.padding or ((0, 0),) * rank
    arguments["pads"] = [p[0] for p in pairs] + [p[1] for p in pairs]
    arguments["output_padding"] = list(fl.output_padding or (0,) * rank)
    arguments.pop("auto_pad", None)
    arguments.pop("output_shape", None)
    del node.attribute[:]
    node.attribute.extend(keep)
    for key, value in arguments.items():
        node.attribute.append(module.helper.make_attribute(key, value))
