"""Page geometry of a scene's pictures: where each plane's cells, each title, the caption and
the legend go, in pixels. Shared by the raster (and, later, vector) renderers; every word
drawn comes from the scene, this module only places it.

Text is measured (and kept as ink levels, for the raster) with Pillow's default font.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..scene import Kernel, LegendEntry, Role, Scene

DEFAULT_CELL = 28
SUBSCRIPT = 0.8  # a subscript's text size, relative to its number's
LEVELS = 4  # anti-aliasing levels of text ink

# The arithmetic style's projection, in cells: a step along a row (to the next column) goes
# up-right, a step down a column (to the next row) down-right; measured on conv_arithmetic's
# frames, whose cells are about 30 px.
OBLIQUE_COLUMN_STEP = (1.0, -0.5)
OBLIQUE_ROW_STEP = (0.68, 0.64)



@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def text_mask(text: str, size: int, align: str = "center") -> np.ndarray:
    """Ink levels 0…LEVELS of `text` (lines aligned by `align`), cropped to the text's box."""
    font = _font(size)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
        (0, 0), text, font=font, align=align
    )
    image = Image.new("L", (max(math.ceil(right - left), 1), max(math.ceil(bottom - top), 1)))
    ImageDraw.Draw(image).multiline_text((-left, -top), text, font=font, fill=255, align=align)
    return ((np.asarray(image, np.uint16) * LEVELS + 127) // 255).astype(np.uint8)


def _wrap_words(text: str, size: int, width: float) -> str:
    """`text` in lines at most `width` px wide where it can be, broken between words."""
    font, lines = _font(size), [""]
    for word in text.split(" "):
        if lines[-1] and font.getlength(f"{lines[-1]} {word}") > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    return "\n".join(lines)


def _wrap(text: str, size: int, width: float) -> str:
    """`text` in lines at most `width` px wide where it can be: a line ends after each ": ",
    and after a ", " where the next words would not fit (never inside a tuple like (4, 3))."""
    font = _font(size)
    lines = []
    parts = text.split(": ")
    for i, part in enumerate(parts):
        line = ""
        for words in re.split(r", (?![\d(-])", part):
            if line and font.getlength(f"{line}, {words}") > width:
                lines.append(line + ",")
                line = words
            else:
                line = f"{line}, {words}" if line else words
        lines.append(line + (":" if i < len(parts) - 1 else ""))
    return "\n".join(lines)


def number_text(value: float) -> str:
    """A value as printed in a cell: 3, -2, 5.5, 0.333."""
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def with_subscript(main: str, sub: str | None, size: int) -> np.ndarray:
    """`main` with `sub` as a subscript at its lower right (a weight at a kernel tap)."""
    big = text_mask(main, size)
    if sub is None:
        return big
    small = text_mask(sub, max(5, round(size * SUBSCRIPT)))
    top = round(big.shape[0] * 0.55)
    gap = max(1, size // 8)
    out = np.zeros(
        (max(big.shape[0], top + small.shape[0]), big.shape[1] + gap + small.shape[1]), np.uint8
    )
    out[: big.shape[0], : big.shape[1]] = big
    out[top : top + small.shape[0], big.shape[1] + gap :] = small
    return out


# ---------------------------------------------------------------------------------------------
# Layout: where each grid and each text goes.


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
        inverse = np.linalg.inv(np.column_stack([self.u, self.v]))
        offsets = inverse @ np.array([[width, width, -width, -width],
                                      [height, -height, height, -height]]) / 2
        det = abs(np.linalg.det(np.column_stack([self.u, self.v])))
        limits = 0.5 - margin * np.array([np.hypot(*self.v), np.hypot(*self.u)]) / det
        return bool((np.abs(offsets).max(axis=1) <= limits).all())


@dataclass(frozen=True)
class Label:
    """A text: its ink levels with the top-left corner at `position`."""

    mask: np.ndarray
    position: tuple[float, float]

    def box(self) -> np.ndarray:
        x, y = self.position
        return np.array([[x, y], [x + self.mask.shape[1], y + self.mask.shape[0]]])

    def moved(self, offset) -> Label:
        return Label(self.mask, tuple(np.add(self.position, offset)))


@dataclass(frozen=True)
class Swatch:
    """A one-cell legend grid drawn as the legend entry `entry`'s key looks."""

    grid: Grid
    entry: LegendEntry


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    grids: dict[str, Grid]  # "lower" (absent in the overlap view), "upper"
    labels: list[Label]
    swatches: list[Swatch]
    kernels: list[Grid] = field(default_factory=list)  # one per scene.kernels, when labelled


def sizes_for(cell: int) -> dict[str, int]:
    return {
        "label": max(9, round(cell * 0.5)),
        "value": max(6, round(cell * 0.43)),
        "number": max(6, round(cell * 0.54)),  # a cell's number (its subscript: 0.8 of it)
        "margin": max(6, round(cell * 0.6)),
        "gap": max(4, round(cell * 0.25)),
    }


def planes_extent(shapes, style: str, cell: int) -> tuple[int, int]:
    """A lower bound of the page's (width, height) from the planes' (rows, cols) alone (None:
    no plane), before a scene is built: the planes without titles, margins or legend."""
    u, v = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    boxes = [((cols * abs(u[0]) + rows * abs(v[0])) * cell,
              (cols * abs(u[1]) + rows * abs(v[1])) * cell)
             for rows, cols in (shape for shape in shapes if shape is not None)]
    if style == "arithmetic":  # stacked
        return int(max(w for w, _ in boxes)), int(sum(h for _, h in boxes))
    return int(sum(w for w, _ in boxes)), int(max(h for _, h in boxes))


def layout(scene: Scene, style: str, cell: int, labels: bool) -> Layout:
    """Where everything goes: first around the origin, then shifted into the margins."""
    planes = {"lower": scene.lower, "upper": scene.upper}
    steps = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    u, v = (tuple(cell * np.array(step, float)) for step in steps)
    grids = {name: Grid(*plane.shape, (0.0, 0.0), u, v)
             for name, plane in planes.items() if plane is not None}
    sizes = sizes_for(cell)
    texts, swatches, kernels = [], [], []
    if style == "arithmetic":
        _stack(grids, sizes["gap"])
        if labels:
            texts = _edge_labels(grids, scene.titles, cell, sizes)
            # a compact legend of the roles top right, the kernels bottom right, in the
            # corners the oblique planes leave free (the page grows where they do not fit)
            obstacles = _obstacles(grids, texts)
            roles = [entry for entry in scene.legend if isinstance(entry.key, Role)]
            block = _legend_column(roles, cell, sizes)
            swatches, legend = _place(block, obstacles, grids, "top", sizes["gap"])
            texts += legend
            if swatches:
                obstacles.append(_box_polygon(_block_box(swatches + legend)))
            kernels, names = _place(_kernel_row(scene.kernels, cell, sizes), obstacles, grids,
                                    "bottom", sizes["gap"])
            texts += names
    else:
        texts = _side_by_side(grids, scene.titles if labels else None, cell, sizes)
        if labels:
            if scene.kernels:  # under the output, left-aligned with it
                upper = grids["upper"].corners()
                kernels, names = _kernel_row(scene.kernels, cell, sizes)
                offset = (upper[:, 0].min(), upper[:, 1].max() + 2 * sizes["gap"])
                kernels = [grid.moved(offset) for grid in kernels]
                texts += [label.moved(offset) for label in names]
            swatches, legend = _legend(scene.legend, grids, texts, cell, sizes, kernels)
            texts += legend
    if labels:  # the caption above everything, as wide as the drawing or 14 cells
        low, high = _bounds(grids, texts, swatches, kernels)
        caption = _wrap(scene.caption, sizes["label"], max(high[0] - low[0], 14 * cell))
        title = text_mask(caption, sizes["label"], "left")
        texts.append(Label(title, (low[0], low[1] - 2 * sizes["gap"] - title.shape[0])))
    low, high = _bounds(grids, texts, swatches, kernels)
    shift = sizes["margin"] - low
    size = tuple(int(n) for n in np.ceil(high - low + 2 * sizes["margin"]))
    return Layout(
        size=size,
        grids={name: grid.moved(shift) for name, grid in grids.items()},
        labels=[label.moved(shift) for label in texts],
        swatches=[replace(s, grid=s.grid.moved(shift)) for s in swatches],
        kernels=[grid.moved(shift) for grid in kernels],
    )


def _bounds(grids: dict[str, Grid], texts: list[Label], swatches: list[Swatch],
            kernels: list[Grid] = ()):
    """Top-left and bottom-right of everything drawn."""
    points = [g.corners() for g in grids.values()] + [s.grid.corners() for s in swatches]
    points += [g.corners() for g in kernels] + [label.box() for label in texts]
    points = np.concatenate(points)
    return np.floor(points.min(axis=0)) - 1, np.ceil(points.max(axis=0)) + 1


def _stack(grids: dict[str, Grid], gap: float) -> None:
    """Arithmetic style: move the upper plane above the lower one, centred, `gap` px clear."""
    if "lower" not in grids:
        return
    lower, upper = grids["lower"], grids["upper"]
    centre = lower.point(lower.rows / 2, lower.cols / 2)[0] - upper.point(
        upper.rows / 2, upper.cols / 2)[0]
    rise = lower.corners()[:, 1].min() - gap - upper.corners()[:, 1].max()
    grids["upper"] = upper.moved((centre, rise))


def _edge_labels(grids, names, cell, sizes) -> list[Label]:
    """Arithmetic style: each plane's name outside its free edge: the lower plane's lower-left
    edge (rows at column 0), the upper plane's upper-left edge (columns at row 0)."""
    texts = []
    for (key, grid), name in zip(grids.items(), names[2 - len(grids):]):
        end = grid.point(grid.rows, 0) if key == "lower" else grid.point(0, grid.cols)
        start = grid.point(0, 0)
        normal = np.array([end[1] - start[1], start[0] - end[0]])
        normal /= np.hypot(*normal)
        middle = (start + end) / 2
        if normal @ (grid.point(grid.rows / 2, grid.cols / 2) - middle) > 0:
            normal = -normal
        mask = text_mask(_wrap_words(name, sizes["label"], 5 * cell), sizes["label"])
        height, width = mask.shape
        reach = abs(normal[0]) * width / 2 + abs(normal[1]) * height / 2 + sizes["gap"]
        centre = middle + normal * reach
        texts.append(Label(mask, tuple(centre - (width / 2, height / 2))))
    return texts


def _side_by_side(grids, names, cell, sizes) -> list[Label]:
    """Flat style: move the lower grid to the left, the upper one right of it, vertically
    centred; return their names, above them."""
    texts = []
    x = 0.0
    tallest = max(g.rows for g in grids.values())
    for (key, grid), name in zip(list(grids.items()), (names or (None, None))[2 - len(grids):]):
        grid = grids[key] = grid.moved((x, (tallest - grid.rows) * cell / 2))
        right = grid.corners()[:, 0].max()
        if name is not None:
            mask = text_mask(name, sizes["label"])
            top = grid.corners()[:, 1].min()
            label = Label(mask, (grid.origin[0], top - sizes["gap"] - mask.shape[0]))
            texts.append(label)
            right = max(right, label.box()[1, 0])
        x = right + 1.5 * cell
    return texts


def _legend(entries, grids, texts, cell, sizes, kernels=()) -> tuple[list[Swatch], list[Label]]:
    """Flat style: a swatch and a name for each legend entry, in rows under the grids."""
    low, high = _bounds(grids, texts, [], kernels)
    side = round(cell * 0.6)
    width = max(high[0] - low[0], 12 * cell)
    x, y = low[0], high[1] + sizes["gap"] * 2
    swatches, labels = [], []
    for entry in entries:
        mask = text_mask(entry.name, sizes["value"])
        step = side + sizes["gap"] + mask.shape[1] + 2 * sizes["gap"]
        if x + step > low[0] + width and x > low[0]:
            x, y = low[0], y + side + sizes["gap"]
        swatches.append(Swatch(Grid(1, 1, (x, y), (side, 0.0), (0.0, side)), entry))
        labels.append(Label(mask, (x + side + sizes["gap"], y + (side - mask.shape[0]) / 2)))
        x += step
    return swatches, labels


# ---------------------------------------------------------------------------------------------
# The kernels beside the planes, and the arithmetic style's compact legend: blocks of grids and
# labels built at the origin, then placed where the planes leave room.


def _kernel_row(kernels: tuple[Kernel, ...], cell: int, sizes) -> tuple[list[Grid], list[Label]]:
    """Each kernel as a small flat grid under its name, side by side, from the origin."""
    side = kernel_cell(cell)
    grids, names, x = [], [], 0.0
    masks = [text_mask(kernel.name, sizes["value"]) for kernel in kernels]
    top = max((mask.shape[0] for mask in masks), default=0) + sizes["gap"]
    for kernel, mask in zip(kernels, masks):
        rows, cols = kernel.shape
        grids.append(Grid(rows, cols, (x, top), (side, 0.0), (0.0, side)))
        names.append(Label(mask, (x, top - sizes["gap"] - mask.shape[0])))
        x += max(cols * side, mask.shape[1]) + side
    return grids, names


def kernel_cell(cell: int) -> int:
    """The side of a kernel panel's cells: smaller than the planes', large enough to read."""
    return max(10, round(cell * 0.65))


def _legend_column(entries: list[LegendEntry], cell: int, sizes) -> tuple[list[Swatch],
                                                                           list[Label]]:
    """A swatch and a name for each entry, one under the other, from the origin."""
    side = round(cell * 0.55)
    swatches, labels = [], []
    for n, entry in enumerate(entries):
        y = n * (side + sizes["gap"] // 2)
        mask = text_mask(entry.name, sizes["value"])
        swatches.append(Swatch(Grid(1, 1, (0.0, y), (side, 0.0), (0.0, side)), entry))
        labels.append(Label(mask, (side + sizes["gap"], y + (side - mask.shape[0]) / 2)))
    return swatches, labels


def _block_box(items) -> np.ndarray:
    """[[x0, y0], [x1, y1]] around grids, swatches and labels."""
    points = [item.corners() if isinstance(item, Grid) else item.grid.corners()
              if isinstance(item, Swatch) else item.box() for item in items]
    points = np.concatenate(points)
    return np.array([points.min(axis=0), points.max(axis=0)])


def _moved(item, offset):
    return replace(item, grid=item.grid.moved(offset)) if isinstance(item, Swatch) else (
        item.moved(offset))


def _place(block, obstacles: list[np.ndarray], grids: dict[str, Grid], corner: str,
           gap: float):
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

    def clear(x: float, y: float) -> bool:
        moved = box + (x, y) + [[-gap, -gap], [gap, gap]]
        return not any(_overlaps(moved, polygon) for polygon in obstacles)

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
        _box_polygon(label.box()) for label in texts]


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
    corners = _box_polygon(box)
    edges = np.roll(polygon, -1, axis=0) - polygon
    for axis in [(1.0, 0.0), (0.0, 1.0)] + [(-dy, dx) for dx, dy in edges]:
        a, b = corners @ axis, polygon @ axis
        if a.max() <= b.min() or b.max() <= a.min():
            return False
    return True
