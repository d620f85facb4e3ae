"""What makes a failing model run: for each join that cannot run, the change to the layer
responsible (a ConvTranspose's output_padding or pads, a Resize's sizes) or a Pad/Slice where
no attribute can, tried by inferring the shapes again; and the graph edits that write it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Optional

from ...frameworks.onnx_graph import pad_slice
from .joins import BROADCAST, Mismatch, mismatch, upstream
from .layers import UP, sizes
from .read import onnx

MAX_CHANGES = 32  # joins repaired, at most, before tconv says what still fails


@dataclass
class Edit:
    """One change to node `index` of the graph: `change` in the error's words."""

    index: int
    change: dict
    line: str


@dataclass
class Repair:
    edits: list[Edit] = field(default_factory=list)
    deltas: dict[int, dict[int, int]] = field(default_factory=dict)  # layer → axis → change
    origin: dict[int, Any] = field(default_factory=dict)  # a changed layer as the file has it
    runs: bool = False  # the model runs at the shape with every edit
    still: Optional[str] = None  # what fails after them, when it does


def repair(skeleton, walk) -> Repair:
    """The edits that make the model run at `walk`'s shape, one per failing join in turn."""
    done = Repair()
    current = walk
    while len(done.edits) < MAX_CHANGES:
        if current.failed is None:
            done.runs = True
            return done
        found = failure(skeleton, current)
        if found is None:
            break
        edit = _edit(skeleton, current, found, done)
        if edit is None:
            break
        key = (edit.index, edit.change.get("input"))
        before, previous = done.edits, current
        done.edits = [e for e in done.edits if (e.index, e.change.get("input")) != key] + [edit]
        edits = list(done.edits)
        current = skeleton.walk(
            walk.shape, edit=functools.partial(_apply_to, edits=edits, opset=skeleton.opset)
        )
        again = failure(skeleton, current) if current.failed is not None else None
        if (
            again is not None
            and "set" in edit.change
            and (again.index, again.axis, again.shapes) == (found.index, found.axis, found.shapes)
        ):
            # the layer's change did not reach the join (a transpose between?): undone, and
            # the join's input padded or cropped instead
            done.edits, current = before, previous
    if current.failed is not None:
        done.still = f"{skeleton.names[current.failed]}: {current.reason}"
    return done


def failure(skeleton, walk) -> Optional[Mismatch]:
    """The join mismatch at `walk`'s failing node, when it is a join."""
    index = walk.failed
    node = walk.nodes[index]
    shapes = [walk.shapes.get(name) if name else None for name in node.input]
    return mismatch(index, node, skeleton.attrs[index], shapes)


def responsible(skeleton, walk, found: Mismatch) -> tuple[int, Optional[int]]:
    """Which input of the join must change (the side an up layer made, else the one computed
    last) and the conv-like node that made it (None: no layer, a Pad/Slice)."""
    node = skeleton.nodes[found.index]
    sides = [p for p, axis in enumerate(found.sides) if axis is not None]
    best, best_key, layer = sides[-1], None, None
    for position in sides:
        name = node.input[position]
        ups = upstream(skeleton, walk, name, limit=1)
        first = ups[0] if ups else None
        is_up = first is not None and skeleton.nodes[first].op_type in UP
        key = (is_up, skeleton.producer.get(name, -1))
        if best_key is None or key > best_key:
            best, best_key, layer = position, key, first if is_up else None
    return best, layer


def _edit(skeleton, walk, found: Mismatch, done: Repair) -> Optional[Edit]:
    """The change for one failing join: to its responsible layer (its earlier changes on other
    axes kept), else a Pad/Slice of the join's input."""
    position, layer_index = responsible(skeleton, walk, found)
    axis = found.sides[position]
    shape = found.shapes[position]
    want = _wanted(found, position)
    delta = want - shape[axis]
    deltas = {} if layer_index is None else done.deltas.setdefault(layer_index, {})
    if layer_index is not None and axis not in deltas:
        out = walk.shapes.get(skeleton.nodes[layer_index].output[0])
        if out is not None and len(out) == len(shape) and axis >= 2:
            edit = _layer_edit(skeleton, walk, layer_index, {axis: delta}, out, done.origin)
            if edit is not None:
                deltas[axis] = delta
                return edit
    node = skeleton.nodes[found.index]
    name = skeleton.names[found.index]
    previous = next(
        (e for e in done.edits if e.index == found.index and e.change.get("input") == position),
        None,
    )
    ends = [0] * len(shape)
    if previous is not None:  # the same join's input on another axis: one Pad/Slice
        ends = [
            p - c
            for p, c in zip(previous.change.get("pad") or ends, previous.change.get("crop") or ends)
        ]
        if ends[axis]:
            return None
    ends[axis] = delta
    change = {"layer": name, "op": node.op_type, "input": position}
    if any(v > 0 for v in ends):
        change["pad"] = [max(v, 0) for v in ends]
    if any(v < 0 for v in ends):
        change["crop"] = [max(-v, 0) for v in ends]
    what = node.input[position]
    said = ", ".join(
        f"{'pad' if v > 0 else 'crop'} {abs(v)} at the end of axis {a}"
        for a, v in enumerate(ends)
        if v
    )
    line = f"{name} ({node.op_type}): its input {position} ({what}), {sizes(_dims(shape))}: {said}"
    return Edit(found.index, change, line)


def _wanted(found: Mismatch, position: int) -> int:
    """The size input `position` must have: the first other side's size that is not 1."""
    ones = found.op in BROADCAST  # a 1 broadcasts there: not a size to match
    for other, axis in enumerate(found.sides):
        if other != position and axis is not None:
            size = found.shapes[other][axis]
            if size is not None and not (ones and size == 1):
                return size
    return found.want


def _layer_edit(
    skeleton, walk, index: int, deltas: dict[int, int], out: list, origin: dict[int, Any]
) -> Optional[Edit]:
    """The change to listed node `index` that makes its output `deltas[axis]` larger on each
    axis: a ConvTranspose's output_padding (below its stride), then its end and begin pads;
    a Resize's sizes."""
    node = skeleton.nodes[index]
    name = skeleton.names[index]
    item = next((i for i in walk.listed if i.index == index), None)
    if item is None:
        return None
    layer = item.layer
    first = origin.setdefault(index, layer)  # the line says the change from the file's layer
    if node.op_type == "ConvTranspose" and layer.padding and layer.stride:
        pads = [list(p) for p in layer.padding]
        ops = list(layer.output_padding or [0] * len(pads))
        old_pads = [list(p) for p in first.padding or pads]
        old_ops = list(first.output_padding or ops)
        if any(v < 0 for pair in pads for v in pair):
            return None
        for axis, delta in deltas.items():
            spatial = axis - 2
            op = min(max(ops[spatial] + delta, 0), layer.stride[spatial] - 1)
            rest = delta - (op - ops[spatial])
            lo, hi = pads[spatial]
            hi -= rest
            if hi < 0:
                lo, hi = lo + hi, 0
            if lo < 0:
                return None
            pads[spatial], ops[spatial] = [lo, hi], op
        value = {"pads": [p[0] for p in pads] + [p[1] for p in pads], "output_padding": ops}
        said = []
        if ops != old_ops:
            said.append(f"output_padding {_per(old_ops)} → {_per(ops)}")
        if pads != old_pads:
            said.append(f"pads {_pairs(old_pads)} → {_pairs(pads)}")
        if first.resolved_from:
            said.append("explicit, without " + " and ".join(first.resolved_from))
        line = f"{name} (ConvTranspose): {', '.join(said)}"
        return Edit(index, {"layer": name, "op": "ConvTranspose", "set": value}, line)
    if node.op_type == "Resize" and skeleton.opset >= 11:
        wanted = list(out)
        for axis, delta in deltas.items():
            wanted[axis] += delta
        if None in wanted or min(wanted) < 1:
            return None
        line = (
            f"{name} (Resize): sizes {sizes(wanted)} instead of its scales (the size "
            "this input needs; F.interpolate(x, size=skip.shape[2:]) in the source)"
        )
        return Edit(index, {"layer": name, "op": "Resize", "set": {"sizes": wanted}}, line)
    return None


def _dims(shape) -> list:
    return ["?" if d is None else d for d in shape]


def _per(values) -> str:
    return ",".join(map(str, values))


def _pairs(pairs) -> str:
    return ",".join(f"{lo}:{hi}" for lo, hi in pairs)


# ---------------------------------------------------------------------------------------------
# Graph edits: on onnx's inference's light copy and on the file `--fix` writes alike.


def apply(model, edits: list[Edit], version: int, after: Optional[dict] = None) -> None:
    """Make `edits` in `model` (node indices are positions in its graph, as read), and put the
    nodes of `after` ({index: nodes}) after theirs."""
    module = onnx()
    graph = model.graph
    nodes = list(graph.node)
    before: dict[int, list] = {}
    for number, edit in enumerate(edits):
        node = nodes[edit.index]
        change = edit.change
        if "set" in change and node.op_type == "ConvTranspose":
            keep = [
                a
                for a in node.attribute
                if a.name not in ("auto_pad", "output_shape", "pads", "output_padding")
            ]
            del node.attribute[:]
            node.attribute.extend(keep)
            for key, value in change["set"].items():
                node.attribute.append(module.helper.make_attribute(key, value))
        elif "set" in change:  # Resize: sizes, as a constant
            name = f"{node.output[0]}__tconv_sizes"
            graph.initializer.append(
                module.helper.make_tensor(
                    name,
                    module.TensorProto.INT64,
                    [len(change["set"]["sizes"])],
                    change["set"]["sizes"],
                )
            )
            while len(node.input) < 4:
                node.input.append("")
            node.input[2], node.input[3] = "", name
            if _has(node, "axes"):
                keep = [a for a in node.attribute if a.name != "axes"]
                del node.attribute[:]
                node.attribute.extend(keep)
        else:
            position = change["input"]
            source = node.input[position]
            zeros = [0] * len(change.get("pad") or change["crop"])
            ends = [p - c for p, c in zip(change.get("pad") or zeros, change.get("crop") or zeros)]
            final = f"{source}__tconv_{number}"
            made = pad_slice(graph, source, final, [0] * len(ends), ends, version)
            node.input[position] = final
            before.setdefault(edit.index, []).extend(made)
    if not before and not after:
        return
    ordered = []
    for index, node in enumerate(nodes):
        ordered += before.get(index, [])
        ordered.append(node)
        ordered += (after or {}).get(index, [])
    copies = []
    for node in ordered:
        copy = module.NodeProto()
        copy.CopyFrom(node)
        copies.append(copy)
    del graph.node[:]
    graph.node.extend(copies)


def _has(node, name: str) -> bool:
    return any(a.name == name for a in node.attribute)


def _apply_to(model, *, edits, opset):
    """`apply` with the edits of one round bound (a walk calls it on its copy)."""
    return apply(model, edits, opset)
