"""The page a picture is drawn on: cell sizes, the pixels a frame or a sheet may have, and how
a sheet's panels go on A4 paper. Pure Python, shared by the options (budgets) and `layout`
(drawing), so neither needs the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

DEFAULT_CELL = 28
MIN_CELL, MAX_CELL = 12, 200
MAX_FRAME_PIXELS = 2**25  # one frame: its drawing tables take some 20 bytes a pixel
MAX_PAGE_PIXELS = 10**8  # a sheet of every frame on one page
A4_ASPECT = math.sqrt(2)  # height / width of A4 (and near enough Letter's 1.29) in portrait
A4_WIDTH_MM = 210
MAX_SHEET_COLUMNS = 5
MIN_PRINTED_TEXT_MM = 1.8  # a sheet's smallest text printed at A4 width: some 5 pt, fine print
A4_INCHES = A4_WIDTH_MM / 25.4
MIN_PRINT_DPI, MAX_PRINT_DPI = 150, 300  # a PDF page's resolution: sharp lines, no waste
MIN_PRINTED_PT = 7.0  # a PDF page's smallest text on paper (an em, 1/72 inch a point)
# the least text in px that prints at MIN_PRINTED_PT on a page of MIN_PRINT_DPI (14.6 px)
PRINT_TEXT_FLOOR = MIN_PRINT_DPI * MIN_PRINTED_PT / 72


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
    return a4_dpi(width), max(1, math.ceil(height / (width * A4_ASPECT) - 1e-3))


def a4_dpi(width: int) -> int:
    """The resolution of a page `width` px wide printed at A4 width, in dots per inch."""
    return round(width / A4_INCHES)


def printed_points(text: float, width: int) -> float:
    """The size in points on paper of text `text` px high on a page `width` px wide printed
    at A4 width."""
    return text / (width / A4_INCHES) * 72


@dataclass(frozen=True)
class PrintedPages:
    """A PDF's pages as the print rule (`print_pages`) lays them out: `columns` panels
    side by side, at most `rows` rows of them a page, `pages` pages `width` px wide;
    `widened`: a panel (or one row under the header) is larger than a page on which the
    text prints at MIN_PRINTED_PT, at any resolution: the page is widened to hold it, and
    the text prints smaller, whatever the cell."""

    columns: int
    rows: int
    pages: int
    width: int
    widened: bool = False

    @property
    def height(self) -> int:
        return round(self.width * A4_ASPECT)

    @property
    def dpi(self) -> int:
        return a4_dpi(self.width)


def print_pages(
    count: int,
    step: tuple[int, int],
    text: float,
    header: Callable[[int], float] = lambda width: 0,
    margin: int = 0,
    gutter: int = 0,
    width: int | None = None,
) -> PrintedPages:
    """The print rule: how `count` panels go on A4 pages of a PDF, each panel `step` px
    (width, height) apart, `gutter` px of that between panels, `margin` px around the page,
    under a header `header(width)` px high; `text`: the smallest text's height in px that
    does not grow with the page (of the cells' texts as drawn: numbers, subscripts, second
    lines, marks).

    A page is printed at the resolution at which `text` is MIN_PRINTED_PT (7 pt) on paper,
    within MIN_PRINT_DPI and MAX_PRINT_DPI (150 to 300 dpi; text that grows with the page
    is 1/64 of its width or more, some 9 pt): the widest page that rule allows, which holds
    the most panels, gives the fewest pages; of the page widths that hold one more column
    (from 150 dpi up) the narrowest with as few pages is taken, so the panels print as large
    as that page count allows. A panel wider than that page (or a row taller, under its
    header) widens the page to hold one: then its text prints as large as A4 allows. `width`:
    the page's width in px, given (the resolution asked for)."""
    step_x, step_y = step
    heights: dict[int, float] = {}

    def above(page: int) -> float:  # the header's height at a page width, measured once
        if page not in heights:
            heights[page] = header(page)
        return heights[page]

    def laid_out(page: int) -> PrintedPages:
        columns = max(1, min(count, (page - 2 * margin + gutter) // step_x))
        room = round(page * A4_ASPECT) - above(page) - margin + gutter
        rows = max(1, min(int(room // step_y), -(-count // columns)))
        return PrintedPages(columns, rows, -(-count // (columns * rows)), page)

    least = step_x - gutter + 2 * margin  # one panel across
    for _ in range(4):  # and one row under the header
        tall = math.ceil((above(least) + step_y - gutter + margin) / A4_ASPECT)
        if tall <= least:
            break
        least = tall
    # a page that holds one panel and prints `text` at MIN_PRINTED_PT, at any resolution
    widened = least > math.floor(text * 72 / MIN_PRINTED_PT * A4_INCHES)
    if width is not None:
        return replace(laid_out(max(width, least)), widened=widened)
    narrowest = max(least, math.ceil(MIN_PRINT_DPI * A4_INCHES))
    widest = max(narrowest, math.floor(print_dpi(text) * A4_INCHES))
    widths = {widest, narrowest} | {
        w
        for w in (c * step_x - gutter + 2 * margin for c in range(1, count + 1))
        if narrowest < w < widest
    }
    fewest = min((laid_out(w) for w in sorted(widths)), key=lambda p: (p.pages, p.width))
    return replace(fewest, widened=widened)


def print_dpi(text: float) -> float:
    """The resolution at which text `text` px high prints at MIN_PRINTED_PT, within
    MIN_PRINT_DPI and MAX_PRINT_DPI."""
    return min(MAX_PRINT_DPI, max(MIN_PRINT_DPI, text * 72 / MIN_PRINTED_PT))


@dataclass(frozen=True)
class Handout:
    """A PDF handout as written, for what the command says: `pages` A4 pages of `size` px
    (`dpi` at A4 width) holding at most `most` frames each, drawn at `cell`; its smallest
    text, `smallest` (what it is, e.g. "the cells' subscripts"), prints at `points` pt;
    `widened`: as `PrintedPages.widened` (a frame larger than an A4 page at 7 pt)."""

    pages: int
    most: int
    size: tuple[int, int]
    dpi: int
    points: float
    smallest: str
    widened: bool
    cell: int

    @property
    def legible(self) -> bool:
        """Whether every text on the pages prints at MIN_PRINTED_PT or more."""
        return self.points >= MIN_PRINTED_PT - 1e-9
