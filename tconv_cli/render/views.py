"""Raster drawing of a comparing view (`tconv_cli.views.Board`): its panels flat, row by row,
each under its title, the sentence of the frame under them, the legend, the caption on top.

Drawing only: every word, look and cell comes from the board; the cells are drawn by the same
machinery as the planes of every other view (`raster`), so they look the same and only the
cells whose state changed are repainted from one frame to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from ..views import Board
from . import layout
from .layout import Grid, Label, LastLaidOut, Swatch, sizes_for, text_mask
from .raster import (
    FILL,
    PER_FILL,
    Canvas,
    TextBoxes,
    _box,
    _LineCache,
    _Pixels,
    _PlaneDrawer,
    _stamp,
    check_size,
    decorate,
    ink_lines,
    plane_state,
)


@dataclass(frozen=True)
class BoardLayout:
    """Where a board goes on the page: each panel's grid by name, the fixed texts and legend,
    and the box (x0, y0, x1, y1) the frame's sentence is written in at `line_size` px, wrapped
    at `line_width` px (None: no sentence)."""

    size: tuple[int, int]
    grids: dict[str, Grid]
    labels: list[Label]
    swatches: list[Swatch]
    line_box: tuple[int, int, int, int] | None
    line_size: int
    line_width: float
    line: float
    connector: float


_LAID_OUT = LastLaidOut()  # the board laid out last's layouts, by (cell, labels, width)


def board_layout(
    board: Board, cell: int, labels: bool = True, width: int | None = None
) -> BoardLayout:
    """Rows of panels left to right, each row's grids centred on one line, titles above them;
    the frame's sentence, the legend and the caption as wide as the widest row."""
    return _LAID_OUT.get(board, (cell, labels, width), lambda: _lay_out(board, cell, labels, width))


def _lay_out(board: Board, cell: int, labels: bool, width: int | None) -> BoardLayout:
    """`board_layout`, computed."""
    rows: dict[int, list] = {}
    for panel in board.panels:
        rows.setdefault(panel.place[0], []).append(panel)
    span = max(sum(p.shape[1] for p in row) + 1.5 * (len(row) - 1) for row in rows.values())
    sizes = sizes_for(cell, span * cell)
    gap = sizes["gap"]
    grids: dict[str, Grid] = {}
    texts: list[Label] = []
    y = 0.0
    for _, row in sorted(rows.items()):
        row = sorted(row, key=lambda p: p.place[1])
        tallest = max(p.shape[0] for p in row) * cell
        titles = {}
        for panel in row:
            if labels and panel.title:
                wrap = max(panel.shape[1] * cell, sizes["wrap"])
                text = layout._wrap_words(panel.title, sizes["label"], wrap)
                titles[panel.name] = (text, text_mask(text, sizes["label"], "left"))
        top = max((mask.shape[0] + gap for _, mask in titles.values()), default=0)
        x = 0.0
        for panel in row:
            if panel.before and labels:
                size = round(sizes["label"] * 2.2)
                mask = text_mask(panel.before, size)
                texts.append(
                    Label(panel.before, size, (x, y + top + (tallest - mask.shape[0]) / 2))
                )
                x += mask.shape[1] + 1.0 * cell
            rows_, cols = panel.shape
            grid = Grid(
                rows_,
                cols,
                (x, y + top + (tallest - rows_ * cell) / 2),
                (float(cell), 0.0),
                (0.0, float(cell)),
            )
            grids[panel.name] = grid
            right = x + cols * cell
            if panel.name in titles:
                text, mask = titles[panel.name]
                texts.append(
                    Label(text, sizes["label"], (x, grid.origin[1] - gap - mask.shape[0]), "left")
                )
                right = max(right, x + mask.shape[1])
            x = right + 1.5 * cell
        y += top + tallest + 3 * gap
    low, high = layout._bounds(grids, texts, [])
    drawing = max(high[0] - low[0], 14 * cell)
    line_box, line_size = None, sizes["label"]
    if labels and any(board.lines):
        font = layout._font(line_size)
        longest = max(font.getlength(line) for line in board.lines)
        count = 1 if longest <= drawing else math.ceil(longest / drawing) + 1
        height = count * (font.getbbox("A")[3] + 4) + font.getbbox("g")[3]
        # the box holds every frame's sentence as `_sentence` stamps it (its ink's box at the
        # box's corner), since only the box is cleared from one frame to the next: the ink
        # can reach past the advance the lines are wrapped by (a glyph's bearing, a word
        # longer than a line)
        inks = [
            layout._ink_box(layout._wrap_words(line, line_size, drawing), line_size, "left")
            for line in board.lines
            if line
        ]
        wide = max([drawing, *(math.ceil(right - left) for left, _, right, _ in inks)])
        height = max([height, *(math.ceil(bottom - top) for _, top, _, bottom in inks)])
        top = high[1] + 2 * gap
        line_box = (low[0], top, low[0] + wide, top + height)
        high = np.maximum(high, (line_box[2], line_box[3]))
    swatches: list[Swatch] = []
    if labels and board.legend:
        swatches, names = layout._legend_rows(
            board.legend, low[0], high[1] + 2 * gap, drawing, sizes
        )
        texts += names
    if labels:
        caption = layout._wrap_words(board.caption, sizes["label"], drawing)
        mask = text_mask(caption, sizes["label"], "left")
        texts.append(
            Label(caption, sizes["label"], (low[0], low[1] - 2 * gap - mask.shape[0]), "left")
        )
    points = (
        [np.array([[line_box[0], line_box[1]], [line_box[2], line_box[3]]])] if line_box else []
    )
    low, high = layout._bounds(grids, texts, swatches)
    if points:
        low, high = np.minimum(low, points[0][0]), np.maximum(high, points[0][1])
    shift, size = layout.placed(low, high, sizes["margin"], width)
    box = None
    if line_box is not None:
        x0, y0, x1, y1 = line_box
        box = (
            round(x0 + shift[0]),
            round(y0 + shift[1]),
            math.ceil(x1 + shift[0]),
            math.ceil(y1 + shift[1]),
        )
    return BoardLayout(
        size=size,
        grids={name: grid.moved(shift) for name, grid in grids.items()},
        labels=[label.moved(shift) for label in texts],
        swatches=[replace(s, grid=s.grid.moved(shift)) for s in swatches],
        line_box=box,
        line_size=line_size,
        line_width=drawing,
        line=sizes["line"],
        connector=max(1.0, cell / 20),
    )


class BoardPicture(Canvas):
    """The canvas of a board's frames; `show(n)` brings it to frame n (the interface of
    `raster.RasterFrames`, so `encode` writes it as it writes any picture)."""

    def __init__(self, board: Board, cell: int, labels: bool = True, *, width: int | None = None):
        page = board_layout(board, cell, labels, width)
        check_size(page.size)
        self.scene, self.page, self.size = board, page, page.size
        self.frame_count = board.frame_count
        self.canvas = np.zeros(page.size[::-1], np.uint8)  # the background
        sizes = sizes_for(cell)
        decorate(self.canvas, page.labels, page.swatches, cell)
        self.planes = {}
        self._texted = TextBoxes(self.canvas.shape)  # links pass under every text
        for label in page.labels:
            x, y = np.rint(label.position).astype(int)
            self._texted.add(label, _box(self.canvas.shape, x, y, label.mask.shape))
        for panel in board.panels:
            grid = page.grids[panel.name]
            glyphs = panel.glyphs if panel.glyphs is not None else np.full(panel.shape, "", object)
            drawer = _PlaneDrawer(
                grid,
                _Pixels(grid, self.canvas.shape, page.line, layout.PLANE_DASHES, sizes["hatch"]),
                sizes["value"],
                page.line,
                glyphs,
                self.canvas.shape,
            )
            drawer.texted = self._texted
            self.planes[panel.name] = drawer
        # links start from a cell inside a panel and run behind that panel (as the arithmetic
        # style's connectors run behind the upper plane), then over the gap to their box
        self._hidden = np.zeros(self.canvas.size, bool)
        for name in {link.start for link in board.links(0)} if board.frame_count else ():
            self._hidden[self.planes[name].pixels.flat] = True
        self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))
        self._line = None
        self._line_cache = _LineCache(page.connector)
        self._labels = labels

    def show(self, n: int) -> np.ndarray:
        """Bring the canvas to frame `n`; return the flat indices of the pixels painted."""
        where, under = self._under
        self.canvas.reshape(-1)[where] = under
        painted = [where]
        for name, states in self.scene.states(n).items():
            painted.append(self.planes[name].show(self.canvas, plane_state(states)))
        if self._labels and self.page.line_box is not None:
            painted.append(self._sentence(self.scene.line(n)))
        painted.append(self._link(n))
        return np.concatenate(painted)

    def _sentence(self, text: str) -> np.ndarray:
        """Write the frame's sentence in its box (cleared first when it changes)."""
        if text == self._line:
            return np.zeros(0, np.int64)
        self._line = text
        x0, y0, x1, y1 = self.page.line_box
        height, width = self.canvas.shape
        x1, y1 = min(x1, width), min(y1, height)
        self.canvas[y0:y1, x0:x1] = FILL["background"] * PER_FILL
        wrapped = layout._wrap_words(text, self.page.line_size, self.page.line_width)
        _stamp(
            self.canvas, text_mask(wrapped, self.page.line_size, "left"), x0, y0, FILL["background"]
        )
        ys, xs = np.mgrid[y0:y1, x0:x1]
        return (ys * width + xs).ravel()

    def _link(self, n: int) -> np.ndarray:
        """Lines from the corners of a cell of one panel to the corners of the box it reads
        or writes on another, behind the first panel and every text; return the pixels
        drawn."""
        starts, ends = [], []
        for link in self.scene.links(n):
            near, far = self.page.grids[link.start], self.page.grids[link.end]
            row, col = link.cell
            box = link.box
            for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
                starts.append(near.point(row + dr, col + dc))
                ends.append(far.point((box.row0, box.row1)[dr], (box.col0, box.col1)[dc]))
        if not starts:
            self._under = (np.zeros(0, np.int64), np.zeros(0, np.uint8))
            return self._under[0]
        where, level = self._line_cache.pixels(np.array(starts), np.array(ends), self.size)
        visible = self._texted.clear(where) & ~self._hidden[where]
        where = where[visible]
        self._under = (where, ink_lines(self.canvas, where, level[visible]))
        return where


def board_image(
    board: Board,
    n: int,
    *,
    cell: int = layout.DEFAULT_CELL,
    labels: bool = True,
    width: int | None = None,
) -> Image.Image:
    """Frame `n` (0 is the first) of a board as a palette ("P") image."""
    picture = BoardPicture(board, cell, labels, width=width)
    picture.show(n)
    return picture.image()
