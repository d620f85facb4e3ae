"""Raster drawing of a scene with NumPy and Pillow: frames as arrays of palette indices.

Drawing only: every word, role and number comes from the `scene`, every position from
`layout`, every colour from `palette`. How it stays fast and small:

- One fixed palette serves every picture: each fill colour, then each ink (lines, faint lines,
  text) over that fill at `LEVELS` anti-aliasing levels. Frames are never quantised.
- Each grid of cells (a plane, a legend swatch) precomputes once, for each of its pixels, the
  cell it belongs to, the nearest cell edge and how much of a solid or a dashed line covers the
  pixel. A frame is then a few small arrays per plane (the fill of each cell, the style of each
  edge, the numbers shown); only the cells whose state changed are repainted, and the
  connectors are drawn over them.
- Cells whose pixels are the same up to a move by whole pixels (a row's, where the grid steps
  by whole pixels along it) share a class (`_Classes`); a cell is repainted from its class's
  sprite for its state, the palette entries of its pixels with its glyph or text in them where
  that stays inside the cell, made once (`_PlaneDrawer._sprite`). Texts that reach beyond
  their cell are written after the cells, in the order of their cells.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from PIL import Image

from ..scene import Frame, Kernel, Mark, Scene
from . import layout
from . import palette as p
from .layout import DEFAULT_CELL, Grid, sizes_for
from .page import MAX_FRAME_PIXELS as MAX_PIXELS  # its pixel tables: some 20 bytes a pixel
from .palette import (  # the colour tables the SVG and the player share
    FILL,
    FILL_COLOURS,
    PATTERN,
    PATTERN_BITS,
    ROLE_GLYPH,
    plane_state,
    text_ink,
)
from .palette import PlaneState as _State

LEVELS = 4  # anti-aliasing levels of each ink (text masks come at the same levels)
INKS = 3  # line, faint, text
PER_FILL = 1 + INKS * LEVELS  # palette entries per fill: the fill, then each ink at each level
PLAIN, LINE_INK, FAINT_INK, TEXT_INK = 0, 1, 1 + LEVELS, 1 + 2 * LEVELS
TRANSPARENT = 255  # the palette index of unchanged pixels in GIF and APNG delta frames
assert LEVELS == layout.LEVELS


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
    """Per-pixel tables of one grid on a canvas of `shape`, sorted by the cell they belong to
    (`starts` and `counts` give each cell's run): for each pixel, its flat canvas index
    (`flat`), and what `paint` looks up: its `look` (the ink levels of its nearest edge when
    solid and when dashed, and the patterns it lies on), that edge (`edge_of`; horizontal
    edges `(rows+1)·cols` first, then vertical ones) and the cell whose fill it takes
    (`fill_cell`; one past the last for the outer half of the border lines, which lie on the
    background). Only the pixels near the grid are examined, row by row (`_near`).
    """

    def __init__(
        self, grid: Grid, shape: tuple[int, int], line: float, dashes: int, hatch: int = 1
    ):
        rows, cols = grid.rows, grid.cols
        half = line / 2 + 0.5
        matrix = np.column_stack([grid.u, grid.v])
        inverse = np.linalg.inv(matrix)
        det = abs(np.linalg.det(matrix))
        per_r, per_c = det / np.hypot(*grid.u), det / np.hypot(*grid.v)  # px per unit
        xs, ys = _near(grid, shape, half, (half / per_r, half / per_c), inverse)
        x = xs.astype(np.float32) + np.float32(0.5 - grid.origin[0])
        y = ys.astype(np.float32) + np.float32(0.5 - grid.origin[1])
        inverse = inverse.astype(np.float32)  # single precision: ample here, and faster
        c, r = inverse[0, 0] * x + inverse[0, 1] * y, inverse[1, 0] * x + inverse[1, 1] * y
        out_r = np.maximum(np.maximum(-r, r - rows), 0) * per_r
        out_c = np.maximum(np.maximum(-c, c - cols), 0) * per_c
        keep = (out_r < half) & (out_c < half)
        xs, ys, r, c, out_r, out_c = xs[keep], ys[keep], r[keep], c[keep], out_r[keep], out_c[keep]
        row = np.clip(np.floor(r), 0, rows - 1).astype(np.int32)
        col = np.clip(np.floor(c), 0, cols - 1).astype(np.int32)
        k_r = np.clip(np.rint(r), 0, rows).astype(np.int32)
        k_c = np.clip(np.rint(c), 0, cols).astype(np.int32)
        cover_h = np.clip(half - np.abs(r - k_r) * per_r, 0, 1) * np.clip(half - out_c, 0, 1)
        cover_v = np.clip(half - np.abs(c - k_c) * per_c, 0, 1) * np.clip(half - out_r, 0, 1)
        horizontal = cover_h >= cover_v
        # the nearest edge: horizontal edges `(rows+1)·cols` first, then vertical ones
        edge = np.where(horizontal, k_r * cols + col, (rows + 1) * cols + row * (cols + 1) + k_c)
        along = np.where(horizontal, c, r) * dashes  # dashes start and end at the corners
        solid = np.rint(np.maximum(cover_h, cover_v) * LEVELS).astype(np.uint8)
        along += 0.25
        dashed = np.where(along - np.floor(along) < 0.5, solid, 0)  # (along + 0.25) % 1, sooner
        step = layout.hatch_period(grid)
        dot = layout.dot_size(step)
        patterns = ((xs + ys) % step < hatch) * PATTERN_BITS["hatch"] | (
            (xs % step < dot) & (ys % step < dot)
        ) * PATTERN_BITS["dots"]
        cell = row * cols + col
        # the fill a pixel takes: its cell's, or (outside the grid) the background's
        fill_of = np.where((out_r > 0) | (out_c > 0), rows * cols, cell)
        # each cell's pixels in one run: small keys sort by radix
        order = np.argsort(cell.astype(np.uint16) if rows * cols <= 2**16 else cell, kind="stable")
        self.flat = (ys.astype(np.int64) * shape[1] + xs)[order]
        self.counts = np.bincount(cell, minlength=rows * cols)
        self.starts = np.cumsum(self.counts) - self.counts
        # what `paint` looks up per pixel, in small types: its line levels (solid·(LEVELS+1) +
        # dashed) and patterns (bits of PATTERN_BITS) in one number (a column of PIXEL_VALUE),
        # the edge it takes a style from, its fill's cell
        lines = solid * (LEVELS + 1) + dashed
        self.look = (lines.astype(np.int16) * (1 << len(PATTERN_BITS)) + patterns).astype(np.int16)[
            order
        ]
        self.edge_of = edge.astype(np.int32)[order]
        self.fill_cell = fill_of.astype(np.int32)[order]
        self._classes: _Classes | None = None

    def paint(
        self, canvas: np.ndarray, cells: np.ndarray, fills: np.ndarray, styles: np.ndarray
    ) -> np.ndarray:
        """Repaint `cells` (flat indices) with `fills` per cell and `styles` per edge; return
        the flat indices of the pixels painted."""
        at = _ranges(self.starts[cells], self.counts[cells])
        by_fill = np.append(fills, FILL["background"])  # outside the grid: the background
        flat = self.flat[at]
        canvas.reshape(-1)[flat] = _entries(
            styles[self.edge_of[at]], by_fill[self.fill_cell[at]], self.look[at]
        )
        return flat

    def classes(self, cols: int) -> _Classes:
        """Its cells' classes (`_Classes`), found at the first call."""
        if self._classes is None:
            self._classes = _Classes(self, cols)
        return self._classes


class _Classes:
    """A grid's cells sorted into classes: cells whose pixels (`_Pixels`) are the same up to a
    move by whole pixels (their flat indices from the cell's first, `anchor`; their looks;
    which of the cell's four edges each takes its style from, top, bottom, left, right; and
    whether it takes the cell's fill or the background's) share one. A cell of a class then
    looks the same as any other of its class in the same state, moved: along a row of the
    arithmetic style the grid steps by whole pixels, so a row's cells share a class.
    `values` paints one class in one state (`code`) from its first cell's tables."""

    def __init__(self, pixels: _Pixels, cols: int):
        n = len(pixels.counts)
        cell = np.repeat(np.arange(n), pixels.counts)
        top, left = cell, (n // cols + 1) * cols + cell + cell // cols  # `_Pixels`'s numbering
        edge = pixels.edge_of
        side = np.select([edge == top, edge == top + cols, edge == left], [0, 1, 2], 3)
        assert (edge[side == 3] == left[side == 3] + 1).all(), "a pixel of another cell's edge"
        first = pixels.flat[pixels.starts[pixels.counts > 0]]
        self.anchor = np.full(n, -1, np.int64)  # each cell's first pixel (flat), -1: none
        self.anchor[pixels.counts > 0] = first
        self.side, self.background = side, pixels.fill_cell == n
        relative = (pixels.flat - np.repeat(self.anchor, pixels.counts)).tobytes()  # 8 B each
        kinds = (pixels.look * 8 + side * 2 + self.background).astype(np.int32).tobytes()
        found: dict[tuple[bytes, bytes], int] = {}
        self.first: list[int] = []  # each class's first cell
        of = []
        for index, (start, end) in enumerate(
            zip(pixels.starts.tolist(), (pixels.starts + pixels.counts).tolist())
        ):
            number = found.setdefault(
                (relative[start * 8 : end * 8], kinds[start * 4 : end * 4]), len(found)
            )
            if number == len(self.first):
                self.first.append(index)
            of.append(number)
        self.of = np.array(of, np.int64)  # each cell's class
        self.pixels = pixels

    def values(self, number: int, code: list[int]) -> np.ndarray:
        """The palette entries of a cell of class `number` with `code`: its fill, and the
        styles of its top, bottom, left and right edges (as `_Pixels.paint`)."""
        fill, *styles = code
        cell = self.first[number]
        at = slice(self.pixels.starts[cell], self.pixels.starts[cell] + self.pixels.counts[cell])
        return _entries(
            np.array(styles)[self.side[at]],
            np.where(self.background[at], FILL["background"], fill),
            self.pixels.look[at],
        )


def _entries(styles: np.ndarray, fills: np.ndarray, looks: np.ndarray) -> np.ndarray:
    """Pixels' palette entries (PIXEL_VALUE) from the style of the edge each takes it from,
    the fill it takes and its look (`_Pixels.look`)."""
    index = styles.astype(np.int32) * len(FILL_COLOURS)
    index += fills
    index *= LOOKS_PER
    index += looks
    return PIXEL_VALUE[index]


def _near(
    grid: Grid, shape: tuple[int, int], half: float, reach: tuple[float, float], inverse
) -> tuple[np.ndarray, np.ndarray]:
    """The pixels (x, y), row by row, of the canvas of `shape` that may lie within the grid
    widened by `reach` (rows, columns) cells: each row's span where the grid crosses it,
    2 px wider (the exact test is the caller's), within the grid's box `half` px wider."""
    corners = grid.corners()
    x0, y0 = np.maximum(np.floor(corners.min(axis=0) - half), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0) + half), shape[::-1]).astype(int)
    y = np.arange(y0, y1)
    low, high = np.full(len(y), float(x0)), np.full(len(y), float(x1))
    for (along_x, along_y), count, margin in zip(inverse[::-1], (grid.rows, grid.cols), reach):
        at_zero = along_y * (y + 0.5 - grid.origin[1]) + along_x * (0.5 - grid.origin[0])
        bounds = -margin - at_zero, count + margin - at_zero  # of along_x · x, per row
        if abs(along_x) > 1e-9:
            first, last = np.sort(np.divide(bounds, along_x), axis=0)
            low, high = np.maximum(low, first), np.minimum(high, last)
        else:  # the grid's rows (or columns) lie along the canvas's: all of a row or none
            high = np.where((bounds[0] < 1e-6) & (bounds[1] > -1e-6), high, low)
    starts = np.clip(np.floor(low) - 2, x0, x1).astype(np.int64)
    counts = np.maximum(np.clip(np.ceil(high) + 2, x0, x1).astype(np.int64) - starts, 0)
    return _ranges(starts, counts).astype(np.int32), np.repeat(y.astype(np.int32), counts)


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
LOOKS_PER = (LEVELS + 1) ** 2 * (1 << len(PATTERN_BITS))  # a pixel's (`_Pixels.look`) values


def _pixel_values() -> np.ndarray:
    """A pixel's palette entry by (edge style, fill, its `_Pixels.look`: solid level, dashed
    level and the patterns it lies on), flattened: the fill's entry plus the ink code of
    `INK_CODES` for the edge's style, or for the fill's pattern where the pixel lies on it."""
    styles, fills = 4, len(FILL_COLOURS)
    table = np.zeros((styles, fills, LOOKS_PER), np.uint8)
    look = np.arange(LOOKS_PER)
    lines, bits = np.divmod(look, len(PATTERN_BITS) + 2)
    for style in range(styles):
        for fill in range(fills):
            pattern = bits & PATTERN[fill]
            table[style, fill] = (
                fill * PER_FILL + INK_CODES[(style * (LEVELS + 1) ** 2 + lines) * 3 + pattern]
            )
    return table.ravel()


PIXEL_VALUE = _pixel_values()


def _over_line() -> np.ndarray:
    """A connector's pixel at ink level 1…LEVELS over each palette entry: the line's ink over
    the entry's fill, the stronger where the entry is a line already; flat, at
    `level · 256 + entry` (one lookup of a 1-d table: a 2-d one is three times as slow)."""
    table = np.zeros((LEVELS + 1, 256), np.uint8)
    for entry in range(256):
        fill, code = divmod(entry, PER_FILL)
        for level in range(1, LEVELS + 1):
            ink = max(level, code - LINE_INK + 1) if LINE_INK <= code < FAINT_INK else level
            table[level, entry] = min(fill * PER_FILL + LINE_INK + ink - 1, 255)
    return table.ravel()


def ink_lines(canvas: np.ndarray, where: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Ink connectors' pixels `where` (flat indices) over the canvas at their levels, given
    as `rows` of OVER_LINE (level · 256, as `_LineCache.pixels` gives them); return the
    entries they covered."""
    flat = canvas.reshape(-1)
    under = flat[where]
    flat[where] = OVER_LINE[rows + under]
    return under


OVER_LINE = _over_line()
PATTERN_CODES = [_pattern_ink(pattern) for pattern in p.PATTERN_INKS]


# ---------------------------------------------------------------------------------------------
# A plane being drawn, frame after frame.


class _PlaneDrawer:
    """One plane of the scene on the canvas: its state per frame, and what to repaint."""

    def __init__(
        self,
        grid: Grid,
        pixels: _Pixels,
        value_size: int,
        line: float,
        glyphs: np.ndarray,
        shape: tuple[int, int],
    ):
        self.grid, self.pixels = grid, pixels
        self.value_size, self.line = value_size, line
        self.glyphs = glyphs  # a small text in each cell that shows no other
        self.texted: TextBoxes | None = None  # set: each text's box is added to it
        self._glyph_runs = None  # each glyph's pixels, levels and box, made at the first show
        self._glyph_keys: list[int] = []  # with them: each cell's glyph class (-1: none)
        self._glyph_counts: list[int] = []  # and each cell's glyph pixels
        self.shown: _State | None = None
        self._masks: dict[tuple, np.ndarray] = {}
        # texts too large for their cell: the other cells each one reaches (`_place`)
        self._spills: dict[int, np.ndarray] = {}
        self._placed: dict[tuple, _PlacedText] = {}  # `_place`'s answers
        self._offsets: dict[int, tuple] = {}  # `_mask_pixels`'s, by the mask's id
        self._shape = shape  # the canvas's
        self._sorted_pixels: np.ndarray | None = None
        self._sprites: dict[tuple, np.ndarray] = {}  # `_sprite`'s answers
        self._within: dict[tuple, np.ndarray | None] = {}  # `_text_at`'s, by class and place
        self._texts_at: dict[tuple, _TextAt] = {}  # `_text_at`'s answers, by cell and text
        self._texts_now: dict[int, _TextAt] = {}  # `_text_at`'s in the frame drawn, by cell
        self._boxes: list[tuple[tuple[int, int], tuple[slice, slice]]] = []  # its texts' boxes
        self._corners: dict[tuple, tuple] = {}  # `_corners_of`'s answers, by the text's shape
        self._classes = pixels.classes(grid.cols)
        self._class_of = self._classes.of.tolist()
        self._frame_texts: tuple = ((), None, False)  # the texts of the frame being drawn
        self._texted: np.ndarray | None = None  # the cells showing a text in the frame shown
        self._to_cells = np.linalg.inv(np.column_stack([grid.u, grid.v])).tolist()
        self._runs, self._run_counts = pixels.starts.tolist(), pixels.counts.tolist()

    def show(self, canvas: np.ndarray, state: _State) -> np.ndarray:
        """Repaint the cells whose state changed; return the flat indices of pixels painted."""
        old = self.shown
        texted = self._texted_cells(state)
        if old is None:
            changed = retexted = np.ones(state.fills.shape, bool)
        else:
            retexted = self._retexted(state, old, texted)
            changed = (state.fills != old.fills) | retexted
            h, v = state.h_styles != old.h_styles, state.v_styles != old.v_styles
            changed |= h[:-1] | h[1:] | v[:, :-1] | v[:, 1:]
        self.shown, self._texted, self._texts_now = state, texted, {}
        if state.texts is not None:
            self._frame_texts = (
                state.texts.ravel(),
                None if state.seconds is None else state.seconds.ravel(),
                state.notes,
            )
        cells = self._with_spills(changed.ravel(), state, texted)
        if np.ndim(retexted) == 0:
            retexted = np.full(state.fills.size, bool(retexted))
        else:
            retexted = retexted.ravel()
        self._boxes = []
        painted = self._draw(canvas, cells, state, retexted)
        if self.texted is not None:  # changed texts go, and those drawn come back
            gone = [(id(self), cell) for cell in cells[retexted[cells]].tolist()]
            self.texted.update(gone, self._boxes)
        return painted

    def _texted_cells(self, state: _State) -> np.ndarray | None:
        """The cells (flat indices) that show a text in `state`; None: no texts at all."""
        return None if state.texts is None else np.flatnonzero(state.texts)

    def _retexted(self, state: _State, old: _State, texted: np.ndarray | None) -> np.ndarray | bool:
        """Where a cell's text or second text differs from `old`'s (per cell, or one bool for
        all): compared only at the cells that show a text in either, when they are few."""
        if state.texts is None or old.texts is None or state.notes != old.notes:
            return (state.texts is not old.texts) or state.notes != old.notes
        assert texted is not None and self._texted is not None
        either = np.concatenate([texted, self._texted])  # (a cell twice is no matter)
        if 4 * len(either) > state.texts.size:  # many: compare them all
            return _differ(state.texts, old.texts) | _differ(state.seconds, old.seconds)
        differ = state.texts.ravel()[either] != old.texts.ravel()[either]
        if state.seconds is not None or old.seconds is not None:
            differ |= _differ(_at(state.seconds, either), _at(old.seconds, either))
        retexted = np.zeros(state.texts.size, bool)
        retexted[either[differ]] = True
        return retexted.reshape(state.texts.shape)

    def _with_spills(
        self, changed: np.ndarray, state: _State, texted: np.ndarray | None
    ) -> np.ndarray:
        """The cells to repaint (flat indices): those that changed, and, where a text reaches
        beyond its cell, the cells it reaches when it changes (to clear or write it) and its
        own when they are repainted (to write it again), so that every pixel ends as on a
        canvas drawn afresh."""
        if state.texts is None and not self._spills:  # no text to reach beyond its cell
            return np.flatnonzero(changed)
        old = dict(self._spills)
        for cell in old:
            if changed[cell]:
                del self._spills[cell]
        if texted is not None:
            for cell in texted[changed[texted]].tolist():
                if self._text_at(cell).positions is None:  # it may reach beyond its cell
                    reach = self._place(cell, *self._text_of(cell)).reach
                    if reach is not None:
                        self._spills[cell] = reach
        if not old and not self._spills:
            return np.flatnonzero(changed)
        relation = list(old.items()) + list(self._spills.items())
        while True:
            grown = changed.copy()
            for cell, others in relation:
                if grown[cell]:
                    grown[others] = True
                elif grown[others].any():
                    grown[cell] = True
            if (grown == changed).all():
                return np.flatnonzero(changed)
            changed = grown

    def _text_of(self, cell: int) -> tuple[str, str | None, bool]:
        """A cell's text in the frame being drawn, its second text (None: none) and whether
        that is a note."""
        texts, seconds, notes = self._frame_texts
        return texts[cell], None if seconds is None else (seconds[cell] or None), notes

    def _text_at(self, cell: int) -> _TextAt:
        """Where a cell's text in the frame being drawn falls (`_TextAt`), kept for the cell
        and its text; whether it stays within the cell is found once for the cell's class and
        the text's place in it, as the class's cells are the same up to a move by whole
        pixels."""
        found = self._texts_now.get(cell)
        if found is not None:
            return found
        main, second, notes = self._text_of(cell)
        key = (cell, main, second, notes)
        found = self._texts_at.get(key)
        if found is not None:
            self._texts_now[cell] = found
            return found
        mask = self._mask(main, second, notes)
        xs, ys, from_x, from_y = self._corners_of(mask.shape)
        where = (id(mask), from_x[cell], from_y[cell])
        kind = (self._class_of[cell], where)
        within = self._within.get(kind, False)
        if within is False:
            placed = self._place(cell, main, second, notes)
            within = self._within[kind] = (
                None if placed.reach is not None else self._positions(cell, placed.flat)
            )
        box = _box(self._shape, xs[cell], ys[cell], mask.shape)
        if len(self._texts_at) >= TEXTS_AT_LIMIT:
            self._texts_at.clear()
        found = self._texts_at[key] = self._texts_now[cell] = _TextAt(where, within, mask, box)
        return found

    def _corners_of(self, shape: tuple[int, int]) -> tuple[list[int], ...]:
        """For a text of `shape` in each cell: its top-left corner (`layout.cell_text_corners`,
        x and y), and that corner from the cell's first pixel, found for all cells at once."""
        found = self._corners.get(shape)
        if found is None:
            rows, cols = np.divmod(np.arange(self.grid.rows * self.grid.cols), self.grid.cols)
            x, y = layout.cell_text_corners(self.grid, rows, cols, shape)
            anchor_y, anchor_x = np.divmod(self._classes.anchor, self._shape[1])
            found = self._corners[shape] = (
                x.tolist(),
                y.tolist(),
                (x - anchor_x).tolist(),
                (y - anchor_y).tolist(),
            )
        return found

    def _positions(self, cell: int, flat: np.ndarray) -> np.ndarray | None:
        """The positions of pixels `flat` in `cell`'s run, or None unless all are its."""
        start, count = self.pixels.starts[cell], self.pixels.counts[cell]
        run = self.pixels.flat[start : start + count]
        order = np.argsort(run)
        at = np.minimum(np.searchsorted(run[order], flat), max(count - 1, 0))
        if not count or not (run[order][at] == flat).all():
            return None
        return order[at]

    def _draw(
        self, canvas: np.ndarray, cells: np.ndarray, state: _State, retexted: np.ndarray
    ) -> np.ndarray:
        """Repaint `cells`: each as its class's sprite in its state (its fill, the styles of
        its edges, and its text or glyph where that stays within the cell), then the texts
        and glyphs that do not, as a canvas drawn afresh has them. The boxes of the texts that
        changed (`retexted`, per cell) go into `texted`; return the pixels painted."""
        classes = self._classes
        if self._glyph_runs is None:
            self._glyph_runs = self._glyph_pixels(canvas.shape)
            keys, self._bake = self._glyph_classes()
            self._glyph_keys = keys.tolist()
            self._glyph_counts = self._glyph_runs[0][1].tolist()
        fills = state.fills.ravel()
        h, v = state.h_styles.ravel(), state.v_styles.ravel()
        cols = self.grid.cols
        left = cells + cells // cols
        codes = np.stack(
            [fills[cells], h[cells], h[cells + cols], v[left], v[left + 1]], axis=1
        ).tolist()
        numbers = classes.of[cells].tolist()
        texts = None if state.texts is None else state.texts.ravel()
        shown = [False] * len(cells) if texts is None else (texts[cells] != "").tolist()
        reached = set()
        for others in self._spills.values():
            reached.update(others.tolist())
        later_texts, later_glyphs, boxes = [], [], []
        flats, values = [], []
        starts, counts, flat = self._runs, self._run_counts, self.pixels.flat
        glyph_keys, glyph_counts = self._glyph_keys, self._glyph_counts
        for cell, number, code, text in zip(cells.tolist(), numbers, codes, shown):
            extra = None
            if text:
                at = self._text_at(cell)
                if at.positions is not None and self._bake and cell not in reached:
                    extra = at.where
                else:
                    later_texts.append(cell)
                if self.texted is not None and retexted[cell]:
                    boxes.append(cell)
            elif glyph_counts[cell]:  # a glyph on the canvas
                if self._bake:
                    extra = glyph_keys[cell]
                else:
                    later_glyphs.append(cell)
            key = (number, *code, extra)
            sprite = self._sprites.get(key)
            if sprite is None:
                sprite = self._sprite(cell, number, code, extra)
            start = starts[cell]
            flats.append(flat[start : start + counts[cell]])
            values.append(sprite)
        painted = [np.concatenate(flats)] if flats else []
        if flats:
            canvas.reshape(-1)[painted[0]] = np.concatenate(values)
        if self.texted is not None:  # the boxes of what the sprites hold (the others' are
            # added as they are written, by `_write_glyphs` and `_write_texts`)
            for cell in boxes:
                if cell not in later_texts:
                    self._boxes.append(((id(self), cell), self._text_at(cell).box))
            if self._bake:
                glyph_boxes = self._glyph_runs[1]
                glyphs = cells[~np.array(shown, bool)] if len(cells) else cells
                for cell in glyphs[retexted[glyphs]].tolist():
                    if glyph_counts[cell]:
                        self._boxes.append(((id(self), cell), glyph_boxes[cell]))
        if later_glyphs:
            painted.append(
                self._write_glyphs(canvas, np.array(later_glyphs, np.int64), fills, retexted)
            )
        painted += self._write_texts(canvas, later_texts, state, retexted)
        return np.concatenate(painted) if painted else np.zeros(0, np.int64)

    SPRITES = 1 << 15  # sprites a plane keeps

    def _sprite(self, cell: int, number: int, code: list, extra) -> np.ndarray:
        """The palette entries of `cell`'s pixels (a cell of class `number`) with `code` (its
        fill and its edges' styles) and `extra`: its text's place (`_text_at`), its glyph's
        class, or None; kept for every cell of the class in that state."""
        values = self._classes.values(number, code)
        fill = code[0]
        if isinstance(extra, tuple):  # a text within the cell
            positions = self._text_at(cell).positions
            placed = self._place(cell, *self._text_of(cell))
            if PATTERN[fill]:  # no pattern across the text
                x, y, width, height = placed.corner_and_size
                start, count = self.pixels.starts[cell], self.pixels.counts[cell]
                ys, xs = np.divmod(self.pixels.flat[start : start + count], self._shape[1])
                near = (xs >= x - 2) & (xs < x + width + 2) & (ys >= y - 2) & (ys < y + height + 2)
                near &= np.isin(values % PER_FILL, PATTERN_CODES)
                values[near] = values[near] // PER_FILL * PER_FILL + PLAIN
            values[positions] = fill * PER_FILL + placed.inks
        elif extra is not None:  # a glyph
            positions, levels = self._glyph_shapes[extra]
            values[positions] = fill * PER_FILL + TEXT_INK + levels - 1
        if len(self._sprites) >= self.SPRITES:
            self._sprites.clear()
        self._sprites[(number, *code, extra)] = values
        return values

    def _glyph_classes(self) -> tuple[np.ndarray, bool]:
        """Each cell's glyph class (-1 without a glyph): glyphs at the same positions in
        their cells' runs, with the same levels, share one (`_glyph_shapes`); and whether
        every glyph stays within its cell's pixels (else none is drawn in a sprite)."""
        (starts, counts, flat, levels), _ = self._glyph_runs
        keys = np.full(len(counts), -1, np.int64)
        # a glyph at the same place from the first pixel of a cell of the same class lies at
        # the same positions in the cell's run: found once for each
        found: dict[tuple[int, bytes, bytes], int] = {}
        self._glyph_shapes: list[tuple[np.ndarray, np.ndarray]] = []
        relative = (flat - np.repeat(self._classes.anchor, counts)).tobytes()  # 8 B each
        level_bytes = levels.tobytes()
        for cell in np.flatnonzero(counts).tolist():
            start, end = starts[cell], starts[cell] + counts[cell]
            key = (
                self._class_of[cell],
                relative[start * 8 : end * 8],
                level_bytes[start * 8 : end * 8],
            )
            number = found.get(key)
            if number is None:
                positions = self._positions(cell, flat[start:end])
                if positions is None:
                    return keys, False
                number = found[key] = len(self._glyph_shapes)
                self._glyph_shapes.append((positions, levels[start:end]))
            keys[cell] = number
        return keys, True

    def _write_texts(
        self, canvas: np.ndarray, cells: list[int], state: _State, retexted: np.ndarray
    ) -> list[np.ndarray]:
        """The texts of `cells` (each with its subscript or note) that no sprite holds; the
        boxes of those whose text changed (`retexted`, per cell) go into `texted` (the others
        are there already)."""
        fills = state.fills.ravel()
        inked = []
        flat_canvas = canvas.reshape(-1)
        for index in cells:
            text = self._place(index, *self._text_of(index))
            if PATTERN[fills[index]]:  # no pattern across the text
                self._clear_pattern(canvas, index, *text.corner_and_size)
            # a text too large for its cell may reach the next cells, never off the plane
            flat_canvas[text.flat] = fills[index] * PER_FILL + text.inks
            inked.append(text.flat)
            if self.texted is not None and retexted[index]:
                self._boxes.append(((id(self), index), text.box))
        return inked

    def _place(self, cell: int, main: str, second: str | None, notes: bool) -> _PlacedText:
        """Where a cell's text falls on the canvas and which other cells it reaches (kept
        for the frame that writes it after the one that clears it)."""
        key = (cell, main, second, notes)
        placed = self._placed.get(key)
        if placed is not None:
            return placed
        if len(self._placed) >= PLACED_LIMIT:
            self._placed.clear()
        mask = self._mask(main, second, notes)
        row, col = divmod(cell, self.grid.cols)
        height, width = mask.shape
        x, y = layout.cell_text_corner(self.grid, row, col, mask.shape)
        # the cells the text's box (1 px more around it) reaches
        (a, b), (c, d) = self._to_cells
        ox, oy = self.grid.origin
        xs, ys = (x - 1 - ox, x + width + 1 - ox), (y - 1 - oy, y + height + 1 - oy)
        cols = [a * px + b * py for py in ys for px in xs]
        rows = [c * px + d * py for py in ys for px in xs]
        r0, r1 = math.floor(min(rows)), math.floor(max(rows))
        c0, c1 = math.floor(min(cols)), math.floor(max(cols))
        on_plane = r0 >= 0 and c0 >= 0 and r1 < self.grid.rows and c1 < self.grid.cols
        r0, r1 = max(0, r0), min(self.grid.rows - 1, r1)
        c0, c1 = max(0, c0), min(self.grid.cols - 1, c1)
        reach = None
        if (r0, r1, c0, c1) != (row, row, col, col):
            reached = [
                r * self.grid.cols + c
                for r in range(r0, r1 + 1)
                for c in range(c0, c1 + 1)
                if (r, c) != (row, col)
            ]
            reach = np.array(reached, np.int64) if reached else None
        canvas_height, canvas_width = self._shape
        if x >= 1 and y >= 1 and x + width + 1 <= canvas_width and y + height + 1 <= canvas_height:
            offsets, inks = self._mask_pixels(mask)
            flat = offsets + y * canvas_width + x
            if not on_plane:  # never off the plane
                keep = _among(flat, self._plane_pixels())
                flat, inks = flat[keep], inks[keep]
        else:  # clipped by the canvas
            flat, levels = _stamp_pixels(self._shape, mask, x, y, self._plane_pixels())
            inks = TEXT_INK - 1 + levels.astype(np.int64)
        box = _box(self._shape, x, y, mask.shape)
        placed = _PlacedText((x, y, width, height), flat, inks, box, reach)
        self._placed[key] = placed
        return placed

    def _mask_pixels(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A text's inked pixels as flat offsets from its top-left corner on the canvas, and
        their palette entries within the fill's."""
        found = self._offsets.get(id(mask))
        if found is None:
            width = self._shape[1]
            ys, xs = np.nonzero(mask)
            found = (ys * width + xs, TEXT_INK - 1 + mask[ys, xs].astype(np.int64))
            self._offsets[id(mask)] = found
        return found

    def _plane_pixels(self) -> np.ndarray:
        """The flat indices of every pixel of the plane (its cells and edges), sorted."""
        if self._sorted_pixels is None:
            self._sorted_pixels = np.sort(self.pixels.flat)
        return self._sorted_pixels

    def _clear_pattern(
        self, canvas: np.ndarray, cell: int, x: int, y: int, width: int, height: int
    ) -> None:
        """Repaint as plain fill the pattern of `cell` within 2 px of a text's box."""
        start, count = self.pixels.starts[cell], self.pixels.counts[cell]
        flat = self.pixels.flat[start : start + count]
        ys, xs = np.divmod(flat, canvas.shape[1])
        near = (xs >= x - 2) & (xs < x + width + 2) & (ys >= y - 2) & (ys < y + height + 2)
        pixels = canvas.reshape(-1)[flat[near]]
        fill = pixels // PER_FILL
        inked = np.isin(pixels % PER_FILL, PATTERN_CODES)
        canvas.reshape(-1)[flat[near][inked]] = fill[inked] * PER_FILL + PLAIN

    def _write_glyphs(
        self, canvas: np.ndarray, cells: np.ndarray, fills: np.ndarray, retexted: np.ndarray
    ) -> np.ndarray:
        """Ink the glyphs of `cells` (those without one are skipped), all at once: each
        glyph's pixels are found once, at the first frame."""
        (starts, counts, flat, levels), boxes = self._glyph_runs  # (made by `_draw`)
        cells = cells[counts[cells] > 0]
        at = _ranges(starts[cells], counts[cells])
        canvas.reshape(-1)[flat[at]] = (
            np.repeat(fills[cells], counts[cells]) * PER_FILL + TEXT_INK + levels[at] - 1
        )
        if self.texted is not None:
            for cell in cells[retexted[cells]].tolist():
                self._boxes.append(((id(self), cell), boxes[cell]))
        return flat[at]

    def _glyph_pixels(self, shape: tuple[int, int]):
        """Per cell (runs of `starts` and `counts`), the flat indices and ink levels of its
        glyph's pixels; and each glyph's box with 1 px more around it (`_box`), by cell. The
        cells of one glyph are placed at once."""
        height, width = shape
        glyphs = self.glyphs.ravel()
        n = glyphs.size
        counts = np.zeros(n, np.int64)
        owners, flats, levels, boxes = [], [], [], {}
        for glyph in dict.fromkeys(glyphs[glyphs != ""].tolist()):
            mask = self._mask(glyph, None, scale=p.GLYPH_SCALE)
            cells = np.flatnonzero(glyphs == glyph)
            x, y = layout.cell_text_corners(
                self.grid, *np.divmod(cells, self.grid.cols), mask.shape
            )
            x, y = x[:, None], y[:, None]
            ys, xs = np.nonzero(mask)
            keep = (ys + y >= 0) & (ys + y < height) & (xs + x >= 0) & (xs + x < width)
            flats.append(((ys + y) * width + xs + x)[keep])
            levels.append(np.broadcast_to(mask[ys, xs].astype(np.int64), keep.shape)[keep])
            owners.append(np.broadcast_to(cells[:, None], keep.shape)[keep])
            counts[cells] = keep.sum(axis=1)
            for cell, left, top in zip(cells.tolist(), x[:, 0].tolist(), y[:, 0].tolist()):
                boxes[cell] = _box(shape, left, top, mask.shape)
        empty = np.zeros(0, np.int64)
        order = np.argsort(np.concatenate(owners or [empty]), kind="stable")  # cell by cell
        starts = np.cumsum(counts) - counts
        return (
            (
                starts,
                counts,
                np.concatenate(flats or [empty])[order],
                np.concatenate(levels or [empty])[order],
            ),
            boxes,
        )

    def _mask(
        self, main: str, second: str | None, notes: bool = False, scale: float = 1.0
    ) -> np.ndarray:
        """The text of a cell, at the largest size up to `value_size` (× `scale`) that fits."""
        key = (main, second, notes, scale)
        if key not in self._masks:
            self._masks[key] = layout.fit_cell_text(
                self.grid, main, second, round(self.value_size * scale), self.line, notes
            )[0]
        return self._masks[key]


class _TextAt(NamedTuple):
    """Where a cell's text falls: `where` its mask's id and its corner from the cell's first
    pixel (a sprite's key), `positions` its pixels' positions in the cell's run when all are
    the cell's and its box reaches no other cell (else None), its `mask`, its box (`_box`)."""

    where: tuple[int, int, int]
    positions: np.ndarray | None
    mask: np.ndarray
    box: tuple[slice, slice]


class _PlacedText(NamedTuple):
    """A cell's text on the canvas: its corner and size (x, y, width, height), its inked
    pixels (flat indices), their palette entries within the fill's, and its box (`_box`)."""

    corner_and_size: tuple[int, int, int, int]
    flat: np.ndarray
    inks: np.ndarray
    box: tuple[slice, slice]
    reach: np.ndarray | None  # the other cells its box reaches


PLACED_LIMIT = 4096  # texts' places a plane keeps
# where texts fall (`_text_at`) a plane keeps: a kernel's nine tap names over every cell of a
# 34×34 plane are some 11,000 (few bytes each: their arrays are shared)
TEXTS_AT_LIMIT = 1 << 16


class TextBoxes:
    """Where texts lie on a canvas of `shape`, so that connectors pass under them: each
    text's box (a rectangle, `_box`) is added when it is written, under a key (its plane and
    cell), and removed when its cell is repainted; boxes are counted (`count`, flat), so a
    pixel stays covered while any box over it remains, exactly as on a canvas drawn afresh.
    `base` (flat, bool): pixels covered whatever the texts (what else hides connectors)."""

    def __init__(self, shape: tuple[int, int], base: np.ndarray | None = None):
        self.count = np.zeros(shape[0] * shape[1], np.uint16)
        if base is not None:
            self.count += base
        self._count = self.count.reshape(shape)
        self._boxes: dict[object, list[tuple[slice, slice]]] = {}

    def clear(self, flat: np.ndarray) -> np.ndarray:
        """Whether each pixel of `flat` lies under no box (nor the base)."""
        return self.count[flat] == 0

    def add(self, key, box: tuple[slice, slice]) -> None:
        self._boxes.setdefault(key, []).append(box)
        self._count[box] += 1

    def update(self, gone: list, added: list[tuple[object, tuple[slice, slice]]]) -> None:
        """Remove the boxes under the keys `gone`, then add `added` (key, box)."""
        for key in gone:
            for box in self._boxes.pop(key, ()):
                self._count[box] -= 1
        for key, box in added:
            self.add(key, box)


def _box(shape: tuple[int, int], x: int, y: int, size: tuple[int, int]) -> tuple[slice, slice]:
    """The box of a text (its top-left corner at x, y; `size` rows, columns), 1 px more on
    every side, on a canvas of `shape`: its rows and columns."""
    height, width = shape
    return (
        slice(max(0, y - 1), min(height, y + size[0] + 1)),
        slice(max(0, x - 1), min(width, x + size[1] + 1)),
    )


def _differ(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | bool:
    """Where two arrays of texts differ (None: no texts, as all "")."""
    if a is None and b is None:
        return False
    if a is None or b is None:
        return (a if b is None else b) != ""
    return a != b


def _at(texts: np.ndarray | None, cells: np.ndarray) -> np.ndarray | None:
    """The texts of `cells` (flat indices), or None."""
    return None if texts is None else texts.ravel()[cells]


def _stamp_pixels(
    shape: tuple[int, int], mask: np.ndarray, x: int, y: int, within: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Where `mask` (levels) falls with its top-left corner at (x, y) on a canvas of `shape`,
    clipped to the canvas and, if given, to the pixels `within` (sorted flat indices): the
    flat indices of its inked pixels and their levels."""
    height, width = shape
    sx, sy = max(0, -x), max(0, -y)
    mask = mask[sy : max(sy, height - y), sx : max(sx, width - x)]
    ys, xs = np.nonzero(mask)
    levels = mask[ys, xs]
    flat = (ys + y + sy) * width + xs + x + sx
    if within is not None:
        keep = _among(flat, within)
        flat, levels = flat[keep], levels[keep]
    return flat, levels


def _among(flat: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Which of the pixels `flat` are among `within` (sorted flat indices)."""
    at = np.minimum(np.searchsorted(within, flat), len(within) - 1)
    return within[at] == flat


def _stamp(
    canvas: np.ndarray,
    mask: np.ndarray,
    x: int,
    y: int,
    fill: int,
    within: np.ndarray | None = None,
) -> np.ndarray:
    """Ink `mask` (levels) over `fill` with its top-left corner at (x, y), clipped as
    `_stamp_pixels` says; return the flat indices of the pixels inked."""
    flat, levels = _stamp_pixels(canvas.shape, mask, x, y, within)
    canvas.reshape(-1)[flat] = fill * PER_FILL + TEXT_INK + levels - 1
    return flat


def _lines(starts: np.ndarray, ends: np.ndarray, size: tuple[int, int], thickness: float = 1.0):
    """Anti-aliased lines `thickness` px wide from `starts` to `ends` (n, 2) on a canvas of
    `size`: the flat indices of their pixels and the coverage of each (`_line_pixels`)."""
    width, height = size
    x, y, cover = _line_pixels(starts, ends, thickness)
    inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    return (y[inside] * width + x[inside]).astype(np.int64), cover[inside]


class _LineCache:
    """Anti-aliased lines (`_line_pixels`) `thickness` px wide, at ink levels, each set of
    lines drawn once for its shape and sub-pixel position and then moved by whole pixels:
    the connectors of all frames in a row of cells differ only by such a move. Where lines
    cross, the strongest level wins."""

    LIMIT = 4096  # sets of lines kept

    def __init__(self, thickness: float):
        self.thickness = thickness
        self._found: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def pixels(
        self, starts: np.ndarray, ends: np.ndarray, size: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The flat indices of the lines' pixels on a canvas of `size`, each once, and their
        ink levels (1…LEVELS) as rows of OVER_LINE (`ink_lines`): level · 256."""
        base = np.floor(starts.min(axis=0))
        ends_at = np.round(np.concatenate([starts, ends]) - base, 6)
        key = ends_at.tobytes()
        near, far = ends_at[: len(starts)], ends_at[len(starts) :]
        found = self._found.get(key)
        if found is None:
            x, y, cover = _line_pixels(near, far, self.thickness)
            level = np.rint(cover * LEVELS).astype(np.uint8)
            x, y, level = x[level > 0], y[level > 0], level[level > 0]
            order = np.lexsort((level, y, x))  # by pixel, the strongest last
            x, y, level = x[order], y[order], level[order]
            last = np.append((x[1:] != x[:-1]) | (y[1:] != y[:-1]), True)
            x, y, level = x[last], y[last], level[last].astype(np.int64) * 256
            found = (x, y, level, y * size[0] + x, (x.min(), y.min(), x.max(), y.max()))
            if len(self._found) < self.LIMIT:
                self._found[key] = found
        x, y, level, flat, (x0, y0, x1, y1) = found
        dx, dy = int(base[0]), int(base[1])
        width, height = size
        if x0 + dx >= 0 and y0 + dy >= 0 and x1 + dx < width and y1 + dy < height:
            return flat + (dy * width + dx), level  # all on the canvas
        x, y = x + dx, y + dy
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        return y[inside] * width + x[inside], level[inside]


def _line_pixels(starts: np.ndarray, ends: np.ndarray, thickness: float = 1.0):
    """Anti-aliased lines `thickness` px wide from `starts` to `ends` (n, 2): the x and y of
    their pixels and the coverage of each, unclipped. At each step along a line's major axis,
    the pixels across it cover a span of `thickness` (measured square to the line beyond the
    first px): 1 px is Xiaolin Wu's line, two pixels a step."""
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
    cover = np.clip(
        np.minimum(pixel + 1, (centre + span / 2)[..., None])
        - np.maximum(pixel, (centre - span / 2)[..., None]),
        0,
        1,
    )
    along = np.broadcast_to(along[..., None], pixel.shape)
    steep = steep[:, None, None]
    x, y = np.where(steep, pixel, along), np.where(steep, along, pixel)
    return x.ravel().astype(np.int64), y.ravel().astype(np.int64), cover.ravel()


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
        _Pixels(
            swatch.grid, canvas.shape, sizes["line"], layout.SWATCH_DASHES, sizes["hatch"]
        ).paint(canvas, np.array([0]), np.array([FILL[look.fill]]), np.full(4, look.edge))
        if look.glyph:  # an inserted zero's 0, as in the cells
            mask = layout.fit_cell_text(
                swatch.grid, look.glyph, None, round(sizes["value"] * p.GLYPH_SCALE), sizes["line"]
            )[0]
            x, y = layout.cell_text_corner(swatch.grid, 0, 0, mask.shape)
            _stamp(canvas, mask, x, y, FILL[look.fill])


class Canvas:
    """A canvas of palette indices (`canvas`, `size` px) that `show(n)` brings to frame n of
    `frame_count`, returning the flat indices of the pixels it painted: what every raster
    picture (a scene's, a board's) gives its writers."""

    canvas: np.ndarray
    size: tuple[int, int]
    frame_count: int

    def show(self, n: int) -> np.ndarray:
        raise NotImplementedError

    def image(self) -> Image.Image:
        image = Image.frombytes("P", self.size, self.canvas.tobytes())
        image.putpalette(PALETTE)
        return image

    def frames(self) -> Iterator[np.ndarray]:
        """Show every frame in turn; yield the pixels each one painted (flat indices)."""
        for n in range(self.frame_count):
            yield self.show(n)


class RasterFrames(Canvas):
    """The canvas of a scene's pictures; `show(n)` brings it to frame n. `width` pads the
    page to that many px; `page`: a layout made already (a sheet's panel); `like`: a picture
    whose planes' pixel tables serve where its grids are this page's (a moving window's runs)."""

    def __init__(
        self,
        scene: Scene,
        style: str,
        cell: int,
        labels: bool,
        *,
        width: int | None = None,
        page: layout.PageLayout | None = None,
        like: RasterFrames | None = None,
    ):
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
            name: _PlaneDrawer(
                grid,
                like.planes[name].pixels
                if like is not None and like.size == page.size and like.page.grids.get(name) == grid
                else _Pixels(grid, self.canvas.shape, line, layout.PLANE_DASHES, sizes["hatch"]),
                value_size,
                line,
                ROLE_GLYPH[getattr(scene, name).roles],
                self.canvas.shape,
            )
            for name, grid in page.grids.items()
        }
        self._hidden = None  # arithmetic style: the pixels the upper plane hides connectors in
        if style == "arithmetic" and "lower" in self.planes:
            self._hidden = np.zeros(self.canvas.size, bool)
            self._hidden[self.planes["upper"].pixels.flat] = True
            self._line_cache = _LineCache(self.connector)
            # the texts on the lower plane: connectors pass under them, never through them
            self.planes["lower"].texted = TextBoxes(self.canvas.shape, self._hidden)
        self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))  # what connectors cover
        self._sum_shown: str | None = None  # the running sum's text on the canvas
        self._background = self.canvas.copy()  # what every frame is drawn on

    def forget(self) -> None:
        """Back to the background: the next `show` paints every cell, a full redraw (what
        the incremental drawing is measured and tested against)."""
        self.canvas[:] = self._background
        for drawer in self.planes.values():
            drawer.shown, drawer._spills = None, {}
            if drawer.texted is not None:
                drawer.texted = TextBoxes(self.canvas.shape, self._hidden)
        self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))
        self._sum_shown = None

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
            self.canvas, np.arange(rows * cols), np.full(rows * cols, fill), np.full(edges, p.SOLID)
        )
        masks: dict[str, np.ndarray] = {}
        size = layout.kernel_text(grid, size)
        for row, col in np.ndindex(rows, cols):
            text = kernel.texts[row, col]
            if text not in masks:
                masks[text] = layout.fit_cell_text(grid, text, None, size, line)[0]
            self._write(grid, row, col, masks[text], fill)

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
        if text == self._sum_shown:
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
        return {name: plane_state(states) for name, states in self.scene.states(frame).items()}

    def _connect(self, frame: Frame) -> np.ndarray:
        """Lines from the kernel's corners on one plane to the cell's corners on the other,
        hidden behind the upper plane; return the flat indices of the pixels drawn."""
        starts, ends = layout.connector_lines(self.page, self.scene, frame)
        if not len(starts):  # no kernel shown (the crop)
            self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))
            return self._under[0]
        where, level = self._line_cache.pixels(starts, ends, self.size)
        visible = self.planes["lower"].texted.clear(where)  # of the upper plane and the texts
        where = where[visible]
        self._under = (where, ink_lines(self.canvas, where, level[visible]))
        return where


# ---------------------------------------------------------------------------------------------
# Public API.


def check_size(size: tuple[int, int]) -> None:
    """Refuse a frame larger than MAX_PIXELS before its pixel tables are built."""
    from ..errors import NoAnswer

    width, height = size
    if width * height > MAX_PIXELS:
        raise NoAnswer(
            f"a frame of {width:,}×{height:,} px ({width * height / 1e6:.0f} MP) "
            f"is more than the {MAX_PIXELS / 1e6:.1f} MP a frame may have: use a "
            "smaller cell or a smaller input"
        )


def cell_center(
    scene: Scene,
    plane: str,
    row: int,
    col: int,
    style: str = "arithmetic",
    cell: int = DEFAULT_CELL,
    labels: bool = True,
    width: int | None = None,
) -> tuple[int, int]:
    """The pixel (x, y) at the centre of a cell of the "lower" or "upper" plane."""
    grid = layout.layout(scene, style, cell, labels, width=width).grids[plane]
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    return int(x), int(y)


def frame_image(
    scene: Scene,
    n: int,
    *,
    style: str = "arithmetic",
    cell: int = DEFAULT_CELL,
    labels: bool = True,
    width: int | None = None,
) -> Image.Image:
    """Frame `n` (0 is the first) of the scene as a palette ("P") image."""
    if not 0 <= n < scene.frame_count:
        raise IndexError(f"frame {n} of a scene of {scene.frame_count}")
    picture = RasterFrames(scene, style, cell, labels, width=width)
    picture.show(n)
    return picture.image()
