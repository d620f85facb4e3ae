"""Terminal drawing with Rich: tables of values, and a scene's frames. Drawing only.

Looks come from `palette`: each role's symbol tells it apart without colour (NO_COLOR, a
printout); the kernel's cells are bracketed. Titles, legend, pending cells, the kernel's
weights and the numbers shown come from the scene. Frames fit the terminal (COLUMNS and LINES,
or its real size): planes side by side or stacked, a window around the kernel when a plane is
larger than the screen, and never a wrapped row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
        raise NoAnswer(
            f"a frame of this layer has {cells:,} cells, more than the "
            f"{MAX_CELLS:,} a terminal frame may show: draw a picture file, or "
            "take a smaller input"
        )


ROLE_CELLS = {  # a value table's cells by role: the symbol (None: the value) and its style
    role: (None if role == Role.INPUT else p.LOOKS[role].symbol, p.LOOKS[role].style)
    for role in (Role.INPUT, Role.INSERTED, Role.PADDING, Role.OUTPUT_PADDING)
}

LEGEND = Text.assemble(
    ("legend: ", "italic"),
    ("input", INPUT),
    "  ",
    *[
        part
        for role, name in (
            (Role.INSERTED, "inserted zero"),
            (Role.PADDING, "padding"),
            (Role.OUTPUT_PADDING, "output_padding"),
        )
        for part in ((p.LOOKS[role].symbol, ZERO), f" {name}  ")
    ],
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
# Everything is fitted to the terminal: blocks side by side when they fit, stacked when not; a
# grid wider than the terminal (or, playing in place, taller) shows a window around the kernel,
# its title saying which rows and columns; no line is ever wrapped.

GAP = 4  # columns between blocks side by side

Cell = tuple[str, str, bool]  # content, style, bracketed


@dataclass(frozen=True)
class Block:
    """A grid of cells to draw under a title; `focus` (rows r0..r1, cols c0..c1, half-open)
    must stay in view when only a window of the grid fits."""

    title: str
    cells: list[list[Cell]]
    width: int  # characters of a cell's content
    focus: tuple[int, int, int, int] = (0, 1, 0, 1)
    title_style: str = "bold"

    @property
    def rows(self) -> int:
        return len(self.cells)

    @property
    def cols(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def full_width(self) -> int:
        return max(len(self.title), self.cols * (self.width + 2))


def _span(length: int, first: int, stop: int, n: int) -> tuple[int, int]:
    """`n` consecutive positions of `length` around the focus `[first, stop)`: centred on it,
    or from its start when it is longer than `n`."""
    if n >= length:
        return 0, length
    start = first if stop - first >= n else first - (n - (stop - first)) // 2
    start = max(0, min(start, length - n))
    return start, start + n


def _title(title: str, notes: list[str], width: int) -> str:
    """The title with the window's notes, shortened to `width` (never wrapped)."""
    # short: the noun alone ("input" of "zero-inserted, padded input")
    note, short = f" ({', '.join(notes)})" if notes else "", title.split()[-1]
    brief = re.sub(r" of (\d+)", r"/\1", note)  # "rows 3–12/20"
    for text in (title + note, short + note, short + brief, title):
        if len(text) <= width:
            return text
    return short[:width]


def window(block: Block, width: int, rows: int | None = None) -> tuple[int, int, int, int]:
    """The rows r0..r1 and columns c0..c1 of `block` shown in `width` characters (with room for
    the ‹ › marks) and `rows` grid rows (None: every row), around the block's focus."""
    cell = block.width + 2
    cols = block.cols if block.cols * cell <= width else max(1, (width - 2) // cell)
    r0, r1, c0, c1 = block.focus
    c0, c1 = _span(block.cols, c0, c1, cols)
    r0, r1 = _span(block.rows, r0, r1, block.rows if rows is None else max(1, rows))
    return r0, r1, c0, c1


def draw(block: Block, width: int, rows: int | None = None) -> list[Text]:
    """A block at most `width` characters wide and `rows` grid rows tall: the title (saying
    which rows and columns a window shows), then the cells, ‹ › marking hidden columns."""
    r0, r1, c0, c1 = window(block, width, rows)
    notes = [
        f"{name} {a + 1}–{b} of {n}"
        for name, a, b, n in (("rows", r0, r1, block.rows), ("cols", c0, c1, block.cols))
        if (a, b) != (0, n)
    ]
    lines = [Text(_title(block.title, notes, width), style=block.title_style)]
    left, right = p.WINDOW_MARKS
    for row in block.cells[r0:r1]:
        line = Text(left if c0 else "", style=p.WINDOW_MARK_STYLE)
        for content, style, bracketed in row[c0:c1]:
            line.append(
                ("[" if bracketed else " ")
                + content.rjust(block.width)
                + ("]" if bracketed else " "),
                style=style,
            )
        if c1 < block.cols:
            line.append(right, style=p.WINDOW_MARK_STYLE)
        lines.append(line)
    return lines


def arrange(blocks: list[Block], width: int, height: int | None = None) -> list[Text]:
    """One or two blocks in at most `width` columns (and `height` lines): side by side when
    that shows as much of each (the smaller share of a block's cells, then whole titles, then
    fewer lines), stacked otherwise; each a window around its focus when it is too large."""
    if len(blocks) == 1:
        return _finish(draw(blocks[0], width, None if height is None else height - 1))
    left, right = blocks
    candidates = []  # (least share of a block shown, whole titles, -lines), beside?, plan

    def add(beside: bool, plan: list[tuple[Block, int, int | None]]) -> None:
        windows = [window(block, w, rows) for block, w, rows in plan]
        shown = min(
            (r1 - r0) * (c1 - c0) / (block.rows * block.cols)
            for (block, _, _), (r0, r1, c0, c1) in zip(plan, windows)
        )
        whole = all(len(block.title) <= w for block, w, _ in plan)
        heights = [r1 - r0 + 1 for r0, r1, _, _ in windows]
        lines = max(heights) if beside else sum(heights) + 1
        candidates.append(((shown, whole, -lines), beside, plan))

    right_width = min(right.full_width(), width)
    left_width = width - GAP - right_width
    if left_width >= min(left.full_width(), 3 * (left.width + 2) + 2):
        rows = None if height is None else height - 1
        add(True, [(left, left_width, rows), (right, right_width, rows)])
    shares = (
        [None, None]
        if height is None
        else _share(height - 3, [b.rows for b in blocks], [b.focus[1] - b.focus[0] for b in blocks])
    )
    add(False, [(left, width, shares[0]), (right, width, shares[1])])
    _, beside, plan = max(candidates, key=lambda candidate: candidate[0])
    first, second = (draw(*part) for part in plan)
    return _finish(_beside(first, second) if beside else first + [Text()] + second)


def _share(avail: int, sizes: list[int], needs: list[int]) -> list[int]:
    """Rows for stacked grids: each its focus first (cut from the first grid's, then the
    last's, when they do not fit), then each spare row to the grid showing the least of its
    rows."""
    if sum(sizes) <= avail:
        return sizes
    got = [min(size, max(need, 1)) for size, need in zip(sizes, needs)]
    for i in range(len(got)):
        got[i] = max(1, got[i] - max(0, sum(got) - avail))
    for _ in range(avail - sum(got)):
        i = min((i for i in range(len(got)) if got[i] < sizes[i]), key=lambda i: got[i] / sizes[i])
        got[i] += 1
    return got


def _beside(left: list[Text], right: list[Text]) -> list[Text]:
    pad = max(t.cell_len for t in left) + GAP
    lines = []
    for i in range(max(len(left), len(right))):
        line = left[i].copy() if i < len(left) else Text()
        line.pad_right(pad - line.cell_len)
        if i < len(right):
            line.append_text(right[i])
        lines.append(line)
    return lines


def _finish(lines: list[Text]) -> list[Text]:
    for line in lines:
        line.rstrip()
        line.no_wrap, line.overflow = True, "crop"
    return lines


def frame_legend(scene, width: int = WIDTH) -> list[Text]:
    """The scene's legend: each entry's symbol and name, in lines at most `width` wide."""
    lines = [Text()]
    for entry in scene.legend:
        look = p.LOOKS[entry.key]
        part = Text.assemble((_symbol(entry.key), look.style), f" {entry.name}")
        if lines[-1].cell_len and lines[-1].cell_len + 2 + part.cell_len > width:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append("  ")
        lines[-1].append_text(part)
    return _finish(lines)


def _symbol(key) -> str:
    look = p.LOOKS[key]
    return f"[{look.symbol}]" if look.bracketed else look.symbol


def _cells(roles, values, bracketed, pending=None) -> list[list[Cell]]:
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


def _focus(cells: np.ndarray) -> tuple[int, int, int, int]:
    """The rows and columns spanned by (n, 2) cells (the first cell when there are none)."""
    if not len(cells):
        return 0, 1, 0, 1
    (r0, c0), (r1, c1) = cells.min(axis=0), cells.max(axis=0)
    return int(r0), int(r1) + 1, int(c0), int(c1) + 1


def plane_blocks(scene, n: int) -> list[Block]:
    """Frame `n`'s planes as blocks: the lower one (if any), then the upper; each keeps the
    kernel's footprint (lower) or the cells being written (upper) in view."""
    frame = scene.frame(n)
    taps = {tuple(int(v) for v in cell) for cell in frame.taps}
    marks = {tuple(int(v) for v in cell) for cell in frame.marks}
    planes = [
        (
            scene.titles[1],
            _cells(scene.upper.roles, frame.upper_numbers, marks, frame.pending),
            _focus(frame.marks),
        )
    ]
    if scene.lower is not None:
        planes.insert(
            0,
            (
                scene.titles[0],
                _cells(scene.lower.roles, frame.lower_numbers, taps),
                _focus(frame.taps),
            ),
        )
    width = max(len(c) for _, cells, _ in planes for row in cells for c, _, _ in row)
    return [Block(title, cells, width, focus) for title, cells, focus in planes]


def frame_view(scene, n: int, width: int = WIDTH, height: int | None = None) -> list[Text]:
    """Frame `n` as lines: its number, then the lower plane beside (or above) the upper one,
    in at most `width` columns and `height` lines (None: as many as it takes)."""
    import textwrap

    from ..scene import sum_text

    counter = Text(f"frame {scene.source(n) + 1}/{scene.all_frames}", style="dim")
    total = [
        Text(line) for line in textwrap.wrap(sum_text(scene, n), width, break_on_hyphens=False)
    ]
    planes = arrange(
        plane_blocks(scene, n), width, None if height is None else max(2, height - 1 - len(total))
    )
    if height is not None:  # the sum's lines as fit under the planes
        total = total[: max(0, height - 1 - len(planes))]
    return _finish([counter]) + planes + _finish(total)


def kernel_panels(scene) -> list[tuple[str, np.ndarray, bool]]:
    """The kernel panels (title, 2-d array of tap texts, used) a frame shows, from the scene's
    kernels: for the gather view W and flip(W), side by side; for the others, W when it has
    values (without, its taps' names say nothing the frame does not)."""
    if scene.view != "gather" and scene.kernel is None:
        return []
    return [(k.name, k.texts, k.used) for k in scene.kernels]


def kernel_view(scene, width: int = WIDTH) -> list[Text]:
    """The kernel panels drawn (see `kernel_panels`): empty when the view has none."""
    panels = kernel_panels(scene)
    if not panels:
        return []
    texts = [
        [[v if isinstance(v, str) else number(v) for v in row] for row in array]
        for _, array, _ in panels
    ]
    size = max(len(t) for rows in texts for row in rows for t in row)
    blocks = [
        Block(
            title,
            [[(t, p.TERMINAL_KERNEL if flipped else "", flipped) for t in row] for row in rows],
            size,
        )
        for (title, _, flipped), rows in zip(panels, texts)
    ]
    return arrange(blocks, width)


def caption_view(scene, width: int = WIDTH, explained: bool = True) -> list[Text]:
    """The scene's caption in lines of at most `width` characters, broken between words, and
    (`explained`) the geometry in words under it."""
    import textwrap

    lines = [
        Text(line, style="bold")
        for line in textwrap.wrap(scene.caption, width, break_on_hyphens=False)
    ] or [Text()]
    if explained:
        lines += explanation_view(scene, width)
    return _finish(lines)


def explanation_view(scene, width: int = WIDTH) -> list[Text]:
    """The scene's geometry in words (`scene.explanation`), in lines of at most `width`."""
    import textwrap

    return _finish(
        [Text(line) for line in textwrap.wrap(scene.explanation, width, break_on_hyphens=False)]
    )


@dataclass(frozen=True)
class Screen:
    """A frame played in place, as tall as the terminal: `above` it the caption (and the kernel,
    if it fits), `below` it the legend (if it fits), `budget` lines for the frame itself, and
    `after` what did not fit, printed once the frames have played."""

    above: list[Text]
    below: list[Text]
    budget: int
    after: list[Text]


def fit_screen(scene, width: int, height: int) -> Screen:
    """What a screen of `width` × `height` holds around the frames: the caption always; the
    legend, then the kernel, when the frame, fitted to the rest, leaves room for them."""
    head, legend = caption_view(scene, width, explained=False), frame_legend(scene, width)
    kernel = explanation_view(scene, width) + kernel_view(scene, width)  # shown if room
    rest = height - len(head)
    room = rest - len(frame_view(scene, 0, width, rest))
    shown = next(
        (parts for parts in ((kernel, legend), ([], legend)) if sum(map(len, parts)) <= room),
        ([], []),
    )
    after = [line for part, drawn in zip((kernel, legend), shown) if not drawn for line in part]
    return Screen(head + shown[0], shown[1], rest - sum(map(len, shown)), after)


def screen(scene, n: int, fitted: Screen, width: int) -> list[Text]:
    """Frame `n` played in place: the frame between what `fitted` puts above and below it."""
    return fitted.above + frame_view(scene, n, width, fitted.budget) + fitted.below


def play(scene, frame: int | None, fps: float) -> None:
    """Frames in the terminal, fitted to its size (COLUMNS and LINES, or the real one): one
    frame; played in place on a TTY, a screen no taller than the terminal; or printed one
    after another."""
    import time

    from rich.console import Console

    console = Console(highlight=False)
    width, height = console.size

    def show(lines: list[Text]) -> None:
        if lines:
            console.print(Group(*lines))

    if console.is_terminal and frame is None and scene.frame_count > 1:
        from rich.live import Live

        fitted = fit_screen(scene, width, height - 1)  # the last line: the cursor
        with Live(
            Group(*screen(scene, 0, fitted, width)),
            console=console,
            auto_refresh=False,
            vertical_overflow="crop",
        ) as live:
            for n in range(scene.frame_count):
                live.update(Group(*screen(scene, n, fitted, width)), refresh=True)
                time.sleep(1 / fps)
        show(fitted.after)
        return
    show(caption_view(scene, width) + kernel_view(scene, width))
    for n in [frame - 1] if frame is not None else range(scene.frame_count):
        if n and frame is None:
            console.print()
        show(frame_view(scene, n, width))
    show(frame_legend(scene, width))


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
        console.print(
            f"The grids are {dims(framed.shape)}: too wide to print here "
            f"({console.width} columns); --json gives every value."
        )
        return
    for table in (
        grid(x, "input", style=INPUT),
        grid(w, "kernel"),
        grid(flipped, "flipped kernel", style=KERNEL),
        grid(framed, f"zero-inserted and padded ({dims(framed.shape)})", roles=grid_roles(layer)),
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
