"""Page geometry of a scene's pictures: where each plane's cells, each title, the caption and
the legend go, in pixels, and every size (text, lines, margins) as a function of the cell size
(`sizes_for`). Shared by the raster, the SVG and the HTML player; every word drawn comes from
the scene, this module only places it. A sheet's page (`sheet_layout`) is laid out here too.

Text is measured (and kept as ink levels, for the raster) with Pillow's default font.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..scene import Kernel, LegendEntry, Role, Scene, number_text  # noqa: F401 - for renderers
from .page import A4_ASPECT, DEFAULT_CELL, sheet_grid  # noqa: F401 - DEFAULT_CELL for renderers

SUBSCRIPT = 0.8  # a subscript's text size, relative to its number's
LEVELS = 4  # anti-aliasing levels of text ink
# Page text (titles, plane names, legend) is at least 1/TEXT_SPAN of the drawing's width, so a
# large figure shown whole stays legible: 30 px on a 1920-px slide, 3.3 mm (9 pt) on a page
# printed at A4 width. Small figures keep text half a cell high.
TEXT_SPAN = 64
TEXT_FLOOR = 12  # px: the page's text (caption, names, legend, sums) is never smaller

# The arithmetic style's projection, in cells: a step along a row (to the next column) goes
# up-right, a step down a column (to the next row) down-right; measured on conv_arithmetic's
# frames, whose cells are about 30 px.
OBLIQUE_COLUMN_STEP = (1.0, -0.5)
OBLIQUE_ROW_STEP = (0.68, 0.64)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


FONT_FAMILY = "Aileron"  # Pillow's default font, which the raster draws with


def font_bytes() -> bytes:
    """The TrueType file of the raster's font (for a page that embeds it)."""
    source = _font(12).path
    return source.getvalue() if hasattr(source, "getvalue") else Path(source).read_bytes()


MINUS = "\u2212"  # a true minus: the font has none, so it is drawn as "+" without its stem


@lru_cache(maxsize=4096)
def _ink_box(text: str, size: int, align: str = "center") -> tuple[float, ...]:
    """The ink's box of `text` drawn with its first line's ascender at (0, 0)."""
    return ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox(
        (0, 0), text.replace(MINUS, "+"), font=_font(size), align=align
    )


@cache
def _minus_rows(size: int) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The box of "+" drawn at (0, 0) at `size`, and which of its rows are its bar (a minus
    is "+" with only those rows: as wide as a digit, at the height of a plus)."""
    box = _font(size).getbbox("+")
    image = Image.new("L", (box[2] + 1, box[3] + 1))
    ImageDraw.Draw(image).text((0, 0), "+", font=_font(size), fill=255)
    ink = (np.asarray(image)[box[1] : box[3], box[0] : box[2]] > 64).sum(axis=1)
    return box, ink >= max(2, 0.6 * ink.max())


def _draw_minuses(image: Image.Image, origin, text: str, size: int, align: str) -> None:
    """Erase the stems of the "+" drawn for each MINUS of `text` (drawn at `origin`)."""
    font, pixels = _font(size), np.array(image)
    (x0, y0, x1, y1), bar = _minus_rows(size)
    lines = text.split("\n")
    spacing = font.getbbox("A")[3] + 4
    widest = max(font.getlength(line.replace(MINUS, "+")) for line in lines)
    for n, line in enumerate(lines):
        plain = line.replace(MINUS, "+")
        indent = (
            0.0
            if align == "left"
            else (widest - font.getlength(plain)) / (2 if align == "center" else 1)
        )
        for j in (j for j, ch in enumerate(line) if ch == MINUS):
            x = round(origin[0] + indent + font.getlength(plain[:j]))
            y = round(origin[1] + n * spacing)
            rows = np.arange(y + y0, y + y1)
            keep = (rows >= 0) & (rows < pixels.shape[0])
            cols = slice(max(0, x + x0), max(0, x + x1))
            pixels[rows[keep & ~bar], cols] = 0
    image.paste(Image.fromarray(pixels))


@lru_cache(maxsize=4096)
def text_mask(text: str, size: int, align: str = "center") -> np.ndarray:
    """Ink levels 0…LEVELS of `text` (lines aligned by `align`), cropped to the text's box."""
    font = _font(size)
    left, top, right, bottom = _ink_box(text, size, align)
    image = Image.new("L", (max(math.ceil(right - left), 1), max(math.ceil(bottom - top), 1)))
    ImageDraw.Draw(image).multiline_text(
        (-left, -top), text.replace(MINUS, "+"), font=font, fill=255, align=align
    )
    if MINUS in text:
        _draw_minuses(image, (-left, -top), text, size, align)
    return ((np.asarray(image, np.uint16) * LEVELS + 127) // 255).astype(np.uint8)


@lru_cache(maxsize=65536)
def _length(text: str, size: int) -> float:
    """The advance of `text` in px (a MINUS as wide as the "+" it is drawn from)."""
    return _font(size).getlength(text.replace(MINUS, "+"))


@lru_cache(maxsize=4096)
def _wrap_words(text: str, size: int, width: float) -> str:
    """`text` in lines at most `width` px wide where it can be, broken between words (each
    word measured once: a line is its words and the spaces between them)."""
    lines, length = [""], 0.0
    space = _length(" ", size)
    for word in text.split(" "):
        extra = _length(word, size)
        if lines[-1] and length + space + extra > width:
            lines.append(word)
            length = extra
        elif lines[-1]:
            lines[-1] = f"{lines[-1]} {word}"
            length += space + extra
        else:
            lines[-1], length = word, extra
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
            if line and font.getlength(f"{line}, {words}".replace(MINUS, "+")) > width:
                lines.append(line + ",")
                line = words
            else:
                line = f"{line}, {words}" if line else words
        lines.append(line + (":" if i < len(parts) - 1 else ""))
    return "\n".join(lines)


@dataclass(frozen=True)
class Span:
    """A line of text as a vector renderer writes it: its left end (`anchor` "start") or
    middle ("middle") at x, its baseline at y, `size` px per em."""

    text: str
    x: float
    y: float
    size: int
    anchor: str = "start"


def text_spans(text: str, size: int, position, align: str = "center") -> list[Span]:
    """The lines of `text` whose ink (`text_mask`) has its top-left corner at `position`, as
    Pillow lays them out: lines `A`'s height + 4 px apart, each aligned within the widest."""
    font = _font(size)
    left, top, _, _ = _ink_box(text, size, align)
    x0, y0 = position[0] - left, position[1] - top  # where the first line's ascender starts
    lines = text.split("\n")
    spacing = font.getbbox("A")[3] + 4
    widest = max(font.getlength(line.replace(MINUS, "+")) for line in lines)
    ascent = font.getmetrics()[0]
    if align == "left":
        return [Span(line, x0, y0 + ascent + i * spacing, size) for i, line in enumerate(lines)]
    return [
        Span(line, x0 + widest / 2, y0 + ascent + i * spacing, size, "middle")
        for i, line in enumerate(lines)
    ]


def _subscript_parts(main: str, size: int) -> tuple[int, int, int]:
    """Where `with_subscript` puts a subscript after `main`: its size, top and left."""
    big = text_mask(main, size)
    return (
        max(5, round(size * SUBSCRIPT)),
        round(big.shape[0] * 0.55),
        big.shape[1] + max(1, size // 8),
    )


def subscript_spans(main: str, sub: str | None, size: int, position) -> list[Span]:
    """`with_subscript(main, sub, size)` with its top-left corner at `position`, as spans."""
    spans = text_spans(main, size, position)
    if sub is not None:
        small, top, left = _subscript_parts(main, size)
        spans += text_spans(sub, small, np.add(position, (left, top)))
    return spans


def with_subscript(main: str, sub: str | None, size: int) -> np.ndarray:
    """`main` with `sub` as a subscript at its lower right (a weight at a kernel tap)."""
    big = text_mask(main, size)
    if sub is None:
        return big
    small_size, top, left = _subscript_parts(main, size)
    small = text_mask(sub, small_size)
    gap = left - big.shape[1]
    out = np.zeros(
        (max(big.shape[0], top + small.shape[0]), big.shape[1] + gap + small.shape[1]), np.uint8
    )
    out[: big.shape[0], : big.shape[1]] = big
    out[top : top + small.shape[0], big.shape[1] + gap :] = small
    return out


def _note_parts(main: str, note: str, size: int) -> tuple[int, int, int, int]:
    """Where `with_note` puts a note under `main`: its size, its top, and the left ends of
    `main` and of the note within the text's box."""
    big = text_mask(main, size)
    small_size = max(6, round(size * 0.75))
    small = text_mask(note, small_size)
    width = max(big.shape[1], small.shape[1])
    top = big.shape[0] + max(1, size // 6)
    return small_size, top, (width - big.shape[1]) // 2, (width - small.shape[1]) // 2


def with_note(main: str, note: str | None, size: int) -> np.ndarray:
    """`main` with `note` centred under it, smaller (a stamp "+6" over "3·2")."""
    big = text_mask(main, size)
    if not note:
        return big
    small_size, top, left, note_left = _note_parts(main, note, size)
    small = text_mask(note, small_size)
    out = np.zeros((top + small.shape[0], max(big.shape[1], small.shape[1])), np.uint8)
    out[: big.shape[0], left : left + big.shape[1]] = big
    out[top:, note_left : note_left + small.shape[1]] = small
    return out


def note_spans(main: str, note: str | None, size: int, position) -> list[Span]:
    """`with_note(main, note, size)` with its top-left corner at `position`, as spans."""
    if not note:
        return text_spans(main, size, position)
    small_size, top, left, note_left = _note_parts(main, note, size)
    return text_spans(main, size, np.add(position, (left, 0))) + text_spans(
        note, small_size, np.add(position, (note_left, top))
    )


def cell_text(main: str, second: str | None, size: int, notes: bool = False) -> np.ndarray:
    """A cell's text: `main` with `second` under it (`notes`) or as its subscript."""
    return (with_note if notes else with_subscript)(main, second, size)


def cell_text_spans(
    main: str, second: str | None, size: int, position, notes: bool = False
) -> list[Span]:
    """`cell_text` with its top-left corner at `position`, as spans for vector renderers."""
    return (note_spans if notes else subscript_spans)(main, second, size, position)


# ---------------------------------------------------------------------------------------------
# The page layout: where each grid and each text goes.


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
        offsets = (
            inverse
            @ np.array([[width, width, -width, -width], [height, -height, height, -height]])
            / 2
        )
        det = abs(np.linalg.det(np.column_stack([self.u, self.v])))
        limits = 0.5 - margin * np.array([np.hypot(*self.v), np.hypot(*self.u)]) / det
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
    label = max(TEXT_FLOOR, round(cell * 0.5), round(span / TEXT_SPAN))
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
    u, v = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    boxes = [
        ((cols * abs(u[0]) + rows * abs(v[0])) * cell, (cols * abs(u[1]) + rows * abs(v[1])) * cell)
        for rows, cols in (shape for shape in shapes if shape is not None)
    ]
    if style == "arithmetic":  # stacked
        return int(max(w for w, _ in boxes)), int(sum(h for _, h in boxes))
    return int(sum(w for w, _ in boxes)), int(max(h for _, h in boxes))


def _sum_block(scene: Scene, size: int, wrap: float) -> tuple[float, float] | None:
    """The width and height in px of the box that holds every frame's running sum wrapped
    at `wrap` px (None: the scene has none)."""
    from ..scene import sum_texts

    texts = {text for text in sum_texts(scene) if text}
    if not texts:
        return None
    wrapped = {_wrap_words(text, size, wrap) for text in texts}
    lines = max(text.count("\n") for text in wrapped) + 1
    widest = max(
        _font(size).getlength(line.replace(MINUS, "+"))
        for text in wrapped
        for line in text.split("\n")
    )
    height = text_mask("\n".join(["y[0]·ƒ"] * lines), size, "left").shape[0]
    return math.ceil(widest) + 2, height + 2


def layout(
    scene: Scene,
    style: str,
    cell: int,
    labels: bool,
    *,
    width: int | None = None,
    panel: bool = False,
    span: float | None = None,
    height: int | None = None,
    aside: bool = False,
) -> PageLayout:
    """Where everything goes: first around the origin, then shifted into the margins.
    `width`: pad the page evenly to that many px (at least its natural width); `panel`: a
    sheet's panel, without the caption and legend (the page has them once); `span`: the width
    text must be read across (default: the planes')."""
    planes = {"lower": scene.lower, "upper": scene.upper}
    steps = (OBLIQUE_COLUMN_STEP, OBLIQUE_ROW_STEP) if style == "arithmetic" else ((1, 0), (0, 1))
    u, v = (tuple(cell * np.array(step, float)) for step in steps)
    grids = {
        name: Grid(*plane.shape, (0.0, 0.0), u, v)
        for name, plane in planes.items()
        if plane is not None
    }
    if span is None:
        span = planes_extent([(g.rows, g.cols) for g in grids.values()], style, cell)[0]
    sizes = sizes_for(cell, span)
    texts, swatches, kernels = [], [], []
    if style == "arithmetic":
        _stack(grids, sizes["gap"])
        if labels:
            texts = _edge_labels(grids, scene.titles, cell, sizes)
        if labels and not panel:
            # a compact legend of the roles top right, the kernels bottom right, in the
            # corners the oblique planes leave free (the page grows where they do not fit)
            obstacles = _obstacles(grids, texts)
            roles = [entry for entry in scene.legend if isinstance(entry.key, Role)]
            block = _legend_column(roles, cell, sizes)
            swatches, legend = _place(block, obstacles, grids, "top", sizes["gap"])
            texts += legend
            if swatches:
                obstacles.append(_box_polygon(_block_box(swatches + legend)))
            kernels, names = _place(
                _kernel_row(scene.kernels, cell, sizes), obstacles, grids, "bottom", sizes["gap"]
            )
            texts += names
    else:
        texts = _side_by_side(grids, scene.titles if labels else None, cell, sizes)
        if labels and not panel and aside:  # kernels, then the legend, right of the output
            upper = grids["upper"].corners()
            x, y = upper[:, 0].max() + 1.5 * cell, upper[:, 1].min()
            kernels, names = _kernel_row(scene.kernels, cell, sizes)
            kernels = [grid.moved((x, y)) for grid in kernels]
            texts += [label.moved((x, y)) for label in names]
            if kernels:
                y = _block_box(kernels + names)[1, 1] + 2 * sizes["gap"]
            block = _legend_column(list(scene.legend), cell, sizes)
            swatches = [_moved(item, (x, y)) for item in block[0]]
            texts += [_moved(item, (x, y)) for item in block[1]]
        elif labels and not panel:
            if scene.kernels:  # under the output, left-aligned with it
                upper = grids["upper"].corners()
                kernels, names = _kernel_row(scene.kernels, cell, sizes)
                offset = (upper[:, 0].min(), upper[:, 1].max() + 2 * sizes["gap"])
                kernels = [grid.moved(offset) for grid in kernels]
                texts += [label.moved(offset) for label in names]
            swatches, legend = _legend(scene.legend, grids, texts, cell, sizes, kernels)
            texts += legend
    sum_box = None
    if labels:  # each frame's running sum: under the caption, or under a sheet's panel
        low, high = _bounds(grids, texts, swatches, kernels)
        wrap = max(high[0] - low[0], 14 * cell)
        block = _sum_block(scene, sizes["label"], wrap)
        if block is not None:
            top = high[1] + sizes["gap"] if panel else low[1] - 2 * sizes["gap"] - block[1]
            sum_box = (low[0], top, low[0] + block[0], top + block[1])
            sum_wrap = wrap
    if labels and not panel:  # the caption above everything, as wide as the drawing or 14 cells
        low, high = _bounds(grids, texts, swatches, kernels)
        if sum_box is not None:
            low[1] = min(low[1], sum_box[1])
        wrap = max(high[0] - low[0], 14 * cell)
        lines = [(_wrap(scene.caption, sizes["label"], wrap), sizes["label"])]
        if scene.explanation:  # the geometry in words, under the caption
            lines.append((_wrap_words(scene.explanation, sizes["legend"], wrap), sizes["legend"]))
        y = low[1] - 2 * sizes["gap"]
        for text, size_ in reversed(lines):
            y -= text_mask(text, size_, "left").shape[0]
            texts.append(Label(text, size_, (low[0], y), "left"))
            y -= sizes["gap"]
    low, high = _bounds(grids, texts, swatches, kernels)
    if sum_box is not None:
        low = np.minimum(low, np.floor(sum_box[:2]) - 1)
        high = np.maximum(high, np.ceil(sum_box[2:]) + 1)
    shift = sizes["margin"] - low
    size = tuple(int(n) for n in np.ceil(high - low + 2 * sizes["margin"]))
    if width is not None:
        if size[0] > width:
            raise ValueError(f"a page {size[0]} px wide does not fit in {width} px")
        shift = shift + ((width - size[0]) // 2, 0)
        size = (width, size[1])
    if height is not None:
        if size[1] > height:
            raise ValueError(f"a page {size[1]} px tall does not fit in {height} px")
        shift = shift + (0, (height - size[1]) // 2)
        size = (size[0], height)
    return PageLayout(
        size=size,
        grids={name: grid.moved(shift) for name, grid in grids.items()},
        labels=[label.moved(shift) for label in texts],
        swatches=[replace(s, grid=s.grid.moved(shift)) for s in swatches],
        line=sizes["line"],
        connector=sizes["connector"],
        kernels=[grid.moved(shift) for grid in kernels],
        sum_box=None
        if sum_box is None
        else tuple(int(v) for v in np.rint(np.add(sum_box, np.tile(shift, 2)))),
        sum_size=sizes["label"],
        sum_wrap=0.0 if sum_box is None else float(sum_wrap),
    )


def page_for(scene: Scene, options, cell: int) -> PageLayout:
    """The layout of one frame's page as `options` (picture.PictureOptions) ask: padded to
    their `page_width` and `page_height` (`width`, or `fit`)."""
    return layout(
        scene,
        options.style,
        cell,
        options.labels,
        width=options.page_width,
        height=options.page_height,
        aside=options.fit is not None,
    )


def _bounds(
    grids: dict[str, Grid], texts: list[Label], swatches: list[Swatch], kernels: list[Grid] = ()
):
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
    centre = (
        lower.point(lower.rows / 2, lower.cols / 2)[0]
        - upper.point(upper.rows / 2, upper.cols / 2)[0]
    )
    rise = lower.corners()[:, 1].min() - gap - upper.corners()[:, 1].max()
    grids["upper"] = upper.moved((centre, rise))


def _edge_labels(grids, names, cell, sizes) -> list[Label]:
    """Arithmetic style: each plane's name outside its free edge: the lower plane's lower-left
    edge (rows at column 0), the upper plane's upper-left edge (columns at row 0)."""
    texts = []
    for (key, grid), name in zip(grids.items(), names[2 - len(grids) :]):
        end = grid.point(grid.rows, 0) if key == "lower" else grid.point(0, grid.cols)
        start = grid.point(0, 0)
        normal = np.array([end[1] - start[1], start[0] - end[0]])
        normal /= np.hypot(*normal)
        middle = (start + end) / 2
        if normal @ (grid.point(grid.rows / 2, grid.cols / 2) - middle) > 0:
            normal = -normal
        text = _wrap_words(name, sizes["label"], sizes["wrap"])
        height, width = text_mask(text, sizes["label"]).shape
        reach = abs(normal[0]) * width / 2 + abs(normal[1]) * height / 2 + sizes["gap"]
        centre = middle + normal * reach
        texts.append(Label(text, sizes["label"], tuple(centre - (width / 2, height / 2))))
    return texts


def _side_by_side(grids, names, cell, sizes) -> list[Label]:
    """Flat style: move the lower grid to the left, the upper one right of it, vertically
    centred; return their names, above them."""
    texts = []
    x = 0.0
    tallest = max(g.rows for g in grids.values())
    for (key, grid), name in zip(list(grids.items()), (names or (None, None))[2 - len(grids) :]):
        grid = grids[key] = grid.moved((x, (tallest - grid.rows) * cell / 2))
        right = grid.corners()[:, 0].max()
        if name is not None:
            wrap = max(right - grid.origin[0], sizes["wrap"])  # as wide as the grid
            text = _wrap_words(name, sizes["label"], wrap)
            mask = text_mask(text, sizes["label"], "left")
            top = grid.corners()[:, 1].min()
            label = Label(
                text, sizes["label"], (grid.origin[0], top - sizes["gap"] - mask.shape[0]), "left"
            )
            texts.append(label)
            right = max(right, label.box()[1, 0])
        x = right + 1.5 * cell
    return texts


def _legend(entries, grids, texts, cell, sizes, kernels=()) -> tuple[list[Swatch], list[Label]]:
    """Flat style: a swatch and a name for each legend entry, in rows under the grids."""
    low, high = _bounds(grids, texts, [], kernels)
    width = max(high[0] - low[0], 12 * cell)
    return _legend_rows(entries, low[0], high[1] + sizes["gap"] * 2, width, sizes)


def _legend_rows(
    entries, x0: float, y: float, width: float, sizes
) -> tuple[list[Swatch], list[Label]]:
    """A swatch and a name for each legend entry, in rows `width` px wide from (x0, y)."""
    side = sizes["swatch"]
    x = x0
    swatches, labels = [], []
    for entry in entries:
        mask = text_mask(entry.name, sizes["legend"])
        step = side + sizes["gap"] + mask.shape[1] + 2 * sizes["gap"]
        if x + step > x0 + width and x > x0:
            x, y = x0, y + side + sizes["gap"]
        swatches.append(Swatch(Grid(1, 1, (x, y), (side, 0.0), (0.0, side)), entry))
        labels.append(
            Label(
                entry.name,
                sizes["legend"],
                (x + side + sizes["gap"], y + (side - mask.shape[0]) / 2),
            )
        )
        x += step
    return swatches, labels


# ---------------------------------------------------------------------------------------------
# Geometry every renderer draws the same way.


def fit_cell_text(
    grid: Grid, main: str, second: str | None, size: int, line: float, notes: bool = False
) -> tuple[np.ndarray, int]:
    """The text of a cell (`cell_text`) at the largest size up to `size` that fits the cell
    clear of its edges: its mask and that size."""
    mask = cell_text(main, second, size, notes)
    while size > 6 and not grid.fits(*mask.shape[::-1], line):
        size -= 1
        mask = cell_text(main, second, size, notes)
    return mask, size


def cell_text_corner(grid: Grid, row: int, col: int, mask_shape) -> tuple[int, int]:
    """The top-left pixel of a cell's text, centred on the cell."""
    height, width = mask_shape
    x, y = np.rint(grid.point(row + 0.5, col + 0.5) - (width / 2, height / 2))
    return int(x), int(y)


def connector_lines(page: PageLayout, scene: Scene, frame) -> tuple[np.ndarray, np.ndarray]:
    """The arithmetic style's four lines from the corners of the cell being written (gather,
    conv) or scattered (scatter) on one plane to the corners of the kernel's footprint on the
    other: (starts, ends), each (4, 2) px; none, (0, 2), where the kernel is not shown (the
    scatter view's crop)."""
    lower, upper = page.grids["lower"], page.grids["upper"]
    if not len(frame.taps) or not len(frame.marks):
        return np.zeros((0, 2)), np.zeros((0, 2))
    if scene.kernel_plane == "upper":
        (row, col), box, near, far = frame.taps[0], frame.upper_box, lower, upper
    else:
        (row, col), box, near, far = frame.marks[0], frame.lower_box, upper, lower
    corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
    starts = np.array([near.point(row + dr, col + dc) for dr, dc in corners])
    ends = np.array(
        [far.point((box.row0, box.row1)[dr], (box.col0, box.col1)[dc]) for dr, dc in corners]
    )
    return starts, ends


def hatch_period(grid: Grid) -> int:
    """The spacing in px of the hatching's diagonal lines (x + y a multiple of it)."""
    det = abs(np.linalg.det(np.column_stack([grid.u, grid.v])))
    return max(4, round(det**0.5 / 4))


def dot_size(period: int) -> int:
    """The side in px of the dots pattern's squares, one at each (x, y) that are multiples of
    `period` (`hatch_period`), from there right and down."""
    return max(2, period // 3)


PLANE_DASHES, SWATCH_DASHES = 3, 2  # dashes along each edge of a cell


# ---------------------------------------------------------------------------------------------
# A sheet: every frame on one page, for handouts.


@dataclass(frozen=True)
class Sheet:
    """A page of panels, one per frame: `panel` is a frame's layout without caption or legend,
    drawn with its top-left corner at each of `origins` (frame order); `labels` and `swatches`
    are the page's own (the caption and legend once, each panel's number), `rules` the
    rectangles (x0, y0, x1, y1) of the lines between panels."""

    size: tuple[int, int]
    panel: PageLayout
    columns: int
    rows: int
    origins: list[tuple[int, int]]
    labels: list[Label]
    swatches: list[Swatch]
    rules: list[tuple[int, int, int, int]]
    title: Label | None  # also in `labels`
    kernels: list[Grid] = field(default_factory=list)  # one per scene.kernels, on the page
    page_height: int = 0  # an A4 page's height at this width (a PDF's pages)

    def pages(self) -> list[tuple[int, int]]:
        """The rows (top, bottom) of this sheet on each A4 page, breaking between rows of
        panels: the first page from the top (the title, legend and kernels), each other
        from a row's number; each page (`page_height` px) holds its rows and a margin
        (the sheet's left margin) above and below them."""
        tops = sorted({y for _, y in self.origins})
        number = max(
            (
                label.box()[1, 1] - label.position[1]
                for label in self.labels
                if label.text.isdigit()
            ),
            default=0,
        )
        margin = self.origins[0][0] if self.origins else 0
        height = self.page_height or self.size[1]
        step = self.panel.size[1]
        pages, start = [], 0
        for top in tops:
            first = round(top - number - 1)  # the row's number, just under the rule above
            room = height - margin - (0 if not pages and start == 0 else margin)
            if top + step - start > room and first > start:
                pages.append((start, first))
                start = first
        pages.append(
            (start, min(self.size[1], round(tops[-1] + step + 1) if tops else self.size[1]))
        )
        return pages


def sheet_layout(
    scene: Scene, style: str, cell: int, labels: bool, *, width: int | None = None
) -> Sheet:
    """Every frame's panel in the grid `page.sheet_grid` chooses, under one caption and
    legend; each panel's frame number ("1" is the first) above its top-left corner. The page's
    own text is sized for the page's width, the panels' plane names for the width of all the
    grids side by side (TEXT_SPAN); a page shorter than A4's shape is padded at the bottom to
    exactly it. `width`: pad the page evenly to that many px."""
    count = scene.frame_count
    shapes = [(p.shape[0], p.shape[1]) for p in (scene.lower, scene.upper) if p is not None]
    one = planes_extent(shapes, style, cell)[0]  # a panel's grids

    def panel_for(columns: int) -> tuple[PageLayout, int, int, int]:
        """A panel whose names are read across `columns` panels; the space between two
        panels, a rule in its middle, and that rule's width."""
        sizes = sizes_for(cell, columns * one)
        return (
            layout(scene, style, cell, labels, panel=True, span=columns * one),
            2 * sizes["gap"] + sizes["rule"],
            sizes["gap"],
            sizes["rule"],
        )

    def page_sizes(panel: PageLayout, gutter: int, columns: int) -> dict[str, float]:
        return sizes_for(cell, columns * (panel.size[0] + gutter) - gutter)

    numbers = scene.kernel is not None or scene.shades is not None  # numbers in the cells

    def measure(columns: int) -> tuple[int, int, int, int]:
        """For `sheet_grid`: a panel's size with the space around it, its smallest text, and
        the height of the page's title and legend."""
        panel, gutter, _, _ = panel_for(columns)
        page = page_sizes(panel, gutter, columns)
        header = 2 * (page["label"] + page["swatch"] + 2 * page["gap"]) if labels else 0
        number_height = text_mask("0123456789", page["number"]).shape[0]
        smallest = sizes_for(cell, columns * one)["value" if numbers else "label"]
        return (
            panel.size[0] + gutter,
            panel.size[1] + number_height + gutter,
            smallest if numbers or labels else 0,
            header,
        )

    columns, rows = sheet_grid(count, measure)
    panel, gutter, gap, rule = panel_for(columns)
    page = page_sizes(panel, gutter, columns)
    panel_width, panel_height = panel.size
    grid_width = columns * (panel_width + gutter) - gutter
    x0 = y = page["margin"]
    texts, swatches, title, kernels = [], [], None, []
    if labels:
        caption = _wrap(scene.caption, page["label"], grid_width)
        title = Label(caption, page["label"], (x0, y), "left")
        texts.append(title)
        y = title.box()[1, 1] + 2 * page["gap"]
        if scene.explanation:  # the geometry in words, under the title
            words = Label(
                _wrap_words(scene.explanation, page["legend"], grid_width),
                page["legend"],
                (x0, y),
                "left",
            )
            texts.append(words)
            y = words.box()[1, 1] + 2 * page["gap"]
        if scene.legend:
            swatches, names = _legend_rows(scene.legend, x0, y, grid_width, page)
            texts += names
            y = (
                max(
                    np.concatenate([s.grid.corners() for s in swatches] + [n.box() for n in names])[
                        :, 1
                    ]
                )
                + 2 * page["gap"]
            )
        if scene.kernels:  # the kernel and flip(W), once for every panel
            kernels, names = _kernel_row(scene.kernels, cell, page)
            kernels = [grid.moved((x0, y)) for grid in kernels]
            names = [label.moved((x0, y)) for label in names]
            texts += names
            y = _block_box(kernels + names)[1, 1] + 2 * page["gap"]
    y = math.ceil(y)
    number_height = text_mask("0123456789", page["number"]).shape[0]
    step_x, step_y = panel_width + gutter, number_height + panel_height + gutter
    origins, rules = [], []
    for k in range(count):
        row, col = divmod(k, columns)
        x, top = x0 + col * step_x, y + row * step_y
        texts.append(Label(str(scene.source(k) + 1), page["number"], (x + gap, top)))
        origins.append((x, top + number_height))
    for col in range(1, columns):
        x = x0 + col * step_x - gap - rule
        rules.append((x, y, x + rule, y + rows * step_y - gutter))
    for row in range(1, rows):
        top = y + row * step_y - gap - rule
        rules.append((x0, top, x0 + grid_width, top + rule))
    page_width = math.ceil(max(grid_width, *(label.box()[1, 0] - x0 for label in texts)) + 2 * x0)
    if width is not None:
        if page_width > width:
            raise ValueError(f"a page {page_width} px wide does not fit in {width} px")
        shift = (width - page_width) // 2
        page_width = width
        origins = [(x + shift, top) for x, top in origins]
        rules = [(a + shift, b, c + shift, d) for a, b, c, d in rules]
        texts = [label.moved((shift, 0)) for label in texts]
        swatches = [replace(s, grid=s.grid.moved((shift, 0))) for s in swatches]
        kernels = [grid.moved((shift, 0)) for grid in kernels]
        title = texts[0] if title is not None else None
    page_height = max(y + rows * step_y - gutter + page["margin"], round(page_width * A4_ASPECT))
    return Sheet(
        (page_width, page_height),
        panel,
        columns,
        rows,
        origins,
        texts,
        swatches,
        rules,
        title,
        kernels,
        round(page_width * A4_ASPECT),
    )


# ---------------------------------------------------------------------------------------------
# The kernels beside the planes, and the arithmetic style's compact legend: blocks of grids and
# labels built at the origin, then placed where the planes leave room.


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
    corners = _box_polygon(box)
    edges = np.roll(polygon, -1, axis=0) - polygon
    for axis in [(1.0, 0.0), (0.0, 1.0)] + [(-dy, dx) for dx, dy in edges]:
        a, b = corners @ axis, polygon @ axis
        if a.max() <= b.min() or b.max() <= a.min():
            return False
    return True
