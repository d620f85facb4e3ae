"""Text as the pictures draw it: Pillow's default font, each text's ink (`text_mask`, kept as
levels for the raster) and its lines as a vector renderer writes them (`Span`), wrapping at a
width, subscripts and notes beside numbers, and the text inside a cell."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SUBSCRIPT = 0.8  # a subscript's text size, relative to its number's
NOTE = 0.75  # a note's (a second line under a number) text size, relative to the number's
LEVELS = 4  # anti-aliasing levels of text ink


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
    """Ink levels 0…LEVELS of `text` (lines aligned by `align`), cropped to the text's box
    (of `text_shape`)."""
    font = _font(size)
    left, top, _, _ = _ink_box(text, size, align)
    image = Image.new("L", text_shape(text, size, align)[::-1])
    ImageDraw.Draw(image).multiline_text(
        (-left, -top), text.replace(MINUS, "+"), font=font, fill=255, align=align
    )
    if MINUS in text:
        _draw_minuses(image, (-left, -top), text, size, align)
    return ((np.asarray(image, np.uint16) * LEVELS + 127) // 255).astype(np.uint8)


@lru_cache(maxsize=65536)
def text_shape(text: str, size: int, align: str = "center") -> tuple[int, int]:
    """The shape (rows, columns) of `text_mask(text, size, align)`, measured, not drawn."""
    left, top, right, bottom = _ink_box(text, size, align)
    return max(math.ceil(bottom - top), 1), max(math.ceil(right - left), 1)


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


def second_size(size: int, notes: bool = False) -> int:
    """The size of a cell's second text beside (a subscript) or, with `notes`, under (a
    note) a number `size` px high."""
    return max(6, round(size * NOTE)) if notes else max(5, round(size * SUBSCRIPT))


def _subscript_parts(main: str, size: int) -> tuple[int, int, int]:
    """Where `with_subscript` puts a subscript after `main`: its size, top and left."""
    rows, cols = text_shape(main, size)
    return second_size(size), round(rows * 0.55), cols + max(1, size // 8)


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
    out = np.zeros(cell_text_shape(main, sub, size), np.uint8)
    out[: big.shape[0], : big.shape[1]] = big
    out[top : top + small.shape[0], left:] = small
    return out


def _note_parts(main: str, note: str, size: int) -> tuple[int, int, int, int]:
    """Where `with_note` puts a note under `main`: its size, its top, and the left ends of
    `main` and of the note within the text's box."""
    big = text_shape(main, size)
    small_size = second_size(size, notes=True)
    small = text_shape(note, small_size)
    width = max(big[1], small[1])
    top = big[0] + max(1, size // 6)
    return small_size, top, (width - big[1]) // 2, (width - small[1]) // 2


def with_note(main: str, note: str | None, size: int) -> np.ndarray:
    """`main` with `note` centred under it, smaller (a stamp "+6" over "3·2")."""
    big = text_mask(main, size)
    if not note:
        return big
    small_size, top, left, note_left = _note_parts(main, note, size)
    small = text_mask(note, small_size)
    out = np.zeros(cell_text_shape(main, note, size, notes=True), np.uint8)
    out[: big.shape[0], left : left + big.shape[1]] = big
    out[top:, note_left : note_left + small.shape[1]] = small
    return out


def cell_text_shape(
    main: str, second: str | None, size: int, notes: bool = False
) -> tuple[int, int]:
    """The shape (rows, columns) of `cell_text(main, second, size, notes)`, measured, not
    drawn (what fitting a text to its cell needs at each size it tries)."""
    big = text_shape(main, size)
    if (not second) if notes else second is None:  # as `with_note` and `with_subscript`
        return big
    if notes:
        small_size, top, _, _ = _note_parts(main, second, size)
        small = text_shape(second, small_size)
        return top + small[0], max(big[1], small[1])
    small_size, top, left = _subscript_parts(main, size)
    small = text_shape(second, small_size)
    return max(big[0], top + small[0]), left + small[1]


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
