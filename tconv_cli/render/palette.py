"""The Solarized palette and each role's look, defined once for the raster and the terminal.

A look says how a kind of cell (a scene `Role`, or a `Mark` of the kernel's progress) is told
apart: its fill, edge style, pattern and glyph in pictures, its symbol and style in the
terminal. Symbols, edges, patterns, glyphs and lightness carry the meaning too, so nothing is
told by hue alone (NO_COLOR, a printout, a projector, colour-blind viewers): every pair of
fills that meet differs for protanopes, deuteranopes and tritanopes (tests/test_pictures_teach
checks it with a simulation).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..scene import Mark, Role

# Solarized, as conv_arithmetic draws it; the output's teal is lighter than theirs (#2aa198),
# so that input and output differ in lightness too (they look alike to tritanopes).
BACKGROUND = "#ffffff"
INPUT = "#268bd2"
OUTPUT = "#52bfae"
LINE = "#002b36"
SHADE = "#073642"  # the kernel's taps, at SHADE_ALPHA over the cell
SHADE_ALPHA = 0.4
PENDING_ALPHA = 0.35  # output cells not computed yet: OUTPUT at this opacity over BACKGROUND
OUTPUT_PADDING_TINT = "#cb4b16"  # Solarized orange, at OUTPUT_PADDING_ALPHA over BACKGROUND:
OUTPUT_PADDING_ALPHA = 0.6  # 2.4:1 against white, and dotted
CROPPED = "#e8d9b5"  # sand, hatched
CROPPED_MARK = "#dc322f"  # the terminal's × of a cropped cell
FAINT = "#93a1a1"  # lines and hatching of cropped cells
WHITE_TEXT = "#ffffff"
KERNEL = "#d33682"  # kernel weights in the terminal's tables

# Edge styles of the raster, by priority: an edge shared by two cells takes the stronger one.
NONE, FAINT_DASHED, DASHED, SOLID = range(4)


@dataclass(frozen=True)
class Look:
    """How one kind of cell is drawn: `fill` (a raster fill's name) and `edge` (edge style);
    `symbol` and `style` in the terminal; `bracketed` when the terminal brackets it; `glyph`
    a small text drawn in the cell's middle in pictures when no number is shown there (an
    inserted zero's "0": white and dashed like padding, it is told apart by it)."""

    fill: str
    edge: int
    symbol: str
    style: str
    bracketed: bool = False
    glyph: str | None = None


_ZERO = "dim"
LOOKS: dict[Role | Mark, Look] = {
    Role.INPUT: Look("input", SOLID, "■", f"bold {INPUT}"),
    Role.OUTPUT: Look("output", SOLID, "■", f"bold {OUTPUT}"),
    Role.INSERTED: Look("background", DASHED, "0", _ZERO, glyph="0"),
    Role.PADDING: Look("background", DASHED, "·", _ZERO),
    Role.OUTPUT_PADDING: Look("output_padding", DASHED, "∘", _ZERO),
    Role.CROPPED: Look("cropped", FAINT_DASHED, "×", f"dim {CROPPED_MARK}"),
    Mark.KERNEL: Look("shaded background", SOLID, " ", "", bracketed=True),
    Mark.DONE: Look("output", SOLID, "■", f"bold {OUTPUT}"),
    Mark.NOW: Look("shaded output", SOLID, "■", f"bold {OUTPUT}", bracketed=True),
    Mark.PENDING: Look("pending", SOLID, "□", f"dim {OUTPUT}"),
    Mark.SOURCE: Look("shaded input", SOLID, "■", f"bold {INPUT}", bracketed=True),
}

# Terminal styles of values in tables (explain, compute).
TERMINAL_INPUT = LOOKS[Role.INPUT].style
TERMINAL_OUTPUT = LOOKS[Role.OUTPUT].style
TERMINAL_KERNEL = f"bold {KERNEL}"
TERMINAL_ZERO = _ZERO


def rgb(colour: str | tuple[int, int, int]) -> tuple[int, int, int]:
    """`#rrggbb` as a tuple (a tuple passes through)."""
    if isinstance(colour, tuple):
        return colour
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def mix(top, bottom, alpha: float) -> tuple[int, int, int]:
    """`top` at opacity `alpha` over `bottom`, each channel rounded half up."""
    return tuple(
        int(alpha * t + (1 - alpha) * b + 0.5) for t, b in zip(rgb(top), rgb(bottom))
    )


# Raster fills by name; each also has a "shaded …" twin (under the kernel).
FILLS = {
    "background": rgb(BACKGROUND),
    "input": rgb(INPUT),
    "output": rgb(OUTPUT),
    "pending": mix(OUTPUT, BACKGROUND, PENDING_ALPHA),
    "output_padding": mix(OUTPUT_PADDING_TINT, BACKGROUND, OUTPUT_PADDING_ALPHA),
    "cropped": rgb(CROPPED),
}
# the overlap view's shades, light to dark, by kernel taps per output cell
COUNT_SHADES = [mix(OUTPUT, BACKGROUND, a) for a in (0.08, 0.25, 0.45, 0.65, 0.85)] + [
    mix(SHADE, OUTPUT, 0.25)
]
# Fills drawn with a pattern as well, so that they are told apart without colour: "hatch"
# (diagonal lines, a quarter of a cell apart) or "dots" (a grid of dots as far apart, a third
# of that wide), each in its ink at its opacity.
PATTERNS = {"cropped": "hatch", "output_padding": "dots"}
PATTERN_INKS = {"hatch": (FAINT, 1.0), "dots": (LINE, 0.5)}
HATCHED_FILLS = tuple(name for name, pattern in PATTERNS.items() if pattern == "hatch")
GLYPH_SCALE = 0.75  # a glyph's text size, relative to the numbers'
