"""Write a scene's pictures: animated GIF, APNG and WebP, single frames and contact sheets
(SVG and the HTML player are written by `svg` and `html`).

Frames are drawn one at a time (`raster`, which repaints only what changed). GIF, APNG and
WebP are written here as the frames come, so memory stays at one frame whatever the frame
count: each frame is the rectangle that changed, with unchanged pixels transparent (WebP's
frames are lossless stills from Pillow in RIFF chunks of our own: Pillow's animated writer
compares whole frames again, 5× as slow on benchmarks/render.py's D). Measured on
benchmarks/render.py's two GIFs, Pillow's own `save(save_all=True, append_images=…,
disposal=1)` fed the same frames keeps every full frame in memory and stores each changed
rectangle whole: the classic figure takes
0.60 of conv_arithmetic's bytes per pixel (target ≤ 0.5; ours 0.37) and the 1,024-frame one
runs at 15 frames/s with a 3.7 GB peak and 2.1× the bytes (ours: over 200 frames/s, 0.2 GB).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import numpy as np
from PIL import GifImagePlugin, Image

from ..choices import Format
from ..scene import MovingWindows, Scene
from . import layout
from .options import PictureOptions, Timing
from .palette import FILL
from .raster import FAINT_INK, LEVELS, PALETTE, PER_FILL, TRANSPARENT, RasterFrames, decorate


def write(
    scene: Scene,
    stream: BinaryIO,
    options: PictureOptions,
    progress: Callable[[int], None] | None = None,
    cell: int | None = None,
) -> tuple[int, int]:
    """Draw the scene as `options` say and write it to the binary `stream`.

    A scene of one frame (the overlap view) is a still. `progress(k)` is called once k frames
    are drawn. Returns the (width, height) in pixels of what was written: the page for a
    sheet, else a frame. `cell`: `options.cell_for(scene)`, when known already.
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
    """A moving window's runs on pages of one size: each place laid out as `options` say,
    then those smaller than the largest laid out again, padded to its width and height; each
    place's picture made when a run first needs it and kept for the runs that come back."""
    pages = [layout.page_for(place, options, cell) for place in scene.places]
    size = max(page.size[0] for page in pages), max(page.size[1] for page in pages)
    pages = [
        page
        if page.size == size
        else layout.layout(
            place,
            options.style,
            cell,
            options.labels,
            width=size[0],
            height=size[1],
            aside=options.fit is not None,
        )
        for place, page in zip(scene.places, pages)
    ]

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


def _deltas(runs: Runs) -> Iterator[tuple[int, int, np.ndarray]]:
    """Each frame as (x, y, pixels): the first whole, then the rectangle around the pixels
    that changed, the others in it TRANSPARENT (a run's first frame too: its page is compared
    with the last frame shown)."""
    shown = None
    width = runs.size[0]
    for picture, frames in runs.pictures:
        for k, n in enumerate(frames):
            painted = picture.show(n)
            if shown is None:
                shown = picture.canvas.copy()
                yield 0, 0, shown
                continue
            if k == 0:  # a new run: its page, every pixel compared
                painted = np.flatnonzero(picture.canvas.reshape(-1) != shown.reshape(-1))
            yield _delta(picture.canvas, shown, painted, width)


def _delta(canvas: np.ndarray, shown: np.ndarray, painted: np.ndarray, width: int):
    """(x, y, pixels): the rectangle around the `painted` pixels of `canvas` that differ from
    `shown`, the others in it TRANSPARENT; `shown` is brought up to `canvas`."""
    values = canvas.reshape(-1)[painted]
    changed = values != shown.reshape(-1)[painted]
    painted, values = painted[changed], values[changed]
    if not painted.size:
        return 0, 0, np.full((1, 1), TRANSPARENT, np.uint8)
    shown.reshape(-1)[painted] = values
    ys, xs = np.divmod(painted, width)
    x0, y0 = xs.min(), ys.min()
    region = np.full((ys.max() - y0 + 1, xs.max() - x0 + 1), TRANSPARENT, np.uint8)
    region[ys - y0, xs - x0] = values
    return int(x0), int(y0), region


def _durations(runs: Runs, timing: Timing) -> list[int]:
    """Milliseconds each frame shows: the last holds."""
    return [timing.delay_ms] * (runs.frame_count - 1) + [timing.last_ms]


def _write_gif(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """GIF by hand around Pillow's LZW (`GifImagePlugin.getdata`, a module-level function
    Pillow keeps for this use): its `save_all` misses both targets (see the module's note)."""
    width, height = runs.size
    stream.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + PALETTE)
    if loop != 1:  # GIF counts the plays after the first; without the block it plays once
        repeats = 0 if loop == 0 else loop - 1
        stream.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", repeats) + b"\0")
    durations = _durations(runs, timing)
    for k, (x, y, region) in enumerate(_deltas(runs), 1):
        stream.writelines(
            GifImagePlugin.getdata(
                Image.fromarray(region),
                (x, y),
                duration=durations[k - 1],
                disposal=1,
                transparency=TRANSPARENT,
            )
        )
        report(k)
    stream.write(b";")


def _write_apng(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """APNG chunks by hand (zlib for the pixels): Pillow's APNG writer holds every full frame
    in memory and compares whole frames, as its GIF writer does."""

    def chunk(kind: bytes, data: bytes) -> None:
        stream.write(
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    width, height = runs.size
    stream.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    chunk(b"acTL", struct.pack(">II", runs.frame_count, loop))
    chunk(b"PLTE", PALETTE)
    chunk(b"tRNS", b"\xff" * TRANSPARENT + b"\0")
    sequence = 0
    durations = _durations(runs, timing)
    for k, (x, y, region) in enumerate(_deltas(runs), 1):
        rows, cols = region.shape
        blend = int(k > 1)  # the first frame replaces, the others go over (transparency)
        chunk(
            b"fcTL",
            struct.pack(">IIIIIHHBB", sequence, cols, rows, x, y, durations[k - 1], 1000, 0, blend),
        )
        # filter 0 rows; level 6, zlib's default: level 9 took 8× as long for 14 % fewer bytes
        data = zlib.compress(np.pad(region, ((0, 0), (1, 0))).tobytes(), 6)
        if k == 1:
            chunk(b"IDAT", data)
            sequence += 1
        else:
            chunk(b"fdAT", struct.pack(">I", sequence + 1) + data)
            sequence += 2
        report(k)
    chunk(b"IEND", b"")


# each palette entry as RGBA, TRANSPARENT see-through (WebP frames are RGBA)
_RGBA = np.concatenate(
    [np.frombuffer(PALETTE, np.uint8).reshape(256, 3), np.full((256, 1), 255, np.uint8)], axis=1
)
_RGBA[TRANSPARENT, 3] = 0
_RGBA_WORDS = _RGBA.view(np.uint32).ravel()  # each entry's four bytes as one: a faster lookup


def _write_webp(runs: Runs, stream: BinaryIO, timing: Timing, loop: int, report) -> None:
    """An animated WebP by hand (RIFF chunks: VP8X, ANIM, then one ANMF a frame), each frame
    the rectangle that changed (`_deltas`), encoded losslessly by Pillow as a still and blended
    over the last: Pillow's animated writer takes whole frames and compares them all again,
    some 5× as slow."""
    width, height = runs.size
    durations = _durations(runs, timing)
    frames = []
    for k, (x, y, region) in enumerate(_deltas(runs), 1):
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
        frames.append(_chunk(b"ANMF", header + _image_chunks(still.getvalue())))
        report(k)
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
) -> tuple[int, int]:
    """Every frame on one PNG page (`layout.sheet_layout`: the caption and legend once, each
    panel numbered, faint rules between panels); returns the page's size."""
    sheet = layout.sheet_layout(scene, options.style, cell, options.labels, width=options.width)
    picture = RasterFrames(scene, options.style, cell, options.labels, page=sheet.panel)
    width, height = picture.size
    options.check_page(width, height, picture.frame_count)
    page = np.zeros(sheet.size[::-1], np.uint8)
    decorate(page, sheet.labels, sheet.swatches, cell)
    if sheet.kernels:  # the kernel panels, drawn as the frames' are, on the page
        drawn, picture.canvas = picture.canvas, page
        sizes = layout.sizes_for(cell)
        for grid, kernel in zip(sheet.kernels, scene.kernels):
            picture._draw_kernel(grid, kernel, sizes["line"], sizes["value"])
        picture.canvas = drawn
    separator = FILL["background"] * PER_FILL + FAINT_INK + LEVELS - 1
    for x0, y0, x1, y1 in sheet.rules:
        page[y0:y1, x0:x1] = separator
    for k, _ in enumerate(picture.frames(), 1):
        x, y = sheet.origins[k - 1]
        page[y : y + height, x : x + width] = picture.canvas
        report(k)
    if options.file_format == Format.pdf:
        return _write_pdf(page, sheet, stream)
    image = Image.frombytes("P", sheet.size, page.tobytes())
    image.putpalette(PALETTE)
    image.save(stream, "PNG", optimize=True)
    return image.size


def _write_pdf(page: np.ndarray, sheet: layout.Sheet, stream: BinaryIO) -> tuple[int, int, int]:
    """The sheet cut into A4 pages between rows of panels (Pillow's PDF writer, each page
    210 mm wide); returns a page's size in px and the number of pages."""
    width, height = sheet.size[0], sheet.page_height
    margin = sheet.origins[0][0] if sheet.origins else 0
    images = []
    for k, (top, bottom) in enumerate(sheet.pages()):
        part = np.zeros((height, width), np.uint8)  # the background
        shown = page[top:bottom][: height - (margin if k else 0)]
        part[(margin if k else 0) :][: len(shown)] = shown
        image = Image.frombytes("P", (width, height), part.tobytes())
        image.putpalette(PALETTE)
        images.append(image.convert("RGB"))
    dpi = width / (210 / 25.4)
    # Pillow stores RGB pages as JPEG: at 4:4:4 and quality 92 text and thin lines stay sharp
    images[0].save(
        stream,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=dpi,
        quality=92,
        subsampling=0,
    )
    return width, images[0].size[1], len(images)


_WRITERS = {Format.gif: _write_gif, Format.png: _write_apng, Format.webp: _write_webp}
