"""Every option of a picture, checked once, and the budgets a picture must stay within.

`PictureOptions` validates each option on construction and raises `ParameterError` with the
option's library name (`fps`, `hold`, `loop`, `cell`, `width`, `frame`, `max_frames`, `output`,
…); `plan(layer)` refuses, before anything is drawn, a picture that has too many frames or
would need more pixels or memory than its budget, saying what it would need and what to change.
`timing(count)` says how long each frame shows, `cell_for(scene)` which cell size a `width`
asks for, and `sheet_grid` how a sheet's panels go on a page.
Pure Python: nothing heavy is imported until a layer's planes are measured.
"""

from __future__ import annotations

import math
import os
import numbers
from dataclasses import dataclass
from pathlib import Path

from .choices import Format, Style, View
from .errors import NoAnswer, ParameterError

DEFAULT_CELL = 28
MIN_CELL, MAX_CELL = 12, 200
MAX_FPS = 50  # 20 ms a frame: browsers slow faster GIFs down
MAX_DELAY_MS = 65535  # GIF and APNG hold at most 65,535 ms a frame
MAX_LOOP = 65535
MAX_FRAME_PIXELS = 2**25  # one frame: its drawing tables take some 20 bytes a pixel
MAX_PAGE_PIXELS = 10**8  # a sheet of every frame on one page
MAX_WEBP_PIXELS = 2**28  # all frames of a WebP: libwebp encodes some 14 MP/s losslessly
MAX_VECTOR_BYTES = 16 * 2**20  # an SVG or HTML file: browsers and slide programs stay quick
MIN_WIDTH, MAX_WIDTH = 100, 8192  # `width`: a thumbnail to an 8K screen
DEFAULT_HOLD = 3.0  # seconds the last frame shows, so the finished picture can be read
LONGEST_PLAY = 60  # seconds: without `fps`, frames get shorter so an animation plays this long
A4_ASPECT = math.sqrt(2)  # height / width of A4 (and near enough Letter's 1.29) in portrait
A4_WIDTH_MM = 210
MAX_SHEET_COLUMNS = 5
MIN_PRINTED_TEXT_MM = 1.8  # a sheet's smallest text printed at A4 width: some 5 pt, fine print


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
    follow the cell. `style` None is the view's own (`default_style`); `values`: the scene
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

    def __post_init__(self) -> None:
        set_ = object.__setattr__
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
                raise ParameterError("output", str(self.output),
                                     "must end in .gif, .png (APNG), .webp, .svg or .html")
            if self.format is not None and Format(self.format) is not suffix:
                raise ParameterError("output", str(self.output),
                                     f"does not end in .{Format(self.format)}, the format")
            set_(self, "format", suffix)
        elif self.format is not None:
            if self.format not in Format.names():
                raise ParameterError("format", self.format,
                                     f"must be one of {', '.join(Format.names())}")
            set_(self, "format", Format(self.format))
        if self.fps is not None and (
                not _real(self.fps) or not 1000 / MAX_DELAY_MS <= self.fps <= MAX_FPS):
            raise ParameterError("fps", self.fps, f"must be between {1000 / MAX_DELAY_MS:.3f} "
                                 f"(65.5 s a frame, the most GIF holds) and {MAX_FPS}")
        if not _real(self.hold) or not 0 <= self.hold <= MAX_DELAY_MS / 1000:
            raise ParameterError("hold", self.hold, "must be between 0 (the last frame shows "
                                 f"as long as the others) and {MAX_DELAY_MS / 1000} seconds "
                                 "(the most GIF holds)")
        if not _integer(self.loop) or not 0 <= self.loop <= MAX_LOOP:
            raise ParameterError("loop", self.loop,
                                 f"must be between 0 (forever) and {MAX_LOOP:,} plays")
        if self.width is not None:
            if not _integer(self.width) or not MIN_WIDTH <= self.width <= MAX_WIDTH:
                raise ParameterError("width", self.width,
                                     f"must be between {MIN_WIDTH} and {MAX_WIDTH:,} pixels")
            if self.cell is not None:
                raise ParameterError("width", self.width, "does not go with cell (the width "
                                     "picks the cell size): give one of them")
        elif self.cell is None:
            set_(self, "cell", DEFAULT_CELL)
        if self.cell is not None and (
                not _integer(self.cell) or not MIN_CELL <= self.cell <= MAX_CELL):
            raise ParameterError("cell", self.cell,
                                 f"must be between {MIN_CELL} and {MAX_CELL} pixels")
        if self.frame is not None and (not _integer(self.frame) or self.frame < 1):
            raise ParameterError("frame", self.frame, "must be at least 1, the first frame")
        if not _integer(self.max_frames) or self.max_frames < 1:
            raise ParameterError("max_frames", self.max_frames, "must be at least 1")
        if self.sheet and self.frame is not None:
            raise ParameterError("frame", self.frame, "does not go with sheet (every frame on "
                                 "one page): give one of them")
        if self.sheet and self.format not in (None, Format.png, Format.svg):
            raise ParameterError("output" if self.output else "format",
                                 str(self.output or self.format),
                                 "must be PNG or SVG for a sheet")
        if self.animated and (self.frame is not None or self.sheet):
            raise ParameterError("animated", True, "does not go with frame or sheet: give one "
                                 "of them")
        if self.format == Format.svg and self.frame is None and not self.animated:
            set_(self, "sheet", True)  # an SVG without a frame or an animation: every frame

    @property
    def still(self) -> bool:
        return self.frame is not None or self.sheet

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
            delay, chosen = round(1000 / self.fps), False
        else:
            delay = 1000
            if (count - 1) * delay + hold_ms > LONGEST_PLAY * 1000:
                room = (LONGEST_PLAY * 1000 - hold_ms) / max(count - 1, 1)
                delay = max(round(1000 / MAX_FPS), int(room // 10) * 10)
            chosen = delay != 1000
        return Timing(delay, hold_ms or delay, chosen)

    def cell_for(self, scene) -> int:
        """The cell size to draw `scene` with: `cell`, or the largest (at least MIN_CELL) whose
        frame, or page for a sheet, is at most `width` px wide (the rest is padded evenly)."""
        if self.width is None:
            return self.cell
        from .render import layout

        def measure(cell: int) -> int:
            if self.sheet:
                return layout.sheet_layout(scene, self.style, cell, self.labels).size[0]
            return layout.layout(scene, self.style, cell, self.labels).size[0]

        cell = layout.largest_cell(measure, self.width, MIN_CELL)
        if cell is None:
            raise ParameterError("width", self.width, f"is too narrow: at the smallest cell "
                                 f"({MIN_CELL} px) this {'page' if self.sheet else 'frame'} "
                                 f"is {measure(MIN_CELL):,} px wide")
        return cell

    def plan(self, layer) -> int:
        """Check this picture of `layer` against its budgets before anything is built; return
        the frame count of the view."""
        from . import scene
        from .render.layout import planes_extent

        count = self.count_frames(layer)
        shapes = scene.plane_shapes(layer, self.view)
        if self.width is None:
            width, height = planes_extent(shapes, self.style, self.cell)
        else:  # the planes alone, at the smallest cell, must fit; at most they fill the width
            width, height = planes_extent(shapes, self.style, MIN_CELL)
            cols = sheet_grid_of(count, width, height)[0] if self.sheet else 1
            if cols * width > self.width:
                what = "page" if self.sheet else "frame"
                raise ParameterError("width", self.width, f"is too narrow: at the smallest "
                                     f"cell ({MIN_CELL} px) this {what} is at least "
                                     f"{cols * width:,} px wide")
            scale = self.width / max(cols * width, 1)
            width, height = math.floor(width * scale), math.floor(height * scale)
        self.check_frame_size(width, height, least=True)
        if self.file_format.vector:
            self.check_vector_bytes(self.vector_bytes(layer, count), estimate=True)
        if self.sheet:
            self.check_page(width, height, count)
        elif self.frame is None and self.file_format == Format.webp and (
                count * width * height > MAX_WEBP_PIXELS):
            raise NoAnswer(f"a WebP of {count:,} frames of at least {width:,}×{height:,} px "
                           f"is {count * width * height / 1e6:,.0f} MP to encode, more than "
                           f"the {MAX_WEBP_PIXELS / 1e6:.0f} MP libwebp encodes in some 20 "
                           "seconds: write a .gif or .png (APNG), or use a smaller "
                           f"{'width' if self.width else 'cell'} or input")
        return count

    def count_frames(self, layer) -> int:
        """The view's frame count, once `frame` and `max_frames` are checked against it."""
        from . import scene

        if len(layer) > 2:
            raise ParameterError("input", "×".join(str(a.size) for a in layer), f"has {len(layer)} "
                                 "axes: pictures are for 1-d and 2-d layers (tconv shape and "
                                 "explain take any)")
        count = scene.frame_count(layer, self.view, self.values)
        if self.frame is not None and self.frame > count:
            raise ParameterError("frame", self.frame,
                                 f"must be between 1 and {count}, the frame count")
        if self.frame is None and count > self.max_frames:
            what = scene.frames_described(layer, self.view, self.values)
            raise NoAnswer(f"this animation would have {count:,} frames ({what}), more than "
                           f"max_frames {self.max_frames:,}; raise max_frames, draw one "
                           "frame, or take a smaller input")
        return count

    def vector_bytes(self, layer, count: int) -> int:
        """About the bytes of an SVG or HTML file of this picture (a lower bound): some 60
        bytes a cell drawn (SVG: every frame drawn; HTML: the page once, then the cells that
        change each frame and where each output comes from)."""
        from . import scene

        shapes = [s for s in scene.plane_shapes(layer, self.view) if s is not None]
        cells = sum(rows * cols for rows, cols in shapes)
        taps = math.prod(a.kernel for a in layer)
        if self.file_format == Format.html:
            return 60 * (cells + count * 2 * taps + shapes[-1][0] * shapes[-1][1] * taps)
        return 60 * cells * (1 if self.frame is not None else count)

    def check_vector_bytes(self, size: int, estimate: bool = False) -> None:
        """Refuse an SVG or HTML file of `size` bytes over MAX_VECTOR_BYTES."""
        if size > MAX_VECTOR_BYTES:
            what = "an HTML player" if self.file_format == Format.html else "an SVG"
            change = ("draw one frame, take a smaller input, or write a .gif"
                      if self.file_format == Format.svg else "take a smaller input or kernel, "
                      "or write a .gif")
            raise NoAnswer(f"{what} of this picture would be {'at least ' if estimate else ''}"
                           f"{size / 2**20:,.1f} MB, more than the {MAX_VECTOR_BYTES / 2**20:.0f}"
                           f" MB such a file may have: {change}")

    def check_frame_size(self, width: int, height: int, least: bool = False) -> None:
        """Refuse a frame over MAX_FRAME_PIXELS; `least`: the size is a lower bound."""
        if width * height > MAX_FRAME_PIXELS:
            fits = math.floor((self.cell or DEFAULT_CELL)
                              * math.sqrt(MAX_FRAME_PIXELS / (width * height)))
            change = ("use a smaller width or input" if self.width else f"use cell {fits} or "
                      "less, or a smaller input") if fits >= MIN_CELL else (
                "take a smaller input or kernel")
            raise NoAnswer(f"a frame would be {'at least ' if least else ''}{width:,}×"
                           f"{height:,} px ({width * height / 1e6:,.0f} MP), more than the "
                           f"{MAX_FRAME_PIXELS / 1e6:.1f} MP a frame may have: {change}")

    def check_page(self, width: int, height: int, count: int) -> None:
        """Refuse a sheet of `count` panels of `width × height` over MAX_PAGE_PIXELS."""
        cols, rows = sheet_grid_of(count, width, height)
        page_width, page_height = cols * width, rows * height
        page = page_width * max(page_height, A4_ASPECT * page_width)
        if page > MAX_PAGE_PIXELS:
            raise NoAnswer(f"a sheet of {count:,} frames of {width:,}×{height:,} px would be "
                           f"{page / 1e6:,.0f} MP, more than {MAX_PAGE_PIXELS / 1e6:.0f} MP: use "
                           f"a smaller {'width' if self.width else 'cell'}, a smaller input, "
                           "or an animation")


def sheet_grid_of(count: int, width: int, height: int) -> tuple[int, int]:
    """`sheet_grid` for panels of one size, without text or header (budgets, before drawing)."""
    return sheet_grid(count, lambda cols: (width, height, 0, 0))


def sheet_grid(count: int, panel) -> tuple[int, int]:
    """Columns and rows of a sheet of `count` panels, for print. `panel(columns)` measures a
    panel when there are `columns` of them (its text is sized for the page): its width and
    height in px with the space around it, its smallest text in px (0: none) and the height of
    the page's header.

    The rule: the fewest columns whose page fits one A4 page in portrait at A4 width (height
    ≤ √2 × width; Letter's 1.29 prints it a little smaller), since fewer columns are larger
    panels; but at most MAX_SHEET_COLUMNS (5), and no more than keep the panels' smallest text
    (the numbers in cells, or the planes' names) at least MIN_PRINTED_TEXT_MM (1.8 mm, some
    5 pt) printed at A4 width. A page that cannot fit one A4 page runs over several. The
    page's own title, legend and panel numbers are 1/64 of its width or more
    (`render.layout.TEXT_SPAN`): 3.3 mm, some 9 pt, at A4 width.
    """
    legible = []
    for cols in range(1, max(1, min(count, MAX_SHEET_COLUMNS)) + 1):
        width, height, text, header = panel(cols)
        if cols > 1 and text and cols * width * MIN_PRINTED_TEXT_MM > A4_WIDTH_MM * text:
            continue
        rows = -(-count // cols)
        if rows * height + header <= A4_ASPECT * cols * width:
            return cols, rows
        legible.append(cols)
    return legible[-1], -(-count // legible[-1])


def a4_print(width: int, height: int) -> tuple[int, int]:
    """A page of `width × height` px printed at A4 width: its resolution in dots per inch and
    the number of A4 pages it takes."""
    dpi = width / (A4_WIDTH_MM / 25.4)
    return round(dpi), max(1, math.ceil(height / (width * A4_ASPECT) - 1e-3))


def default_style(view: View) -> Style:
    """The style a view is drawn in unless one is asked for: the overlap heatmap flat (the
    oblique projection turns its checkerboard into stripes), the others as conv_arithmetic."""
    return Style.flat if view == View.overlap else Style.arithmetic


def default_name(layer, options: PictureOptions) -> Path:
    """A file name that describes the layer and the picture: tconv_i3_k3_s2_p1.gif; the view
    and style are named when they are not the defaults, so pictures do not overwrite each
    other."""

    def part(values) -> str:
        return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))

    pads = [str(a.pad_lo) if a.pad_lo == a.pad_hi else f"{a.pad_lo}-{a.pad_hi}" for a in layer]
    parts = ["tconv", "conv" if options.view == View.conv else None,
             f"i{part([a.size for a in layer])}", f"k{part([a.kernel for a in layer])}",
             f"s{part([a.stride for a in layer])}", f"p{part(pads)}"]
    if any(a.dilation != 1 for a in layer):
        parts.append(f"d{part([a.dilation for a in layer])}")
    if any(a.output_padding for a in layer):
        parts.append(f"op{part([a.output_padding for a in layer])}")
    if options.view not in (View.gather, View.conv):
        parts.append(options.view.value)
    if options.style != default_style(options.view):
        parts.append(options.style.value)
    if options.frame is not None:
        parts.append(f"f{options.frame}")
    if options.sheet:
        parts.append("sheet")
    return Path("_".join(p for p in parts if p) + f".{options.file_format.value}")


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(
        value)


def _integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class Picture:
    """A layer's frames, to save as GIF, APNG, WebP or PNG, or to show in a notebook:
    `ConvTranspose(kernel_size=3, stride=2, padding=1).scene((3, 3)).save("x.gif")`."""

    scene: object  # scene.Scene (typed loosely: this module stays free of numpy)

    @property
    def frame_count(self) -> int:
        return self.scene.frame_count

    def save(self, path: str | Path, *, style: str | None = None, fps: float | None = None,
             loop: int = 0, cell: int | None = None, labels: bool = True,
             frame: int | None = None, sheet: bool = False, max_frames: int = 1024,
             hold: float = DEFAULT_HOLD, width: int | None = None, animated: bool = False,
             force: bool = False) -> Path:
        """Write the picture (the format from the suffix), atomically; an existing file is
        kept unless `force`. Returns the path. See `PictureOptions` for the options; `style`
        None: the view's own."""
        if not isinstance(path, (str, os.PathLike)):
            raise ParameterError("output", repr(path)[:60], "must be a file name (a str or a "
                                 "Path), e.g. \"layer.gif\"")
        path = Path(path)
        options = PictureOptions(view=self.scene.view, style=style, output=path, fps=fps,
                                 loop=loop, cell=cell, frame=frame, sheet=sheet,
                                 max_frames=max_frames, labels=labels, hold=hold, width=width,
                                 values=self.scene.values, animated=animated)
        self.write(path, options, force=force, forcing="force=True")
        return path

    def write(self, path: Path, options: PictureOptions, *, force: bool = False,
              forcing: str = "--force", progress=None) -> tuple[int, int]:
        """Check the budgets, then write atomically; returns the size in pixels written (the
        page for a sheet, else a frame). `progress(k)` hears of every k frames drawn."""
        from .files import check_writable, write_atomically
        from .render import encode

        options.plan(self.scene.layer)
        cell = options.cell_for(self.scene)  # a width too narrow is refused before writing
        check_writable(path, force, "output", forcing)
        size = ()

        def write(stream) -> None:
            nonlocal size
            size = encode.write(self.scene, stream, options, progress=progress, cell=cell)

        write_atomically(path, write)
        return size

    def encoded(self, **options) -> bytes:
        """The picture's bytes (GIF unless `format=` says otherwise, or a PNG still with
        `frame=`), for a page or a notebook."""
        import io

        from .render import encode

        chosen = PictureOptions(view=self.scene.view, values=self.scene.values, **options)
        stream = io.BytesIO()
        encode.write(self.scene, stream, chosen)
        return stream.getvalue()

    def player(self, **options) -> Player:
        """The interactive HTML player of these frames (`style`, `cell`, `fps`, `loop`,
        `labels`, `frame`: as for `save`); a notebook shows it inline, in a frame of its own:
        `ConvTranspose(3, 2, 1).scene((3, 3), values=True).player()`."""
        return Player(self.encoded(format="html", **options).decode("utf-8"))

    def _repr_html_(self) -> str:
        """In Jupyter: the animation inline, as a GIF in the page (no server needed; the
        interactive player is `player()`)."""
        from base64 import b64encode
        from html import escape

        data = b64encode(self.encoded()).decode("ascii")
        caption = escape(str(self.scene.caption))
        return f'<img src="data:image/gif;base64,{data}" alt="{caption}" title="{caption}">'

    def _repr_png_(self) -> bytes:
        """Where HTML is not shown: the last frame, which holds every step drawn."""
        return self.encoded(frame=self.frame_count)


@dataclass(frozen=True)
class Player:
    """A self-contained HTML page that plays a picture's frames: `html` to write anywhere; in
    a notebook it shows inline, isolated in an iframe (its script and keys stay its own)."""

    html: str

    def _repr_html_(self) -> str:
        from html import escape

        return (f'<iframe srcdoc="{escape(self.html)}" style="border: 0; width: 100%; '
                'height: 640px" sandbox="allow-scripts" title="tconv player"></iframe>')


def picture(layer, view: str = "gather", *, values: bool = False, seed: int = 0,
            max_frames: int = 1024) -> Picture:
    """The picture of a checked layer; `values`: small random integers in the cells. Too many
    frames, or frames too large to draw, are refused before anything is built."""
    from . import scene
    from .numeric import sample_values

    options = PictureOptions(view=view, max_frames=max_frames, values=values)
    options.plan(layer)
    x, w = sample_values(layer, seed) if values else (None, None)
    return Picture(scene.build(layer, options.view.value, x, w))
