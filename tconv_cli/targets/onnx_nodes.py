"""The portable ONNX form of a model's ConvTranspose nodes, for `tconv inspect --target X --fix`:
explicit pads and output_padding, no auto_pad or output_shape, and a Pad and/or Slice node after
a node where the target needs one. Imports onnx (the `onnx` extra)."""

from __future__ import annotations

from typing import Any


def node_name(node: Any, index: int) -> str:
    """A node's name as tconv's inspection reports it."""
    return node.name or f"{node.op_type}#{index}"


def rewrite(model: Any, planned: list[tuple[Any, Any]]) -> list[str]:
    """Rewrite each planned ConvTranspose of `model` (in place) into its target's portable
    form; `planned` pairs an inspected layer with its plan (None: left as it is). Returns the
    names of the nodes rewritten."""
    from . import onnx_form  # noqa: PLC0415 - the registry imports this module lazily

    graph = model.graph
    plans = {ml.name: p for ml, p in planned if p is not None and p.verdict != "refused"}
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    nodes, done = [], []
    for index, node in enumerate(graph.node):
        nodes.append(node)
        name = node_name(node, index)
        if node.op_type != "ConvTranspose" or name not in plans:
            continue
        fl, crop = onnx_form(plans[name])
        _attributes(node, fl)
        if any(lo or hi for lo, hi in crop):
            nodes.extend(_crop_nodes(node, crop, opset, graph))
        done.append(name)
    del graph.node[:]
    graph.node.extend(nodes)
    return done


def _attributes(node: Any, fl: Any) -> None:
    """`node`'s geometry attributes replaced by `fl`'s, pads and output_padding explicit."""
    import onnx  # noqa: PLC0415

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
    values = {
        "kernel_shape": list(fl.kernel),
        "strides": list(fl.stride),
        "dilations": list(fl.dilation),
        "pads": [lo for lo, _ in fl.padding] + [hi for _, hi in fl.padding],
        "output_padding": list(fl.output_padding),
        "group": fl.groups,
    }
    del node.attribute[:]
    node.attribute.extend(keep)
    for key, value in values.items():
        node.attribute.append(onnx.helper.make_attribute(key, value))


def _crop_nodes(node: Any, crop: Any, opset: int, graph: Any) -> list:
    """A Pad (zeros to add) and a Slice (elements to remove) after `node`, ending in its
    original output name."""
    import onnx  # noqa: PLC0415

    helper = onnx.helper
    final = node.output[0]
    data = node.output[0] = f"{final}__tconv_full"
    made = []

    def constant(name: str, values: list[int]) -> str:
        unique = f"{final}__tconv_{name}"
        graph.initializer.append(
            helper.make_tensor(unique, onnx.TensorProto.INT64, [len(values)], values)
        )
        return unique

    begins, ends = [max(-lo, 0) for lo, _ in crop], [max(-hi, 0) for _, hi in crop]
    if any(begins) or any(ends):
        padded = f"{final}__tconv_padded"
        pads = [0, 0, *begins, 0, 0, *ends]
        made.append(
            helper.make_node("Pad", [data], [padded], pads=pads)
            if opset < 11
            else helper.make_node("Pad", [data, constant("pads", pads)], [padded])
        )
        data = padded
    cut = [(axis + 2, lo, hi) for axis, (lo, hi) in enumerate(crop) if lo > 0 or hi > 0]
    if cut:
        starts = [max(lo, 0) for _, lo, _ in cut]
        stops = [-hi if hi > 0 else 2**63 - 1 for _, _, hi in cut]
        axes = [axis for axis, _, _ in cut]
        made.append(
            helper.make_node("Slice", [data], [final], starts=starts, ends=stops, axes=axes)
            if opset < 10
            else helper.make_node(
                "Slice",
                [data, constant("starts", starts), constant("ends", stops), constant("axes", axes)],
                [final],
            )
        )
    else:
        made[-1].output[0] = final
    return made


def write_portable(
    source: str, output: str, layers: list[Any], name: str, force: bool = False
) -> tuple[list[str], list[str]]:
    """Write a copy of the ONNX file `source` to `output` whose ConvTranspose nodes are in the
    portable form for the target `name` (`layers`: the inspection's). Returns the nodes
    rewritten and, with why, those left as they are."""
    from pathlib import Path

    import onnx  # noqa: PLC0415

    from ..files import check_writable, write_atomically
    from . import node_plans

    target = Path(output)
    check_writable(target, force, "fix")
    model = onnx.load(source)
    planned = list(node_plans(layers, name))
    skipped = [f"{ml.name}: {'; '.join(told)}" for ml, p, told in planned if p is None]
    skipped += [
        f"{ml.name}: {p.why}" for ml, p, _ in planned if p is not None and p.verdict == "refused"
    ]
    done = rewrite(model, [(ml, p) for ml, p, _ in planned])
    data = model.SerializeToString()
    write_atomically(target, lambda stream: stream.write(data))
    return done, skipped
