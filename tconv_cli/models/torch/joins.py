"""Which join failed: the call joining tensors (cat, stack, a broadcasting sum or product, a
matrix product), its two clashing inputs, the axes where they clash, and per side the layers
upstream that made its size."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Optional

from .trace import BROADCAST, CONCAT, MATMUL, STACK, Failure, Node, Record, Run

#: Most tensors visited looking upstream of one side (a model of thousands of calls is fine).
MAX_VISITS = 50_000


@dataclass
class Side:
    """One input of the join: its place among the call's tensors, its shape, its node, and the
    layers that made its size (since the two sides parted, nearest first, then the last layer
    they share)."""

    index: int
    shape: list
    node: Optional[Node]
    upstream: list

    @property
    def producer(self) -> Optional[str]:
        return None if self.node is None else self.node.producer


@dataclass
class Join:
    """A failing join: `kind` concat, stack, broadcast or matmul; `axes` where the two sides
    clash, counted from the end (-1 the last); `axis` the concat axis (from the end)."""

    failure: Failure
    kind: str
    sides: tuple
    axes: list
    axis: Optional[int] = None

    @property
    def spatial(self) -> bool:
        """Whether the clash is in spatial sizes only (a size layer can fix it), not in channels,
        batch or rank."""
        a, b = (side.shape for side in self.sides)
        rank = len(a) - 2
        return (
            self.kind != "matmul"
            and len(a) == len(b)
            and rank >= 1
            and bool(self.axes)
            and all(-rank <= axis <= -1 for axis in self.axes)
        )


def spatial(shape) -> list:
    """The spatial sizes of a whole shape (batch and channels first)."""
    return list(shape[2:]) if len(shape) >= 3 else list(shape[-1:])


def changes_size(record: Record) -> bool:
    layer = record.layer
    return (
        layer.input is not None
        and layer.output is not None
        and spatial(layer.input) != spatial(layer.output)
    )


def is_up(record: Record) -> bool:
    """An up layer: a ConvTranspose, an Upsample or interpolate (or any layer making sizes grow)."""
    if record.spec is not None and record.spec.kind in ("transposed", "upsample"):
        return True
    layer = record.layer
    if layer.op.startswith(("F.interpolate", "F.upsample", "F.conv_transpose", "ConvTranspose")):
        return True
    if not changes_size(record):
        return False
    pairs = list(zip(spatial(layer.input), spatial(layer.output)))
    return all(o >= i for i, o in pairs) and any(o > i for i, o in pairs)


def upstream(node: Optional[Node], limit: int = 256) -> list[Record]:
    """The layers that changed sizes on the way to `node`, nearest (latest) first."""
    found: list[Record] = []
    if node is None:
        return found
    seen = {id(node)}
    queue = [(-node.order, id(node), node)]
    visits = 0
    while queue and visits < MAX_VISITS and len(found) < limit:
        _, _, current = heapq.heappop(queue)
        visits += 1
        record = current.record
        if record is not None and changes_size(record) and all(r is not record for r in found):
            found.append(record)
        for parent in current.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                heapq.heappush(queue, (-parent.order, id(parent), parent))
    return found


def find(run: Run) -> Optional[Join]:
    """The failing call of `run` as a join, or None (not a join, or not a clash of sizes)."""
    failure = run.failure
    if failure is None:
        return None
    short, inputs = failure.short, failure.inputs
    if short in MATMUL:
        return _matmul(failure, short, inputs)
    inputs = [(n, item) for n, item in enumerate(inputs)]
    if len(inputs) < 2:
        return None
    (i, (node, first, _)) = inputs[0]
    for j, (other_node, other, _) in inputs[1:]:
        axes, axis = _clash(short, first, other, failure.dim)
        if axes is None:
            continue
        kind = "concat" if short in CONCAT else "stack" if short in STACK else "broadcast"
        return Join(failure, kind, _sides((i, first, node), (j, other, other_node)), axes, axis)
    return None


def _clash(short: str, a: list, b: list, dim: Optional[int]):
    """(axes from the end where `a` and `b` cannot join, the concat axis), or (None, None)."""
    if short in CONCAT or short in STACK:
        if len(a) != len(b):
            return ([], None) if short in STACK or len(b) > 1 else (None, None)
        axis = None
        if short in CONCAT:
            axis = (dim or 0) % len(a) - len(a) if a else None
            if short == "hstack":
                axis = (1 if len(a) > 1 else 0) - len(a)
            elif short == "vstack":
                axis = -len(a)
        axes = [n - len(a) for n in range(len(a)) if a[n] != b[n] and n - len(a) != axis]
        return (axes, axis) if axes else (None, None)
    if short in BROADCAST:
        axes = [
            -n
            for n in range(1, min(len(a), len(b)) + 1)
            if a[-n] != b[-n] and a[-n] != 1 and b[-n] != 1
        ]
        return (sorted(axes), None) if axes else (None, None)
    return None, None


def _matmul(failure: Failure, short: str, inputs: list) -> Optional[Join]:
    if len(inputs) < 2:
        return None
    (node, a, _), (other, b, _) = inputs[0], inputs[1]
    if not a or not b:
        return None
    inner = b[-1] if short == "linear" or len(b) == 1 else b[-2]
    if a[-1] == inner:
        return None
    return Join(failure, "matmul", _sides((0, a, node), (1, b, other)), [-1])


def _sides(first: tuple, second: tuple) -> tuple[Side, Side]:
    ups = [upstream(node) for _, _, node in (first, second)]
    shared = {id(r) for r in ups[0]} & {id(r) for r in ups[1]}
    sides = []
    for (index, shape, node), found in zip((first, second), ups):
        own = [r for r in found if id(r) not in shared]
        common = next((r for r in found if id(r) in shared), None)
        sides.append(Side(index, shape, node, own + ([common] if common is not None else [])))
    return sides[0], sides[1]


def own(side: Side, other: Side) -> list[Record]:
    """The side's layers since the two sides parted (the last shared one left out)."""
    theirs = {id(r) for r in other.upstream}
    return [r for r in side.upstream if id(r) not in theirs]
