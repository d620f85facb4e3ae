"""The nearest input shapes below and above that run with the model as written: per spatial
axis a bounded search (±1 steps up to the product of the downsampling strides seen), each
candidate one forward, and the combination checked by one more.

A convolutional model's sizes are worked out per axis, so the shapes that run are a product of
per-axis sets: find one shape that runs (an anchor), then move one axis at a time from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from .joins import spatial
from .trace import Record, Runner

#: Most forwards one search runs, and its time (a meta forward takes milliseconds).
MAX_RUNS = 600
BUDGET = 3.0
#: Most steps from the given size on one axis.
MAX_PERIOD = 256
#: Most whole periods every axis is moved by at once, looking for a shape that runs.
PERIOD_STEPS = 8


@dataclass
class Search:
    """Forwards run so far, cached by shape, within a budget."""

    runner: Runner
    runs: int = 0
    started: float = field(default_factory=time.monotonic)
    seen: dict = field(default_factory=dict)
    stopped: bool = False

    def works(self, shape: tuple[int, ...]) -> Optional[bool]:
        """Whether forward runs at `shape` (None: over budget, not tried)."""
        if shape in self.seen:
            return self.seen[shape]
        if self.runs >= MAX_RUNS or time.monotonic() - self.started > BUDGET:
            self.stopped = True
            return None
        self.runs += 1
        self.seen[shape] = self.runner.works(shape)
        return self.seen[shape]


def periods(records: list[Record], rank: int) -> list[int]:
    """Per spatial axis, the product of the downsampling factors seen (at least 1): a conv's or
    pool's stride (the layer that failed included), else the ratio of its sizes."""
    found = [1] * rank
    for record in records:
        layer, spec = record.layer, record.spec
        stride = (
            spec.params.get("stride")
            if spec is not None and spec.kind in ("conv", "maxpool", "avgpool")
            else None
        )
        if stride is not None and len(stride) == rank:
            factors = list(stride)
        elif (
            layer.input is not None
            and layer.output is not None
            and len(spatial(layer.input)) == rank == len(spatial(layer.output))
        ):
            factors = [
                max(2, round(i / o)) if o >= 1 and i > o else 1
                for i, o in zip(spatial(layer.input), spatial(layer.output))
            ]
        else:
            continue
        found = [min(MAX_PERIOD, f * s) for f, s in zip(found, factors)]
    return found


def nearest(runner: Runner, shape: tuple[int, ...], records: list[Record]) -> dict:
    """`{"below": shape | None, "above": shape | None}`: the nearest whole input shapes (per
    axis at or below, at or above `shape`) for which forward runs with the model as written;
    and `"stopped": forwards run` when the search ran out of time or runs first."""
    found: dict = {"below": None, "above": None}
    rank = len(shape) - 2 if len(shape) >= 3 else 1
    head, sizes = tuple(shape[:-rank]), list(shape[-rank:])
    period = periods(records, rank)
    search = Search(runner)

    def whole(values) -> tuple[int, ...]:
        return head + tuple(values)

    anchor = _anchor(search, head, sizes, period)
    if anchor is None:
        if search.stopped:
            found["stopped"] = search.runs
        return found
    per_axis = []
    for axis in range(rank):

        def works(size, axis=axis):
            values = list(anchor)
            values[axis] = size
            return search.works(whole(values))

        if works(sizes[axis]):
            per_axis.append((sizes[axis], sizes[axis]))
            continue
        reach = max(period[axis], anchor[axis] - sizes[axis])
        below = next(
            (
                c
                for c in range(sizes[axis] - 1, max(0, sizes[axis] - period[axis] - 1), -1)
                if works(c)
            ),
            None,
        )
        above = next((c for c in range(sizes[axis] + 1, sizes[axis] + reach + 1) if works(c)), None)
        per_axis.append((below, above))
    for n, key in enumerate(("below", "above")):
        values = [pair[n] for pair in per_axis]
        if None not in values and search.works(whole(values)):
            found[key] = list(whole(values))
    # the sizes that run are not a product of per-axis sets (a learned position table fixes
    # the token count H·W): the nearest shape seen to run, at or below (above) on every axis
    for key, side in (("below", -1), ("above", 1)):
        if found[key] is None:
            seen = [
                shape[-rank:]
                for shape, runs in search.seen.items()
                if runs and all((v - s) * side >= 0 for v, s in zip(shape[-rank:], sizes))
            ]
            if seen:
                best = min(seen, key=lambda v: sum(abs(a - b) for a, b in zip(v, sizes)))
                found[key] = list(whole(best))
    if search.stopped:
        found["stopped"] = search.runs
    return found


def _anchor(search: Search, head: tuple, sizes: list, period: list) -> Optional[list]:
    """Spatial sizes that run: each axis moved to one residue of its downsampling period at a
    time, up then down (a U-Net's rule); then every axis moved by the same 1, 2, … px up to
    a period, and by 2 … PERIOD_STEPS whole periods (a Linear after a flatten, or a learned
    position table, takes one size only); then at twice and four times the given sizes (an
    input too small)."""
    longest = max(period)
    tries = [[b + (residue - b) % p for b, p in zip(sizes, period)] for residue in range(longest)]
    tries += [[b - (b - residue) % p for b, p in zip(sizes, period)] for residue in range(longest)]
    for delta in range(1, longest + 1):
        tries += [[b + delta for b in sizes], [b - delta for b in sizes]]
    for steps in range(2, PERIOD_STEPS + 1):  # (one period is among the deltas above)
        tries += [
            [b - steps * p for b, p in zip(sizes, period)],
            [b + steps * p for b, p in zip(sizes, period)],
        ]
    for scale in (2, 4):
        tries += [
            [b * scale + (residue - b * scale) % p for b, p in zip(sizes, period)]
            for residue in range(longest)
        ]
    for values in tries:
        if min(values) < 1:
            continue
        result = search.works(head + tuple(values))
        if result:
            return values
        if result is None:
            return None
    return None
