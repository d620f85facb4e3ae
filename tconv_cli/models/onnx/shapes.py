"""Every tensor's shape at one input shape: onnx's own shape inference (strict, with data
propagation) on a light copy of the graph, held against tconv's arithmetic for the conv-like
nodes; where they differ tconv's value wins and what follows is inferred from it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from ..record import ModelLayer
from .fold import ROUNDS, Folder
from .fold import constants as folded_constants
from .layers import LISTED, Listed, finish_resize, listed, sizes
from .read import Shape, attributes, constants, declared, first_input, onnx, opset

STANDARD = ("", "ai.onnx")
BIG = 1024  # elements: initializers at least this large keep only their shape in the copy
_FAILED = re.compile(r"\(op_type:[^,)]*, node name: n(\d+)\): (.*)")


@dataclass
class Inferred:
    """One run of onnx's shape inference: every tensor's shape, and the first node it refuses
    (an index into the graph's nodes) with its words."""

    shapes: dict[str, Shape]
    failed: Optional[int] = None
    reason: Optional[str] = None
    types: dict[str, int] = field(default_factory=dict)  # element types


@dataclass
class Walk:
    """The shapes at one input shape, with tconv's arithmetic held against onnx's inference."""

    shape: list[int]
    shapes: dict[str, Shape]
    listed: list[Listed]
    failed: Optional[int] = None  # the first node that cannot run
    reason: Optional[str] = None  # why, in onnx's or tconv's words
    disagreed: dict[int, Shape] = field(default_factory=dict)  # what onnx's inference gave
    nodes: list = field(default_factory=list)  # the graph's nodes, as edited for this walk


class Skeleton:
    """The graph without its large weights (their shapes stay), every node named by its index:
    what onnx's inference runs on, once per input shape asked."""

    def __init__(self, model):
        module = onnx()
        self.onnx = module
        self.opset = opset(model)
        self.nodes = list(model.graph.node)
        self.names = [
            node.name or f"{node.op_type}#{index}" for index, node in enumerate(self.nodes)
        ]
        self.attrs = [attributes(node) for node in self.nodes]
        self.values = constants(model)
        functions = {(f.domain, f.name) for f in model.functions}
        self.custom = [
            index
            for index, node in enumerate(self.nodes)
            if node.domain not in STANDARD and (node.domain, node.op_type) not in functions
        ]
        self.first = first_input(model)
        light = module.ModelProto()
        light.ir_version = model.ir_version
        light.opset_import.extend(model.opset_import)
        light.functions.extend(model.functions)
        graph = light.graph
        source = model.graph
        graph.name = source.name
        graph.input.extend(source.input)
        names = {v.name for v in source.input}
        for tensor in source.initializer:
            if _count(tensor.dims) >= BIG or tensor.data_location == tensor.EXTERNAL:
                if tensor.name not in names:
                    graph.input.append(
                        module.helper.make_tensor_value_info(
                            tensor.name, tensor.data_type, list(tensor.dims)
                        )
                    )
            else:
                graph.initializer.append(tensor)
        graph.sparse_initializer.extend(source.sparse_initializer)
        for index, node in enumerate(source.node):
            copy = graph.node.add()
            copy.CopyFrom(node)
            copy.name = f"n{index}"
        # the file's declared shapes: only where nothing can infer them (a custom node's outputs)
        kept = {o for index in self.custom for o in self.nodes[index].output}
        self.declared = {
            v.name: declared(v)
            for v in list(source.value_info) + list(source.output)
            if v.name in kept
        }
        graph.value_info.extend(v for v in source.value_info if v.name in kept)
        for output in source.output:
            copy = graph.output.add()
            copy.name = output.name
            if output.name in kept:
                copy.CopyFrom(output)
            elif output.type.HasField("tensor_type"):
                copy.type.tensor_type.elem_type = output.type.tensor_type.elem_type
            else:
                copy.type.CopyFrom(output.type)
        self.light = light
        self.folder = Folder(self)
        self.folds = any(node.op_type in ("Shape", "Size") for node in self.nodes)
        self.types: dict[int, int] = {}  # the element type of each adjusted node's output
        self.initializers = {t.name: list(t.dims) for t in source.initializer}
        self.consumers: dict[str, list[int]] = {}
        self.producer: dict[str, int] = {}
        for index, node in enumerate(self.nodes):
            for name in node.input:
                self.consumers.setdefault(name, []).append(index)
            for name in node.output:
                self.producer[name] = index

    # -- onnx's inference ---------------------------------------------------------------------

    def infer(
        self, model, shape: Sequence[int], adjust: Optional[dict[int, Shape]] = None
    ) -> Inferred:
        """onnx's inference on `model` (the light copy, or an edited copy of it) with the first
        input of `shape`; `adjust` makes a node's output tconv's shape."""
        if adjust:
            copy = self.onnx.ModelProto()
            copy.CopyFrom(model)
            model = copy
            for index, want in adjust.items():
                _adjust(self.onnx, model, index, want, self.types.get(index, 0))
        if self.first is not None and shape:
            if not adjust:
                copy = self.onnx.ModelProto()
                copy.CopyFrom(model)
                model = copy
            _set_shape(next(v for v in model.graph.input if v.name == self.first.name), shape)
        inferred = self._infer(model)
        if not self.folds:
            return inferred
        known = dict(self.values)
        for _ in range(ROUNDS):  # shape arithmetic onnx's data propagation leaves out
            found = self.folder.values(model, inferred.shapes, known)
            found = {k: v for k, v in found.items() if k not in known}
            if not found:
                break
            known.update(found)
            folded_constants(self.onnx, model, found)
            inferred = self._infer(model)
        return inferred

    def _infer(self, model) -> Inferred:
        inference = self.onnx.shape_inference
        try:
            done = inference.infer_shapes(model, strict_mode=True, data_prop=True)
            return Inferred(self._shapes(done), types=_types(done))
        except Exception as error:  # InferenceError, or what a hostile file makes it raise
            text = " ".join(str(error).split())
        found = _FAILED.search(text)
        try:
            done = inference.infer_shapes(model, strict_mode=False, data_prop=True)
            shapes, types = self._shapes(done), _types(done)
        except Exception:
            shapes, types = {v.name: declared(v) for v in model.graph.input}, {}
        if found is None:
            return Inferred(shapes, None, text, types)
        reason = found.group(2).split(" (op_type:")[0]
        reason = reason.replace("[ShapeInferenceError] ", "").replace("[TypeInferenceError] ", "")
        return Inferred(shapes, int(found.group(1)), reason.strip(), types)

    def _shapes(self, model) -> dict[str, Shape]:
        shapes: dict[str, Shape] = dict(self.declared)
        shapes.update(self.initializers)
        graph = model.graph
        for value in (*graph.input, *graph.value_info, *graph.output):
            if value.type.HasField("tensor_type"):
                found = declared(value)
                if found is not None or value.name not in shapes:
                    shapes[value.name] = found
        return shapes

    # -- tconv's arithmetic held against it ---------------------------------------------------

    def walk(self, shape: Sequence[int], edit: Optional[Callable[[Any], None]] = None) -> Walk:
        """Every tensor's shape at `shape`; a conv-like node whose output onnx's inference gives
        otherwise than tconv's arithmetic gets tconv's, and the graph is inferred again from
        it (once per such node)."""
        model, attrs, nodes = self.light, self.attrs, self.nodes
        if edit is not None:  # a fix tried: the edited nodes are what tconv reads
            model = self.onnx.ModelProto()
            model.CopyFrom(self.light)
            edit(model)
            attrs, nodes = list(attrs), list(nodes)
            for node in model.graph.node:
                if node.name[:1] == "n":
                    nodes[int(node.name[1:])] = node
                    if node.op_type in LISTED:
                        attrs[int(node.name[1:])] = attributes(node)
        adjust: dict[int, Shape] = {}
        disagreed: dict[int, Shape] = {}
        while True:
            inferred = self.infer(model, shape, adjust)
            walk = self._hold(shape, inferred, nodes, attrs, adjust, disagreed)
            if walk is not None:
                walk.nodes = nodes
                return walk

    def _hold(self, shape, inferred: Inferred, nodes, attrs, adjust, disagreed) -> Optional[Walk]:
        shapes = inferred.shapes
        failed, reason = inferred.failed, inferred.reason
        found = []
        for index, node in enumerate(nodes):
            if failed is not None and index > failed:
                break
            if node.domain not in STANDARD or node.op_type not in LISTED:
                if index in self.custom:
                    found.append(self._custom(index, shapes))
                continue
            x = shapes.get(node.input[0]) if node.input else None
            weight = shapes.get(node.input[1]) if len(node.input) > 1 and node.input[1] else None
            item = listed(
                index, node, self.names[index], attrs[index], x, weight, self.values, self.opset
            )
            out = node.output[0] if node.output else ""
            theirs = disagreed.get(index, shapes.get(out))
            if item.output is None:
                if node.op_type in ("Resize", "Upsample") and not item.layer.warnings:
                    finish_resize(item.layer, x, theirs)
                else:
                    item.layer.output = item.layer.output or theirs
                item.output = item.layer.output
            elif None not in item.output and _differ(item.output, theirs):
                if index not in adjust:
                    adjust[index] = item.output
                    self.types[index] = inferred.types.get(node.input[0], 0)
                    disagreed[index] = theirs
                    return None  # inferred again, from tconv's value
                if not item.explains_inference:
                    item.layer.warnings.append(_disagree(item.output, theirs))
            if item.layer.output is None:
                item.layer.output = item.output
            if (failed is None or index < failed) and _empty(item):
                failed, reason = index, _empty(item)
            found.append(item)
            if failed == index:
                break
        if failed is not None:
            found = [item for item in found if item.index <= failed]
        if failed is not None and inferred.failed != failed:
            shapes = {
                name: value
                for name, value in shapes.items()
                if self.producer.get(name, -1) <= failed
            }
        return Walk(list(shape), shapes, found, failed, reason, dict(disagreed))

    def _custom(self, index: int, shapes) -> Listed:
        node = self.nodes[index]
        out = shapes.get(node.output[0]) if node.output else None
        x = shapes.get(node.input[0]) if node.input else None
        said = (
            "its outputs are the file's declared shapes"
            if out is not None
            else "its outputs are unknown (the file declares no shape for them)"
        )
        layer = ModelLayer(
            self.names[index],
            f"{node.domain}.{node.op_type}",
            input=x,
            output=out,
            warnings=[
                f"no shape inference for {node.domain}.{node.op_type} (a custom domain): {said}"
            ],
        )
        return Listed(index, layer, out)


def _types(model) -> dict[str, int]:
    graph = model.graph
    return {
        v.name: v.type.tensor_type.elem_type
        for v in (*graph.input, *graph.value_info)
        if v.type.HasField("tensor_type")
    }


def _differ(ours: list, theirs: Shape) -> bool:
    if theirs is None or len(theirs) != len(ours):
        return True
    return any(t is None or t != o for o, t in zip(ours, theirs))


def _disagree(ours: list, theirs: Shape) -> str:
    said = "no shape" if theirs is None else sizes("?" if v is None else v for v in theirs)
    return (
        f"onnx's shape inference gives {said} here; tconv gives {sizes(ours)} from "
        "the node's attributes as the spec defines them, and the shapes after it follow "
        "tconv's"
    )


def _empty(item: Listed) -> Optional[str]:
    """Why a listed node cannot run at this size (an empty output, negative scales)."""
    if item.refused:
        return item.refused
    for warning in item.layer.warnings:
        if warning.startswith("the output would be empty") or "must be positive" in warning:
            return warning
    return None


def _set_shape(value, shape: Sequence[int]) -> None:
    tensor = value.type.tensor_type
    dims = tensor.shape.dim
    del dims[:]
    for size in shape:
        dims.add().dim_value = int(size)


def _adjust(module, model, index: int, want: list, elem_type: int) -> None:
    """The output of node `n{index}` of `model` replaced by a tensor of shape `want` and the
    same type (only the shape matters: this copy is never run)."""
    graph = model.graph
    position = next(p for p, node in enumerate(graph.node) if node.name == f"n{index}")
    node = graph.node[position]
    final = node.output[0]
    node.output[0] = f"{final}__tconv_inferred"
    dims = f"{final}__tconv_shape"
    graph.initializer.append(
        module.helper.make_tensor(dims, module.TensorProto.INT64, [len(want)], want)
    )
    value = module.helper.make_tensor("value", elem_type or module.TensorProto.FLOAT, [1], [0])
    graph.node.insert(
        position + 1,
        module.helper.make_node("ConstantOfShape", [dims], [final], name=f"t{index}", value=value),
    )


def _count(dims) -> int:
    total = 1
    for d in dims:
        total *= d
    return total
