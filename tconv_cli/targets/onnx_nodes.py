"""The portable ONNX form of a model's ConvTranspose nodes, for `tconv inspect --target X --fix`:
explicit pads and output_padding, no auto_pad or output_shape, and a Pad and/or Slice node after
a node where the target needs one. Imports onnx (the `onnx` extra)."""

from __future__ import annotations

from typing import Any

from ..frameworks.onnx_graph import crop_nodes, make_explicit


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
        make_explicit(node, fl)
        if any(lo or hi for lo, hi in crop):
            nodes.extend(crop_nodes(node, crop, opset, graph))
        done.append(name)
    del graph.node[:]
    graph.node.extend(nodes)
    return done


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
