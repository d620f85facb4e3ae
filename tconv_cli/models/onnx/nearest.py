"""The nearest whole input shapes, below and above the one asked, at which the model runs as it
is: per spatial axis, sizes tried outward from the given one by inferring the shapes again
(onnx's inference on the light copy, not a runtime), a bounded search."""

from __future__ import annotations

from typing import Optional

from .fixes import failure

REACH = 64  # sizes tried per axis and direction, at most
ROUNDS = 6  # times the whole shape is tried again after an axis moved
WORK = 40_000  # nodes inferred in all, at most: a large graph gets fewer tries


def nearest(skeleton, walk) -> dict:
    """``{"below": shape | None, "above": shape | None}`` for the failing `walk`."""
    shape = list(walk.shape)
    axes = range(2, len(shape))
    found: dict[str, Optional[list[int]]] = {"below": None, "above": None}
    if not axes or skeleton.first is None:
        return found
    tries = max(16, WORK // max(len(skeleton.nodes), 1)) // 2  # per direction
    for key, step in (("below", -1), ("above", 1)):
        candidate, moved, left = list(shape), dict.fromkeys(axes, 0), tries
        current = walk
        for _ in range(ROUNDS):
            blamed = _blamed(skeleton, current, axes)
            if len(blamed) > 1:  # no single axis explains it: move them together
                found[key] = _together(skeleton, candidate, blamed, step, left)
                break
            progress = False
            for axis in blamed:
                while moved[axis] < REACH and left > 0:
                    moved[axis] += 1
                    left -= 1
                    size = shape[axis] + step * moved[axis]
                    if size < 1:
                        moved[axis] = REACH
                        break
                    trial = list(candidate)
                    trial[axis] = size
                    result = skeleton.walk(trial)
                    if result.failed is None or axis not in _blamed(skeleton, result, axes):
                        candidate, current, progress = trial, result, True
                        break
                else:
                    continue
                if current.failed is None:
                    break
            if current.failed is None:
                found[key] = candidate
                break
            if not progress:
                found[key] = _together(skeleton, candidate, blamed, step, left)
                break
    return found


def _together(
    skeleton, shape: list[int], axes: list[int], step: int, left: int
) -> Optional[list[int]]:
    """The nearest shape with every axis of `axes` moved by the same amount (a failure no single
    axis explains: a token count, a flattened map), or None."""
    for moved in range(1, min(REACH, left) + 1):
        trial = list(shape)
        for axis in axes:
            trial[axis] = shape[axis] + step * moved
        if min(trial[a] for a in axes) < 1:
            return None
        if skeleton.walk(trial).failed is None:
            return trial
    return None


def _blamed(skeleton, walk, axes) -> list[int]:
    """The input axes a failure is put down to: the join's axis where its tensors have the
    input's rank, a window's empty axes, else every spatial axis."""
    if walk.failed is None:
        return []
    found = failure(skeleton, walk)
    if found is not None:
        position = next(p for p, a in enumerate(found.sides) if a is not None)
        axis = found.sides[position]
        if len(found.shapes[position]) == len(walk.shape) and axis in axes:
            return [axis]
        return list(axes)
    item = next((i for i in walk.listed if i.index == walk.failed), None)
    out = item.layer.output if item is not None else None
    if out is not None and len(out) == len(walk.shape):  # an empty window: its empty axes
        return [axis for axis in axes if out[axis] is None] or list(axes)
    return list(axes)
