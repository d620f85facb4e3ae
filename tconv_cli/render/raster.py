"""Raster drawing of a scene with NumPy and Pillow: frames as arrays of palette indices.

Drawing only: every word, role and number comes from the `scene`, every position from
`layout`, every colour from `palette`. How it stays fast and small:

- One fixed palette serves every picture: each fill colour, then each ink (lines, faint lines,
  text) over that fill at `LEVELS` anti-aliasing levels. Frames are never quantised.
- Each grid of cells (a plane, a legend swatch) precomputes once, for each of its pixels, the
  cell it belongs to, the nearest cell edge and how much of a solid or a dashed line covers the
  pixel. A frame is then a few small arrays per plane (the fill of each cell, the style of each
  edge, the numbers shown); only the cells whose state changed are repainted, by one palette
  lookup over their pixels, and the connectors are drawn over them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..scene import Box, Frame, Kernel, Mark, Role, Scene
from . import layout
from . import palette as p
from .layout import DEFAULT_CELL, Grid, number_text, sizes_for, with_subscript

MAX_PIXELS = 2**25  # a frame; its pixel tables take some 20 bytes a pixel

LEVELS = 4  # anti-aliasing levels of each ink (text masks come at the same levels)
INKS = 3  # line, faint, text
PER_FILL = 1 + INKS * LEVELS  # palette entries per fill: the fill, then each ink at each level
PLAIN, LINE_INK, FAINT_INK, TEXT_INK = 0, 1, 1 + LEVELS, 1 + 2 * LEVELS
TRANSPARENT = 255  # the palette index of unchanged pixels in GIF and APNG delta frames
assert LEVELS == layout.LEVELS

_FILL_COLOURS = (
    list(p.FILLS.values())
    + [p.mix(p.SHADE, colour, p.SHADE_ALPHA) for colour in p.FILLS.values()]
    + p.COUNT_SHADES
)
FILL = {name: i for i, name in enumerate(p.FILLS)}
FILL.update({f"shaded {name}": i + len(p.FILLS) for i, name in enumerate(p.FILLS)})
COUNT_FILLS = np.arange(len(p.COUNT_SHADES)) + 2 * len(p.FILLS)

# the fill a cell takes under the kernel, for each fill (count shades are never shaded)
SHADED = np.arange(len(_FILL_COLOURS))
SHADED[: len(p.FILLS)] += len(p.FILLS)
PATTERN_BITS = {"hatch": 1, "dots": 2}  # the patterns each pixel lies on (`_Pixels.hatch`)
PATTERN = np.zeros(len(_FILL_COLOURS), np.uint8)  # the pattern of each fill, shaded or not
for _name, _pattern in p.PATTERNS.items():
    PATTERN[[FILL[_name], FILL[f"shaded {_name}"]]] = PATTERN_BITS[_pattern]
ROLE_FILL = np.array([FILL[p.LOOKS[role].fill] for role in Role])
ROLE_STYLE = np.array([p.LOOKS[role].edge for role in Role])
ROLE_GLYPH = np.array([p.LOOKS[role].glyph or "" for role in Role], dtype=object)


def _luminance(colour: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _text_ink(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Dark or white text, whichever contrasts more with `fill`."""
    y = _luminance(fill)
    dark = (y + 0.05) / (_luminance(p.rgb(p.LINE)) + 0.05)
    return p.rgb(p.LINE) if dark >= 1.05 / (y + 0.05) else p.rgb(p.WHITE_TEXT)


def _palette() -> bytes:
    entries = []
    for fill in _FILL_COLOURS:
        entries.append(fill)
        for ink in (p.rgb(p.LINE), p.rgb(p.FAINT), _text_ink(fill)):
            entries += [p.mix(ink, fill, level / LEVELS) for level in range(1, LEVELS + 1)]
    assert len(entries) <= TRANSPARENT
    entries += [(255, 0, 255)] * (256 - len(entries))  # unused; TRANSPARENT is the last
    return bytes(channel for entry in entries for channel in entry)


PALETTE = _palette()


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
    dashed) and the patterns it lies on (bits of PATTERN_BITS). `starts` and `counts` give
    each cell's run.
    """

    def __init__(self, grid: Grid, shape: tuple[int, int], line: float, dashes: int):
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
        step = max(4, round(det**0.5 / 4))
        dot = max(2, step // 3)
        self.hatch = (((xs + ys) % step == 0) * PATTERN_BITS["hatch"] | (
            (xs % step < dot) & (ys % step < dot)) * PATTERN_BITS["dots"]).astype(np.uint8)[order]
        self.counts = np.bincount(self.cell, minlength=rows * cols)
        self.starts = np.cumsum(self.counts) - self.counts

    def paint(self, canvas: np.ndarray, cells: np.ndarray, fills: np.ndarray,
              styles: np.ndarray) -> np.ndarray:
        """Repaint `cells` (flat indices) with `fills` per cell and `styles` per edge; return
        the flat indices of the pixels painted."""
        at = _ranges(self.starts[cells], self.counts[cells])
        fill = np.append(fills, FILL["background"])[self.fill_of[at]]
        pattern = self.hatch[at] & PATTERN[fill]
        code = INK_CODES[(styles[self.edge[at]] * (LEVELS + 1) ** 2 + self.lines[at]) * 3
                         + pattern]
        flat = self.flat[at]
        canvas.reshape(-1)[flat] = fill * PER_FILL + code
        return flat


def _ink_codes() -> np.ndarray:
    """A pixel's palette entry within its fill's, by (edge style, solid level, dashed level,
    pattern: 0 none, else a bit of PATTERN_BITS), flattened: the edge's ink at the level of
    its style, else the pattern's ink (palette.PATTERN_INKS)."""
    codes = np.zeros((4, LEVELS + 1, LEVELS + 1, 3), np.int64)
    inks = {0: PLAIN}
    for pattern, (ink, opacity) in p.PATTERN_INKS.items():
        base = {p.LINE: LINE_INK, p.FAINT: FAINT_INK}[ink]
        inks[PATTERN_BITS[pattern]] = base + round(opacity * LEVELS) - 1
    for style, solid, dashed, pattern in np.ndindex(codes.shape):
        level = {p.SOLID: solid, p.NONE: 0}.get(style, dashed)
        ink = FAINT_INK if style == p.FAINT_DASHED else LINE_INK
        codes[style, solid, dashed, pattern] = ink + level - 1 if level else inks[pattern]
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

    def __init__(self, grid: Grid, roles: np.ndarray, pixels: _Pixels, value_size: int,
                 line: float):
        self.grid, self.roles, self.pixels = grid, roles, pixels
        self.value_size, self.line = value_size, line
        self.fills = ROLE_FILL[roles]
        self.glyphs = ROLE_GLYPH[roles]  # a small text in each cell that shows no number
        self.texted: np.ndarray | None = None  # set: mark each text's box (+1 px) in it
        self._glyph_runs = None  # each glyph's pixels, levels and box, made at the first show
        styles = np.pad(ROLE_STYLE[roles], 1)  # NONE around the grid
        self.h_styles = np.maximum(styles[:-1, 1:-1], styles[1:, 1:-1])
        self.v_styles = np.maximum(styles[1:-1, :-1], styles[1:-1, 1:])
        self.shown: _State | None = None
        self._masks: dict[tuple[str, str | None], np.ndarray] = {}

    def state(self, active: np.ndarray, box: Box | None, pending: np.ndarray | None = None,
              numbers: np.ndarray | None = None, weights: np.ndarray | None = None,
              counts: bool = False) -> _State:
        """The plane with the kernel on its `active` cells (shaded, outlined) within `box`
        (outlined); `pending` cells drawn as still to do; `weights` at the active cells as
        subscripts; `counts`: shade each cell by its number."""
        if counts:
            fills = COUNT_FILLS[np.rint(numbers / max(numbers.max(), 1)
                                        * (len(COUNT_FILLS) - 1)).astype(int)]
        else:
            fills = self.fills.copy()
        is_active = np.zeros(self.roles.shape, bool)
        is_active[tuple(active.T)] = True
        if pending is not None:
            fills[pending] = FILL[p.LOOKS[Mark.PENDING].fill]
        fills[is_active] = SHADED[fills[is_active]]
        h, v = self.h_styles.copy(), self.v_styles.copy()
        rows, cols = active.T
        h[rows, cols] = h[rows + 1, cols] = v[rows, cols] = v[rows, cols + 1] = p.SOLID
        if box is not None:
            h[[box.row0, box.row1], box.col0 : box.col1] = p.SOLID
            v[box.row0 : box.row1, [box.col0, box.col1]] = p.SOLID
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
        if self.texted is not None:
            self.texted[painted[0]] = False
        painted += self._write_numbers(canvas, cells, state)
        return np.concatenate(painted)

    def _write_numbers(self, canvas: np.ndarray, cells: np.ndarray,
                       state: _State) -> list[np.ndarray]:
        """The numbers of `cells`, each with its subscript, or else the cell's glyph."""
        numbers = state.numbers.ravel() if state.numbers is not None else None
        subs = state.subs.ravel() if state.subs is not None else None
        shown = np.zeros(len(cells), bool) if numbers is None else ~np.isnan(numbers[cells])
        inked = [self._write_glyphs(canvas, cells[~shown], state.fills.ravel())]
        for index in cells[shown]:
            sub = None if subs is None or np.isnan(subs[index]) else number_text(subs[index])
            mask = self._mask(number_text(numbers[index]), sub)
            row, col = divmod(int(index), self.grid.cols)
            height, width = mask.shape
            x, y = np.rint(self.grid.point(row + 0.5, col + 0.5) - (width / 2, height / 2))
            inked.append(_stamp(canvas, mask, int(x), int(y), state.fills.ravel()[index]))
            if self.texted is not None:
                _mark_box(self.texted, canvas.shape, int(x), int(y), mask.shape)
        return inked

    def _write_glyphs(self, canvas: np.ndarray, cells: np.ndarray,
                      fills: np.ndarray) -> np.ndarray:
        """Ink the glyphs of `cells` (those without one are skipped), all at once: each
        glyph's pixels are found once, at the first frame."""
        if self._glyph_runs is None:
            self._glyph_runs = self._glyph_pixels(canvas.shape)
        (starts, counts, flat, levels), boxes = self._glyph_runs
        cells = cells[counts[cells] > 0]
        at = _ranges(starts[cells], counts[cells])
        canvas.reshape(-1)[flat[at]] = (np.repeat(fills[cells], counts[cells]) * PER_FILL
                                        + TEXT_INK + levels[at] - 1)
        if self.texted is not None:
            box_starts, box_counts, box_flat = boxes
            self.texted[box_flat[_ranges(box_starts[cells], box_counts[cells])]] = True
        return flat[at]

    def _glyph_pixels(self, shape: tuple[int, int]):
        """Per cell (runs of `starts` and `counts`), the flat indices and ink levels of its
        glyph's pixels, and the flat indices of the glyph's box with 1 px more around it."""
        height, width = shape
        flats, levels, boxes = [], [], []
        n = self.roles.size
        counts, box_counts = np.zeros(n, np.int64), np.zeros(n, np.int64)
        for index in np.flatnonzero(self.glyphs.ravel() != ""):
            mask = self._mask(self.glyphs.ravel()[index], None, p.GLYPH_SCALE)
            row, col = divmod(int(index), self.grid.cols)
            x, y = (int(v) for v in np.rint(self.grid.point(row + 0.5, col + 0.5)
                                            - (mask.shape[1] / 2, mask.shape[0] / 2)))
            ys, xs = np.nonzero(mask)
            keep = (ys + y >= 0) & (ys + y < height) & (xs + x >= 0) & (xs + x < width)
            flats.append((ys + y) * width + xs + x)
            flats[-1], ys, xs = flats[-1][keep], ys[keep], xs[keep]
            levels.append(mask[ys, xs].astype(np.int64))
            counts[index] = len(flats[-1])
            by, bx = np.mgrid[max(0, y - 1) : min(height, y + mask.shape[0] + 1),
                              max(0, x - 1) : min(width, x + mask.shape[1] + 1)]
            boxes.append((by * width + bx).ravel())
            box_counts[index] = len(boxes[-1])
        empty = np.zeros(0, np.int64)
        starts, box_starts = np.cumsum(counts) - counts, np.cumsum(box_counts) - box_counts
        return ((starts, counts, np.concatenate(flats or [empty]),
                 np.concatenate(levels or [empty])),
                (box_starts, box_counts, np.concatenate(boxes or [empty])))

    def _mask(self, main: str, sub: str | None, scale: float = 1.0) -> np.ndarray:
        """The text of a cell, at the largest size up to `value_size` that fits the cell."""
        key = (main, sub, scale)
        if key not in self._masks:
            self._masks[key] = fitted_text(self.grid, main, sub,
                                           round(self.value_size * scale), self.line)
        return self._masks[key]


def fitted_text(grid: Grid, main: str, sub: str | None, size: int, line: float) -> np.ndarray:
    """`main` with its subscript at the largest size up to `size` that fits a cell of `grid`."""
    mask = with_subscript(main, sub, size)
    while size > 6 and not grid.fits(*mask.shape[::-1], line):
        size -= 1
        mask = with_subscript(main, sub, size)
    return mask


def _mark_box(marks: np.ndarray, shape: tuple[int, int], x: int, y: int,
              size: tuple[int, int]) -> None:
    """Mark the box of a text (its top-left corner at x, y; `size` rows, columns), 1 px more
    on every side, in the flat canvas-sized `marks`."""
    height, width = shape
    view = marks.reshape(shape)
    rows = slice(max(0, y - 1), min(height, y + size[0] + 1))
    view[rows, max(0, x - 1) : min(width, x + size[1] + 1)] = True


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


class Picture:
    """The canvas of a scene's pictures; `show(n)` brings it to frame n."""

    def __init__(self, scene: Scene, style: str, cell: int, labels: bool):
        page = layout.layout(scene, style, cell, labels)
        check_size(page.size)
        self.scene, self.size = scene, page.size
        self.frame_count = scene.frame_count
        self.canvas = np.zeros(page.size[::-1], np.uint8)  # the background
        line = max(1.0, cell / 16)
        for label in page.labels:
            x, y = np.rint(label.position).astype(int)
            _stamp(self.canvas, label.mask, x, y, FILL["background"])
        value_size = sizes_for(cell)["number"]
        for swatch in page.swatches:
            look = p.LOOKS[swatch.entry.key]
            _Pixels(swatch.grid, self.canvas.shape, line, 2).paint(
                self.canvas, np.array([0]), np.array([FILL[look.fill]]), np.full(4, look.edge))
            if look.glyph:
                self._write(swatch.grid, 0, 0, fitted_text(
                    swatch.grid, look.glyph, None, round(value_size * p.GLYPH_SCALE), line),
                    FILL[look.fill])
        for grid, kernel in zip(page.kernels, scene.kernels):
            self._draw_kernel(grid, kernel, line, value_size)
        self.planes = {
            name: _PlaneDrawer(grid, getattr(scene, name).roles,
                               _Pixels(grid, self.canvas.shape, line, 3),
                               sizes_for(cell)["number"], line)
            for name, grid in page.grids.items()
        }
        self._hidden = None  # arithmetic style: the pixels the upper plane hides connectors in
        if style == "arithmetic" and "lower" in self.planes:
            self._hidden = np.zeros(self.canvas.size, bool)
            self._hidden[self.planes["upper"].pixels.flat] = True
            self._levels = np.zeros(self.canvas.size, np.uint8)  # scratch for connectors
            # the texts on the lower plane: connectors pass under them, never through them
            self.planes["lower"].texted = np.zeros(self.canvas.size, bool)
        self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))  # what connectors cover

    def _write(self, grid: Grid, row: int, col: int, mask: np.ndarray, fill: int) -> None:
        """Ink a text in the middle of a cell of `grid`."""
        height, width = mask.shape
        x, y = np.rint(grid.point(row + 0.5, col + 0.5) - (width / 2, height / 2))
        _stamp(self.canvas, mask, int(x), int(y), fill)

    def _draw_kernel(self, grid: Grid, kernel: Kernel, line: float, size: int) -> None:
        """A kernel beside the planes: each tap's weight, or its name without values; the
        kernel the view slides is filled as its taps are on the plane."""
        rows, cols = kernel.shape
        fill = FILL[p.LOOKS[Mark.KERNEL].fill] if kernel.used else FILL["background"]
        edges = (rows + 1) * cols + rows * (cols + 1)
        _Pixels(grid, self.canvas.shape, line, 3).paint(
            self.canvas, np.arange(rows * cols), np.full(rows * cols, fill),
            np.full(edges, p.SOLID))
        masks: dict[str, np.ndarray] = {}
        for row, col in np.ndindex(rows, cols):
            text = (str(kernel.taps[row, col]) if kernel.values is None
                    else number_text(kernel.values[row, col]))
            if text not in masks:
                masks[text] = fitted_text(grid, text, None, size, line)
            self._write(grid, row, col, masks[text], fill)

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
        """What each plane shows in `frame`, as the scene says."""
        scene = self.scene
        weights = {scene.kernel_plane: frame.weights}
        states = {"upper": self.planes["upper"].state(
            frame.marks, frame.upper_box, pending=frame.pending, numbers=frame.upper_numbers,
            weights=weights.get("upper"), counts=scene.counts)}
        if scene.lower is not None:
            states["lower"] = self.planes["lower"].state(
                frame.taps, frame.lower_box, numbers=frame.lower_numbers,
                weights=weights.get("lower"))
        return states

    def _connect(self, frame: Frame) -> np.ndarray:
        """Lines from the kernel's corners on one plane to the cell's corners on the other,
        hidden behind the upper plane; return the flat indices of the pixels drawn."""
        lower, upper = self.planes["lower"].grid, self.planes["upper"].grid
        if self.scene.kernel_plane == "upper":
            (row, col), box, near, far = frame.taps[0], frame.upper_box, lower, upper
        else:
            (row, col), box, near, far = frame.marks[0], frame.lower_box, upper, lower
        corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
        starts = np.array([near.point(row + dr, col + dc) for dr, dc in corners])
        ends = np.array([far.point((box.row0, box.row1)[dr], (box.col0, box.col1)[dc])
                         for dr, dc in corners])
        where, cover = _lines(starts, ends, self.size)
        level = np.rint(cover * LEVELS).astype(np.uint8)
        visible = (level > 0) & ~self._hidden[where] & ~self.planes["lower"].texted[where]
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


def check_size(size: tuple[int, int]) -> None:
    """Refuse a frame larger than MAX_PIXELS before its pixel tables are built."""
    from ..errors import NoAnswer

    width, height = size
    if width * height > MAX_PIXELS:
        raise NoAnswer(f"a frame of {width:,}×{height:,} px ({width * height / 1e6:.0f} MP) "
                       f"is more than the {MAX_PIXELS / 1e6:.1f} MP a frame may have: use a "
                       "smaller cell or a smaller input")


def cell_center(scene: Scene, plane: str, row: int, col: int, style: str = "arithmetic",
                cell: int = DEFAULT_CELL, labels: bool = True) -> tuple[int, int]:
    """The pixel (x, y) at the centre of a cell of the "lower" or "upper" plane."""
    grid = layout.layout(scene, style, cell, labels).grids[plane]
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    return int(x), int(y)


def frame_image(scene: Scene, n: int, *, style: str = "arithmetic", cell: int = DEFAULT_CELL,
                labels: bool = True) -> Image.Image:
    """Frame `n` (0 is the first) of the scene as a palette ("P") image."""
    if not 0 <= n < scene.frame_count:
        raise IndexError(f"frame {n} of a scene of {scene.frame_count}")
    picture = Picture(scene, style, cell, labels)
    picture.show(n)
    return picture.image()

