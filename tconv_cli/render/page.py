"""The page a picture is drawn on: cell sizes, the pixels a frame or a sheet may have, and how
a sheet's panels go on A4 paper. Pure Python, shared by the options (budgets) and `layout`
(drawing), so neither needs the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable

DEFAULT_CELL = 28
MIN_CELL, MAX_CELL = 12, 200
MAX_FRAME_PIXELS = 2**25  # one frame: its drawing tables take some 20 bytes a pixel
MAX_PAGE_PIXELS = 10**8  # a sheet of every frame on one page
A4_ASPECT = math.sqrt(2)  # height / width of A4 (and near enough Letter's 1.29) in portrait
A4_WIDTH_MM = 210
MAX_SHEET_COLUMNS = 5
MIN_PRINTED_TEXT_MM = 1.8  # a sheet's smallest text printed at A4 width: some 5 pt, fine print


def sheet_grid_of(count: int, width: int, height: int) -> tuple[int, int]:
    """`sheet_grid` for panels of one size, without text or header (budgets, before drawing)."""
    return sheet_grid(count, lambda cols: (width, height, 0, 0))


def sheet_grid(count: int, panel: Callable[[int], tuple[int, int, int, int]]) -> tuple[int, int]:
    """Columns and rows of a sheet of `count` panels, for print. `panel(columns)` measures a
    panel when there are `columns` of them (its text is sized for the page): its width and
    height in px with the space around it, its smallest text in px (0: none) and the height of
    the page's header.

    The rule: the fewest columns whose page fits one A4 page in portrait at A4 width (height
    ≤ √2 × width; Letter's 1.29 prints it a little smaller), since fewer columns are larger
    panels; but at most MAX_SHEET_COLUMNS (5), and no more than keep the panels' smallest text
    (the numbers in cells, or the planes' names) at least MIN_PRINTED_TEXT_MM (1.8 mm, some
    5 pt) printed at A4 width. A page that cannot fit one A4 page runs over several. The
    page's own title, legend and panel numbers are 1/64 of its width or more
    (`render.layout.TEXT_SPAN`): 3.3 mm, some 9 pt, at A4 width.
    """
    legible = []
    for cols in range(1, max(1, min(count, MAX_SHEET_COLUMNS)) + 1):
        width, height, text, header = panel(cols)
        if cols > 1 and text and cols * width * MIN_PRINTED_TEXT_MM > A4_WIDTH_MM * text:
            continue
        rows = -(-count // cols)
        if rows * height + header <= A4_ASPECT * cols * width:
            return cols, rows
        legible.append(cols)
    return legible[-1], -(-count // legible[-1])


def a4_print(width: int, height: int) -> tuple[int, int]:
    """A page of `width × height` px printed at A4 width: its resolution in dots per inch and
    the number of A4 pages it takes."""
    dpi = width / (A4_WIDTH_MM / 25.4)
    return round(dpi), max(1, math.ceil(height / (width * A4_ASPECT) - 1e-3))
