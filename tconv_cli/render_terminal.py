"""Terminal drawing with Rich: grids of values with the roles of their cells. Drawing only.

Colours follow the pictures' Solarized palette; symbols tell the roles apart without colour
(NO_COLOR, a printout): a padding zero is `·`, an output_padding zero `∘`, an inserted zero a
dim `0`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .scene import Role

INPUT = "bold #268bd2"
OUTPUT = "bold #2aa198"
KERNEL = "bold #d33682"
ZERO = "dim"

ROLE_CELLS = {
    Role.INPUT: (None, INPUT),
    Role.INSERTED: ("0", ZERO),
    Role.PADDING: ("·", ZERO),
    Role.OUTPUT_PADDING: ("∘", ZERO),
}

LEGEND = Text.assemble(
    ("legend: ", "italic"), ("input", INPUT), "  ", ("0", ZERO), " inserted zero  ",
    ("·", ZERO), " padding  ", ("∘", ZERO), " output_padding",
)


def number(value: float) -> str:
    """A value as short as it is exact to six digits: 5.5, not 5.500000000000001."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def grid(
    values: np.ndarray,
    title: str,
    style: str | None = None,
    roles: np.ndarray | None = None,
) -> Group:
    """A 1-d or 2-d array as a table: one row for 1-d; with `roles`, zeros drawn by role."""
    values = np.atleast_2d(values)
    if roles is not None:
        roles = np.atleast_2d(roles)
    table = Table(show_header=False, box=box.SQUARE, padding=(0, 1), expand=False)
    for _ in range(values.shape[1]):
        table.add_column(justify="right")
    for r, row in enumerate(values):
        cells = []
        for c, value in enumerate(row):
            text, cell_style = number(value), style
            if roles is not None:
                symbol, cell_style = ROLE_CELLS[Role(roles[r, c])]
                text = symbol or text
            cells.append(Text(text, style=cell_style or ""))
        table.add_row(*cells)
    return Group(Text(title, style="bold"), table)


def matrix(values: np.ndarray, title: str, rows: Sequence[str], columns: Sequence[str]) -> Group:
    """A matrix with labelled rows and columns; zeros dim so the band of weights stands out."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    table.add_column("")
    for name in columns:
        table.add_column(name, justify="right")
    for name, row in zip(rows, values):
        table.add_row(name, *(Text(number(v), style=ZERO if v == 0 else "") for v in row))
    return Group(Text(title, style="bold"), table)


# ---------------------------------------------------------------------------------------------
# Frames of a scene. A cell is a symbol (or its value) in a fixed width; a cell under the
# kernel's taps, or being written, is bracketed, so roles and the kernel read without colour.

SYMBOLS = {
    Role.INPUT: ("■", INPUT),
    Role.INSERTED: ("0", ZERO),
    Role.PADDING: ("·", ZERO),
    Role.OUTPUT_PADDING: ("∘", ZERO),
    Role.CROPPED: ("×", "dim #dc322f"),
    Role.OUTPUT: ("■", OUTPUT),
}
PENDING = ("□", "dim #2aa198")

NAMES = {
    Role.INPUT: "input", Role.INSERTED: "inserted zero", Role.PADDING: "padding",
    Role.OUTPUT_PADDING: "output_padding", Role.CROPPED: "cropped", Role.OUTPUT: "output",
}

TITLES = {
    "gather": ("input, zero-inserted and padded", "output"),
    "conv": ("input, padded", "output"),
    "scatter": ("input", "output, uncropped"),
    "overlap": ("", "kernel taps per output cell"),
}

# Roles whose cells hold values worth printing; the others (zeros, and cropped cells, which
# must read as cropped without colour) are drawn by their symbol.
VALUED = (Role.INPUT, Role.OUTPUT)


def frame_legend(scene) -> Text:
    """The symbols of the roles this scene has, plus the kernel's brackets."""
    present = set(np.unique(scene.upper.roles))
    if scene.lower is not None:
        present |= set(np.unique(scene.lower.roles))
    parts: list = []
    for role in Role:
        if role in present and role != Role.OUTPUT:  # the output plane has its title
            symbol, style = SYMBOLS[role]
            parts += [(symbol, style), f" {NAMES[role]}  "]
    if scene.view != "overlap":
        parts += [(PENDING[0], PENDING[1]), " to do  [ ] kernel"]
    return Text.assemble(*parts)


def _cells(roles, values, bracketed, done=None) -> list[list[tuple[str, str, bool]]]:
    """(content, style, bracketed) for every cell of a plane."""
    rows = []
    for r in range(roles.shape[0]):
        row = []
        for c in range(roles.shape[1]):
            role = Role(roles[r, c])
            content, style = SYMBOLS[role]
            if done is not None and role == Role.OUTPUT and not done[r, c]:
                content, style = PENDING
            if values is not None and role in VALUED and not np.isnan(values[r, c]):
                content = number(values[r, c])
            row.append((content, style, (r, c) in bracketed))
        rows.append(row)
    return rows


def _plane_lines(cells, width: int) -> list[Text]:
    lines = []
    for row in cells:
        line = Text()
        for content, style, bracketed in row:
            left, right = ("[", "]") if bracketed else (" ", " ")
            line.append(left + content.rjust(width) + right, style=style)
        lines.append(line)
    return lines


def frame_view(scene, n: int) -> list[Text]:
    """Frame `n` as lines of text: the lower plane beside (or above) the upper one."""
    frame = scene.frame(n)
    taps = {tuple(int(v) for v in cell) for cell in frame.taps}
    marks = {tuple(int(v) for v in cell) for cell in frame.marks}
    done = frame.done.copy()
    for cell in marks:
        done[cell] = True
    upper = _cells(scene.upper.roles, frame.upper_values, marks, done)
    lower = []
    if scene.lower is not None:
        lower = _cells(scene.lower.roles, scene.lower.values, taps)
    contents = [c for plane in (upper, lower) for row in plane for c, _, _ in row]
    width = max(len(c) for c in contents)
    titles = TITLES[scene.view]
    blocks = []
    if lower:
        blocks.append([Text(titles[0], style="bold")] + _plane_lines(lower, width))
    blocks.append([Text(titles[1], style="bold")] + _plane_lines(upper, width))
    lines = _beside(blocks) if len(blocks) == 2 and _fits_beside(blocks) else _stacked(blocks)
    for line in lines:
        line.rstrip()
    return lines


WIDTH = 80


def _block_width(block: list[Text]) -> int:
    return max(t.cell_len for t in block)


def _fits_beside(blocks) -> bool:
    return sum(_block_width(b) for b in blocks) + 4 <= WIDTH


def _beside(blocks) -> list[Text]:
    left, right = blocks
    pad = _block_width(left) + 4
    lines = []
    for i in range(max(len(left), len(right))):
        line = left[i].copy() if i < len(left) else Text()
        line.pad_right(pad - line.cell_len)
        if i < len(right):
            line.append_text(right[i])
        lines.append(line)
    return lines


def _stacked(blocks) -> list[Text]:
    lines = []
    for block in blocks:
        if lines:
            lines.append(Text())
        lines.extend(block)
    return lines
