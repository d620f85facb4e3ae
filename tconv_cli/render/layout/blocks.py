"""Blocks placed where the planes leave room: the kernels beside the planes and the
arithmetic style's compact legend, built at the origin, then moved clear of every obstacle
(convex hulls, separating axes)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...scene import Kernel, LegendEntry
from .lettering import text_mask
from .parts import Grid, Label, Swatch


def _kernel_row(kernels: tuple[Kernel, ...], cell: int, sizes) -> tuple[list[Grid], list[Label]]:
    """Each kernel as a small flat grid under its name, side by side, from the origin."""
    side = kernel_cell(cell, sizes["legend"])
    grids, names, x = [], [], 0.0
    masks = [text_mask(kernel.name, sizes["legend"]) for kernel in kernels]
    top = max((mask.shape[0] for mask in masks), default=0) + sizes["gap"]
    for kernel, mask in zip(kernels, masks):
        rows, cols = kernel.shape
        grids.append(Grid(rows, cols, (x, top), (side, 0.0), (0.0, side)))
        names.append(Label(kernel.name, sizes["legend"], (x, top - sizes["gap"] - mask.shape[0])))
        x += max(cols * side, mask.shape[1]) + side
    return grids, names


def kernel_text(grid: Grid, value_size: int) -> int:
    """The text size in a kernel panel of `grid`: the planes' numbers', or larger when the
    panel's cells grew with the page's text (`kernel_cell`)."""
    return max(value_size, round(float(np.hypot(*grid.u)) * 0.54))


def kernel_cell(cell: int, text: int = 0) -> int:
    """The side of a kernel panel's cells: smaller than the planes', large enough to read, and
    growing with the page's `text` size (a large canvas's legend) so its letters do too."""
    return max(10, round(cell * 0.65), round(text * 1.5))


def _legend_column(
    entries: list[LegendEntry], cell: int, sizes
) -> tuple[list[Swatch], list[Label]]:
    """A swatch and a name for each entry, one under the other, from the origin."""
    side = max(round(cell * 0.55), round(sizes["legend"] * 1.2))  # as tall as its name
    swatches, labels = [], []
    for n, entry in enumerate(entries):
        y = n * (side + max(sizes["gap"] // 2, round(side * 0.3)))
        mask = text_mask(entry.name, sizes["legend"])
        swatches.append(Swatch(Grid(1, 1, (0.0, y), (side, 0.0), (0.0, side)), entry))
        labels.append(
            Label(
                entry.name, sizes["legend"], (side + sizes["gap"], y + (side - mask.shape[0]) / 2)
            )
        )
    return swatches, labels


def _block_box(items) -> np.ndarray:
    """[[x0, y0], [x1, y1]] around grids, swatches and labels."""
    points = [
        item.corners()
        if isinstance(item, Grid)
        else item.grid.corners()
        if isinstance(item, Swatch)
        else item.box()
        for item in items
    ]
    points = np.concatenate(points)
    return np.array([points.min(axis=0), points.max(axis=0)])


def _moved(item, offset):
    return (
        replace(item, grid=item.grid.moved(offset))
        if isinstance(item, Swatch)
        else (item.moved(offset))
    )


def _place(block, obstacles: list[np.ndarray], grids: dict[str, Grid], corner: str, gap: float):
    """Move a block (two lists of items) into the top-right or bottom-right corner of the
    planes, then as far left as it stays clear of every obstacle by `gap` px (or right, out
    of the planes' box, until it is clear): the page grows wider, as slides are."""
    first, second = block
    if not first:
        return [], []
    box = _block_box(first + second)
    points = np.concatenate([g.corners() for g in grids.values()])
    low, high = points.min(axis=0), points.max(axis=0)
    step = max(1.0, gap / 2)

    separating = [_Separating(polygon) for polygon in obstacles]

    def clear(x: float, y: float) -> bool:
        moved = box + (x, y) + [[-gap, -gap], [gap, gap]]
        return not any(polygon.overlaps(moved) for polygon in separating)

    y = low[1] - box[0, 1] if corner == "top" else high[1] - box[1, 1]
    x = high[0] - box[1, 0]
    while not clear(x, y):
        x += step
    while clear(x - step, y) and x - step + box[0, 0] >= low[0]:
        x -= step
    return [_moved(item, (x, y)) for item in first], [_moved(item, (x, y)) for item in second]


def _obstacles(grids: dict[str, Grid], texts: list[Label]) -> list[np.ndarray]:
    """What a block must not cover: the planes and the space between them (with the lines
    that join them), as one convex polygon, and each text's box."""
    return [_hull(np.concatenate([g.corners() for g in grids.values()]))] + [
        _box_polygon(label.box()) for label in texts
    ]


def _box_polygon(box: np.ndarray) -> np.ndarray:
    (x0, y0), (x1, y1) = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)


def _hull(points: np.ndarray) -> np.ndarray:
    """The convex hull of points, counter-clockwise (Andrew's monotone chain)."""
    points = sorted({(float(x), float(y)) for x, y in points})
    if len(points) <= 2:
        return np.array(points)

    def half(ordered):
        chain = []
        for point in ordered:
            while len(chain) >= 2 and _turn(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain[:-1]

    return np.array(half(points) + half(points[::-1]))


def _turn(a, b, c) -> float:
    """Positive when a → b → c turns counter-clockwise (y up)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _overlaps(box: np.ndarray, polygon: np.ndarray) -> bool:
    """Whether the box [[x0, y0], [x1, y1]] and a convex polygon overlap (separating axes)."""
    return _Separating(polygon).overlaps(box)


class _Separating:
    """A convex polygon's separating axes (the boxes', then its edges' normals) and its
    extent along each, found once for the many boxes `_place` tries against it."""

    def __init__(self, polygon: np.ndarray):
        edges = np.roll(polygon, -1, axis=0) - polygon
        self.axes = [(1.0, 0.0), (0.0, 1.0)] + [(-dy, dx) for dx, dy in edges]
        self.extents = [(b.min(), b.max()) for b in (polygon @ axis for axis in self.axes)]

    def overlaps(self, box: np.ndarray) -> bool:
        """Whether the box [[x0, y0], [x1, y1]] overlaps the polygon."""
        corners = _box_polygon(box)
        for axis, (low, high) in zip(self.axes, self.extents):
            a = corners @ axis
            if a.max() <= low or high <= a.min():
                return False
        return True
