"""Joins: the nodes that put tensors together (Concat, the broadcasting ops, MatMul), the rule
each one has, the first that cannot run with both shapes, and the conv-like layers upstream
that made each side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .layers import LISTED, sizes
from .read import Shape

#: Nodes that broadcast their inputs like numpy.
BROADCAST = frozenset(
    "Add Sub Mul Div Pow Max Min Sum Mean Where Equal Less Greater "
    "LessOrEqual GreaterOrEqual And Or Xor Mod BitShift PRelu".split()
)
JOINS = BROADCAST | {"Concat", "MatMul", "Gemm"}


@dataclass
class Mismatch:
    """A join that cannot run: per input its whole shape; `sides[n]` is the axis of input n
    that disagrees (None for an input that takes no part) and `sizes[n]` its size there."""

    index: int
    op: str
    shapes: list[Shape]
    sides: list[Optional[int]]
    want: int  # the size every side must have on its axis (the first side's, or the other's)
    axis: int  # the axis as ONNX Runtime names it (the output's, or the first input's)
    words: str


def mismatch(index: int, node, attrs: dict, shapes: list[Shape]) -> Optional[Mismatch]:
    """Why the join `node` cannot run with input `shapes`, or None (it can, or it is not a
    join, or a shape is unknown)."""
    op = node.op_type
    if op not in JOINS or len(shapes) < 2 or any(s is None for s in shapes):
        return None
    if op == "Concat":
        return _concat(index, attrs, shapes)
    if op in ("MatMul", "Gemm"):
        return _matmul(index, op, attrs, shapes)
    return _broadcast(index, op, shapes)


def _concat(index, attrs, shapes) -> Optional[Mismatch]:
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or not rank:
        return None
    along = attrs.get("axis", 1) % rank if type(attrs.get("axis", 1)) is int else 1
    for axis in range(rank):
        if axis == along:
            continue
        dims = [s[axis] for s in shapes]
        if None in dims or len(set(dims)) == 1:
            continue
        want = dims[0]
        words = f"its inputs must match on every axis but {along}: axis {axis} has {_listed(dims)}"
        return Mismatch(index, "Concat", shapes, [axis] * len(shapes), want, axis, words)
    return None


def _broadcast(index, op, shapes) -> Optional[Mismatch]:
    rank = max(len(s) for s in shapes)
    for axis in reversed(range(rank)):  # the last axis first, as ONNX Runtime names them
        positions = [axis - rank + len(s) for s in shapes]
        dims = [s[p] if p >= 0 else None for s, p in zip(shapes, positions)]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) < 2:
            continue
        first = next(d for d in dims if d is not None and d != 1)
        sides = [p if p >= 0 and s[p] not in (None, 1) else None for s, p in zip(shapes, positions)]
        words = (
            f"its inputs do not broadcast: axis {axis} has {_listed(dims)} (sizes must "
            "be equal or 1)"
        )
        return Mismatch(index, op, shapes, sides, first, axis, words)
    return None


def _matmul(index, op, attrs, shapes) -> Optional[Mismatch]:
    a, b = shapes[0], shapes[1]
    if not a or not b:
        return None
    if op == "Gemm":
        if len(a) != 2 or len(b) != 2:
            return None
        ka = 0 if attrs.get("transA") else 1
        kb = 1 if attrs.get("transB") else 0
    else:
        ka, kb = len(a) - 1, (0 if len(b) == 1 else len(b) - 2)
    if a[ka] is None or b[kb] is None or a[ka] == b[kb]:
        return None if op == "Gemm" or len(a) < 3 or len(b) < 3 else _batch(index, a, b)
    words = (
        f"the inner sizes must be equal: {sizes(_dims(a))} @ {sizes(_dims(b))} "
        f"has {a[ka]} and {b[kb]}"
    )
    return Mismatch(index, op, shapes, [ka, kb] + [None] * (len(shapes) - 2), b[kb], ka, words)


def _batch(index, a, b) -> Optional[Mismatch]:
    """MatMul's batch axes broadcast."""
    found = _broadcast(index, "MatMul", [a[:-2], b[:-2]])
    if found is None:
        return None
    found.shapes = [a, b]
    return found


def _listed(dims) -> str:
    shown = ["?" if d is None else str(d) for d in dims]
    return " and ".join(shown) if len(shown) < 3 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _dims(shape) -> list:
    return ["?" if d is None else d for d in shape]


def source(skeleton, name: str) -> str:
    """ "input" when tensor `name` is computed from a graph input, else "constant" (only
    initializers and Constant nodes upstream); "input" too when the search is cut short
    (the likelier; nothing is called a weight unseen)."""
    seen: set[str] = set()
    queue = [name]
    while queue:
        if len(seen) >= 10_000:
            return "input"
        tensor = queue.pop()
        if tensor in seen or tensor in skeleton.initializers:
            continue
        seen.add(tensor)
        index = skeleton.producer.get(tensor)
        if index is None:  # a graph input
            return "input"
        queue.extend(i for i in skeleton.nodes[index].input if i)
    return "constant"


def upstream(skeleton, walk, name: str, limit: int = 4) -> list[int]:
    """The conv-like nodes upstream of tensor `name` that change a size, nearest first (a
    search backwards that stops, on each path, at the first such node): node indices."""
    found: list[int] = []
    seen = set()
    queue = [name]
    while queue and len(found) < limit and len(seen) < 10_000:
        tensor = queue.pop(0)
        if tensor in seen:
            continue
        seen.add(tensor)
        index = skeleton.producer.get(tensor)
        if index is None:
            continue
        node = skeleton.nodes[index]
        if node.op_type in LISTED:
            x = walk.shapes.get(node.input[0]) if node.input else None
            out = walk.shapes.get(node.output[0])
            if x is None or out is None or x[2:] != out[2:]:
                found.append(index)
                continue
        queue.extend(i for i in node.input if i and i not in skeleton.initializers)
    return found
