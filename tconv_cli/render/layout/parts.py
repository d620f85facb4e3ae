"""The parts of a page and their sizes: a plane's `Grid` of cells, a text's `Label`, a legend
`Swatch`, the `PageLayout` that holds them, and every size in px as a function of the cell
(`sizes_for`, `largest_cell`, `planes_extent`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from ...scene import LegendEntry
from .lettering import Span, _wrap_words, text_mask, text_spans

T = TypeVar("T")

# Page text (titles, plane names, legend) is at least 1/TEXT_SPAN of the drawing's width, so a
# large figure shown whole stays legible: 30 px on a 1920-px slide, 3.3 mm (9 pt) on a page
# printed at A4 width. Small figures keep text half a cell high.
TEXT_SPAN = 64
TEXT_FLOOR = 12  # px: the page's text (caption, names, legend, sums) is never smaller
# px: nor larger. Only a page wider than 64 × 1024 px would want more, and none that wide is
# drawn (a frame is at most 33.6 MP, a sheet's page 100 MP); this keeps a thin grid thousands of
# cells long from making text images of gigapixels while it is measured (and refused).
TEXT_CEILING = 1024

# The arithmetic style's projection, in cells: a step along a row (to the next column) goes
# up-right, a step down a column (to the next row) down-right; measured on conv_arithmetic's
# frames, whose cells are about 30 px.
OBLIQUE_COLUMN_STEP = (1.0, -0.5)
OBLIQUE_ROW_STEP = (0.68, 0.64)


@dataclass(frozen=True)
class Grid:
    """`rows × cols` cells; the corner of row r, column c is at `origin + c·u + r·v` (pixels)."""

    rows: int
    cols: int
    origin: tuple[float, float]
    u: tuple[float, float]
    v: tuple[float, float]

    def point(self, row: float, col: float) -> np.ndarray:
        return np.add(self.origin, np.multiply(col, self.u) + np.multiply(row, self.v))

    def corners(self) -> np.ndarray:
        return np.array([self.point(r, c) for r in (0, self.rows) for c in (0, self.cols)])

    def moved(self, offset) -> Grid:
        return replace(self, origin=tuple(np.add(self.origin, offset)))

    def fits(self, width: int, height: int, margin: float) -> bool:
        """Whether a `width × height` box at a cell's centre stays `margin` px inside it."""
        return _fits(tuple(self.u), tuple(self.v), width, height, margin)


class LastLaidOut:
    """The layouts of the one picture laid out last (a scene, a board), by the arguments
    they were laid out with: its budget, its notes and its drawing each ask for the same
    layout, found once. The picture is kept while it is the last. Threads that lay out
    different pictures each read and fill their own picture's layouts (`_last` is one pair,
    swapped whole), so none is given another's."""

    def __init__(self) -> None:
        self._last: tuple[object, dict[tuple, Any]] = (None, {})

    def get(self, of: object, key: tuple, lay_out: Callable[[], T]) -> T:
        last = self._last
        if last[0] is not of:
            last = self._last = (of, {})
        found = last[1]
        if key not in found:
            found[key] = lay_out()
        return found[key]


@lru_cache(maxsize=4096)  # fitting a cell's texts asks about a few sizes again and again
def _fits(u: tuple, v: tuple, width: int, height: int, margin: float) -> bool:
    """`Grid.fits` of a grid whose cells step by `u` and `v`."""
    inverse = np.linalg.inv(np.column_stack([u, v]))
    offsets = (
        inverse @ np.array([[width, width, -width, -width], [height, -height, height, -height]]) / 2
    )
    det = abs(np.linalg.det(np.column_stack([u, v])))
    limits = 0.5 - margin * np.array([np.hypot(*v), np.hypot(*u)]) / det
    return bool((np.abs(offsets).max(axis=1) <= limits).all())


@dataclass(frozen=True)
class Label:
    """A text of `size` px (lines aligned by `align`) whose ink has its top-left corner at
    `position`: the raster stamps its `mask`, a vector renderer writes its `spans`."""

    text: str
    size: int
    position: tuple[float, float]
    align: str = "center"

    @property
    def mask(self) -> np.ndarray:
        return text_mask(self.text, self.size, self.align)

    def spans(self) -> list[Span]:
        return text_spans(self.text, self.size, self.position, self.align)

    def box(self) -> np.ndarray:
        x, y = self.position
        return np.array([[x, y], [x + self.mask.shape[1], y + self.mask.shape[0]]])

    def moved(self, offset) -> Label:
        return replace(self, position=tuple(np.add(self.position, offset)))


@dataclass(frozen=True)
class Swatch:
    """A one-cell legend grid drawn as the legend entry `entry`'s key looks."""

    grid: Grid
    entry: LegendEntry


@dataclass(frozen=True)
class PageLayout:
    """The page: its `size` in px, the grids of cells by plane name ("lower", absent in the
    overlap view, and "upper"), the texts, the legend's swatches and the width of lines."""

    size: tuple[int, int]
    grids: dict[str, Grid]
    labels: list[Label]
    swatches: list[Swatch]
    line: float = 1.0  # cell edges
    connector: float = 1.0  # the arithmetic style's lines between the planes
    kernels: list[Grid] = field(default_factory=list)  # one per scene.kernels, when labelled
    # where each frame's running sum goes (scene.sum_text): its ink's top-left corner, the
    # box (x0, y0, x1, y1) it is drawn in, its text size and the width it wraps at
    sum_box: tuple[int, int, int, int] | None = None
    sum_size: int = 0
    sum_wrap: float = 0.0

    def sum_label(self, text: str) -> Label | None:
        """Frame's running sum `text` as placed in `sum_box` (None: nothing to draw)."""
        if self.sum_box is None or not text:
            return None
        return Label(
            _wrap_words(text, self.sum_size, self.sum_wrap),
            self.sum_size,
            (self.sum_box[0], self.sum_box[1]),
            "left",
        )


def sizes_for(cell: float, span: float = 0) -> dict[str, float]:
    """Every size of a picture in px, the one definition for raster and vector output: text,
    margins and line widths grow with the cell; page text also with `span`, the width in px
    it must be read across (the planes', or a sheet's whole page; see TEXT_SPAN). Values in
    cells (`value`) follow the cell only: they must fit it."""
    label = min(TEXT_CEILING, max(TEXT_FLOOR, round(cell * 0.5), round(span / TEXT_SPAN)))
    value = max(6, round(cell * 0.57))  # 16 px at the default cell: a digit's ink 11 px
    legend = max(TEXT_FLOOR, round(label * 0.86))
    return {
        "label": label,  # the caption, plane names
        "value": value,  # numbers in cells (drawn smaller when they do not fit; subscripts
        # SUBSCRIPT of it)
        "legend": legend,  # legend entries
        "number": max(TEXT_FLOOR, round(label * 0.8)),  # a sheet panel's frame number
        "wrap": max(5 * cell, 10 * label),  # a plane's name wraps at this width
        "swatch": max(round(cell * 0.6), round(legend * 1.4)),  # a legend entry's key
        "margin": max(6, round(cell * 0.6), round(label * 1.2)),
        "gap": max(4, round(cell * 0.25), round(label * 0.5)),
        "line": max(1.0, cell / 16),  # cell edges, dashed or solid
        "connector": max(1.0, cell / 32),  # projection lines between the planes
        "hatch": max(1, round(cell / 40)),  # hatching of cropped cells
        "rule": max(1, round(cell / 28)),  # lines between a sheet's panels
    }


def cell_steps(style: str, cell: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """A plane's steps in px in `style`: along a row (to the next column), down a column."""
    steps = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    u, v = (cell * np.array(step, float) for step in steps)
    return (float(u[0]), float(u[1])), (float(v[0]), float(v[1]))


def largest_cell(measure, width: int, low: int) -> int | None:
    """The largest cell size ≥ `low` whose picture, `measure(cell)` px wide (growing with the
    cell), is at most `width` px wide; None when even `low` is wider."""
    if measure(low) > width:
        return None
    high = low + 1
    while measure(high) <= width:  # doubling: at most ~10 steps up to an 8K page
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if measure(middle) <= width else (low, middle)
    return low


def planes_extent(shapes, style: str, cell: int) -> tuple[int, int]:
    """A lower bound of the page's (width, height) from the planes' (rows, cols) alone (None:
    no plane), before a scene is built: the planes without titles, margins or legend."""
    u, v = cell_steps(style, 1)
    boxes = [
        ((cols * abs(u[0]) + rows * abs(v[0])) * cell, (cols * abs(u[1]) + rows * abs(v[1])) * cell)
        for rows, cols in (shape for shape in shapes if shape is not None)
    ]
    if style == "arithmetic":  # stacked
        return int(max(w for w, _ in boxes)), int(sum(h for _, h in boxes))
    return int(sum(w for w, _ in boxes)), int(max(h for _, h in boxes))
