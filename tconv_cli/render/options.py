"""Every option of a picture, checked once, and the budgets a picture must stay within.

`PictureOptions` validates each option on construction and raises `ParameterError` with the
option's library name (`fps`, `hold`, `loop`, `cell`, `width`, `frame`, `max_frames`, `output`,
…); `plan(layer)` refuses, before anything is drawn, a picture that has too many frames or
would need more pixels or memory than its budget, saying what it would need and what to change.
`timing(count)` says how long each frame shows, `cell_for(scene)` which cell size a `width`
asks for. The renderers read these options; `tconv_cli.picture` is the facade that drives them.
Pure Python: nothing heavy is imported until a layer's planes are measured.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..choices import Format, Style, View
from ..errors import NoAnswer, ParameterError
from ..words import plural
from .page import (
    A4_ASPECT,
    A4_INCHES,
    DEFAULT_CELL,
    MAX_CELL,
    MAX_FRAME_PIXELS,
    MAX_PAGE_PIXELS,
    MIN_CELL,
    MIN_PRINT_DPI,
    MIN_PRINTED_PT,
    print_pages,
    sheet_grid_of,
)

STAMP_CELL = 44  # the scatter view with values: a stamp's two lines at 9 px and more
MAX_FPS = 50  # 20 ms a frame: browsers slow faster GIFs down
ASKED_FPS = 1000  # `fps` may ask for up to this; more than MAX_FPS plays at MAX_FPS, said so
DELAY_STEP_MS = 10  # GIF stores delays in hundredths of a second: every format gets those
FIT_MIN_CELL = 22  # `fit`: the smallest cell whose numbers are 12 px (page text is 12 and up)
LONG_ANIMATION = 100  # frames: an animation this long says its length before it is written
# a window (a still, an animation) of a larger grid: refused (its scene is built whole)
MAX_WINDOWED_CELLS = 2**21
MAX_PDF_PIXELS = 10**9  # a PDF's pages together (drawn, compressed: some 10 s)
MAX_PDF_PAGE = 4 * 10**7  # a PDF's page as the planes measure it (drawn, up to some 3× this)
PDF_OVERHEAD = 2  # a PDF's pages over its panels' planes: labels, headers, part-filled pages
MAX_DELAY_MS = 65535  # GIF and APNG hold at most 65,535 ms a frame
MAX_LOOP = 65535
# A WebP animation's pixels encoded (`webp_frames`): each frame's changed rectangle, as GIF
# and APNG (`encode`). Pillow's lossless WebP (method 0) takes 13-15 ms an MP of rectangle on
# one thread (boards' 22-28), nothing more a frame; two threads encode. Rectangles measured
# (2 cores, shared): the gather view's is a strip the upper plane tall, 5-10 % of a frame;
# with the running sum (top left) 25-45 %; a 2-d board's half its frame, which is at least
# twice its planes. The estimate over the pixels really encoded: 1.04-2.8 without sums,
# 2.3-3.5 with, 1.3-3 for 2-d boards (1-d boards: their titles make the frame, unmeasured
# here). `--in 32,32 --max-frames 4000`: 1,224 MP, estimated 1,419, 23 s (GIF 12 s);
# `--in 16,16 --values`: 1,310 MP, estimated 3,046 (refused), 14-22 s (GIF 5-7 s);
# `--in 16,16 --values --cell 60`: 6,009 MP, 81 s; `--in 64,64 --row 5`: 35 MP, 1.6 s.
MAX_WEBP_PIXELS = 2**31
MAX_VECTOR_BYTES = 16 * 2**20  # an SVG or HTML file: browsers and slide programs stay quick
MIN_WIDTH, MAX_WIDTH = 100, 8192  # `width`: a thumbnail to an 8K screen
DEFAULT_HOLD = 3.0  # seconds the last frame shows, so the finished picture can be read
LONGEST_PLAY = 60  # seconds: without `fps`, frames get shorter so an animation plays this long


@dataclass(frozen=True)
class Timing:
    """How long frames show, in milliseconds (as GIF, APNG and WebP store them): `delay_ms`
    each but the last, `last_ms` the last; `chosen`: the frames were made shorter than 1 s
    because no fps was given and the animation would have played longer than LONGEST_PLAY."""

    delay_ms: int
    last_ms: int
    chosen: bool = False

    @property
    def fps(self) -> float:
        return 1000 / self.delay_ms

    def seconds(self, count: int) -> float:
        """How long `count` frames play once."""
        return ((count - 1) * self.delay_ms + self.last_ms) / 1000 if count > 1 else 0.0


@dataclass(frozen=True)
class PictureOptions:
    """How to draw a scene: `frame` (1 is the first) draws one still, `sheet` every frame on
    one PNG or SVG page, otherwise an animation at `fps` frames a second (None: see `timing`)
    whose last frame shows `hold` seconds (0: as long as the others), played `loop` times (0:
    forever). The format is `format`, or `output`'s suffix, or GIF (PNG for stills/sheets).
    An SVG is a sheet unless `frame` or `animated` says otherwise; an HTML file is a player of
    every frame (opening at `frame`). Sizes: `cell` px a cell (None: DEFAULT_CELL), or
    `width`, the frame's (a sheet's page's) width in px, which picks the cell; lines and text
    follow the cell; or `fit` (width, height, or "1920x1080"): the largest cell whose whole
    frame fits (at least FIT_MIN_CELL, side by side by default). A PDF is a sheet's A4 pages
    (one page with `frame`). `frames` ("3-9"), `every` and `row` choose the frames shown
    (`selection`). `style` None is the view's own (`default_style`); `values`: the scene
    shows values (the scatter view then has two frames per element)."""

    view: View = View.gather
    style: Style | None = None
    format: Format | None = None
    output: Path | None = None
    fps: float | None = None
    loop: int = 0
    cell: int | None = None  # stays None with `width`: `cell_for(scene)` picks it
    frame: int | None = None
    sheet: bool = False
    max_frames: int = 1024
    labels: bool = True
    values: bool = False
    animated: bool = False
    hold: float = DEFAULT_HOLD
    width: int | None = None
    fit: tuple[int, int] | str | None = None  # (width, height): the cell and a page that fit
    frames: tuple[int | None, int | None] | str | None = None  # first, last (from 1)
    every: int = 1
    row: int | None = None
    default_cell: bool = field(default=False, repr=False)  # set: no cell was asked for
    implied_sheet: bool = field(default=False, repr=False)  # set: an SVG of every frame

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.fit is not None:
            set_(self, "fit", _fit(self.fit))
            if self.style is None and self.view in (View.gather, View.conv, View.scatter):
                set_(self, "style", Style.flat)  # side by side: a slide is wide
        if self.view in View.names() and self.style is None:
            set_(self, "style", default_style(View(self.view)))
        for name, kind in (("view", View), ("style", Style)):
            value = getattr(self, name)
            if value not in kind.names():
                raise ParameterError(name, value, f"must be one of {', '.join(kind.names())}")
            set_(self, name, kind(value))
        if self.output is not None:
            set_(self, "output", Path(self.output))
            suffix = Format.from_suffix(self.output.suffix)
            if suffix is None:
                raise ParameterError(
                    "output",
                    str(self.output),
                    "must end in .gif, .png (APNG), .webp, .svg, .html or .pdf",
                )
            if self.format is not None and Format(self.format) is not suffix:
                raise ParameterError(
                    "output",
                    str(self.output),
                    f"does not end in .{Format(self.format)}, the format",
                )
            set_(self, "format", suffix)
        elif self.format is not None:
            if self.format not in Format.names():
                raise ParameterError(
                    "format", self.format, f"must be one of {', '.join(Format.names())}"
                )
            set_(self, "format", Format(self.format))
        if self.fps is not None and (
            not _real(self.fps) or not 1000 / MAX_DELAY_MS <= self.fps <= ASKED_FPS
        ):
            raise ParameterError(
                "fps",
                self.fps,
                f"must be between {1000 / MAX_DELAY_MS:.3f} "
                f"(65.5 s a frame, the most GIF holds) and {ASKED_FPS} (more "
                f"than {MAX_FPS} plays at {MAX_FPS})",
            )
        if not _real(self.hold) or not 0 <= self.hold <= MAX_DELAY_MS / 1000:
            raise ParameterError(
                "hold",
                self.hold,
                "must be between 0 (the last frame shows "
                f"as long as the others) and {MAX_DELAY_MS / 1000} seconds "
                "(the most GIF holds)",
            )
        if not _integer(self.loop) or not 0 <= self.loop <= MAX_LOOP:
            raise ParameterError(
                "loop", self.loop, f"must be between 0 (forever) and {MAX_LOOP:,} plays"
            )
        if self.fit is not None:
            for name, given in (("width", self.width), ("cell", self.cell)):
                if given is not None:
                    raise ParameterError(
                        "fit",
                        "×".join(map(str, self.fit)),
                        f"does not go with {name} (the fit picks the cell size): give one of them",
                    )
            if self.sheet:
                raise ParameterError(
                    "fit",
                    "×".join(map(str, self.fit)),
                    "does not go with sheet (a sheet's pages are A4): give one of them",
                )
        self._check_selection()
        if self.width is not None:
            if not _integer(self.width) or not MIN_WIDTH <= self.width <= MAX_WIDTH:
                raise ParameterError(
                    "width", self.width, f"must be between {MIN_WIDTH} and {MAX_WIDTH:,} pixels"
                )
            if self.cell is not None:
                raise ParameterError(
                    "width",
                    self.width,
                    "does not go with cell (the width picks the cell size): give one of them",
                )
        elif self.cell is None and self.fit is None:
            stamps = self.view == View.scatter and self.values  # "+6" over "3·2" in a cell
            set_(self, "cell", STAMP_CELL if stamps else DEFAULT_CELL)
            set_(self, "default_cell", True)  # a sheet too large may take a smaller one
        if self.cell is not None and (
            not _integer(self.cell) or not MIN_CELL <= self.cell <= MAX_CELL
        ):
            raise ParameterError(
                "cell", self.cell, f"must be between {MIN_CELL} and {MAX_CELL} pixels"
            )
        if self.frame is not None and (not _integer(self.frame) or self.frame < 1):
            raise ParameterError("frame", self.frame, "must be at least 1, the first frame")
        if not _integer(self.max_frames) or self.max_frames < 1:
            raise ParameterError("max_frames", self.max_frames, "must be at least 1")
        if self.sheet and self.frame is not None:
            raise ParameterError(
                "frame",
                self.frame,
                "does not go with sheet (every frame on one page): give one of them",
            )
        if self.format == Format.pdf and self.frame is None:
            set_(self, "sheet", True)  # a PDF without a frame: a handout of every frame
            least = math.ceil(MIN_PRINT_DPI * A4_INCHES)
            if self.width is not None and self.width < least:
                raise ParameterError(
                    "width",
                    self.width,
                    f"is too narrow for A4 pages: {least:,} px and more print at "
                    f"{MIN_PRINT_DPI} dpi or finer",
                )
        if self.sheet and self.format not in (None, Format.png, Format.svg, Format.pdf):
            raise ParameterError(
                "output" if self.output else "format",
                str(self.output or self.format),
                "must be PNG, SVG or PDF for a sheet",
            )
        if self.format == Format.pdf and self.animated:
            raise ParameterError(
                "animated",
                True,
                "does not go with a PDF (pages, not an "
                "animation): write a .gif, .png, .webp, .svg or .html",
            )
        if self.animated and (self.frame is not None or self.sheet):
            raise ParameterError(
                "animated", True, "does not go with frame or sheet: give one of them"
            )
        if self.view.compares:  # tconv_cli.views: raster frames, flat
            _check_board(self)
        svg = self.format == Format.svg and self.frame is None and not self.animated
        if svg and not self.sheet:  # an SVG without a frame or an animation: every frame
            set_(self, "sheet", True)
            set_(self, "implied_sheet", True)

    def _check_selection(self) -> None:
        """`frames` ("3-9", "3-", "-9" or a pair), `every` and `row`, before a layer is known."""
        if self.frames is not None and not isinstance(self.frames, tuple):
            object.__setattr__(self, "frames", _frame_range(self.frames))
        if not _integer(self.every) or self.every < 1:
            raise ParameterError("every", self.every, "must be at least 1 (every frame)")
        if self.row is not None and (not _integer(self.row) or self.row < 1):
            raise ParameterError("row", self.row, "must be at least 1, the first row")
        chosen = self.frames is not None or self.every != 1 or self.row is not None
        if chosen and self.frame is not None:
            raise ParameterError(
                "frame",
                self.frame,
                "does not go with frames, every or row "
                "(they choose the frames of an animation or sheet): give one "
                "of them",
            )

    def selection(self, layer) -> tuple[int, ...] | None:
        """The view's frames (from 0) that `frames`, `every` and `row` keep, checked against
        the layer (None: every frame)."""
        from .. import scene

        if self.view.compares:
            if self.frames is not None or self.every != 1 or self.row is not None:
                raise ParameterError(
                    "view",
                    self.view.value,
                    "draws every frame: frames, every and row choose frames of the other views",
                )
            return None
        count = scene.frame_count(layer, self.view, self.values)
        if self.row is not None:
            sizes = scene.frame_sizes(layer, self.view)
            rows = sizes[0] if len(sizes) == 2 else 1
            if self.row > rows:
                raise ParameterError(
                    "row", self.row, f"must be between 1 and {rows}, the rows the frames run over"
                )
        first, last = self.frames or (None, None)
        chosen = scene.frames_selected(layer, self.view, self.values, None, None, 1, self.row)
        within = count if chosen is None else len(chosen)
        for value in (first, last):
            if value is not None and value > within:
                text = f"{first or ''}-{last or ''}"
                raise ParameterError(
                    "frames",
                    text,
                    f"must lie within 1-{within}, the frames "
                    + ("of that row" if self.row else "of the view"),
                )
        return scene.frames_selected(
            layer, self.view, self.values, first, last, self.every, self.row
        )

    @property
    def page_width(self) -> int | None:
        """The width each frame's page is padded to: `width`, or `fit`'s."""
        return self.fit[0] if self.fit else self.width

    @property
    def page_height(self) -> int | None:
        """The height each frame's page is padded to: `fit`'s, else its own."""
        return self.fit[1] if self.fit else None

    def capped(self) -> str | None:
        """What a note says when `fps` cannot be stored as asked (None: it is)."""
        if self.fps is None:
            return None
        stored = self.timing(2).fps
        if self.fps > MAX_FPS:
            return (
                f"fps {self.fps:g} is more than the {MAX_FPS} frames a second GIF can "
                f"store (20 ms a frame, its shortest delay browsers keep): {MAX_FPS}"
            )
        if abs(stored - self.fps) > 0.005 * self.fps:
            return (
                f"fps {self.fps:g}: GIF stores delays in steps of {DELAY_STEP_MS} ms, so "
                f"{self.timing(2).delay_ms} ms a frame, {stored:.3g} frames a second"
            )
        return None

    @property
    def still(self) -> bool:
        return self.frame is not None or self.sheet

    def draws_sheet(self, count: int) -> bool:
        """Whether `count` frames are drawn as a sheet: with `sheet`, except in an SVG, which
        draws one frame as that frame (measured, budgeted and written alike)."""
        return self.sheet and (count > 1 or self.file_format is not Format.svg)

    @property
    def moving(self) -> bool:
        """A large grid's window moves with the frames (`scene.windowed`'s `moving`): an
        animation of the gather or conv view in a GIF, APNG or WebP file."""
        return (
            not self.still
            and self.view in (View.gather, View.conv)
            and self.file_format in (Format.gif, Format.png, Format.webp)
        )

    @property
    def file_format(self) -> Format:
        """The format written: as given, else PNG for stills and sheets, GIF for animations."""
        return self.format or (Format.png if self.still else Format.gif)

    def timing(self, count: int) -> Timing:
        """How long each of `count` frames shows. With `fps`, 1000/fps ms; without, 1 s (as
        conv_arithmetic's figures), or for long animations the longest multiple of 10 ms (GIF
        counts hundredths) that plays them in LONGEST_PLAY seconds, hold included (at most
        MAX_FPS frames a second). The last frame shows `hold` seconds (0: as the others)."""
        hold_ms = round(self.hold * 1000)
        if self.fps is not None:
            step = DELAY_STEP_MS
            delay = min(
                MAX_DELAY_MS // step * step,
                max(round(1000 / MAX_FPS), round(1000 / self.fps / step) * step),
            )
            chosen = False
        else:
            delay = 1000
            if (count - 1) * delay + hold_ms > LONGEST_PLAY * 1000:
                room = (LONGEST_PLAY * 1000 - hold_ms) / max(count - 1, 1)
                delay = max(round(1000 / MAX_FPS), int(room // 10) * 10)
            chosen = delay != 1000
        return Timing(delay, hold_ms or delay, chosen)

    def cell_for(self, scene) -> int:
        """The cell size to draw `scene` with: `cell`, or the largest (at least MIN_CELL) whose
        frame, or page for a sheet (a PDF's as the print rule lays it out), is at most `width`
        px wide (the rest is padded evenly);
        with `fit`, the largest (at least FIT_MIN_CELL) whose frame fits within it."""
        from ..scene import MovingWindows, measured

        cell = self._cell_for(measured(scene))  # a moving window: its likely largest page
        if isinstance(scene, MovingWindows) and (self.fit or self.width) is not None:
            cell = self._every_place_fits(scene, cell)
        return cell

    def _every_place_fits(self, scene, cell: int) -> int:
        """`cell`, or the largest below it at which every place of a moving window fits the
        width or the fit (a place's titles may make its page wider than the one measured)."""
        from . import layout

        width, height = self.fit or (self.width, None)
        least = FIT_MIN_CELL if self.fit is not None else MIN_CELL
        while True:
            sizes = layout.natural_sizes(scene, self, cell)
            if all(w <= width and (height is None or h <= height) for w, h in sizes):
                return cell
            if cell <= least:
                w, h = max(w for w, _ in sizes), max(h for _, h in sizes)
                name, value = ("fit", f"{width}x{height}") if height else ("width", width)
                raise ParameterError(
                    name,
                    value,
                    f"is too small: at cell {cell} px a window's frame is {w:,}×{h:,} px",
                )
            cell -= 1

    def _cell_for(self, scene) -> int:
        if self.fit is not None:
            return self.fit_cell(scene)
        if self.shrinks and self.file_format is not Format.svg:
            return self.sheet_cell(scene)
        if self.width is None:
            if self.file_format is Format.pdf and self.default_cell:
                return self.print_cell(scene)
            return self.cell
        from . import layout

        sheet = self.draws_sheet(scene.frame_count)

        def measure(cell: int) -> int:
            if self.view.compares:
                from .views import board_layout

                return board_layout(scene, cell, self.labels).size[0]
            if self.file_format is Format.pdf:  # one panel across a page at this cell
                return layout.print_plan(scene, self.style, cell, self.labels, self.width).width
            if sheet:
                return layout.sheet_layout(scene, self.style, cell, self.labels).size[0]
            return layout.layout(scene, self.style, cell, self.labels).size[0]

        if self.file_format is Format.pdf:  # every text in the cells at 7 pt at that width
            floor = self.width / A4_INCHES * MIN_PRINTED_PT / 72
            cell = layout.print_cell(scene, self.style, MIN_CELL, floor)
            if measure(cell) <= self.width:
                return cell  # else the largest whose panel fits the width
        cell = layout.largest_cell(measure, self.width, MIN_CELL)
        if cell is None:
            raise ParameterError(
                "width",
                self.width,
                f"is too narrow: at the smallest cell "
                f"({MIN_CELL} px) this {'page' if sheet else 'frame'} "
                f"is {measure(MIN_CELL):,} px wide",
            )
        return cell

    def fit_cell(self, scene) -> int:
        """The largest cell whose frame fits `fit`, width and height; refused (naming the
        smallest fit that would do) when even FIT_MIN_CELL does not fit."""
        from . import layout

        width, height = self.fit
        scale = 10**6

        def measure(cell: int) -> int:  # the frame's size as a share of the fit's, scaled
            w, h = layout.layout(scene, self.style, cell, self.labels, aside=True).size
            return max(-(-w * scale // width), -(-h * scale // height))

        cell = layout.largest_cell(measure, scale, FIT_MIN_CELL)
        if cell is None:
            w, h = layout.layout(scene, self.style, FIT_MIN_CELL, self.labels, aside=True).size
            change = (
                f"use --fit {max(w, width)}x{max(h, height)} or more"
                if max(w, h) <= MAX_WIDTH
                else "take a smaller input, or choose frames with --row"
            )
            raise ParameterError(
                "fit",
                f"{width}x{height}",
                f"is too small: at the smallest "
                f"legible cell ({FIT_MIN_CELL} px, text of 12 px and more) "
                f"this figure is {w:,}×{h:,} px; {change}",
            )
        return cell

    def plan(self, layer) -> int:
        """Check this picture of `layer` against its budgets before anything is built; return
        the frame count of the view."""
        from .. import scene
        from .layout import planes_extent, sizes_for

        count = self.count_frames(layer)
        shapes = plain = scenes_of(self.view).plane_shapes(layer, self.view)
        still = self.frame is not None and self.file_format is not Format.html
        if (
            (still or self.moving)
            and self.view in (View.gather, View.conv)
            and sum(math.prod(s) for s in shapes if s) <= MAX_WINDOWED_CELLS
        ):  # a still, or an animation in a file: a window (of a large grid)
            reach = (1,) * (2 - len(layer)) + tuple(a.dilation * (a.kernel - 1) + 1 for a in layer)
            shapes = [
                None
                if s is None
                else tuple(scene.window_length(n, r, self.moving) for n, r in zip(s, reaches))
                for s, reaches in zip(shapes, (reach, (1, 1)))
            ]
        if self.fit is not None:
            width, height = self.fit
        elif self.width is None:
            width, height = planes_extent(shapes, self.style, self.cell)
        else:  # the planes alone, at the smallest cell, must fit; at most they fill the width
            width, height = planes_extent(shapes, self.style, MIN_CELL)
            pdf = self.file_format is Format.pdf  # a PDF's pages: one panel across at least
            sheet = self.draws_sheet(count)
            cols = sheet_grid_of(count, width, height)[0] if sheet and not pdf else 1
            # a board's panels are laid out as `views.board_layout` says (a 1-d board's in
            # rows): `cell_for` measures that layout, and refuses a width none fits
            if cols * width > self.width and not self.view.compares:
                what = "page" if sheet else "frame"
                raise ParameterError(
                    "width",
                    self.width,
                    f"is too narrow: at the smallest "
                    f"cell ({MIN_CELL} px) this {what} is at least "
                    f"{cols * width:,} px wide",
                )
            scale = self.width / max(cols * width, 1)
            width, height = math.floor(width * scale), math.floor(height * scale)
        self.check_frame_size(width, height, least=True)
        if self.fit is None and self.width is None and not self.draws_sheet(count):
            # a frame's margins grow with its text, and its text with the planes' width: a
            # long, thin grid (a 1-d layer of thousands) makes a tall page of large text
            margin = sizes_for(self.cell, width)["margin"]
            self.check_frame_size(width + 2 * margin, height + 2 * margin, least=True)
        if self.file_format.vector:
            self.check_vector_bytes(self.vector_bytes(layer, count), estimate=True)
        if self.sheet and not self.shrinks:
            extent = None
            if self.width is None and self.fit is None:

                def extent(cell: int) -> tuple[int, int]:
                    return planes_extent(shapes, self.style, cell)

            self.check_page(width, height, count, layer, extent)
        elif self.frame is None and self.file_format == Format.webp:
            self.check_webp(layer, shapes, plain, width, height)
        return count

    def webp_frames(self, layer, shapes, plain) -> float:
        """How many whole frames' worth of pixels a WebP animation of `layer` encodes (its
        first frame whole, then each frame's changed rectangle: `encode` writes only that),
        from the planes' `shapes` (windows of the `plain` ones, when large) and the frames
        chosen, before anything is built. See MAX_WEBP_PIXELS for the model."""
        from collections import Counter
        from itertools import pairwise

        from .. import scene
        from .layout import planes_extent

        chosen = self.selection(layer)
        frames = range(self.count_frames(layer)) if chosen is None else chosen
        if self.view.compares:  # a board: nearly all of it changes, and it has two rows
            return 2.0 * len(frames)  # of the panels `plane_shapes` measures one of
        if self.view not in (View.gather, View.conv, View.scatter) or (
            self.values and (self.labels or self.view is View.scatter)
        ):  # the running sum, top left, and the kernel span the frame; the scatter's stamps
            return float(len(frames))
        grid = scene.frame_sizes(layer, self.view.value)
        cols, last = grid[-1], math.prod(grid)  # frames past the grid: the scatter's crop
        strides = [1 if self.view is View.gather else a.stride for a in layer]
        step_r, step_c = ([1, 1] + strides)[-2:]  # cells the kernel moves a frame
        reach_r, reach_c = ([1, 1] + [a.dilation * (a.kernel - 1) + 1 for a in layer])[-2:]
        moves: Counter = Counter()
        for before, now in pairwise(frames):
            (r0, c0), (r1, c1) = divmod(before, cols), divmod(now, cols)
            moves[None if now >= last else (abs(r1 - r0) * step_r, (c1 - c0) * step_c)] += 1
        scale = 1000  # extents at a large cell: shares of the planes without rounding
        planes_w, planes_h = planes_extent(shapes, self.style, scale)
        (lower_w, lower_h), (upper_w, upper_h) = (
            planes_extent([s], self.style, scale) for s in shapes
        )
        frames_worth = 1.0  # the first frame
        for move, times in moves.items():
            if move is None:
                frames_worth += times
                continue
            # the kernel's footprint where it was and where it is, and the cell it writes on
            # the other plane, which lies at the same place along both planes, give or take
            # their difference: stacked (arithmetic), the planes are centred across and the
            # rectangle spans the upper one; side by side (flat), centred up and down
            swept_w, swept_h = planes_extent(
                [(reach_r + move[0], reach_c + abs(move[1]))], self.style, scale
            )
            if self.style is Style.arithmetic:
                w, h = swept_w + abs(lower_w - upper_w) / 2, swept_h + max(lower_h, upper_h)
            else:
                w, h = swept_w + max(lower_w, upper_w), swept_h + abs(lower_h - upper_h) / 2
            frames_worth += times * min(1.0, w / planes_w) * min(1.0, h / planes_h)
        room = shapes[0][1] - reach_c - 2 * scene.WINDOW_MARGIN  # cells ahead of the kernel
        if shapes[0][1] < plain[0][1] and room > 0:  # a moving window: a new page a jump
            ahead = sum(m[1] * t for m, t in moves.items() if m is not None and m[1] > 0)
            frames_worth += -(-ahead // room)
        return frames_worth

    def check_webp(self, layer, shapes, plain, width: int, height: int) -> None:
        """Refuse a WebP animation that would encode more than MAX_WEBP_PIXELS (frames of at
        least `width × height` px), naming a cell or width it would be accepted at."""
        from .layout import planes_extent

        frames_worth = self.webp_frames(layer, shapes, plain)
        self._webp_budget(
            len(self.selection(layer) or range(self.count_frames(layer))),
            frames_worth,
            (width, height),
            lambda cell: planes_extent(shapes, self.style, cell),
        )

    def boards_animated(self, scene) -> bool:
        """Whether this picture of `scene` is a board (`View.compares`) animated in a raster
        file: its frame size and WebP budget are then checked on its layout
        (`encode.frame_size`), which the planes' estimate in `plan` does not know."""
        return (
            View(scene.view).compares
            and not self.file_format.vector
            and not self.sheet
            and self.frame is None
            and scene.frame_count > 1
        )

    def check_board_webp(self, count: int, size: tuple[int, int], extent) -> None:
        """Refuse a board's WebP animation (`count` frames of `size` px as laid out;
        `extent(cell)` lays it out at another cell, unpadded) that would encode more than
        MAX_WEBP_PIXELS: nearly all of a board changes from frame to frame (its progress,
        both planes, the links), so each frame counts whole."""
        self._webp_budget(count, float(count), size, extent, laid_out=True)

    def _webp_budget(
        self,
        count: int,
        frames_worth: float,
        size: tuple[int, int],
        extent,
        laid_out: bool = False,
    ) -> None:
        """Refuse `count` frames of at least `size` px that encode `frames_worth` whole frames
        when that is more than MAX_WEBP_PIXELS, naming the largest cell (or width) that keeps
        within it: `extent(cell)` is a frame's size at `cell` (larger at a larger cell). A
        width is the one `extent` lays out at that cell when `laid_out` (a board's), else the
        width whose frame, scaled as the planes' estimate scales, keeps within it."""
        width, height = size
        pixels = frames_worth * width * height
        if pixels <= MAX_WEBP_PIXELS:
            return

        def largest_cell(below: int) -> int | None:
            low, high = MIN_CELL - 1, below  # fits at low (or none does), not at high
            while high - low > 1:
                middle = (low + high) // 2
                if frames_worth * math.prod(extent(middle)) <= MAX_WEBP_PIXELS:
                    low = middle
                else:
                    high = middle
            return low if low >= MIN_CELL else None

        change = ""
        if self.fit is None and self.width is None:
            cell = largest_cell(self.cell)
            change = f"use cell {cell} or less, " if cell else ""
        elif self.fit is None and laid_out:
            cell = largest_cell(MAX_CELL + 1)
            fits = extent(cell)[0] if cell else 0
            change = f"use width {fits} or less, " if fits >= MIN_WIDTH else ""
        elif self.fit is None:
            narrowest = extent(MIN_CELL)[0]
            fits = math.floor(self.width * math.sqrt(MAX_WEBP_PIXELS / pixels))
            change = f"use width {fits} or less, " if fits >= max(MIN_WIDTH, narrowest) else ""
        raise NoAnswer(
            f"a WebP of {count:,} frames of at least {width:,}×{height:,} px would encode some "
            f"{pixels / 1e6:,.0f} MP (the first frame, then what changes), more than the "
            f"{MAX_WEBP_PIXELS / 1e6:,.0f} MP libwebp encodes in some 20 seconds: write a .gif "
            f"or .png (APNG), {change}take a smaller input, or choose frames (--row, --every, "
            "--frames)"
        )

    def count_frames(self, layer) -> int:
        """The view's frame count, once `frame` and `max_frames` are checked against it."""
        if len(layer) > 2:
            raise ParameterError(
                "input",
                "×".join(str(a.size) for a in layer),
                f"has {len(layer)} "
                "axes: pictures are for 1-d and 2-d layers (tconv shape and "
                "explain take any)",
            )
        if self.view.compares:
            from .. import views

            views.check(layer, self.view.value, self.values)
        count = scenes_of(self.view).frame_count(layer, self.view, self.values)
        chosen = self.selection(layer)
        if chosen is not None:
            count = len(chosen)
        if self.frame is not None and self.frame > count:
            raise ParameterError(
                "frame", self.frame, f"must be between 1 and {count}, the frame count"
            )
        if self.frame is None and count > self.max_frames:
            what = scenes_of(self.view).frames_described(layer, self.view, self.values)
            raise NoAnswer(
                f"this animation would have {count:,} frames ({what}), more than "
                f"max_frames {self.max_frames:,}; raise max_frames, draw one "
                "frame, or take a smaller input"
            )
        return count

    def vector_bytes(self, layer, count: int) -> int:
        """About the bytes of an SVG or HTML file of this picture (a lower bound): some 60
        bytes a cell drawn (SVG: every frame drawn; HTML: the page once, then the cells that
        change each frame and where each output comes from)."""
        shapes = [s for s in scenes_of(self.view).plane_shapes(layer, self.view) if s is not None]
        cells = sum(rows * cols for rows, cols in shapes)
        taps = math.prod(a.kernel for a in layer)
        if self.file_format == Format.html:
            return 60 * (cells + count * 2 * taps + shapes[-1][0] * shapes[-1][1] * taps)
        return 60 * cells * (1 if self.frame is not None else count)

    def check_vector_bytes(self, size: int, estimate: bool = False) -> None:
        """Refuse an SVG or HTML file of `size` bytes over MAX_VECTOR_BYTES."""
        if size > MAX_VECTOR_BYTES:
            what = "an HTML player" if self.file_format == Format.html else "an SVG"
            if self.file_format == Format.html:
                change = "take a smaller input or kernel, or write a .gif"
            elif self.sheet and not self.implied_sheet:  # --sheet: PNG, SVG or PDF, all frames
                change = "choose frames (--row, --every, --frames), or take a smaller input"
            else:
                change = "draw one frame, take a smaller input, or write a .gif"
            raise NoAnswer(
                f"{what} of this picture would be {'at least ' if estimate else ''}"
                f"{size / 2**20:,.1f} MB, more than the {MAX_VECTOR_BYTES / 2**20:.0f}"
                f" MB such a file may have: {change}"
            )

    def check_frame_size(self, width: int, height: int, least: bool = False) -> None:
        """Refuse a frame over MAX_FRAME_PIXELS; `least`: the size is a lower bound."""
        if width * height > MAX_FRAME_PIXELS:
            fits = math.floor(
                0.9
                * (self.cell or DEFAULT_CELL)  # room for the labels
                * math.sqrt(MAX_FRAME_PIXELS / (width * height))
            )
            change = (
                (
                    "use a smaller width or input"
                    if self.width
                    else f"use cell {fits} or less, or a smaller input"
                )
                if fits >= MIN_CELL
                else ("take a smaller input or kernel")
            )
            raise NoAnswer(
                f"a frame would be {'at least ' if least else ''}{width:,}×"
                f"{height:,} px ({width * height / 1e6:,.0f} MP), more than the "
                f"{MAX_FRAME_PIXELS / 1e6:.1f} MP a frame may have: {change}"
            )

    @property
    def shrinks(self) -> bool:
        """A one-page sheet at the default cell: too large a page takes a smaller cell
        (`sheet_cell`) instead of being refused."""
        return (
            self.sheet
            and self.default_cell
            and self.width is None
            and self.file_format in (Format.png, Format.svg)
        )

    def sheet_cell(self, scene) -> int:
        """The largest cell, from the default down to MIN_CELL, whose one-page sheet (measured
        as drawn) stays within MAX_PAGE_PIXELS; refused, suggesting A4 pages, when none."""
        from . import layout

        cell = self.cell
        while True:
            width, height = layout.sheet_layout(scene, self.style, cell, self.labels).size
            if width * height <= MAX_PAGE_PIXELS:
                return cell
            if cell == MIN_CELL:
                pages = self.as_pdf(scene.layer)
                raise NoAnswer(
                    f"a sheet of {_frames(scene.frame_count)} is {width:,}×"
                    f"{height:,} px even at the smallest cell ({MIN_CELL} px), more "
                    f"than {MAX_PAGE_PIXELS / 1e6:.0f} MP: "
                    + (f"write A4 pages ({pages}), or " if pages else "take a smaller input, or ")
                    + "choose frames (--row, --every, --frames)"
                )
            cell = max(MIN_CELL, math.floor(cell * 0.85))

    @staticmethod
    def _page_pixels(width: int, height: int, count: int) -> float:
        cols, rows = sheet_grid_of(count, width, height)
        page_width, page_height = cols * width, rows * height
        return page_width * max(page_height, A4_ASPECT * page_width)

    def check_page(self, width: int, height: int, count: int, layer=None, extent=None) -> None:
        """Refuse a sheet of `count` panels of `width × height` (the planes' size, as `plan`
        measures them, or as drawn) over MAX_PAGE_PIXELS; a PDF (`pdf_fits`) over its
        budgets. `layer`: offer A4 pages when they are accepted; `extent(cell)`: a panel's
        size at another cell, to name the cell a PDF fits at."""
        if self.file_format == Format.pdf:
            if not self.pdf_fits(width, height, count):
                cells = range((self.cell or MIN_CELL) - 1, MIN_CELL - 1, -1)
                fits = extent and next(
                    (c for c in cells if self.pdf_fits(*extent(c), count, c)), None
                )
                change = (
                    f"use cell {fits}, " if fits else "use a smaller width, " if self.width else ""
                )
                total = self._pdf_pixels(width, height, count)
                printed = self.pdf_pages(width, height, count)
                page = printed.width * printed.height
                over = [
                    f"some {total / 1e6:,.0f} MP of pages, more than {MAX_PDF_PIXELS / 1e6:,.0f} MP"
                ] * (total > MAX_PDF_PIXELS) + [
                    f"pages of some {page / 1e6:,.0f} MP, more than "
                    f"{MAX_PDF_PAGE / 1e6:.0f} MP a page"
                ] * (page > MAX_PDF_PAGE)
                raise NoAnswer(
                    f"a PDF of {_frames(count)} of {width:,}×{height:,} px would be "
                    f"{' and '.join(over)}: {change}take a smaller input, or choose "
                    "frames (--row, --every, --frames)"
                )
            return
        page = self._page_pixels(width, height, count)
        if page > MAX_PAGE_PIXELS:
            pages = self.as_pdf(layer) if layer is not None else None
            change = (f"write A4 pages ({pages}), " if pages else "") + (
                "use a smaller width" if self.width else "use a smaller cell"
            )
            raise NoAnswer(
                f"a sheet of {_frames(count)} of {width:,}×{height:,} px would be "
                f"{page / 1e6:,.0f} MP, more than {MAX_PAGE_PIXELS / 1e6:.0f} MP: "
                f"{change}, or choose frames (--row, --every, --frames)"
            )

    def print_cell(self, scene) -> int:
        """A PDF's cell when none is asked for: the smallest from the default up at which
        every text in the cells prints at 7 pt on pages of 150 dpi or finer
        (`layout.print_cell`; a frame too large for such a page prints its text as large
        as it can there too), or the largest below it whose pages the PDF's budgets allow
        (`pdf_fits`; `plan` has checked the default)."""
        from .layout import planes_extent, print_cell

        shapes = [plane.shape for plane in (scene.lower, scene.upper) if plane is not None]
        cell = print_cell(scene, self.style, self.cell)
        while cell > self.cell and not self.pdf_fits(
            *planes_extent(shapes, self.style, cell), scene.frame_count, cell
        ):
            cell -= 1
        return cell

    def pdf_pages(self, width: int, height: int, count: int, cell: int | None = None):
        """A PDF's pages (`page.print_pages`, the print rule) for `count` panels of at least
        `width × height` px (the planes' size) at `cell` (this picture's by default): before
        anything is drawn, without the header and the space between panels; its smallest
        text taken as a number's subscript (most pictures' smallest, `layout.cells_smallest`)."""
        from .layout import second_size, sizes_for

        text = second_size(sizes_for(cell or self.cell or MIN_CELL)["value"])
        return print_pages(count, (width, height), text, width=self.width)

    def _pdf_pixels(self, width: int, height: int, count: int, cell: int | None = None) -> float:
        """At least the pixels of a PDF's pages together: its panels' planes with room for
        their labels, or its pages by the print rule, whichever is more."""
        printed = self.pdf_pages(width, height, count, cell)
        return max(
            count * width * height * PDF_OVERHEAD, printed.pages * printed.width * printed.height
        )

    def pdf_fits(self, width: int, height: int, count: int, cell: int | None = None) -> bool:
        """Whether a PDF of `count` panels of `width × height` (the planes' size) at `cell`
        is within MAX_PDF_PIXELS in all and MAX_PDF_PAGE a page: the one rule for a PDF's
        size, its pages laid out by the print rule."""
        printed = self.pdf_pages(width, height, count, cell)
        return (
            self._pdf_pixels(width, height, count, cell) <= MAX_PDF_PIXELS
            and printed.width * printed.height <= MAX_PDF_PAGE
        )

    def print_note(self, scene, handout, sample=None) -> str | None:
        """What a PDF of `scene` written as `handout` (`page.Handout`) says when its smallest
        text prints under MIN_PRINTED_PT (None: it does not): which text, how large, why,
        and a change that prints every text at MIN_PRINTED_PT or more, tried here (accepted,
        and legible) when there is one. `sample(layer)`: the values (x, w) of another
        input's scene; None when the values are the user's (no other input size takes them)."""
        from .layout import print_cell

        if handout.legible:
            return None
        said = f"{handout.smallest} print at {handout.points:.1f} pt, under {MIN_PRINTED_PT:g} pt"
        if handout.widened:  # at any cell: the frame is too large for the page
            said += f": a frame of this grid is larger than an A4 page at {MIN_PRINTED_PT:g} pt"
            # at the cell the print rule picks (one asked for may be too small anyway)
            rule = self if self.default_cell else replace(self, cell=None)
            smaller = rule._legible_input(scene, sample)
            if smaller is None:
                return said
            sizes, points = smaller
            flag = "--in " + ",".join(map(str, sizes)) + ("" if rule is self else " without --cell")
            return f"{said}; {flag} prints its smallest text at {points:.1f} pt"
        if self.width is not None:
            said += f" on pages {handout.size[0]} px wide"
            change, other = "without --width", replace(self, width=None)
        elif not self.default_cell:
            said += f" at cell {handout.cell}"
            cell = print_cell(scene, self.style, handout.cell)
            change, other = f"--cell {cell}", replace(self, cell=cell)
        else:  # the budgets held the cell down
            return f"{said}: a larger cell would make the PDF too large; choose fewer frames"
        points = other._printed_points(scene)
        if points is None or points < MIN_PRINTED_PT:
            return said
        return f"{said}; {change} prints its smallest text at {points:.1f} pt"

    def _printed_points(self, scene, exact: bool = True) -> float | None:
        """The smallest text on paper in points of this PDF of `scene`; None when `plan`
        refuses it. Not `exact`: the cells' text alone (every page need not be laid out)."""
        from . import layout
        from .page import printed_points

        try:
            self.plan(scene.layer)
            cell = self.cell_for(scene)
        except (NoAnswer, ParameterError):
            return None
        if exact:
            sheet = layout.sheet_layout(
                scene, self.style, cell, self.labels, width=self.width, a4=True
            )
            return sheet.printed_points()
        printed = layout.print_plan(scene, self.style, cell, self.labels, self.width)
        return printed_points(layout.cells_smallest(scene, self.style, cell).size, printed.width)

    def _legible_input(self, scene, sample) -> tuple[tuple[int, ...], float] | None:
        """The largest input (each axis cut to at most m cells, the rest of the layer and
        these options as they are) whose PDF prints every text at MIN_PRINTED_PT, and that
        size in points; None when none does, or the values are the user's."""
        from .. import geometry
        from ..scene import windowed

        if sample is None or scene.view not in ("gather", "conv", "scatter", "overlap"):
            return None
        layer = scene.layer
        check = geometry.check_conv if scene.view == "conv" else geometry.check_transposed

        def scene_of(most: int):
            smaller = tuple(replace(a, size=min(a.size, most)) for a in layer)
            try:
                check(smaller)
                built = scenes_of(self.view).build(smaller, self.view.value, *sample(smaller))
                return windowed(replace(built, selection=self.selection(smaller)))
            except ParameterError:
                return None

        def legible(most: int, exact: bool = False) -> float | None:
            built = scene_of(most)
            points = None if built is None else self._printed_points(built, exact)
            return points if points is not None and points >= MIN_PRINTED_PT else None

        low, high = 0, max(a.size for a in layer) - 1  # legible(low), or low 0: none is
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if legible(middle) else (low, middle - 1)
        points = legible(low, exact=True) if low else None
        if points is None:
            return None
        return tuple(min(a.size, low) for a in layer), points

    def as_pdf(self, layer) -> str | None:
        """The option that writes this sheet as A4 pages instead (`-o NAME.pdf`), when `plan`
        accepts it; None when it does not (a refusal's suggestion is itself accepted)."""
        name = (self.output or Path("sheet.png")).with_suffix(".pdf")
        try:
            replace(self, output=name, format=Format.pdf, sheet=True).plan(layer)
        except (NoAnswer, ParameterError):
            return None
        return f"-o {name.name}"


def scenes_of(view: View):
    """The module that describes a view's frames: `views` for boards, else `scene`."""
    if view.compares:
        from .. import views

        return views
    from .. import scene

    return scene


def _frames(count: int) -> str:
    """ "1 frame", "1,024 frames"."""
    return f"{count:,} {plural('frame', count)}"


def _check_board(options: PictureOptions) -> None:
    """What a board view (`tconv_cli.views`) is drawn as: raster frames, flat, one at a time."""
    name = options.view.value
    if options.style is not Style.flat:
        raise ParameterError(
            "style",
            options.style.value,
            f"must be flat for the {name} view (its panels lie side by side)",
        )
    if options.format in (Format.svg, Format.html, Format.pdf):  # before a PDF's sheet
        raise ParameterError(
            "output" if options.output else "format",
            str(options.output or options.format.value),
            f"must be .gif, .png or .webp for the {name} view",
        )
    if options.sheet:
        raise ParameterError(
            "sheet",
            True,
            f"is not drawn for the {name} view: write an animation, or one frame with frame",
        )
    if options.fit is not None:
        raise ParameterError(
            "fit",
            "x".join(map(str, options.fit)),
            f"is not drawn for the {name} view: give width instead",
        )


def default_style(view: View) -> Style:
    """The style a view is drawn in unless one is asked for: the overlap heatmap flat (the
    oblique projection turns its checkerboard into stripes) and the comparing views (side by
    side), the others as conv_arithmetic."""
    return Style.flat if view == View.overlap or view.compares else Style.arithmetic


def _fit(value) -> tuple[int, int]:
    """`fit` as (width, height): "1920x1080", "1920×1080" or a pair, each MIN_WIDTH to
    MAX_WIDTH px."""
    import re

    text = value if isinstance(value, str) else "×".join(map(str, value))
    parts = (
        re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text)
        if isinstance(value, str)
        else (None if len(value) != 2 or not all(map(_integer, value)) else value)
    )
    if parts is None:
        raise ParameterError("fit", text, "must be a width and height in pixels, like 1920x1080")
    width, height = (int(v) for v in (parts.groups() if isinstance(value, str) else parts))
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_WIDTH <= height <= MAX_WIDTH):
        raise ParameterError(
            "fit", text, f"must be between {MIN_WIDTH} and {MAX_WIDTH:,} pixels each way"
        )
    return width, height


def _frame_range(value) -> tuple[int | None, int | None]:
    """`frames` as (first, last) from 1: "3-9", "3-" (to the end), "-9", "5" (one frame)."""
    import re

    match = re.fullmatch(r"\s*(\d*)\s*(-?)\s*(\d*)\s*", str(value))
    if match is None or not (match[1] or match[3]) or (match[3] and not match[2]):
        raise ParameterError(
            "frames", value, "must be a range of frames like 3-9, 3- or -9 (1 is the first)"
        )
    first = int(match[1]) if match[1] else None
    last = int(match[3]) if match[3] else (first if not match[2] else None)
    if (
        (first is not None and first < 1)
        or (last is not None and last < 1)
        or (first is not None and last is not None and last < first)
    ):
        raise ParameterError(
            "frames", value, "must be a range of frames from 1 up, the first no later than the last"
        )
    return first, last


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
