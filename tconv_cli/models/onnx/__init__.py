"""ONNX files: every tensor's shape at an input shape, every conv-like node in tconv's record,
every join checked; when one cannot run, the layers that made its sides, the change that makes
it run and the nearest inputs that need none; `fix` writes the changed file.

onnx's own shape inference gives the shapes (`shapes`); tconv's arithmetic explains the
Conv, ConvTranspose, pooling and Resize nodes (`layers`) and is held against it; `joins` says
which join fails and why; `fixes` finds and writes the change; `nearest` the inputs that run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ...errors import NoAnswer, ParameterError
from ...frameworks.onnx_graph import crop_nodes, make_explicit
from ..record import Inspection, error_record
from . import fixes, joins
from .layers import IMPORTERS, sizes
from .nearest import nearest
from .read import input_shape, load, opset
from .shapes import Skeleton, Walk

__all__ = ["IMPORTERS", "Fixed", "fix", "inspect", "load"]

_sizes = sizes  # the name the tests have used


@dataclass
class Analysis:
    inspection: Inspection
    skeleton: Skeleton
    walk: Walk
    repair: Optional[fixes.Repair] = None


def inspect(source: str, *, input_shape: Optional[Sequence[int]] = None) -> Inspection:
    """Every conv-like node of the ONNX file `source`, its shapes from `input_shape` (the whole
    shape of the graph's first input) or the graph's declared input; every join checked."""
    return analyse(load(source), source, input_shape).inspection


def analyse(model, source: str, given: Optional[Sequence[int]]) -> Analysis:
    """The inspection of `model` at the input shape `given`; a file tconv cannot follow (what
    a hostile or broken file makes onnx or tconv raise) is a `NoAnswer`, never a traceback."""
    try:
        return _analyse(model, source, given)
    except (ParameterError, NoAnswer):
        raise
    except Exception as error:  # noqa: BLE001 - whatever a hostile file makes them raise
        text = " ".join(str(error).split())[:200]
        raise NoAnswer(
            f"tconv cannot follow {source}: {type(error).__name__}: {text} (a "
            "damaged file, or a case tconv does not know: please report it)"
        ) from None


def _analyse(model, source: str, given: Optional[Sequence[int]]) -> Analysis:
    skeleton = Skeleton(model)
    shape = input_shape(model, source, given)
    walk = skeleton.walk(shape or [])
    inspection = Inspection(source, [item.layer for item in walk.listed])
    how = _how(skeleton, walk)
    if how:
        inspection.notes.append(how)
    analysis = Analysis(inspection, skeleton, walk)
    if walk.failed is not None:
        inspection.error, analysis.repair = _error(skeleton, walk)
    return analysis


def _how(skeleton: Skeleton, walk: Walk) -> Optional[str]:
    """A note when the shapes are not all known, or onnx's inference was overruled without a
    warning that says so."""
    unknown = [
        item.layer.name
        for item in walk.listed
        if item.layer.output is None or None in item.layer.output
    ]
    told = []
    if unknown:
        told.append(
            f"{len(unknown)} of {len(walk.listed)} layers have unknown sizes "
            f"({', '.join(unknown[:3])}{', …' if len(unknown) > 3 else ''})"
        )
    silent = [
        skeleton.names[item.index]
        for item in walk.listed
        if item.index in walk.disagreed and not item.explains_inference
    ]
    if silent:
        told.append(
            f"onnx's shape inference differs at {', '.join(silent)}: tconv's value is used after it"
        )
    if walk.failed is None and walk.reason:
        told.append(f"onnx's shape inference stopped short: {walk.reason[:200]}")
    return "; ".join(told) or None


def _error(skeleton: Skeleton, walk: Walk) -> tuple[dict, Optional[fixes.Repair]]:
    index = walk.failed
    node = skeleton.nodes[index]
    name = skeleton.names[index]
    found = fixes.failure(skeleton, walk)
    error = error_record(f"{name} ({node.op_type}) cannot run: {walk.reason}")
    if found is not None:
        inputs = list(node.input[: len(found.shapes)])
        shown = " and ".join(sizes(_dims(s)) for s in found.shapes)
        error["message"] = f"{name} ({node.op_type}) cannot run on {shown}: {found.words}"
        error["join"] = {
            "name": name,
            "op": node.op_type,
            "shapes": found.shapes,
            "axis": found.axis,
        }
        error["upstream"] = [
            [skeleton.names[i] for i in joins.upstream(skeleton, walk, tensor)] for tensor in inputs
        ]
        error["sources"] = [joins.source(skeleton, tensor) for tensor in inputs]
        error["sizes"] = {tensor: walk.shapes.get(tensor) for tensor in inputs}
        layer = fixes.responsible(skeleton, walk, found)[1]
        named = [skeleton.names[layer]] if layer is not None else []
        for side in error["upstream"]:
            named += [each for each in side[:1] if each not in named]
        error["layers"] = named
    else:  # a node's own rule (an empty window, an attribute onnx refuses)
        error["layers"] = [name]
        error["sizes"] = {tensor: walk.shapes.get(tensor) for tensor in node.input[:1] if tensor}
    repaired = fixes.repair(skeleton, walk) if found is not None else None
    if repaired is not None:
        error["changes"] = [edit.change for edit in repaired.edits]
        error["fix"] = [edit.line for edit in repaired.edits]
        if repaired.edits and not repaired.runs:
            error["fix"].append(f"with these, it still fails at {repaired.still}")
    error["inputs"] = nearest(skeleton, walk)
    shown = [
        sizes(v) for v in (error["inputs"]["below"], error["inputs"]["above"]) if v is not None
    ]
    if shown:
        said = f"an input that needs no change: {' or '.join(shown)}"
        error["fix"].append(f"or {said}" if error["fix"] else said)
    else:
        error["fix"].append("no input shape near this one runs as the model is")
    return error, repaired


def _dims(shape) -> list:
    return ["?" if d is None else d for d in shape]


# ---------------------------------------------------------------------------------------------
# Writing the fixed file.


@dataclass
class Fixed:
    inspection: Inspection
    rewritten: list[str]  # the nodes rewritten
    skipped: list[str]  # flagged nodes that could not be (with why)


def fix(
    source: str, output: str, *, input_shape: Optional[Sequence[int]] = None, force: bool = False
) -> Fixed:
    """Write a copy of `source` to `output` that runs at the input shape: every flagged
    ConvTranspose with explicit `pads` and `output_padding` and no `auto_pad`/`output_shape`
    (a Pad or Slice node after it where no single node can: zeros the spec adds), and the
    changes that make each failing join run."""
    from ...files import check_writable, write_atomically
    from ...frameworks import port

    target = Path(output)
    check_writable(target, force, "fix")
    model = load(source)
    analysis = analyse(model, source, input_shape)
    graph = model.graph
    version = opset(model)
    rewritten, skipped, after = [], [], {}
    edits = analysis.repair.edits if analysis.repair is not None else []
    changed = {edit.index for edit in edits}
    nodes = list(graph.node)
    for item in analysis.walk.listed:
        if not item.flagged or item.layer.op != "ConvTranspose" or item.index in changed:
            continue
        if item.source is None:
            skipped.append(
                f"{item.layer.name}: its input size is unknown or no runtime computes it"
            )
            continue
        ported = port(item.source, "onnx")
        node = nodes[item.index]
        make_explicit(node, ported.layer)
        if not ported.exact:
            after[item.index] = crop_nodes(node, ported.crop, version, graph)
        rewritten.append(item.layer.name)
    rewritten += [
        analysis.skeleton.names[e.index]
        for e in edits
        if analysis.skeleton.names[e.index] not in rewritten
    ]
    if analysis.repair is not None and not analysis.repair.runs:
        skipped.append(
            f"the model still fails at {analysis.repair.still or 'a join'}: tconv "
            "found no change that makes it run"
        )
    fixes.apply(model, edits, version, after)
    data = model.SerializeToString()
    write_atomically(target, lambda stream: stream.write(data))  # a FIFO: written into
    return Fixed(analysis.inspection, rewritten, skipped)
