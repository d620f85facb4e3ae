"""Input contributions per output cell through a stack (the checkerboard, multiplied); numpy.

numpy is imported when a count is asked for, never at import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import floor

from ..errors import NoAnswer
from .layers import Spec
from .stack import Step, axes, chain


@dataclass(frozen=True)
class StackOverlap:
    """Per axis, the fewest and most input contributions (paths through every kernel tap) an
    output cell gets; ratio is most/fewest (None when some cell gets none)."""

    min: tuple[int, ...]
    max: tuple[int, ...]

    @property
    def ratio(self) -> tuple[float | None, ...]:
        return tuple(None if lo == 0 else hi / lo for lo, hi in zip(self.min, self.max))


#: Largest cell count per axis that overlap computes.
OVERLAP_BUDGET = 1_000_000


def overlap(sizes: Sequence[int], layers: Sequence[Spec]) -> StackOverlap:
    """The fewest and most contributions per output cell, per axis (`overlap_counts`)."""
    per_axis = overlap_counts(sizes, layers)
    return StackOverlap(
        tuple(int(v.min()) for v in per_axis), tuple(int(v.max()) for v in per_axis)
    )


def overlap_counts(sizes: Sequence[int], layers: Sequence[Spec]) -> list:
    """Per axis, the input contributions each output cell gets (numpy arrays of Python ints):
    ones through the stack with all-ones kernels, one axis at a time (layers are separable,
    so a cell of an N-d output gets the product of its axes' counts): conv and pooling
    windows sum, transposed layers scatter, Upsample copies (nearest)."""
    import numpy as np

    steps = chain(sizes, layers)
    per_axis = []
    for axis in range(len(sizes)):
        if max([sizes[axis]] + [s.output[axis] for s in steps]) > OVERLAP_BUDGET:
            raise NoAnswer(f"--overlap is computed for up to {OVERLAP_BUDGET} cells per axis")
        work = sum(
            (max(step.input[axis], step.output[axis]) + 1) * _taps(spec, axis)
            for spec, step in zip(layers, steps)
        )
        if work > OVERLAP_WORK:
            raise NoAnswer(
                f"--overlap of this stack takes about {work:,} cell updates on axis "
                f"{axis}; tconv counts up to {OVERLAP_WORK:,}: fewer layers or a "
                "smaller input"
            )
        v = np.ones(sizes[axis], dtype=object)
        for index, (spec, step) in enumerate(zip(layers, steps)):
            v = _counts(np, spec, step, axis, v)
            if v.max() > OVERLAP_MOST:
                raise NoAnswer(
                    f"--overlap: after layer {index + 1} an output cell gets more "
                    f"than 2^63 contributions; tconv counts up to that"
                )
        per_axis.append(v)
    return per_axis


#: Most cell updates per axis (cells × kernel taps, summed over the layers), and the largest count.
OVERLAP_WORK = 20_000_000
OVERLAP_MOST = 2**63


def _taps(spec: Spec, axis: int) -> int:
    kernel = spec.params.get("kernel")
    return 1 if not kernel else kernel[axis if len(kernel) > 1 else 0]


def _counts(np, spec: Spec, step: Step, axis: int, v):
    out = step.output[axis]
    if spec.kind == "pass":
        return v
    if spec.kind == "upsample":
        i = len(v)
        scale = spec.params.get("scale")
        if scale is not None:
            f = scale[0] if len(scale) == 1 else scale[axis]
            source = [min(floor(o / f), i - 1) for o in range(out)]
        else:
            source = [min(o * i // out, i - 1) for o in range(out)]
        return v[source]
    a = replace(axes(spec, step.input)[axis], size=len(v))
    if spec.kind in ("transposed", "keras_transposed"):
        full = np.zeros(max(a.full, a.pad_lo + out) + max(0, -a.pad_lo), dtype=object)
        shift = max(0, -a.pad_lo)
        for t in range(a.kernel):
            start = shift + t * a.dilation
            full[start : start + (a.size - 1) * a.stride + 1 : a.stride] += v
        return full[shift + a.pad_lo : shift + a.pad_lo + out]
    right = max(0, (out - 1) * a.stride + a.extent - a.size - a.pad_lo)
    padded = np.concatenate([np.zeros(a.pad_lo, dtype=object), v, np.zeros(right, dtype=object)])
    total = np.zeros(out, dtype=object)
    for t in range(a.kernel):
        start = t * a.dilation
        total += padded[start : start + (out - 1) * a.stride + 1 : a.stride]
    return total
