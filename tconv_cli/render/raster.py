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

from ..scene import CellStates, Frame, Kernel, Mark, Role, Scene
from . import layout
from . import palette as p
from .layout import DEFAULT_CELL, Grid, sizes_for

MAX_PIXELS = 2**25  # a frame; its pixel tables take some 20 bytes a pixel

LEVELS = 4  # anti-aliasing levels of each ink (text masks come at the same levels)
INKS = 3  # line, faint, text
PER_FILL = 1 + INKS * LEVELS  # palette entries per fill: the fill, then each ink at each level
PLAIN, LINE_INK, FAINT_INK, TEXT_INK = 0, 1, 1 + LEVELS, 1 + 2 * LEVELS
TRANSPARENT = 255  # the palette index of unchanged pixels in GIF and APNG delta frames
assert LEVELS == layout.LEVELS

FILL_COLOURS = (
    list(p.FILLS.values())
    + [p.mix(p.SHADE, colour, p.SHADE_ALPHA) for colour in p.FILLS.values()]
    + p.COUNT_SHADES
)
FILL = {name: i for i, name in enumerate(p.FILLS)}
FILL.update({f"shaded {name}": i + len(p.FILLS) for i, name in enumerate(p.FILLS)})
COUNT_FILLS = np.arange(len(p.COUNT_SHADES)) + 2 * len(p.FILLS)
FILL.update({f"shade {level}": int(fill) for level, fill in enumerate(COUNT_FILLS)})

# the fill a cell takes under the kernel, for each fill (count shades are never shaded)
SHADED = np.arange(len(FILL_COLOURS))
SHADED[: len(p.FILLS)] += len(p.FILLS)
HATCHED = np.isin(np.arange(len(FILL_COLOURS)),
                  [FILL[f"{shade}{name}"] for name in p.HATCHED_FILLS for shade in ("", "shaded ")])
KEY_FILL = np.zeros(max(p.LOOKS) + 1, np.int64)  # each LOOKS key's fill, by the key's value
for _key, _look in p.LOOKS.items():
    KEY_FILL[_key] = FILL[_look.fill]
PATTERN_BITS = {"hatch": 1, "dots": 2}  # the patterns each pixel lies on (`_Pixels.hatch`)
PATTERN = np.zeros(len(FILL_COLOURS), np.uint8)  # the pattern of each fill, shaded or not
for _name, _pattern in p.PATTERNS.items():
    PATTERN[[FILL[_name], FILL[f"shaded {_name}"]]] = PATTERN_BITS[_pattern]
ROLE_GLYPH = np.array([p.LOOKS[role].glyph or "" for role in Role], dtype=object)


def _luminance(colour: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_ink(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Dark or white text, whichever contrasts more with `fill`."""
    y = _luminance(fill)
    dark = (y + 0.05) / (_luminance(p.rgb(p.LINE)) + 0.05)
    return p.rgb(p.LINE) if dark >= 1.05 / (y + 0.05) else p.rgb(p.WHITE_TEXT)


def _palette() -> bytes:
    entries = []
    for fill in FILL_COLOURS:
        entries.append(fill)
        for ink in (p.rgb(p.LINE), p.rgb(p.FAINT), text_ink(fill)):
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

    def __init__(self, grid: Grid, shape: tuple[int, int], line: float, dashes: int,
                 hatch: int = 1):
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
        step = layout.hatch_period(grid)
        dot = layout.dot_size(step)
        self.hatch = (((xs + ys) % step < hatch) * PATTERN_BITS["hatch"] | (
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


def _pattern_ink(pattern: str) -> int:
    """A pattern's palette entry within its fill's: its ink at its opacity."""
    ink, opacity = p.PATTERN_INKS[pattern]
    return {p.LINE: LINE_INK, p.FAINT: FAINT_INK}[ink] + round(opacity * LEVELS) - 1


def _ink_codes() -> np.ndarray:
    """A pixel's palette entry within its fill's, by (edge style, solid level, dashed level,
    pattern: 0 none, else a bit of PATTERN_BITS), flattened: the edge's ink at the level of
    its style, else the pattern's ink (palette.PATTERN_INKS)."""
    codes = np.zeros((4, LEVELS + 1, LEVELS + 1, 3), np.int64)
    inks = {0: PLAIN} | {PATTERN_BITS[pattern]: _pattern_ink(pattern) for pattern in p.PATTERN_INKS}
    for style, solid, dashed, pattern in np.ndindex(codes.shape):
        level = {p.SOLID: solid, p.NONE: 0}.get(style, dashed)
        ink = FAINT_INK if style == p.FAINT_DASHED else LINE_INK
        codes[style, solid, dashed, pattern] = ink + level - 1 if level else inks[pattern]
    return codes.ravel()


INK_CODES = _ink_codes()
PATTERN_CODES = [_pattern_ink(pattern) for pattern in p.PATTERN_INKS]


# ---------------------------------------------------------------------------------------------
# A plane being drawn, frame after frame.


@dataclass
class _State:
    """What one plane shows in one frame: per cell a fill, a text and a second text ("":
    none; None: no texts at all; `notes`: the second goes under the first, else it is a
    subscript); per edge a style."""

    fills: np.ndarray
    h_styles: np.ndarray  # (rows + 1, cols): the edges above each cell and below the last
    v_styles: np.ndarray  # (rows, cols + 1)
    texts: np.ndarray | None = None
    seconds: np.ndarray | None = None
    notes: bool = False


def plane_state(states: CellStates) -> _State:
    """The fills (indices into FILL_COLOURS), edge styles and texts that show the scene's
    `states` of a plane: the raster draws them, and so do the SVG and the HTML player."""
    fills = KEY_FILL[states.keys]
    fills[states.active] = SHADED[fills[states.active]]
    h, v = p.edge_styles(states)
    return _State(fills, h, v, states.texts, states.seconds, states.notes)


class _PlaneDrawer:
    """One plane of the scene on the canvas: its state per frame, and what to repaint."""

    def __init__(self, grid: Grid, pixels: _Pixels, value_size: int, line: float,
                 glyphs: np.ndarray):
        self.grid, self.pixels = grid, pixels
        self.value_size, self.line = value_size, line
        self.glyphs = glyphs  # a small text in each cell that shows no other
        self.texted: np.ndarray | None = None  # set: mark each text's box (+1 px) in it
        self._glyph_runs = None  # each glyph's pixels, levels and box, made at the first show
        self.shown: _State | None = None
        self._masks: dict[tuple, np.ndarray] = {}

    def show(self, canvas: np.ndarray, state: _State) -> np.ndarray:
        """Repaint the cells whose state changed; return the flat indices of pixels painted."""
        old = self.shown
        if old is None:
            changed = np.ones(state.fills.shape, bool)
        else:
            changed = (state.fills != old.fills) | _differ(state.texts, old.texts) \
                | _differ(state.seconds, old.seconds)
            h, v = state.h_styles != old.h_styles, state.v_styles != old.v_styles
            changed |= h[:-1] | h[1:] | v[:, :-1] | v[:, 1:]
        self.shown = state
        cells = np.flatnonzero(changed)
        styles = np.concatenate([state.h_styles.ravel(), state.v_styles.ravel()])
        painted = [self.pixels.paint(canvas, cells, state.fills.ravel(), styles)]
        if self.texted is not None:
            self.texted[painted[0]] = False
        painted += self._write_texts(canvas, cells, state)
        return np.concatenate(painted)

    def _write_texts(self, canvas: np.ndarray, cells: np.ndarray,
                     state: _State) -> list[np.ndarray]:
        """The texts of `cells`, each with its subscript or note, or else the cell's glyph."""
        fills = state.fills.ravel()
        texts = None if state.texts is None else state.texts.ravel()
        seconds = None if state.seconds is None else state.seconds.ravel()
        shown = np.zeros(len(cells), bool) if texts is None else texts[cells] != ""
        inked = [self._write_glyphs(canvas, cells[~shown], fills)]
        for index in cells[shown]:
            second = None if seconds is None else (seconds[index] or None)
            mask = self._mask(texts[index], second, state.notes)
            row, col = divmod(int(index), self.grid.cols)
            x, y = layout.cell_text_corner(self.grid, row, col, mask.shape)
            if PATTERN[fills[index]]:  # no pattern across the text
                self._clear_pattern(canvas, int(index), x, y, mask.shape[1], mask.shape[0])
            inked.append(_stamp(canvas, mask, x, y, fills[index]))
            if self.texted is not None:
                _mark_box(self.texted, canvas.shape, x, y, mask.shape)
        return inked

    def _clear_pattern(self, canvas: np.ndarray, cell: int, x: int, y: int, width: int,
                       height: int) -> None:
        """Repaint as plain fill the pattern of `cell` within 2 px of a text's box."""
        start, count = self.pixels.starts[cell], self.pixels.counts[cell]
        flat = self.pixels.flat[start : start + count]
        ys, xs = np.divmod(flat, canvas.shape[1])
        near = (xs >= x - 2) & (xs < x + width + 2) & (ys >= y - 2) & (ys < y + height + 2)
        pixels = canvas.reshape(-1)[flat[near]]
        fill = pixels // PER_FILL
        inked = np.isin(pixels % PER_FILL, PATTERN_CODES)
        canvas.reshape(-1)[flat[near][inked]] = fill[inked] * PER_FILL + PLAIN
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
        n = self.glyphs.size
        counts, box_counts = np.zeros(n, np.int64), np.zeros(n, np.int64)
        for index in np.flatnonzero(self.glyphs.ravel() != ""):
            mask = self._mask(self.glyphs.ravel()[index], None, scale=p.GLYPH_SCALE)
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

    def _mask(self, main: str, second: str | None, notes: bool = False,
              scale: float = 1.0) -> np.ndarray:
        """The text of a cell, at the largest size up to `value_size` (× `scale`) that fits."""
        key = (main, second, notes, scale)
        if key not in self._masks:
            self._masks[key] = layout.fit_cell_text(self.grid, main, second,
                                                    round(self.value_size * scale), self.line,
                                                    notes)[0]
        return self._masks[key]


def _mark_box(marks: np.ndarray, shape: tuple[int, int], x: int, y: int,
              size: tuple[int, int]) -> None:
    """Mark the box of a text (its top-left corner at x, y; `size` rows, columns), 1 px more
    on every side, in the flat canvas-sized `marks`."""
    height, width = shape
    view = marks.reshape(shape)
    rows = slice(max(0, y - 1), min(height, y + size[0] + 1))
    view[rows, max(0, x - 1) : min(width, x + size[1] + 1)] = True


def _differ(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | bool:
    """Where two arrays of texts differ."""
    if a is None or b is None:
        return a is not b
    return a != b


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


def _lines(starts: np.ndarray, ends: np.ndarray, size: tuple[int, int], thickness: float = 1.0):
    """Anti-aliased lines `thickness` px wide from `starts` to `ends` (n, 2) on a canvas of
    `size`: the flat indices of their pixels and the coverage of each. At each step along a
    line's major axis, the pixels across it cover a span of `thickness` (measured square to
    the line beyond the first px): 1 px is Xiaolin Wu's line, two pixels a step."""
    width, height = size
    steep = np.abs(ends[:, 1] - starts[:, 1]) > np.abs(ends[:, 0] - starts[:, 0])
    major = steep.astype(int)  # the axis each line steps along
    rows = np.arange(len(starts))
    delta = ends - starts
    steps = math.ceil(np.abs(delta[rows, major]).max()) + 1
    t = np.linspace(0, 1, steps)
    along = np.floor(starts[rows, major][:, None] + t * delta[rows, major][:, None])
    slope = delta[rows, 1 - major] / np.maximum(np.abs(delta[rows, major]), 1e-9)
    span = (1 + (thickness - 1) * np.hypot(1, slope))[:, None]  # across, per line
    centre = starts[rows, 1 - major][:, None] + t * delta[rows, 1 - major][:, None]
    low = np.floor(centre - span / 2)
    offsets = np.arange(math.ceil(span.max()) + 1)
    pixel = low[..., None] + offsets  # (lines, steps, pixels across)
    cover = np.clip(np.minimum(pixel + 1, (centre + span / 2)[..., None])
                    - np.maximum(pixel, (centre - span / 2)[..., None]), 0, 1)
    along = np.broadcast_to(along[..., None], pixel.shape)
    steep = steep[:, None, None]
    x, y = np.where(steep, pixel, along), np.where(steep, along, pixel)
    inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    return (y[inside] * width + x[inside]).astype(np.int64), cover[inside]


# ---------------------------------------------------------------------------------------------
# A picture: the canvas, its planes and connectors, frame after frame.


def decorate(canvas: np.ndarray, labels, swatches, cell: int) -> None:
    """Stamp `labels` (layout.Label) and paint legend `swatches` on the background."""
    sizes = sizes_for(cell)
    for label in labels:
        x, y = np.rint(label.position).astype(int)
        _stamp(canvas, label.mask, x, y, FILL["background"])
    for swatch in swatches:
        look = p.LOOKS[swatch.entry.key]
        _Pixels(swatch.grid, canvas.shape, sizes["line"], layout.SWATCH_DASHES,
                sizes["hatch"]).paint(
            canvas, np.array([0]), np.array([FILL[look.fill]]), np.full(4, look.edge))
        if look.glyph:  # an inserted zero's 0, as in the cells
            mask = layout.fit_cell_text(swatch.grid, look.glyph, None,
                                        round(sizes["value"] * p.GLYPH_SCALE), sizes["line"])[0]
            x, y = layout.cell_text_corner(swatch.grid, 0, 0, mask.shape)
            _stamp(canvas, mask, x, y, FILL[look.fill])


class Picture:
    """The canvas of a scene's pictures; `show(n)` brings it to frame n. `width` pads the
    page to that many px; `page`: a layout made already (a sheet's panel)."""

    def __init__(self, scene: Scene, style: str, cell: int, labels: bool, *,
                 width: int | None = None, page: layout.Layout | None = None):
        if page is None:
            page = layout.layout(scene, style, cell, labels, width=width)
        check_size(page.size)
        self.scene, self.size, self.page = scene, page.size, page
        self.frame_count = scene.frame_count
        self.canvas = np.zeros(page.size[::-1], np.uint8)  # the background
        sizes = sizes_for(cell)
        line = sizes["line"]
        self.connector = sizes["connector"]
        value_size = sizes["value"]
        decorate(self.canvas, page.labels, page.swatches, cell)
        for grid, kernel in zip(page.kernels, scene.kernels):
            self._draw_kernel(grid, kernel, line, value_size)
        self.planes = {
            name: _PlaneDrawer(grid, _Pixels(grid, self.canvas.shape, line,
                                             layout.PLANE_DASHES, sizes["hatch"]),
                               value_size, line, ROLE_GLYPH[getattr(scene, name).roles])
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
        x, y = layout.cell_text_corner(grid, row, col, mask.shape)
        _stamp(self.canvas, mask, x, y, fill)

    def _draw_kernel(self, grid: Grid, kernel: Kernel, line: float, size: int) -> None:
        """A kernel beside the planes: each tap's weight, or its name without values; the
        kernel the view slides is filled as its taps are on the plane."""
        rows, cols = kernel.shape
        fill = FILL[p.LOOKS[Mark.KERNEL].fill] if kernel.used else FILL["background"]
        edges = (rows + 1) * cols + rows * (cols + 1)
        _Pixels(grid, self.canvas.shape, line, layout.PLANE_DASHES).paint(
            self.canvas, np.arange(rows * cols), np.full(rows * cols, fill),
            np.full(edges, p.SOLID))
        masks: dict[str, np.ndarray] = {}
        size = layout.kernel_text(grid, size)
        for row, col in np.ndindex(rows, cols):
            text = kernel.texts[row, col]
            if text not in masks:
                masks[text] = layout.fit_cell_text(grid, text, None, size, line)[0]
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
        if self.page.sum_box is not None:
            painted.append(self._write_sum(n))
        return np.concatenate(painted)

    def _write_sum(self, n: int) -> np.ndarray:
        """Frame `n`'s running sum (scene.sum_text) in the layout's box, cleared first;
        return the flat indices of the box's pixels."""
        from ..scene import sum_text

        text = sum_text(self.scene, n)
        if text == getattr(self, "_sum_shown", None):
            return np.zeros(0, np.int64)
        self._sum_shown = text
        x0, y0, x1, y1 = self.page.sum_box
        height, width = self.canvas.shape
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        self.canvas[y0:y1, x0:x1] = FILL["background"] * PER_FILL + PLAIN
        label = self.page.sum_label(text)
        if label is not None:
            x, y = np.rint(label.position).astype(int)
            _stamp(self.canvas, label.mask, int(x), int(y), FILL["background"])
        ys, xs = np.mgrid[y0:y1, x0:x1]
        return (ys * width + xs).ravel()

    def _states(self, frame: Frame) -> dict[str, _State]:
        """What each plane shows in `frame`, as the scene says."""
        return {name: plane_state(states)
                for name, states in self.scene.states(frame).items()}

    def _connect(self, frame: Frame) -> np.ndarray:
        """Lines from the kernel's corners on one plane to the cell's corners on the other,
        hidden behind the upper plane; return the flat indices of the pixels drawn."""
        starts, ends = layout.connector_lines(self.page, self.scene, frame)
        if not len(starts):  # no kernel shown (the crop)
            self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))
            return self._under[0]
        where, cover = _lines(starts, ends, self.size, self.connector)
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
                cell: int = DEFAULT_CELL, labels: bool = True,
                width: int | None = None) -> tuple[int, int]:
    """The pixel (x, y) at the centre of a cell of the "lower" or "upper" plane."""
    grid = layout.layout(scene, style, cell, labels, width=width).grids[plane]
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    return int(x), int(y)


def frame_image(scene: Scene, n: int, *, style: str = "arithmetic", cell: int = DEFAULT_CELL,
                labels: bool = True, width: int | None = None) -> Image.Image:
    """Frame `n` (0 is the first) of the scene as a palette ("P") image."""
    if not 0 <= n < scene.frame_count:
        raise IndexError(f"frame {n} of a scene of {scene.frame_count}")
    picture = Picture(scene, style, cell, labels, width=width)
    picture.show(n)
    return picture.image()

