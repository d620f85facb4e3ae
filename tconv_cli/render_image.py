"""Pictures of a scene: animated GIF, APNG and WebP, single frames and contact sheets.

Drawing only: every number, role and position comes from the `scene`; this module decides
where the cells go on the page and what colour each pixel is. Two styles share everything
but the layout: **arithmetic** (the conv_arithmetic look, planes in oblique projection, the
output above the input) and **flat** (the grids side by side, for slides).

How it stays fast and small:

- One fixed palette serves every picture: each fill colour, then each ink (lines, faint lines,
  text) over that fill at `LEVELS` anti-aliasing levels. Frames are arrays of palette indices
  and are never quantised.
- Each grid of cells (a plane, a legend swatch) precomputes once, for each of its pixels, the
  cell it belongs to, the nearest cell edge and how much of a solid or a dashed line covers the
  pixel. A frame is then a few small arrays per plane (the fill of each cell, the style of each
  edge, the numbers shown); only the cells whose state changed are repainted, by one palette
  lookup over their pixels, and the connectors are drawn over them.
- GIF and APNG are written here, frame by frame, as the rectangle that changed with unchanged
  pixels transparent, around Pillow's LZW (`GifImagePlugin.getdata`) and zlib: Pillow's own
  animated writers keep every full frame in memory and compare whole frames.
"""

from __future__ import annotations

import math
import numbers
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import BinaryIO

import numpy as np
from PIL import GifImagePlugin, Image, ImageDraw, ImageFont

from .scene import Box, Frame, Role, Scene

STYLES = ("arithmetic", "flat")
FORMATS = {".gif": "GIF", ".png": "PNG", ".webp": "WEBP"}

DEFAULT_CELL = 28
MIN_CELL = 12
MAX_CELL = 200
MAX_PIXELS = 2**25  # a frame; its pixel tables take some 20 bytes a pixel
MAX_SHEET_PIXELS = 2**27

# The arithmetic style's projection, in cells: a step along a row (to the next column) goes
# up-right, a step down a column (to the next row) down-right; measured on conv_arithmetic's
# frames, whose cells are about 30 px.
OBLIQUE_COLUMN_STEP = (1.0, -0.5)
OBLIQUE_ROW_STEP = (0.68, 0.64)

# Solarized, as conv_arithmetic draws it.
BACKGROUND = "#ffffff"
INPUT = "#268bd2"
OUTPUT = "#2aa198"
LINE = "#002b36"
SHADE = "#073642"
SHADE_ALPHA = 0.4
PENDING_ALPHA = 0.35  # output cells not computed yet: OUTPUT at this opacity over BACKGROUND
OUTPUT_PADDING_TINT = "#6c71c4"  # violet, at OUTPUT_PADDING_ALPHA over BACKGROUND
OUTPUT_PADDING_ALPHA = 0.2
CROPPED = "#eee8d5"
FAINT = "#93a1a1"  # lines and hatching of cropped cells
WHITE_TEXT = "#ffffff"

LEVELS = 4  # anti-aliasing levels of each ink
INKS = 3  # line, faint, text
PER_FILL = 1 + INKS * LEVELS  # palette entries per fill: the fill, then each ink at each level
PLAIN, LINE_INK, FAINT_INK, TEXT_INK = 0, 1, 1 + LEVELS, 1 + 2 * LEVELS
TRANSPARENT = 255  # the palette index of unchanged pixels in GIF and APNG delta frames

# Edge styles, by priority: an edge shared by two cells takes the stronger one.
NONE, FAINT_DASHED, DASHED, SOLID = range(4)


def rgb(colour: str | tuple[int, int, int]) -> tuple[int, int, int]:
    """`#rrggbb` as a tuple (a tuple passes through)."""
    if isinstance(colour, tuple):
        return colour
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def mix(top, bottom, alpha: float) -> tuple[int, int, int]:
    """`top` at opacity `alpha` over `bottom`, each channel rounded half up."""
    return tuple(
        int(alpha * t + (1 - alpha) * b + 0.5) for t, b in zip(rgb(top), rgb(bottom))
    )


# ---------------------------------------------------------------------------------------------
# The palette: fills by name, each followed by its inks.

_BASE_FILLS = {
    "background": rgb(BACKGROUND),
    "input": rgb(INPUT),
    "output": rgb(OUTPUT),
    "pending": mix(OUTPUT, BACKGROUND, PENDING_ALPHA),
    "output_padding": mix(OUTPUT_PADDING_TINT, BACKGROUND, OUTPUT_PADDING_ALPHA),
    "cropped": rgb(CROPPED),
}
# the overlap view's shades, light to dark, by kernel taps per output cell
_COUNT_SHADES = [mix(OUTPUT, BACKGROUND, a) for a in (0.08, 0.25, 0.45, 0.65, 0.85)] + [
    mix(SHADE, OUTPUT, 0.25)
]
_FILL_COLOURS = (
    list(_BASE_FILLS.values())
    + [mix(SHADE, colour, SHADE_ALPHA) for colour in _BASE_FILLS.values()]
    + _COUNT_SHADES
)
FILL = {name: i for i, name in enumerate(_BASE_FILLS)}
FILL.update({f"shaded {name}": i + len(_BASE_FILLS) for i, name in enumerate(_BASE_FILLS)})
COUNT_FILLS = np.arange(len(_COUNT_SHADES)) + 2 * len(_BASE_FILLS)

# the fill a cell takes under the kernel, for each fill (count shades are never shaded)
SHADED = np.arange(len(_FILL_COLOURS))
SHADED[: len(_BASE_FILLS)] += len(_BASE_FILLS)
HATCHED = np.isin(np.arange(len(_FILL_COLOURS)), [FILL["cropped"], FILL["shaded cropped"]])

_ROLE_LOOKS = {  # a role's fill and the style of its edges
    Role.INPUT: ("input", SOLID),
    Role.OUTPUT: ("output", SOLID),
    Role.INSERTED: ("background", DASHED),
    Role.PADDING: ("background", DASHED),
    Role.OUTPUT_PADDING: ("output_padding", DASHED),
    Role.CROPPED: ("cropped", FAINT_DASHED),
}
ROLE_FILL = np.array([FILL[_ROLE_LOOKS[role][0]] for role in Role])
ROLE_STYLE = np.array([_ROLE_LOOKS[role][1] for role in Role])


def _luminance(colour: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _text_ink(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Dark or white text, whichever contrasts more with `fill`."""
    y = _luminance(fill)
    dark = (y + 0.05) / (_luminance(rgb(LINE)) + 0.05)
    return rgb(LINE) if dark >= 1.05 / (y + 0.05) else rgb(WHITE_TEXT)


def _palette() -> bytes:
    entries = []
    for fill in _FILL_COLOURS:
        entries.append(fill)
        for ink in (rgb(LINE), rgb(FAINT), _text_ink(fill)):
            entries += [mix(ink, fill, level / LEVELS) for level in range(1, LEVELS + 1)]
    assert len(entries) <= TRANSPARENT
    entries += [(255, 0, 255)] * (256 - len(entries))  # unused; TRANSPARENT is the last
    return bytes(channel for entry in entries for channel in entry)


PALETTE = _palette()


# ---------------------------------------------------------------------------------------------
# Text.


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _text(text: str, size: int, align: str = "center") -> np.ndarray:
    """Ink levels 0…LEVELS of `text` (lines aligned by `align`), cropped to the text's box."""
    font = _font(size)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
        (0, 0), text, font=font, align=align
    )
    image = Image.new("L", (max(math.ceil(right - left), 1), max(math.ceil(bottom - top), 1)))
    ImageDraw.Draw(image).multiline_text((-left, -top), text, font=font, fill=255, align=align)
    return ((np.asarray(image, np.uint16) * LEVELS + 127) // 255).astype(np.uint8)


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


def _number(value: float) -> str:
    """A value as printed in a cell: 3, -2, 5.5, 0.333."""
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def _with_subscript(main: str, sub: str | None, size: int) -> np.ndarray:
    """`main` with `sub` as a subscript at its lower right (a weight at a kernel tap)."""
    big = _text(main, size)
    if sub is None:
        return big
    small = _text(sub, max(5, round(size * 0.72)))
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
class _Grid:
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

    def moved(self, offset) -> _Grid:
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
class _Label:
    """A text: its ink levels with the top-left corner at `position`."""

    mask: np.ndarray
    position: tuple[float, float]

    def box(self) -> np.ndarray:
        x, y = self.position
        return np.array([[x, y], [x + self.mask.shape[1], y + self.mask.shape[0]]])

    def moved(self, offset) -> _Label:
        return _Label(self.mask, tuple(np.add(self.position, offset)))


@dataclass(frozen=True)
class _Swatch:
    """A one-cell legend grid with a fixed fill and edge style."""

    grid: _Grid
    fill: int
    style: int


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int]
    grids: dict[str, _Grid]  # "lower" (absent in the overlap view), "upper"
    labels: list[_Label]
    swatches: list[_Swatch]


_ARITHMETIC_LABELS = {  # view: (lower plane, upper plane)
    "gather": ("zero-inserted,\npadded input", "output"),
    "scatter": ("input", "output\n(uncropped)"),
    "conv": ("input,\npadded", "output"),
    "overlap": (None, "output"),
}
_FLAT_LABELS = {
    "gather": ("input, zero-inserted and padded", "output"),
    "scatter": ("input", "output (uncropped)"),
    "conv": ("input, padded", "output"),
    "overlap": (None, "output"),
}


def _sizes(cell: int) -> dict[str, int]:
    return {
        "label": max(9, round(cell * 0.5)),
        "value": max(6, round(cell * 0.43)),
        "margin": max(6, round(cell * 0.6)),
        "gap": max(4, round(cell * 0.25)),
    }


def _layout(scene: Scene, style: str, cell: int, labels: bool) -> _Layout:
    """Where everything goes: first around the origin, then shifted into the margins."""
    planes = {"lower": scene.lower, "upper": scene.upper}
    steps = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    u, v = (tuple(cell * np.array(step, float)) for step in steps)
    grids = {name: _Grid(*plane.shape, (0.0, 0.0), u, v)
             for name, plane in planes.items() if plane is not None}
    sizes = _sizes(cell)
    texts, swatches = [], []
    if style == "arithmetic":
        _stack(grids, sizes["gap"])
        if labels:
            texts = _edge_labels(grids, _ARITHMETIC_LABELS[scene.view], sizes)
    else:
        texts = _side_by_side(grids, _FLAT_LABELS[scene.view] if labels else None, cell, sizes)
        if labels:
            swatches, legend = _legend(scene, grids, texts, cell, sizes)
            texts += legend
    if labels:  # the caption above everything, as wide as the drawing or 14 cells
        low, high = _bounds(grids, texts, swatches)
        caption = _wrap(scene.caption, sizes["label"], max(high[0] - low[0], 14 * cell))
        title = _text(caption, sizes["label"], "left")
        texts.append(_Label(title, (low[0], low[1] - 2 * sizes["gap"] - title.shape[0])))
    low, high = _bounds(grids, texts, swatches)
    shift = sizes["margin"] - low
    size = tuple(int(n) for n in np.ceil(high - low + 2 * sizes["margin"]))
    return _Layout(
        size=size,
        grids={name: grid.moved(shift) for name, grid in grids.items()},
        labels=[label.moved(shift) for label in texts],
        swatches=[replace(s, grid=s.grid.moved(shift)) for s in swatches],
    )


def _bounds(grids: dict[str, _Grid], texts: list[_Label], swatches: list[_Swatch]):
    """Top-left and bottom-right of everything drawn."""
    points = [g.corners() for g in grids.values()] + [s.grid.corners() for s in swatches]
    points += [label.box() for label in texts]
    points = np.concatenate(points)
    return np.floor(points.min(axis=0)) - 1, np.ceil(points.max(axis=0)) + 1


def _stack(grids: dict[str, _Grid], gap: float) -> None:
    """Arithmetic style: move the upper plane above the lower one, centred, `gap` px clear."""
    if "lower" not in grids:
        return
    lower, upper = grids["lower"], grids["upper"]
    centre = lower.point(lower.rows / 2, lower.cols / 2)[0] - upper.point(
        upper.rows / 2, upper.cols / 2)[0]
    rise = lower.corners()[:, 1].min() - gap - upper.corners()[:, 1].max()
    grids["upper"] = upper.moved((centre, rise))


def _edge_labels(grids, names, sizes) -> list[_Label]:
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
        mask = _text(name, sizes["label"])
        height, width = mask.shape
        reach = abs(normal[0]) * width / 2 + abs(normal[1]) * height / 2 + sizes["gap"]
        centre = middle + normal * reach
        texts.append(_Label(mask, tuple(centre - (width / 2, height / 2))))
    return texts


def _side_by_side(grids, names, cell, sizes) -> list[_Label]:
    """Flat style: move the lower grid to the left, the upper one right of it, vertically
    centred; return their names, above them."""
    texts = []
    x = 0.0
    tallest = max(g.rows for g in grids.values())
    for (key, grid), name in zip(list(grids.items()), (names or (None, None))[2 - len(grids):]):
        grid = grids[key] = grid.moved((x, (tallest - grid.rows) * cell / 2))
        right = grid.corners()[:, 0].max()
        if name is not None:
            mask = _text(name, sizes["label"])
            top = grid.corners()[:, 1].min()
            label = _Label(mask, (grid.origin[0], top - sizes["gap"] - mask.shape[0]))
            texts.append(label)
            right = max(right, label.box()[1, 0])
        x = right + 1.5 * cell
    return texts


_WRITING = (("output", "written"), ("shaded output", "now"), ("pending", "to come"))
_PROGRESS_LEGEND = {  # view: the fills of the kernel and of the output cells, and their names
    "gather": (("shaded background", "kernel"), *_WRITING),
    "conv": (("shaded background", "kernel"), *_WRITING),
    "scatter": (("shaded input", "input now"), ("output", "written"), ("shaded output", "stamp"),
                ("pending", "to come")),
    "overlap": (),
}


def _legend(scene: Scene, grids, texts, cell, sizes) -> tuple[list[_Swatch], list[_Label]]:
    """Flat style: a swatch and a name for each kind of cell the scene has, under the grids."""
    roles = set(np.unique(scene.upper.roles).tolist())
    if scene.lower is not None:
        roles |= set(np.unique(scene.lower.roles).tolist())
    zeros = [name for role, name in ((Role.INSERTED, "inserted"), (Role.PADDING, "padding"))
             if role in roles]
    entries = [(FILL["input"], SOLID, "input")] if Role.INPUT in roles else []
    if zeros:
        entries.append((FILL["background"], DASHED, f"zero ({' or '.join(zeros)})"))
    if Role.OUTPUT_PADDING in roles:
        entries.append((FILL["output_padding"], DASHED, "output_padding"))
    if Role.CROPPED in roles:
        entries.append((FILL["cropped"], FAINT_DASHED, "cropped"))
    entries += [(FILL[fill], SOLID, name) for fill, name in _PROGRESS_LEGEND[scene.view]]
    low, high = _bounds(grids, texts, [])
    side = round(cell * 0.6)
    width = max(high[0] - low[0], 12 * cell)
    x, y = low[0], high[1] + sizes["gap"] * 2
    swatches, labels = [], []
    for fill, style, name in entries:
        mask = _text(name, sizes["value"])
        step = side + sizes["gap"] + mask.shape[1] + 2 * sizes["gap"]
        if x + step > low[0] + width and x > low[0]:
            x, y = low[0], y + side + sizes["gap"]
        swatches.append(_Swatch(_Grid(1, 1, (x, y), (side, 0.0), (0.0, side)), fill, style))
        labels.append(_Label(mask, (x + side + sizes["gap"], y + (side - mask.shape[0]) / 2)))
        x += step
    return swatches, labels


# ---------------------------------------------------------------------------------------------
# Pixels of a grid.


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of `arange(s, s + n)` for each start s and count n."""
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total) + np.repeat(starts - ends + counts, counts)


class _Pixels:
    """Per-pixel tables of one grid on a canvas of `shape`, sorted by the cell they belong to.

    For each pixel: its flat canvas index (`flat`), its cell, the cell whose fill it takes
    (`fill_of`; one past the last for the outer half of the border lines, which lie on the
    background), the nearest edge (horizontal edges `(rows+1)·cols` first, then vertical
    ones), that edge's ink level when solid and when dashed (`lines`, solid·(LEVELS+1) +
    dashed) and whether it lies on the hatching. `starts` and `counts` give each cell's run.
    """

    def __init__(self, grid: _Grid, shape: tuple[int, int], line: float, dashes: int):
        rows, cols = grid.rows, grid.cols
        half = line / 2 + 0.5
        corners = grid.corners()
        x0, y0 = np.maximum(np.floor(corners.min(axis=0) - half), 0).astype(int)
        x1, y1 = np.minimum(np.ceil(corners.max(axis=0) + half), shape[::-1]).astype(int)
        matrix = np.column_stack([grid.u, grid.v])
        inverse = np.linalg.inv(matrix)
        x = np.arange(x0, x1, dtype=np.float32) + np.float32(0.5 - grid.origin[0])
        y = (np.arange(y0, y1, dtype=np.float32) + np.float32(0.5 - grid.origin[1]))[:, None]
        inverse = inverse.astype(np.float32)  # single precision: ample here, and faster
        c, r = inverse[0, 0] * x + inverse[0, 1] * y, inverse[1, 0] * x + inverse[1, 1] * y
        det = abs(np.linalg.det(matrix))
        per_r, per_c = det / np.hypot(*grid.u), det / np.hypot(*grid.v)  # px per unit
        out_r = np.maximum(np.maximum(-r, r - rows), 0) * per_r
        out_c = np.maximum(np.maximum(-c, c - cols), 0) * per_c
        keep = (out_r < half) & (out_c < half)
        ys, xs = np.nonzero(keep)
        ys, xs = ys + y0, xs + x0
        r, c, out_r, out_c = r[keep], c[keep], out_r[keep], out_c[keep]
        row = np.clip(np.floor(r), 0, rows - 1).astype(np.int64)
        col = np.clip(np.floor(c), 0, cols - 1).astype(np.int64)
        k_r = np.clip(np.rint(r), 0, rows).astype(np.int64)
        k_c = np.clip(np.rint(c), 0, cols).astype(np.int64)
        cover_h = np.clip(half - np.abs(r - k_r) * per_r, 0, 1) * np.clip(half - out_c, 0, 1)
        cover_v = np.clip(half - np.abs(c - k_c) * per_c, 0, 1) * np.clip(half - out_r, 0, 1)
        horizontal = cover_h >= cover_v
        edge = np.where(horizontal, k_r * cols + col, (rows + 1) * cols + row * (cols + 1) + k_c)
        along = np.where(horizontal, c, r) * dashes  # dashes start and end at the corners
        solid = np.rint(np.maximum(cover_h, cover_v) * LEVELS).astype(np.uint8)
        cell = row * cols + col
        order = np.argsort(cell.astype(np.uint16) if rows * cols <= 2**16 else cell,
                           kind="stable")  # small keys sort by radix
        self.flat = (ys * shape[1] + xs)[order]
        self.cell = cell[order]
        # the fill a pixel takes: its cell's, or (outside the grid) the background's
        self.fill_of = np.where((out_r > 0) | (out_c > 0), rows * cols, cell)[order]
        self.edge = edge[order]
        dashed = np.where((along + 0.25) % 1 < 0.5, solid, 0)
        self.lines = (solid * (LEVELS + 1) + dashed)[order]
        self.hatch = ((xs + ys) % max(4, round(det**0.5 / 4)) == 0)[order]
        self.counts = np.bincount(self.cell, minlength=rows * cols)
        self.starts = np.cumsum(self.counts) - self.counts

    def paint(self, canvas: np.ndarray, cells: np.ndarray, fills: np.ndarray,
              styles: np.ndarray) -> np.ndarray:
        """Repaint `cells` (flat indices) with `fills` per cell and `styles` per edge; return
        the flat indices of the pixels painted."""
        at = _ranges(self.starts[cells], self.counts[cells])
        fill = np.append(fills, FILL["background"])[self.fill_of[at]]
        hatch = self.hatch[at] & HATCHED[fill]
        code = INK_CODES[(styles[self.edge[at]] * (LEVELS + 1) ** 2 + self.lines[at]) * 2 + hatch]
        flat = self.flat[at]
        canvas.reshape(-1)[flat] = fill * PER_FILL + code
        return flat


def _ink_codes() -> np.ndarray:
    """A pixel's palette entry within its fill's, by (edge style, solid level, dashed level,
    hatched), flattened: the edge's ink at the level of its style, else the hatching."""
    codes = np.zeros((4, LEVELS + 1, LEVELS + 1, 2), np.int64)
    for style, solid, dashed, hatched in np.ndindex(codes.shape):
        level = {SOLID: solid, NONE: 0}.get(style, dashed)
        ink = FAINT_INK if style == FAINT_DASHED else LINE_INK
        hatching = FAINT_INK + LEVELS - 1 if hatched else PLAIN
        codes[style, solid, dashed, hatched] = ink + level - 1 if level else hatching
    return codes.ravel()


INK_CODES = _ink_codes()


# ---------------------------------------------------------------------------------------------
# A plane being drawn, frame after frame.


@dataclass
class _State:
    """What one plane shows in one frame: per cell a fill, a number and a subscript (NaN:
    none, None: no numbers at all); per edge a style."""

    fills: np.ndarray
    h_styles: np.ndarray  # (rows + 1, cols): the edges above each cell and below the last
    v_styles: np.ndarray  # (rows, cols + 1)
    numbers: np.ndarray | None = None
    subs: np.ndarray | None = None


class _PlaneDrawer:
    """One plane of the scene on the canvas: its state per frame, and what to repaint."""

    def __init__(self, grid: _Grid, roles: np.ndarray, pixels: _Pixels, value_size: int,
                 line: float):
        self.grid, self.roles, self.pixels = grid, roles, pixels
        self.value_size, self.line = value_size, line
        self.fills = ROLE_FILL[roles]
        styles = np.pad(ROLE_STYLE[roles], 1)  # NONE around the grid
        self.h_styles = np.maximum(styles[:-1, 1:-1], styles[1:, 1:-1])
        self.v_styles = np.maximum(styles[1:-1, :-1], styles[1:-1, 1:])
        self.shown: _State | None = None
        self._masks: dict[tuple[str, str | None], np.ndarray] = {}

    def state(self, active: np.ndarray, box: Box | None, done: np.ndarray | None = None,
              numbers: np.ndarray | None = None, weights: np.ndarray | None = None,
              counts: bool = False) -> _State:
        """The plane with the kernel on its `active` cells (shaded, outlined) within `box`
        (outlined); `done` output cells written, the others pending; `weights` at the active
        cells as subscripts; `counts`: shade each cell by its number."""
        if counts:
            fills = COUNT_FILLS[np.rint(numbers / max(numbers.max(), 1)
                                        * (len(COUNT_FILLS) - 1)).astype(int)]
        else:
            fills = self.fills.copy()
        is_active = np.zeros(self.roles.shape, bool)
        is_active[tuple(active.T)] = True
        if done is not None:
            fills[(self.roles == Role.OUTPUT) & ~done & ~is_active] = FILL["pending"]
        fills[is_active] = SHADED[fills[is_active]]
        h, v = self.h_styles.copy(), self.v_styles.copy()
        rows, cols = active.T
        h[rows, cols] = h[rows + 1, cols] = v[rows, cols] = v[rows, cols + 1] = SOLID
        if box is not None:
            h[[box.row0, box.row1], box.col0 : box.col1] = SOLID
            v[box.row0 : box.row1, [box.col0, box.col1]] = SOLID
        subs = None
        if weights is not None:
            subs = np.full(self.roles.shape, np.nan)
            subs[rows, cols] = weights
        return _State(fills, h, v, numbers, subs)

    def show(self, canvas: np.ndarray, state: _State) -> np.ndarray:
        """Repaint the cells whose state changed; return the flat indices of pixels painted."""
        old = self.shown
        if old is None:
            changed = np.ones(self.roles.shape, bool)
        else:
            changed = (state.fills != old.fills) | _differ(state.numbers, old.numbers) \
                | _differ(state.subs, old.subs)
            h, v = state.h_styles != old.h_styles, state.v_styles != old.v_styles
            changed |= h[:-1] | h[1:] | v[:, :-1] | v[:, 1:]
        self.shown = state
        cells = np.flatnonzero(changed)
        styles = np.concatenate([state.h_styles.ravel(), state.v_styles.ravel()])
        painted = [self.pixels.paint(canvas, cells, state.fills.ravel(), styles)]
        if state.numbers is not None:
            painted += self._write_numbers(canvas, cells, state)
        return np.concatenate(painted)

    def _write_numbers(self, canvas: np.ndarray, cells: np.ndarray,
                       state: _State) -> list[np.ndarray]:
        numbers = state.numbers.ravel()
        subs = state.subs.ravel() if state.subs is not None else None
        inked = []
        for index in cells[~np.isnan(numbers[cells])]:
            sub = None if subs is None or np.isnan(subs[index]) else _number(subs[index])
            mask = self._mask(_number(numbers[index]), sub)
            row, col = divmod(int(index), self.grid.cols)
            height, width = mask.shape
            x, y = np.rint(self.grid.point(row + 0.5, col + 0.5) - (width / 2, height / 2))
            inked.append(_stamp(canvas, mask, int(x), int(y), state.fills.ravel()[index]))
        return inked

    def _mask(self, main: str, sub: str | None) -> np.ndarray:
        """The text of a cell, at the largest size up to `value_size` that fits the cell."""
        key = (main, sub)
        if key not in self._masks:
            size = self.value_size
            mask = _with_subscript(main, sub, size)
            while size > 6 and not self.grid.fits(*mask.shape[::-1], self.line):
                size -= 1
                mask = _with_subscript(main, sub, size)
            self._masks[key] = mask
        return self._masks[key]


def _differ(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | bool:
    """Where two arrays of numbers (NaN: none) differ."""
    if a is None or b is None:
        return a is not b
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))


def _stamp(canvas: np.ndarray, mask: np.ndarray, x: int, y: int, fill: int) -> np.ndarray:
    """Ink `mask` (levels) over `fill` with its top-left corner at (x, y), clipped to the
    canvas; return the flat indices of the pixels inked."""
    height, width = canvas.shape
    sx, sy = max(0, -x), max(0, -y)
    mask = mask[sy : max(sy, height - y), sx : max(sx, width - x)]
    ys, xs = np.nonzero(mask)
    levels = mask[ys, xs]
    ys, xs = ys + y + sy, xs + x + sx
    canvas[ys, xs] = fill * PER_FILL + TEXT_INK + levels - 1
    return ys * width + xs


def _lines(starts: np.ndarray, ends: np.ndarray, size: tuple[int, int]):
    """Anti-aliased 1-px lines from `starts` to `ends` (n, 2) on a canvas of `size`: the flat
    indices of their pixels and the coverage of each (Xiaolin Wu: at each step along a line's
    major axis, the two pixels across it)."""
    width, height = size
    steep = np.abs(ends[:, 1] - starts[:, 1]) > np.abs(ends[:, 0] - starts[:, 0])
    major = steep.astype(int)  # the axis each line steps along
    rows = np.arange(len(starts))
    delta = ends - starts
    steps = math.ceil(np.abs(delta[rows, major]).max()) + 1
    t = np.linspace(0, 1, steps)
    along = np.floor(starts[rows, major][:, None] + t * delta[rows, major][:, None])
    across = starts[rows, 1 - major][:, None] + t * delta[rows, 1 - major][:, None] - 0.5
    low = np.floor(across)
    frac = across - low
    steep = steep[:, None]
    x = np.concatenate([np.where(steep, low, along), np.where(steep, low + 1, along)], axis=1)
    y = np.concatenate([np.where(steep, along, low), np.where(steep, along, low + 1)], axis=1)
    cover = np.concatenate([1 - frac, frac], axis=1)
    inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    return (y[inside] * width + x[inside]).astype(np.int64), cover[inside]


# ---------------------------------------------------------------------------------------------
# A picture: the canvas, its planes and connectors, frame after frame.


class _Picture:
    """The canvas of a scene's pictures; `show(n)` brings it to frame n."""

    def __init__(self, scene: Scene, style: str, cell: int, labels: bool):
        layout = _layout(scene, style, cell, labels)
        if layout.size[0] * layout.size[1] > MAX_PIXELS:
            raise ValueError(f"a picture of {layout.size[0]}×{layout.size[1]} px is too large: "
                             "use a smaller cell or a smaller layer")
        self.scene, self.size = scene, layout.size
        self.frame_count = scene.frame_count
        self.canvas = np.zeros(layout.size[::-1], np.uint8)  # the background
        line = max(1.0, cell / 16)
        for label in layout.labels:
            x, y = np.rint(label.position).astype(int)
            _stamp(self.canvas, label.mask, x, y, FILL["background"])
        for swatch in layout.swatches:
            _Pixels(swatch.grid, self.canvas.shape, line, 2).paint(
                self.canvas, np.array([0]), np.array([swatch.fill]), np.full(4, swatch.style))
        self.planes = {
            name: _PlaneDrawer(grid, getattr(scene, name).roles,
                               _Pixels(grid, self.canvas.shape, line, 3),
                               _sizes(cell)["value"], line)
            for name, grid in layout.grids.items()
        }
        self._hidden = None  # arithmetic style: the pixels the upper plane hides connectors in
        if style == "arithmetic" and "lower" in self.planes:
            self._hidden = np.zeros(self.canvas.size, bool)
            self._hidden[self.planes["upper"].pixels.flat] = True
            self._levels = np.zeros(self.canvas.size, np.uint8)  # scratch for connectors
        self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))  # what connectors cover

    def image(self) -> Image.Image:
        image = Image.frombytes("P", self.size, self.canvas.tobytes())
        image.putpalette(PALETTE)
        return image

    def frames(self) -> Iterator[np.ndarray]:
        """Show every frame in turn; yield the pixels each one painted (flat indices)."""
        for n in range(self.frame_count):
            yield self.show(n)

    def show(self, n: int) -> np.ndarray:
        """Bring the canvas to frame `n`; return the flat indices of the pixels painted."""
        frame = self.scene.frame(n)
        where, under = self._under  # the previous frame's connectors go first
        self.canvas.reshape(-1)[where] = under
        painted = [where]
        for name, state in self._states(frame).items():
            painted.append(self.planes[name].show(self.canvas, state))
        if self._hidden is not None:
            painted.append(self._connect(frame))
        return np.concatenate(painted)

    def _states(self, frame: Frame) -> dict[str, _State]:
        """What each plane shows in `frame`: the kernel's weights go where the kernel is."""
        scene = self.scene
        scatter = scene.view == "scatter"
        states = {"upper": self.planes["upper"].state(
            frame.marks, frame.upper_box, done=frame.done, numbers=frame.upper_values,
            weights=frame.weights if scatter else None, counts=scene.view == "overlap")}
        if scene.lower is not None:
            lower = self.planes["lower"]
            numbers = None
            if scene.lower.values is not None:
                numbers = np.where(lower.roles == Role.INPUT, scene.lower.values, np.nan)
                numbers[tuple(frame.taps.T)] = scene.lower.values[tuple(frame.taps.T)]
            states["lower"] = lower.state(frame.taps, frame.lower_box, numbers=numbers,
                                          weights=None if scatter else frame.weights)
        return states

    def _connect(self, frame: Frame) -> np.ndarray:
        """Lines from the kernel's corners on one plane to the cell's corners on the other,
        hidden behind the upper plane; return the flat indices of the pixels drawn."""
        lower, upper = self.planes["lower"].grid, self.planes["upper"].grid
        if self.scene.view == "scatter":
            (row, col), box, near, far = frame.taps[0], frame.upper_box, lower, upper
        else:
            (row, col), box, near, far = frame.marks[0], frame.lower_box, upper, lower
        corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
        starts = np.array([near.point(row + dr, col + dc) for dr, dc in corners])
        ends = np.array([far.point((box.row0, box.row1)[dr], (box.col0, box.col1)[dc])
                         for dr, dc in corners])
        where, cover = _lines(starts, ends, self.size)
        level = np.rint(cover * LEVELS).astype(np.uint8)
        visible = (level > 0) & ~self._hidden[where]
        where, level = where[visible], level[visible]
        np.maximum.at(self._levels, where, level)  # where lines cross, the strongest wins
        level = self._levels[where].astype(np.int64)
        self._levels[where] = 0
        flat = self.canvas.reshape(-1)
        under = flat[where]
        self._under = (where, under)
        fill, code = np.divmod(under.astype(np.int64), PER_FILL)
        was_line = (code >= LINE_INK) & (code < FAINT_INK)
        level = np.where(was_line, np.maximum(level, code - LINE_INK + 1), level)
        flat[where] = fill * PER_FILL + LINE_INK + level - 1
        return where


# ---------------------------------------------------------------------------------------------
# Public API.


def cell_center(scene: Scene, plane: str, row: int, col: int, style: str = "arithmetic",
                cell: int = DEFAULT_CELL, labels: bool = True) -> tuple[int, int]:
    """The pixel (x, y) at the centre of a cell of the "lower" or "upper" plane."""
    grid = _layout(scene, style, cell, labels).grids[plane]
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    return int(x), int(y)


def frame_image(scene: Scene, n: int, *, style: str = "arithmetic", cell: int = DEFAULT_CELL,
                labels: bool = True) -> Image.Image:
    """Frame `n` of the scene as a palette ("P") image."""
    _check_drawing(scene, style, cell, n)
    picture = _Picture(scene, style, cell, labels)
    picture.show(n)
    return picture.image()


def write(scene: Scene, stream: BinaryIO, *, fmt: str, style: str = "arithmetic",
          cell: int = DEFAULT_CELL, labels: bool = True, fps: float = 1.0, loop: int = 0,
          frame: int | None = None, sheet: bool = False,
          progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Draw the scene and write it to the binary `stream` in `fmt` ("GIF", "PNG", "WEBP").

    Every frame as an animation (PNG: APNG), `fps` frames a second, played `loop` times
    (0: forever); `frame=N`: only that frame, as a still; `sheet=True`: every frame on one PNG
    page. A scene of one frame (the overlap view) is a still. `progress(k)` is called once k
    frames are drawn. Returns the (width, height) of one frame in pixels. Raises ValueError
    for options that cannot be drawn or written.
    """
    _check_drawing(scene, style, cell, frame)
    if fmt not in FORMATS.values():
        raise ValueError(f"unknown image format {fmt!r}: use one of {', '.join(FORMATS.values())}")
    if sheet and (fmt != "PNG" or frame is not None):
        raise ValueError("a sheet of frames is one PNG page of every frame: use PNG, no frame")
    if not (isinstance(fps, numbers.Real) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, not {fps!r}")
    duration = round(1000 / fps)
    if not 10 <= duration <= 65535:
        raise ValueError(f"fps {fps:g} gives {duration} ms a frame: keep it in 10…65535 ms")
    if not (isinstance(loop, numbers.Integral) and 0 <= loop <= 65535):
        raise ValueError(f"loop must be 0 (forever) to 65535, not {loop!r}")
    picture = _Picture(scene, style, cell, labels)
    report = progress or (lambda k: None)
    if sheet:
        _write_sheet(picture, stream, report)
    elif frame is not None or picture.frame_count == 1:
        _write_still(picture, frame or 0, stream, fmt, report)
    else:
        _WRITERS[fmt](picture, stream, duration, loop, report)
    return picture.size


def _check_drawing(scene: Scene, style: str, cell: int, frame: int | None) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}: use one of {', '.join(STYLES)}")
    if not (isinstance(cell, numbers.Integral) and MIN_CELL <= cell <= MAX_CELL):
        raise ValueError(f"cell must be {MIN_CELL} to {MAX_CELL} pixels, not {cell!r}")
    if frame is not None and not 0 <= frame < scene.frame_count:
        raise ValueError(f"frame {frame} does not exist: this {scene.view} view has "
                         f"frames 0 to {scene.frame_count - 1}")


# ---------------------------------------------------------------------------------------------
# Writers.


def _deltas(picture: _Picture) -> Iterator[tuple[int, int, np.ndarray]]:
    """Each frame as (x, y, pixels): the first whole, then the rectangle around the pixels
    that changed, the others in it TRANSPARENT."""
    shown = None
    width = picture.size[0]
    for painted in picture.frames():
        if shown is None:
            shown = picture.canvas.copy()
            yield 0, 0, shown
            continue
        values = picture.canvas.reshape(-1)[painted]
        changed = values != shown.reshape(-1)[painted]
        painted, values = painted[changed], values[changed]
        if not painted.size:
            yield 0, 0, np.full((1, 1), TRANSPARENT, np.uint8)
            continue
        shown.reshape(-1)[painted] = values
        ys, xs = np.divmod(painted, width)
        x0, y0 = xs.min(), ys.min()
        region = np.full((ys.max() - y0 + 1, xs.max() - x0 + 1), TRANSPARENT, np.uint8)
        region[ys - y0, xs - x0] = values
        yield int(x0), int(y0), region


def _write_gif(picture: _Picture, stream: BinaryIO, duration: int, loop: int, report) -> None:
    width, height = picture.size
    stream.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + PALETTE)
    if loop != 1:  # GIF counts the plays after the first; without the block it plays once
        repeats = 0 if loop == 0 else loop - 1
        stream.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", repeats) + b"\0")
    for k, (x, y, region) in enumerate(_deltas(picture), 1):
        stream.writelines(GifImagePlugin.getdata(
            Image.fromarray(region), (x, y), duration=duration, disposal=1,
            transparency=TRANSPARENT))
        report(k)
    stream.write(b";")


def _write_apng(picture: _Picture, stream: BinaryIO, duration: int, loop: int, report) -> None:
    def chunk(kind: bytes, data: bytes) -> None:
        stream.write(struct.pack(">I", len(data)) + kind + data
                     + struct.pack(">I", zlib.crc32(kind + data)))

    width, height = picture.size
    stream.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    chunk(b"acTL", struct.pack(">II", picture.frame_count, loop))
    chunk(b"PLTE", PALETTE)
    chunk(b"tRNS", b"\xff" * TRANSPARENT + b"\0")
    sequence = 0
    for k, (x, y, region) in enumerate(_deltas(picture), 1):
        rows, cols = region.shape
        blend = int(k > 1)  # the first frame replaces, the others go over (transparency)
        chunk(b"fcTL", struct.pack(">IIIIIHHBB", sequence, cols, rows, x, y, duration, 1000,
                                   0, blend))
        data = zlib.compress(np.pad(region, ((0, 0), (1, 0))).tobytes(), 9)  # filter 0 rows
        if k == 1:
            chunk(b"IDAT", data)
            sequence += 1
        else:
            chunk(b"fdAT", struct.pack(">I", sequence + 1) + data)
            sequence += 2
        report(k)
    chunk(b"IEND", b"")


def _write_webp(picture: _Picture, stream: BinaryIO, duration: int, loop: int, report) -> None:
    images = []
    for k, _ in enumerate(picture.frames(), 1):
        images.append(picture.image().convert("RGB"))
        report(k)
    images[0].save(stream, "WEBP", save_all=True, append_images=images[1:], duration=duration,
                   loop=loop, lossless=True)


def _write_still(picture: _Picture, n: int, stream: BinaryIO, fmt: str, report) -> None:
    picture.show(n)
    image = picture.image()
    if fmt == "WEBP":
        image.convert("RGB").save(stream, "WEBP", lossless=True)
    else:
        image.save(stream, fmt, optimize=True)
    report(1)


def _write_sheet(picture: _Picture, stream: BinaryIO, report) -> None:
    """Every frame on one PNG page, in rows, with thin faint lines between them."""
    width, height = picture.size
    count = picture.frame_count
    cols = min(count, max(1, round(math.sqrt(count * height / width))))
    rows = -(-count // cols)
    if (cols * (width + 1)) * (rows * (height + 1)) > MAX_SHEET_PIXELS:
        raise ValueError(f"a sheet of {count} frames of {width}×{height} px is too large: "
                         "use a smaller cell or fewer frames")
    sheet = np.zeros((rows * (height + 1) - 1, cols * (width + 1) - 1), np.uint8)
    separator = FILL["background"] * PER_FILL + FAINT_INK + LEVELS - 1
    sheet[height :: height + 1, :] = separator
    sheet[:, width :: width + 1] = separator
    for k, _ in enumerate(picture.frames(), 1):
        row, col = divmod(k - 1, cols)
        sheet[row * (height + 1) : row * (height + 1) + height,
              col * (width + 1) : col * (width + 1) + width] = picture.canvas
        report(k)
    image = Image.frombytes("P", sheet.shape[::-1], sheet.tobytes())
    image.putpalette(PALETTE)
    image.save(stream, "PNG", optimize=True)


_WRITERS = {"GIF": _write_gif, "PNG": _write_apng, "WEBP": _write_webp}
