"""Terminal drawing with Rich: tables of values, and a scene's frames. Drawing only.

Looks come from `palette`: each role's symbol tells it apart without colour (NO_COLOR, a
printout); the kernel's cells are bracketed. Titles, legend, pending cells and the numbers
shown come from the scene.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..scene import Mark, Role
from . import palette as p
from .palette import TERMINAL_INPUT as INPUT
from .palette import TERMINAL_KERNEL as KERNEL  # noqa: F401 - for explain
from .palette import TERMINAL_OUTPUT as OUTPUT  # noqa: F401 - for compute, explain
from .palette import TERMINAL_ZERO as ZERO

WIDTH = 80
MAX_CELLS = 40_000  # cells of a frame's planes: some 70 µs each to lay out and print


def check_size(layer, view: str) -> None:
    """Refuse, before the scene is built, a frame too large to read or print in a terminal."""
    from ..errors import NoAnswer
    from ..scene import plane_shapes

    cells = sum(rows * cols for rows, cols in filter(None, plane_shapes(layer, view)))
    if cells > MAX_CELLS:
        raise NoAnswer(f"a frame of this layer has {cells:,} cells, more than the "
                       f"{MAX_CELLS:,} a terminal frame may show: draw a picture file, or "
                       "take a smaller input")

ROLE_CELLS = {  # a value table's cells by role: the symbol (None: the value) and its style
    role: (None if role == Role.INPUT else p.LOOKS[role].symbol, p.LOOKS[role].style)
    for role in (Role.INPUT, Role.INSERTED, Role.PADDING, Role.OUTPUT_PADDING)
}

LEGEND = Text.assemble(
    ("legend: ", "italic"), ("input", INPUT), "  ",
    *[part for role, name in ((Role.INSERTED, "inserted zero"), (Role.PADDING, "padding"),
                              (Role.OUTPUT_PADDING, "output_padding"))
      for part in ((p.LOOKS[role].symbol, ZERO), f" {name}  ")],
)
LEGEND.rstrip()


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


def _symbol(key) -> str:
    look = p.LOOKS[key]
    return f"[{look.symbol}]" if look.bracketed else look.symbol


def frame_legend(scene) -> list[Text]:
    """The scene's legend: each entry's symbol and name, in lines at most WIDTH wide."""
    lines = [Text()]
    for entry in scene.legend:
        look = p.LOOKS[entry.key]
        part = Text.assemble((_symbol(entry.key), look.style), f" {entry.name}")
        if lines[-1].cell_len and lines[-1].cell_len + 2 + part.cell_len > WIDTH:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append("  ")
        lines[-1].append_text(part)
    return lines


def _cells(roles, values, bracketed, pending=None) -> list[list[tuple[str, str, bool]]]:
    """(content, style, bracketed) for every cell of a plane."""
    rows = []
    for r in range(roles.shape[0]):
        row = []
        for c in range(roles.shape[1]):
            look = p.LOOKS[Role(roles[r, c])]
            content, style = look.symbol, look.style
            if pending is not None and pending[r, c]:
                content, style = p.LOOKS[Mark.PENDING].symbol, p.LOOKS[Mark.PENDING].style
            if values is not None and not np.isnan(values[r, c]):
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
    upper = _cells(scene.upper.roles, frame.upper_numbers, marks, frame.pending)
    lower = []
    if scene.lower is not None:
        lower = _cells(scene.lower.roles, frame.lower_numbers, taps)
    contents = [c for plane in (upper, lower) for row in plane for c, _, _ in row]
    width = max(len(c) for c in contents)
    titles = scene.titles
    blocks = []
    if lower:
        blocks.append([Text(titles[0], style="bold")] + _plane_lines(lower, width))
    blocks.append([Text(titles[1], style="bold")] + _plane_lines(upper, width))
    lines = _beside(blocks) if len(blocks) == 2 and _fits_beside(blocks) else _stacked(blocks)
    for line in lines:
        line.rstrip()
    return lines


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


def play(scene, frame: int | None, fps: float) -> None:
    """Frames in the terminal: one, played in place on a TTY, or printed one after another."""
    import time

    from rich.console import Console, Group
    from rich.text import Text

    console = Console(highlight=False)
    console.print(scene.caption, style="bold", markup=False)
    if scene.kernel is not None:
        drawn_as = "flipped " if scene.view == "gather" else ""
        rows = ["[" + " ".join(number(v) for v in row) + "]" for row in scene.kernel]
        console.print(f"{drawn_as}kernel: " + " ".join(rows), markup=False)

    def drawn(n: int) -> Group:
        title = Text(f"frame {n + 1}/{scene.frame_count}", style="dim")
        return Group(title, *frame_view(scene, n))

    if frame is not None:
        console.print(drawn(frame - 1))
    elif console.is_terminal and scene.frame_count > 1:
        from rich.live import Live

        with Live(drawn(0), console=console, auto_refresh=False) as live:
            for n in range(scene.frame_count):
                live.update(drawn(n), refresh=True)
                time.sleep(1 / fps)
    else:
        for n in range(scene.frame_count):
            if n:
                console.print()
            console.print(drawn(n))
    for line in frame_legend(scene):
        console.print(line)


def print_explain(title: list[str], layer, values, c) -> None:
    """explain's report: the steps, and with values their grids (cli.explain.Grids) and the
    matrices C and Cᵀ; grids too wide for the terminal are said to be so."""
    from rich.console import Console

    from .text import dims, explain_steps

    console = Console(highlight=False)
    console.print("\n".join(title), style="bold", markup=False)
    console.print()
    console.print("\n".join(explain_steps(layer)), soft_wrap=True, markup=False)
    if values is None:
        return
    from ..scene import grid_roles

    x, w, flipped, framed, y = values
    console.print()
    widest = max(len(number(v)) for v in (*framed.ravel(), *y.ravel())) + 3
    if framed.shape[-1] * widest + 1 > console.width:
        console.print(f"The grids are {dims(framed.shape)}: too wide to print here "
                      f"({console.width} columns); --json gives every value.")
        return
    for table in (
        grid(x, "input", style=INPUT),
        grid(w, "kernel"),
        grid(flipped, "flipped kernel", style=KERNEL),
        grid(framed, f"zero-inserted and padded ({dims(framed.shape)})",
             roles=grid_roles(layer)),
    ):
        console.print(table)
    console.print(LEGEND)
    console.print(grid(y, f"output ({dims(y.shape)})", style=OUTPUT))
    if c is not None:
        names_in = [f"x{n}" for n in range(c.shape[0])]
        names_out = [f"y{n}" for n in range(c.shape[1])]
        console.print(matrix(c, "C: the direct convolution, x = C y", names_in, names_out))
        console.print(matrix(c.T, "Cᵀ: this layer, y = Cᵀ x", names_out, names_in))
        if len(layer) > 1:
            console.print("(positions flattened row by row)", style="dim")
