"""The Solarized palette and each role's look, defined once for the raster and the terminal.

A look says how a kind of cell (a scene `Role`, or a `Mark` of the kernel's progress) is told
apart: its fill and edge style in pictures, its symbol and style in the terminal. Symbols and
edge styles carry the meaning too, so nothing is told by hue alone (NO_COLOR, a printout).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scene import Mark, Role

# Solarized, as conv_arithmetic draws it.
BACKGROUND = "#ffffff"
INPUT = "#268bd2"
OUTPUT = "#2aa198"
LINE = "#002b36"
SHADE = "#073642"  # the kernel's taps, at SHADE_ALPHA over the cell
SHADE_ALPHA = 0.4
PENDING_ALPHA = 0.35  # output cells not computed yet: OUTPUT at this opacity over BACKGROUND
OUTPUT_PADDING_TINT = "#6c71c4"  # violet, at OUTPUT_PADDING_ALPHA over BACKGROUND
OUTPUT_PADDING_ALPHA = 0.2
CROPPED = "#eee8d5"
CROPPED_MARK = "#dc322f"  # the terminal's × of a cropped cell
FAINT = "#93a1a1"  # lines and hatching of cropped cells
WHITE_TEXT = "#ffffff"
KERNEL = "#d33682"  # kernel weights in the terminal's tables

# Edge styles of the raster, by priority: an edge shared by two cells takes the stronger one.
NONE, FAINT_DASHED, DASHED, SOLID = range(4)


@dataclass(frozen=True)
class Look:
    """How one kind of cell is drawn: `fill` (a raster fill's name) and `edge` (edge style);
    `symbol` and `style` in the terminal; `bracketed` when the terminal brackets it."""

    fill: str
    edge: int
    symbol: str
    style: str
    bracketed: bool = False


_ZERO = "dim"
LOOKS: dict[Role | Mark, Look] = {
    Role.INPUT: Look("input", SOLID, "■", f"bold {INPUT}"),
    Role.OUTPUT: Look("output", SOLID, "■", f"bold {OUTPUT}"),
    Role.INSERTED: Look("background", DASHED, "0", _ZERO),
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
HATCHED_FILLS = ("cropped",)  # fills drawn with faint hatching as well


def edge_styles(states) -> tuple:
    """The style of every edge of a plane in one frame (scene `CellStates`): an edge shared by
    two cells takes the stronger of their looks' styles; the kernel's active cells and its
    footprint `box` are outlined SOLID. Returns (horizontal (rows + 1, cols): the edges above
    each cell and below the last; vertical (rows, cols + 1))."""
    styles = np.pad(EDGE_OF[states.keys], 1)  # NONE around the grid
    h = np.maximum(styles[:-1, 1:-1], styles[1:, 1:-1])
    v = np.maximum(styles[1:-1, :-1], styles[1:-1, 1:])
    rows, cols = np.nonzero(states.active)
    h[rows, cols] = h[rows + 1, cols] = v[rows, cols] = v[rows, cols + 1] = SOLID
    box = states.box
    if box is not None:
        h[[box.row0, box.row1], box.col0 : box.col1] = SOLID
        v[box.row0 : box.row1, [box.col0, box.col1]] = SOLID
    return h, v


def count_shades(numbers):
    """The overlap view's shade of each cell (an index into COUNT_SHADES) by its number."""
    top = max(float(np.nanmax(numbers)), 1.0)
    return np.rint(numbers / top * (len(COUNT_SHADES) - 1)).astype(int)


def _edge_of():
    table = np.zeros(max(LOOKS) + 1, np.int8)
    for key, look in LOOKS.items():
        table[key] = look.edge
    return table


EDGE_OF = _edge_of()  # each LOOKS key's edge style, indexed by the key's value
