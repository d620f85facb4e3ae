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
