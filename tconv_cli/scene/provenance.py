"""Provenance: each output cell's inputs and kernel taps (`Term`s), computed once for every
renderer."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .axes import (
    _conv_axis,
    _gather_axis,
    _pairs,
    _raster,
    _scatter_axis,
)
from .cells import (
    Role,
)
from .frames import Scene, _scattered


@dataclass(frozen=True)
class Term:
    """One product feeding an upper cell: the lower-plane cell `source` (an input element,
    `x_index` in the input array) times the kernel tap `tap` (row, col of the kernel as drawn;
    `w_index` in the layer's weight array); `x` and `w` their values (None without values)."""

    source: tuple[int, int]
    tap: tuple[int, int]
    x_index: tuple[int, ...]
    w_index: tuple[int, ...]
    x: float | None
    w: float | None

    @property
    def product(self) -> float | None:
        return None if self.x is None else self.x * self.w


@dataclass(frozen=True)
class Provenance:
    """Where an upper cell's value comes from: `terms` summed give `value` (None without
    values); `index` is the cell's index in the layer's output (None: cropped away)."""

    cell: tuple[int, int]
    index: tuple[int, ...] | None
    terms: tuple[Term, ...]
    value: float | None


def provenance(scene: Scene) -> dict[tuple[int, int], Provenance]:
    """Each upper cell's inputs and kernel taps, computed once for every renderer: the input
    elements (lower cells) whose products with a tap of the kernel are summed into it. Cells no
    input reaches have no terms; the overlap view (no lower plane) has none at all."""
    if scene.lower is None:
        return {}
    if getattr(scene, "full", None) is not None:  # a window: the cells it shows, moved
        (lr, lc), (ur, uc) = scene.origins
        rows, cols = scene.upper.shape
        found = {}
        for (r, c), p in provenance(scene.full).items():
            if 0 <= r - ur < rows and 0 <= c - uc < cols:
                terms = tuple(
                    replace(t, source=(t.source[0] - lr, t.source[1] - lc)) for t in p.terms
                )
                if all(
                    0 <= t.source[0] < scene.lower.shape[0]
                    and 0 <= t.source[1] < scene.lower.shape[1]
                    for t in terms
                ):
                    found[(r - ur, c - uc)] = replace(p, cell=(r - ur, c - uc), terms=terms)
        return found
    layer, rank = scene.layer, len(scene.layer)
    kernel_sizes = [a.kernel for a in layer]
    taps = _pairs(_raster(kernel_sizes))
    w_index = _raster(kernel_sizes)
    if scene.view == "gather":  # the drawn kernel is flip(w)
        w_index = np.array(kernel_sizes) - 1 - w_index
    lower_origin = {
        "gather": lambda a: _gather_axis(a)[1],
        "conv": lambda a: _conv_axis(a)[1],
        "scatter": lambda a: 0,
    }[scene.view]
    lower_origins = np.array([lower_origin(a) for a in layer])
    lower_steps = np.array([a.stride if scene.view == "gather" else 1 for a in layer])
    upper_origins = np.array(
        [_scatter_axis(a)[1] + a.pad_lo if scene.view == "scatter" else 0 for a in layer]
    )
    x_values = scene.lower.values
    kernel = None if scene.kernel is None else scene.kernel.ravel()
    terms: dict[tuple[int, int], list[Term]] = {}
    for window, cell in zip(scene.windows, scene.cells):  # each step of the kernel
        cell = (int(cell[0]), int(cell[1]))
        under = [(int(r), int(c)) for r, c in window + scene.offsets]
        if scene.view == "scatter":
            pairs = [(cell, upper, t) for t, upper in enumerate(under)]
        else:
            pairs = [
                (source, cell, t)
                for t, source in enumerate(under)
                if scene.lower.roles[source] == Role.INPUT
            ]
        for source, upper, t in pairs:
            x = None if x_values is None else float(x_values[source])
            w = None if kernel is None else float(kernel[t])
            index = (np.array(source[-rank:]) - lower_origins) // lower_steps
            terms.setdefault(upper, []).append(
                Term(
                    source,
                    tuple(int(v) for v in taps[t]),
                    tuple(int(v) for v in index),
                    tuple(int(v) for v in w_index[t]),
                    x,
                    w,
                )
            )
    totals = scene.upper.values
    if scene.view == "scatter" and totals is not None:
        totals = _scattered(scene, scene.all_frames - 1)
    found = {}
    for upper in np.ndindex(scene.upper.shape):
        index = np.array(upper[-rank:]) - upper_origins
        inside = scene.upper.roles[upper] != Role.CROPPED
        value = None if totals is None or np.isnan(totals[upper]) else float(totals[upper])
        if value is None and totals is not None:
            value = 0.0  # no stamp reached it: nothing is summed
        found[upper] = Provenance(
            upper,
            tuple(int(v) for v in index) if inside else None,
            tuple(terms.get(upper, ())),
            value,
        )
    return found
