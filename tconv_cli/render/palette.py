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

import numpy as np

from ..scene import SHADES, CellStates, Mark, Role, Shade

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
LOOKS: dict[Role | Mark | Shade, Look] = {
    Role.INPUT: Look("input", SOLID, "■", f"bold {INPUT}"),
    Role.OUTPUT: Look("output", SOLID, "●", f"bold {OUTPUT}"),
    Role.INSERTED: Look("background", DASHED, "0", _ZERO, glyph="0"),
    Role.PADDING: Look("background", DASHED, "·", _ZERO),
    Role.OUTPUT_PADDING: Look("output_padding", DASHED, "∘", _ZERO),
    Role.CROPPED: Look("cropped", FAINT_DASHED, "×", f"dim {CROPPED_MARK}"),
    Mark.KERNEL: Look("shaded background", SOLID, " ", "", bracketed=True),
    Mark.DONE: Look("output", SOLID, "●", f"bold {OUTPUT}"),
    Mark.NOW: Look("shaded output", SOLID, "●", f"bold {OUTPUT}", bracketed=True),
    Mark.PENDING: Look("pending", SOLID, "○", f"dim {OUTPUT}"),
    Mark.SOURCE: Look("shaded input", SOLID, "■", f"bold {INPUT}", bracketed=True),
    # a cropped cell of the scatter view once written: its sums add up until the crop,
    # outlined and readable (the raster keeps its hatching away from the text)
    Mark.CROPPED_WRITTEN: Look("cropped", DASHED, "×", f"{CROPPED_MARK}"),
}

# Terminal: input is a square, written output a disc (■ ●, ASCII # *), output to do a circle
# (○, ASCII _); cells hidden beyond a window's edge are marked ‹ › (ASCII < >).
WINDOW_MARKS = ("‹", "›")
WINDOW_MARK_STYLE = "dim"

# The overlap heatmap's ramp, fewest to most (Shade levels 0…SHADES−1): one hue, teal to
# dark slate through the output's teal, in even steps of CIE lightness L* (95, 80, 66, 51,
# 36, 22: about 15 apart), so neighbouring steps stay apart in grayscale and for every kind
# of colour blindness. The scene spreads the values it shows over the ramp.
SHADE_RAMP = ("#e1f5f2", "#9dd2cc", "#52afa6", "#228784", "#165f64", "#083a45")
assert len(SHADE_RAMP) == SHADES
LOOKS.update(
    {
        Shade.at(level): Look(f"shade {level}", SOLID, "■", f"bold {colour}")
        for level, colour in enumerate(SHADE_RAMP)
    }
)

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
    return tuple(int(alpha * t + (1 - alpha) * b + 0.5) for t, b in zip(rgb(top), rgb(bottom)))


# Raster fills by name; each also has a "shaded …" twin (under the kernel).
FILLS = {
    "background": rgb(BACKGROUND),
    "input": rgb(INPUT),
    "output": rgb(OUTPUT),
    "pending": mix(OUTPUT, BACKGROUND, PENDING_ALPHA),
    "output_padding": mix(OUTPUT_PADDING_TINT, BACKGROUND, OUTPUT_PADDING_ALPHA),
    "cropped": rgb(CROPPED),
}
# the overlap heatmap's ramp (fills "shade 0" … "shade 5")
COUNT_SHADES = [rgb(colour) for colour in SHADE_RAMP]
# Fills drawn with a pattern as well, so that they are told apart without colour: "hatch"
# (diagonal lines, a quarter of a cell apart) or "dots" (a grid of dots as far apart, a third
# of that wide), each in its ink at its opacity.
PATTERNS = {"cropped": "hatch", "output_padding": "dots"}
PATTERN_INKS = {"hatch": (FAINT, 1.0), "dots": (LINE, 0.5)}
HATCHED_FILLS = tuple(name for name, pattern in PATTERNS.items() if pattern == "hatch")
GLYPH_SCALE = 1.0  # a glyph's text size, relative to the numbers'


def edge_styles(states) -> tuple:
    """The style of every edge of a plane in one frame (scene `CellStates`): an edge shared by
    two cells takes the stronger of their looks' styles; the kernel's active cells and its
    footprint `box` are outlined SOLID. Returns (horizontal (rows + 1, cols): the edges above
    each cell and below the last; vertical (rows, cols + 1))."""
    styles = EDGE_OF[states.keys]  # an outer edge takes its one cell's style
    rows, cols = styles.shape
    h = np.empty((rows + 1, cols), styles.dtype)
    h[0], h[rows] = styles[0], styles[-1]
    np.maximum(styles[:-1], styles[1:], out=h[1:rows])
    v = np.empty((rows, cols + 1), styles.dtype)
    v[:, 0], v[:, cols] = styles[:, 0], styles[:, -1]
    np.maximum(styles[:, :-1], styles[:, 1:], out=v[:, 1:cols])
    active = states.active
    h[:-1][active] = h[1:][active] = v[:, :-1][active] = v[:, 1:][active] = SOLID
    box = states.box
    if box is not None:
        h[[box.row0, box.row1], box.col0 : box.col1] = SOLID
        v[box.row0 : box.row1, [box.col0, box.col1]] = SOLID
    return h, v


def _edge_of():
    table = np.zeros(max(LOOKS) + 1, np.int8)
    for key, look in LOOKS.items():
        table[key] = look.edge
    return table


EDGE_OF = _edge_of()  # each LOOKS key's edge style, indexed by the key's value


# ---------------------------------------------------------------------------------------------
# Fills as indices: the tables the raster, the SVG and the HTML player share.

FILL_COLOURS = (
    list(FILLS.values())
    + [mix(SHADE, colour, SHADE_ALPHA) for colour in FILLS.values()]
    + COUNT_SHADES
)
FILL = {name: i for i, name in enumerate(FILLS)}
FILL.update({f"shaded {name}": i + len(FILLS) for i, name in enumerate(FILLS)})
COUNT_FILLS = np.arange(len(COUNT_SHADES)) + 2 * len(FILLS)
FILL.update({f"shade {level}": int(fill) for level, fill in enumerate(COUNT_FILLS)})

# the fill a cell takes under the kernel, for each fill (count shades are never shaded)
SHADED = np.arange(len(FILL_COLOURS))
SHADED[: len(FILLS)] += len(FILLS)
HATCHED = np.isin(
    np.arange(len(FILL_COLOURS)),
    [FILL[f"{shade}{name}"] for name in HATCHED_FILLS for shade in ("", "shaded ")],
)
KEY_FILL = np.zeros(max(LOOKS) + 1, np.int64)  # each LOOKS key's fill, by the key's value
for _key, _look in LOOKS.items():
    KEY_FILL[_key] = FILL[_look.fill]
PATTERN_BITS = {"hatch": 1, "dots": 2}  # the patterns each pixel lies on (`_Pixels.hatch`)
PATTERN = np.zeros(len(FILL_COLOURS), np.uint8)  # the pattern of each fill, shaded or not
for _name, _pattern in PATTERNS.items():
    PATTERN[[FILL[_name], FILL[f"shaded {_name}"]]] = PATTERN_BITS[_pattern]
ROLE_GLYPH = np.array([LOOKS[role].glyph or "" for role in Role], dtype=object)


def _luminance(colour: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in colour]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_ink(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Dark or white text, whichever contrasts more with `fill`."""
    y = _luminance(fill)
    dark = (y + 0.05) / (_luminance(rgb(LINE)) + 0.05)
    return rgb(LINE) if dark >= 1.05 / (y + 0.05) else rgb(WHITE_TEXT)


@dataclass
class PlaneState:
    """What one plane shows in one frame: per cell a fill, a text and a second text ("":
    none; None: no texts at all; `notes`: the second goes under the first, else it is a
    subscript); per edge a style."""

    fills: np.ndarray
    h_styles: np.ndarray  # (rows + 1, cols): the edges above each cell and below the last
    v_styles: np.ndarray  # (rows, cols + 1)
    texts: np.ndarray | None = None
    seconds: np.ndarray | None = None
    notes: bool = False


def plane_state(states: CellStates) -> PlaneState:
    """The fills (indices into FILL_COLOURS), edge styles and texts that show the scene's
    `states` of a plane: the raster draws them, and so do the SVG and the HTML player."""
    fills = KEY_FILL[states.keys]
    fills[states.active] = SHADED[fills[states.active]]
    h, v = edge_styles(states)
    return PlaneState(fills, h, v, states.texts, states.seconds, states.notes)
