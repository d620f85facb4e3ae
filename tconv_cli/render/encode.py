"""Write a scene's pictures: animated GIF, APNG and WebP, single frames and contact sheets
(SVG and the HTML player are written by `svg` and `html`).

Frames are drawn one at a time (`raster`, which repaints only what changed). GIF, APNG and
WebP are written here as the frames come, so memory stays at one frame whatever the frame
count (a few frames wait for the encoders, two threads beside the drawing one): each frame
is the rectangle that changed, with unchanged pixels transparent (WebP's
frames are lossless stills from Pillow in RIFF chunks of our own: Pillow's animated writer
compares whole frames again, 5× as slow on benchmarks/render.py's D). Measured on
benchmarks/render.py's two GIFs, Pillow's own `save(save_all=True, append_images=…,
disposal=1)` fed the same frames keeps every full frame in memory and stores each changed
rectangle whole: the classic figure takes
0.60 of conv_arithmetic's bytes per pixel (target ≤ 0.5; ours 0.37) and the 1,024-frame one
runs at 15 frames/s with a 3.7 GB peak and 2.1× the bytes (ours: over 200 frames/s, 0.2 GB).
"""

from __future__ import annotations

import contextlib
import io
import queue
import struct
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import numpy as np
from PIL import GifImagePlugin, Image

from ..choices import Format, View
from ..scene import MovingWindows, Scene
from . import layout
from .options import PictureOptions, Timing
from .page import A4_WIDTH_MM
from .palette import FILL
from .raster import FAINT_INK, LEVELS, PALETTE, PER_FILL, TRANSPARENT, RasterFrames, decorate


def write(
    scene: Scene,
    stream: BinaryIO,
    options: PictureOptions,
    progress: Callable[[int], None] | None = None,
    cell: int | None = None,
) -> tuple:
    """Draw the scene as `options` say and write it to the binary `stream`.

    A scene of one frame (the overlap view) is a still. `progress(k)` is called once k frames
    are drawn. Returns the (width, height) in pixels of what was written: the page for a
    sheet, else a frame; for a PDF's A4 pages also what they are (a `page.Handout`).
    `cell`: `options.cell_for(scene)`, when known already.
    """
    options = replace(options, view=scene.view, values=scene.values)
    options.plan(scene.layer)
    cell = cell or options.cell_for(scene)
    report = progress or (lambda k: None)
    fmt = options.file_format
    if fmt.vector:
        from . import html, svg

        return (svg if fmt == Format.svg else html).write(scene, stream, options, cell, report)
    if options.sheet:
        return _write_sheet(scene, stream, options, cell, report)
    if isinstance(scene, MovingWindows) and options.frame is None:
        runs = _moving(scene, options, cell)
        _WRITERS[fmt](runs, stream, options.timing(runs.frame_count), options.loop, report)
        return runs.size
    if options.view.compares:  # a board of panels (tconv_cli.views)
        from .views import BoardPicture

        if options.boards_animated(scene):  # its budgets, from its layout, before it is drawn
            frame_size(scene, options, cell)
        picture = BoardPicture(scene, cell, options.labels, width=options.width)
    else:
        picture = RasterFrames(
            scene, options.style, cell, options.labels, page=layout.page_for(scene, options, cell)
        )
    if options.frame is not None or picture.frame_count == 1:
        _write_still(picture, (options.frame or 1) - 1, stream, fmt, report)
    else:
        runs = Runs(picture.size, picture.frame_count, [(picture, range(picture.frame_count))])
        _WRITERS[fmt](runs, stream, options.timing(picture.frame_count), options.loop, report)
    return picture.size


def frame_size(scene: Scene, options: PictureOptions, cell: int) -> tuple[int, int]:
    """The size in px of the frames `write` draws of an animated `scene`, laid out and not
    drawn: a board's (`views.board_layout`), else the pages' (`layout.pages_for`); refused
    (NoAnswer) as `write` would refuse it, when over a frame's budget."""
    if View(scene.view).compares:
        from .views import board_layout

        def extent(cell: int) -> tuple[int, int]:  # unpadded: at `width`, padded to it
            return board_layout(scene, cell, options.labels).size

        size = board_layout(scene, cell, options.labels, options.width).size
        options.check_frame_size(*size)
        if options.file_format is Format.webp and options.frame is None:
            options.check_board_webp(scene.frame_count, size, extent)
        return size
    size = layout.pages_for(scene, options, cell)[0].size
    options.check_frame_size(*size)
    return size


@dataclass(frozen=True)
class Runs:
    """An animation's frames as consecutive runs on canvases of one `size`: `pictures` yields
    each run as a picture (a RasterFrames, or a board's) and the frames it shows, in turn: one
    run, or a moving window's (`scene.MovingWindows`)."""

    size: tuple[int, int]
    frame_count: int
    pictures: Iterable[tuple[Any, range]]


# a moving window's pictures kept to come back to (a row of a 127-wide output: 5 places)
KEPT_WINDOWS = 6


def _moving(scene: MovingWindows, options: PictureOptions, cell: int) -> Runs:
    """A moving window's runs on pages of one size (`layout.pages_for`); each place's picture
    made when a run first needs it and kept for the runs that come back."""
    pages = layout.pages_for(scene, options, cell)
    size = pages[0].size

    def pictures() -> Iterator[tuple[RasterFrames, range]]:
        kept: dict[int, RasterFrames] = {}  # the latest used last
        like = None  # every place's planes lie where the first's do: its pixel tables serve
        for place, start, stop in scene.runs:
            picture = kept.pop(place, None) or RasterFrames(
                scene.places[place],
                options.style,
                cell,
                options.labels,
                page=pages[place],
                like=like,
            )
            like = like or picture
            kept[place] = picture
            if len(kept) > KEPT_WINDOWS:
                del kept[next(iter(kept))]
            yield picture, range(start, stop)

    return Runs(size, scene.frame_count, pictures())


def _painted(runs: Runs) -> Iterator[tuple[np.ndarray | None, np.ndarray]]:
    """Each frame as (flat indices, their values) of the pixels it painted, or (None, the
    whole canvas) for the first frame and a run's first (another page: every pixel is
    compared); the values are copies, the canvas goes on to the next frame."""
    for picture, frames in runs.pictures:
        for k, n in enumerate(frames):
            painted = picture.show(n)
            if k == 0:
                yield None, picture.canvas.copy()
            else:
                yield painted, picture.canvas.reshape(-1)[painted]


class _Rectangles:
    """What `_painted` gives, frame after frame, as (x, y, pixels): the first frame whole,
    then the rectangle around the pixels that changed, the others in it TRANSPARENT (a run's
    first frame too: its page is compared with the last frame shown, kept here)."""

    def __init__(self, size: tuple[int, int]):
        self.width = size[0]
        self.shown: np.ndarray | None = None

    def next(self, painted: np.ndarray | None, values: np.ndarray) -> tuple[int, int, np.ndarray]:
        if self.shown is None:
            self.shown = values.copy()
            return 0, 0, values
        shown = self.shown.reshape(-1)
        if painted is None:  # the whole canvas
            painted = np.flatnonzero(values.reshape(-1) != shown)
            values = values.reshape(-1)[painted]
        changed = values != shown[painted]
        painted, values = painted[changed], values[changed]
        if not painted.size:
            return 0, 0, np.full((1, 1), TRANSPARENT, np.uint8)
        shown[painted] = values
        ys, xs = np.divmod(painted, self.width)
        x0, y0 = int(xs.min()), int(ys.min())
        width = int(xs.max()) - x0 + 1
        region = np.full((int(ys.max()) - y0 + 1, width), TRANSPARENT, np.uint8)
        ys -= y0  # each pixel's flat index in the region, in place (a 2-d index is slower)
        ys *= width
        ys += xs
        ys -= x0
        region.reshape(-1)[ys] = values
        return x0, y0, region


def _encoded(
    runs: Runs,
    encode: Callable[[int, tuple[int, int, np.ndarray]], bytes],
    report,
) -> Iterator[bytes]:
    """`encode(k, (x, y, pixels))` of each frame's changed rectangle (`_Rectangles`), in
    order: the drawing and the rectangles stay on this thread, the encoding goes to
    `_in_order`'s (many small NumPy steps there would wait for the GIL at every step: a
    third of the time, measured)."""
    rectangles = _Rectangles(runs.size)
    return _in_order(encode, (rectangles.next(*painted) for painted in _painted(runs)), report)


def _in_order(encode: Callable[[int, Any], bytes], frames, report) -> Iterator[bytes]:
    """`encode(k, frame)` of each of `frames` (k from 1), in order, on ENCODERS threads while
    the next frames are drawn: Pillow's and zlib's encoders release the GIL, so the drawing
    and the encoding share the machine's cores. At most DEPTH frames wait; `report(k)` once
    frame k is encoded."""
    waiting: deque = deque()
    written = 0

    def oldest() -> bytes:
        nonlocal written
        data = waiting.popleft().result()
        written += 1
        report(written)
        return data

    with ThreadPoolExecutor(max_workers=ENCODERS, thread_name_prefix="tconv-encode") as pool:
        for k, frame in enumerate(frames, 1):
            waiting.append(pool.submit(encode, k, frame))
            if len(waiting) >= DEPTH:
                yield oldest()
        while waiting:
            yield oldest()


DEPTH = 4  # frames drawn ahead of the encoders
ENCODERS = 2  # threads encoding frames (each frame alone), beside the one drawing them


def _durations(runs: Runs, timing: Timing) -> list[int]:
    """Milliseconds each frame shows: the last holds."""
    return [timing.delay_ms] * (runs.frame_count - 1) + [timing.last_ms]


# Pillow's own step of `getdata` (10.1 to 13 at least), which can write into a real file
WRITE_FRAME = getattr(GifImagePlugin, "_write_frame_data", None)
GIF_FRAME = {"disposal": 1, "transparency": TRANSPARENT}  # each frame over the last, keyed


def _write_gif(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """GIF by hand around Pillow's LZW (`GifImagePlugin._write_frame_data`, what its legacy
    `getdata` writes, the same since Pillow 10.1): its `save_all` misses both targets (see
    the module's note)."""
    width, height = runs.size
    stream.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + PALETTE)
    if loop != 1:  # GIF counts the plays after the first; without the block it plays once
        repeats = 0 if loop == 0 else loop - 1
        stream.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", repeats) + b"\0")
    durations = _durations(runs, timing)
    # Pillow's LZW keeps the GIL when it encodes to bytes (`getdata`) and lets it go when it
    # writes to a file: each frame goes through one of these, the drawing runs meanwhile
    scratches: queue.SimpleQueue = queue.SimpleQueue()

    def encode(k: int, frame: tuple[int, int, np.ndarray]) -> bytes:
        x, y, region = frame
        scratch = scratches.get()
        try:
            scratch.seek(0)
            scratch.truncate()
            image, params = Image.fromarray(region), GIF_FRAME | {"duration": durations[k - 1]}
            if WRITE_FRAME is None:  # a Pillow without it: bytes, the GIL kept
                return b"".join(GifImagePlugin.getdata(image, (x, y), **params))
            WRITE_FRAME(scratch, image, (x, y), params)  # what `getdata` writes, into the file
            scratch.flush()
            scratch.seek(0)
            return scratch.read()
        finally:
            scratches.put(scratch)

    with contextlib.ExitStack() as files:
        for _ in range(ENCODERS):
            scratches.put(files.enter_context(tempfile.TemporaryFile()))
        stream.writelines(_encoded(runs, encode, report))
    stream.write(b";")


def _write_apng(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """APNG chunks by hand (zlib for the pixels): Pillow's APNG writer holds every full frame
    in memory and compares whole frames, as its GIF writer does."""

    def chunk(kind: bytes, data: bytes) -> None:
        stream.write(_png_chunk(kind, data))

    width, height = runs.size
    stream.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    chunk(b"acTL", struct.pack(">II", runs.frame_count, loop))
    chunk(b"PLTE", PALETTE)
    chunk(b"tRNS", b"\xff" * TRANSPARENT + b"\0")
    durations = _durations(runs, timing)

    def encode(k: int, frame: tuple[int, int, np.ndarray]) -> bytes:
        x, y, region = frame
        rows, cols = region.shape
        sequence = 0 if k == 1 else 2 * k - 3  # fcTL, IDAT; then fcTL, fdAT for each frame
        blend = int(k > 1)  # the first frame replaces, the others go over (transparency)
        control = struct.pack(
            ">IIIIIHHBB", sequence, cols, rows, x, y, durations[k - 1], 1000, 0, blend
        )
        # filter 0 rows; level 6, zlib's default: level 9 took 8× as long for 14 % fewer bytes
        data = zlib.compress(np.pad(region, ((0, 0), (1, 0))).tobytes(), 6)
        if k == 1:
            return _png_chunk(b"fcTL", control) + _png_chunk(b"IDAT", data)
        return _png_chunk(b"fcTL", control) + _png_chunk(
            b"fdAT", struct.pack(">I", sequence + 1) + data
        )

    stream.writelines(_encoded(runs, encode, report))
    chunk(b"IEND", b"")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# each palette entry as RGBA, TRANSPARENT see-through (WebP frames are RGBA)
_RGBA = np.concatenate(
    [np.frombuffer(PALETTE, np.uint8).reshape(256, 3), np.full((256, 1), 255, np.uint8)], axis=1
)
_RGBA[TRANSPARENT, 3] = 0
_RGBA_WORDS = _RGBA.view(np.uint32).ravel()  # each entry's four bytes as one: a faster lookup


def _write_webp(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """An animated WebP by hand (RIFF chunks: VP8X, ANIM, then one ANMF a frame), each frame
    the rectangle that changed (`_Rectangles`), encoded losslessly by Pillow as a still and blended
    over the last: Pillow's animated writer takes whole frames and compares them all again,
    some 5× as slow."""
    width, height = runs.size
    durations = _durations(runs, timing)

    def encode(k: int, frame: tuple[int, int, np.ndarray]) -> bytes:
        x, y, region = frame
        if x % 2 or y % 2:  # WebP places frames at even offsets: widen by a transparent edge
            region = np.pad(region, ((y % 2, 0), (x % 2, 0)), constant_values=TRANSPARENT)
            x, y = x - x % 2, y - y % 2
        still = io.BytesIO()
        rows, cols = region.shape
        rgba = _RGBA_WORDS[region].view(np.uint8).reshape(rows, cols, 4)
        Image.fromarray(rgba, "RGBA").save(
            still, "WEBP", lossless=True, quality=0, method=0, exact=True
        )
        header = (
            _u24(x // 2)
            + _u24(y // 2)
            + _u24(cols - 1)
            + _u24(rows - 1)
            + _u24(min(durations[k - 1], 2**24 - 1))
            + bytes([0 if k > 1 else 2])
        )
        return _chunk(b"ANMF", header + _image_chunks(still.getvalue()))

    frames = list(_encoded(runs, encode, report))
    head = _chunk(b"VP8X", bytes([0x12, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))
    head += _chunk(b"ANIM", bytes(4) + struct.pack("<H", loop))
    body = b"WEBP" + head + b"".join(frames)
    stream.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def _u24(value: int) -> bytes:
    return struct.pack("<I", value)[:3]


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A RIFF chunk: its kind, size and data, padded to an even length."""
    return kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)


def _image_chunks(webp: bytes) -> bytes:
    """The image chunks (VP8L, or ALPH and VP8) of a still WebP file, for an ANMF chunk."""
    chunks, at = [], 12
    while at < len(webp):
        kind, size = webp[at : at + 4], struct.unpack("<I", webp[at + 4 : at + 8])[0]
        if kind in (b"VP8L", b"VP8 ", b"ALPH"):
            chunks.append(webp[at : at + 8 + size + size % 2])
        at += 8 + size + size % 2
    return b"".join(chunks)


def _write_still(picture: RasterFrames, n: int, stream: BinaryIO, fmt: Format, report) -> None:
    picture.show(n)
    image = picture.image()
    if fmt == Format.webp:
        image.convert("RGB").save(stream, "WEBP", lossless=True)
    else:
        image.save(stream, fmt.value.upper(), optimize=True)
    report(1)


def _write_sheet(
    scene: Scene, stream: BinaryIO, options: PictureOptions, cell: int, report
) -> tuple:
    """Every frame on one PNG page (`layout.sheet_layout`: the header once, each panel
    numbered, faint rules between panels), or on A4 pages of a PDF (`_write_pdf`, laid out
    by the print rule `page.print_pages`); returns the page's size (and for a PDF what its
    pages are, a `page.Handout`)."""
    pdf = options.file_format == Format.pdf
    sheet = layout.sheet_layout(
        scene, options.style, cell, options.labels, width=options.width, a4=pdf
    )
    picture = RasterFrames(scene, options.style, cell, options.labels, page=sheet.panel)
    if not pdf:  # (a PDF's budget: `plan`, on the planes' size)
        options.check_page(*picture.size, picture.frame_count, scene.layer)
    pages = _sheet_pages(scene, picture, sheet.pages if pdf else [sheet], cell, report)
    if pdf:
        width, height, _ = _write_pdf(pages, stream, scene.caption)
        return width, height, sheet.handout(cell)
    image = Image.frombytes("P", sheet.size, next(pages).tobytes())
    image.putpalette(PALETTE)
    image.save(stream, "PNG", optimize=True)
    return image.size


def _sheet_pages(scene: Scene, picture: RasterFrames, pages, cell: int, report):
    """Each page's pixels in turn (palette indices): its header, kernel panels and rules,
    and its frames' panels, drawn in frame order."""
    width, height = picture.size
    frames = picture.frames()
    separator = FILL["background"] * PER_FILL + FAINT_INK + LEVELS - 1
    sizes = layout.sizes_for(cell)
    for sheet in pages:
        page = np.zeros(sheet.size[::-1], np.uint8)  # the background
        decorate(page, sheet.labels, sheet.swatches, cell)
        if sheet.kernels:  # the kernel panels, drawn as the frames' are, on the page
            drawn, picture.canvas = picture.canvas, page
            for grid, kernel in zip(sheet.kernels, scene.kernels):
                picture._draw_kernel(grid, kernel, sizes["line"], sizes["value"])
            picture.canvas = drawn
        for x0, y0, x1, y1 in sheet.rules:
            page[y0:y1, x0:x1] = separator
        for k, (x, y) in zip(sheet.frames, sheet.origins):
            next(frames)
            page[y : y + height, x : x + width] = picture.canvas
            report(k + 1)
        yield page


def _write_pdf(pages, stream: BinaryIO, title: str) -> tuple[int, int, int]:
    """A4 pages (210 mm wide), each one palette image compressed with Flate, written as they
    come; returns a page's size in px and the number of pages.

    Pillow's PDF writer (13.0) stores a palette image as ASCIIHex, two bytes a pixel, and an
    RGB one as JPEG: 1.5 MB an A4 page at 220 dpi, with JPEG's ringing around every line
    and letter. Flate keeps the pixels exact at some 1/50 of that. A page is drawn, written
    and dropped, and offsets are counted here, so nothing is read back from the stream."""
    written, offsets = 0, {}

    def put(data: bytes, number: int | None = None) -> None:
        nonlocal written
        if number is not None:
            offsets[number] = written
        stream.write(data)
        written += len(data)

    def obj(number: int, body: bytes, data: bytes | None = None) -> None:
        if data is None:
            put(b"%d 0 obj\n%s\nendobj\n" % (number, body), number)
        else:
            put(b"%d 0 obj\n<< %s /Length %d >>\nstream\n" % (number, body, len(data)), number)
            put(data + b"\nendstream\nendobj\n")

    put(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    palette = b"[/Indexed /DeviceRGB 255 <%s>]" % PALETTE.hex().encode()
    kids, size = [], (0, 0)
    for k, page in enumerate(pages):
        size = page.shape[::-1]
        first = 4 + 3 * k  # the page, its contents and its image
        points = (A4_POINTS, size[1] * A4_POINTS / size[0])
        obj(
            first + 2,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent 8 /Filter /FlateDecode" % (*size, palette),
            zlib.compress(page.tobytes(), 6),
        )
        obj(first + 1, b"", b"q %.3f 0 0 %.3f 0 0 cm /Page Do Q" % points)
        obj(
            first,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] "
            b"/Resources << /XObject << /Page %d 0 R >> >> /Contents %d 0 R >>"
            % (*points, first + 2, first + 1),
        )
        kids.append(b"%d 0 R" % first)
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids)))
    info = ("\ufeff" + title).encode("utf-16-be").hex().encode()
    obj(3, b"<< /Title <%s> /Producer (tconv) >>" % info)
    start, count = written, 4 + 3 * len(kids)
    table = b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, count))
    put(b"xref\n0 %d\n0000000000 65535 f \n%s" % (count, table))
    trailer = b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\n" % count
    put(trailer + b"startxref\n%d\n%%%%EOF\n" % start)
    return size[0], size[1], len(kids)


A4_POINTS = A4_WIDTH_MM / 25.4 * 72  # a page's width in PDF's units

_WRITERS = {Format.gif: _write_gif, Format.png: _write_apng, Format.webp: _write_webp}
