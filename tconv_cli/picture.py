"""Every option of a picture, checked once, and the budgets a picture must stay within.

`PictureOptions` validates each option on construction and raises `ParameterError` with the
option's library name (`fps`, `loop`, `cell`, `frame`, `max_frames`, `output`, …);
`plan(layer)` refuses, before anything is drawn, a picture that has too many frames or would
need more pixels or memory than its budget, saying what it would need and what to change.
Pure Python: nothing heavy is imported until a layer's planes are measured.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class PictureOptions:
    """How to draw a scene: `frame` (1 is the first) draws one still, `sheet` every frame on
    one PNG or SVG page, otherwise an animation at `fps` frames a second played `loop` times
    (0: forever). The format is `format`, or `output`'s suffix, or GIF (PNG for stills/sheets).
    An SVG is a sheet unless `frame` or `animated` says otherwise; an HTML file is a player of
    every frame (opening at `frame`). `style` None is the view's own (`default_style`);
    `values`: the scene shows values (the scatter view then has two frames per element)."""

    view: View = View.gather
    style: Style | None = None
    format: Format | None = None
    output: Path | None = None
    fps: float = 1.0
    loop: int = 0
    cell: int = DEFAULT_CELL
    frame: int | None = None
    sheet: bool = False
    max_frames: int = 1024
    labels: bool = True
    values: bool = False
    animated: bool = False

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
        if not _real(self.fps) or not 1000 / MAX_DELAY_MS <= self.fps <= MAX_FPS:
            raise ParameterError("fps", self.fps, f"must be between {1000 / MAX_DELAY_MS:.3f} "
                                 f"(65.5 s a frame, the most GIF holds) and {MAX_FPS}")
        if not _integer(self.loop) or not 0 <= self.loop <= MAX_LOOP:
            raise ParameterError("loop", self.loop,
                                 f"must be between 0 (forever) and {MAX_LOOP:,} plays")
        if not _integer(self.cell) or not MIN_CELL <= self.cell <= MAX_CELL:
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

    @property
    def delay_ms(self) -> int:
        """Milliseconds a frame, as GIF, APNG and WebP store it."""
        return round(1000 / self.fps)

    def plan(self, layer) -> int:
        """Check this picture of `layer` against its budgets before anything is built; return
        the frame count of the view."""
        from . import scene
        from .render.layout import planes_extent

        count = self.count_frames(layer)
        width, height = planes_extent(scene.plane_shapes(layer, self.view), self.style,
                                      self.cell)
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
                           "seconds: write a .gif or .png (APNG), or use a smaller cell or "
                           "input")
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
            fits = math.floor(self.cell * math.sqrt(MAX_FRAME_PIXELS / (width * height)))
            change = (f"use cell {fits} or less, or a smaller input" if fits >= MIN_CELL
                      else "take a smaller input or kernel")
            raise NoAnswer(f"a frame would be {'at least ' if least else ''}{width:,}×"
                           f"{height:,} px ({width * height / 1e6:,.0f} MP), more than the "
                           f"{MAX_FRAME_PIXELS / 1e6:.1f} MP a frame may have: {change}")

    def check_page(self, width: int, height: int, count: int) -> None:
        """Refuse a sheet of `count` frames of `width × height` over MAX_PAGE_PIXELS."""
        cols, rows = sheet_grid(width, height, count)
        page = (cols * (width + 1)) * (rows * (height + 1))
        if page > MAX_PAGE_PIXELS:
            raise NoAnswer(f"a sheet of {count:,} frames of {width:,}×{height:,} px would be "
                           f"{page / 1e6:,.0f} MP, more than {MAX_PAGE_PIXELS / 1e6:.0f} MP: use "
                           "a smaller cell, a smaller input, or an animation")


def sheet_grid(width: int, height: int, count: int) -> tuple[int, int]:
    """Columns and rows of a sheet of `count` frames, as near square as the frames allow."""
    cols = min(count, max(1, round(math.sqrt(count * height / width))))
    return cols, -(-count // cols)


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

    def save(self, path: str | Path, *, style: str | None = None, fps: float = 1.0,
             loop: int = 0, cell: int = DEFAULT_CELL, labels: bool = True,
             frame: int | None = None, sheet: bool = False, max_frames: int = 1024,
             animated: bool = False, force: bool = False) -> Path:
        """Write the picture (the format from the suffix), atomically; an existing file is
        kept unless `force`. Returns the path. `style` None: the view's own."""
        path = Path(path)
        options = PictureOptions(view=self.scene.view, style=style, output=path, fps=fps,
                                 loop=loop, cell=cell, frame=frame, sheet=sheet,
                                 max_frames=max_frames, labels=labels, values=self.scene.values,
                                 animated=animated)
        self.write(path, options, force=force, forcing="force=True")
        return path

    def write(self, path: Path, options: PictureOptions, *, force: bool = False,
              forcing: str = "--force", progress=None) -> tuple[int, int]:
        """Check the budgets, then write atomically; returns the size in pixels written (the
        page for a sheet, else a frame). `progress(k)` hears of every k frames drawn."""
        from .files import check_writable, write_atomically
        from .render import encode

        options.plan(self.scene.layer)
        check_writable(path, force, "output", forcing)
        size = ()

        def write(stream) -> None:
            nonlocal size
            size = encode.write(self.scene, stream, options, progress=progress)

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
