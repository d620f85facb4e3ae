"""A sheet: every frame's panel under one header (the title, the geometry in words, the legend
and the kernel panels), for handouts (`sheet_layout`); as A4 pages, each with its own header
and the page's number (`Sheet.pages`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ...scene import Scene
from ..page import (
    A4_ASPECT,
    A4_INCHES,
    PrintedPages,
    print_dpi,
    print_pages,
    printed_points,
    sheet_grid,
)
from .blocks import _block_box, _kernel_row
from .frame import _legend_rows, layout
from .lettering import _wrap, _wrap_words, text_mask
from .parts import Grid, Label, PageLayout, Swatch, planes_extent, sizes_for


@dataclass(frozen=True)
class SheetPage:
    """One A4 page of a sheet: its header (`labels`, `swatches`, `kernels`, the title with
    "page K of N") and the panels of the sheet's frames `frames` (from 0, in order) with
    their top-left corners at `origins`; `rules` as in `Sheet`."""

    size: tuple[int, int]
    frames: range
    origins: list[tuple[int, int]]
    labels: list[Label]
    swatches: list[Swatch]
    rules: list[tuple[int, int, int, int]]
    title: Label | None
    kernels: list[Grid]


@dataclass(frozen=True)
class Sheet:
    """A page of panels, one per frame: `panel` is a frame's layout without caption or legend,
    drawn with its top-left corner at each of `origins` (frame order); `labels` and `swatches`
    are the page's own (the header once, each panel's number), `rules` the rectangles
    (x0, y0, x1, y1) of the lines between panels. `pages`: the same panels on A4 pages
    (`a4=True`), each with the header."""

    size: tuple[int, int]
    panel: PageLayout
    columns: int
    rows: int
    origins: list[tuple[int, int]]
    labels: list[Label]
    swatches: list[Swatch]
    rules: list[tuple[int, int, int, int]]
    title: Label | None  # also in `labels`
    kernels: list[Grid] = field(default_factory=list)  # one per scene.kernels, on the page
    pages: list[SheetPage] = field(default_factory=list)
    printed: PrintedPages | None = None  # the print rule's pages (with `pages`)
    text: int = 0  # the smallest text on a page in px: a cell's numbers, or a label

    def printed_points(self) -> float:
        """The smallest text's size on paper in points, a page printed at A4 width."""
        width = self.pages[0].size[0] if self.pages else self.size[0]
        return printed_points(self.text, width)

    @property
    def frames(self) -> range:
        return range(len(self.origins))


@dataclass(frozen=True)
class _Header:
    """A page's header as `_header` lays it out; `bottom`: the y below it, with its gap."""

    labels: list[Label]
    swatches: list[Swatch]
    kernels: list[Grid]
    title: Label | None
    bottom: float


def _header(
    scene: Scene, cell: int, page, x0: float, y: float, width: float, note: str = ""
) -> _Header:
    """The header from (x0, y), `width` px wide: the title (and `note`, "page 2 of 5"), the
    geometry in words and the legend; the kernel and flip(W) panels at the right of them, or
    under them where that would leave the words less than half the width."""
    kernels: list[Grid] = []
    names: list[Label] = []
    beside, room = False, width
    if scene.kernels:  # the kernel and flip(W), once for every panel
        kernels, names = _kernel_row(scene.kernels, cell, page)
        box = _block_box(kernels + names)
        beside = box[1, 0] - box[0, 0] + 2 * page["gap"] <= width / 2
        if beside:
            room = width - (box[1, 0] - box[0, 0]) - 2 * page["gap"]
    top, texts, swatches = y, [], []
    text = scene.caption + (f"  ·  {note}" if note else "")
    title = Label(_wrap(text, page["label"], room), page["label"], (x0, y), "left")
    texts.append(title)
    y = title.box()[1, 1] + 2 * page["gap"]
    if scene.explanation:  # the geometry in words, under the title
        words = Label(
            _wrap_words(scene.explanation, page["legend"], room), page["legend"], (x0, y), "left"
        )
        texts.append(words)
        y = words.box()[1, 1] + 2 * page["gap"]
    if scene.legend:
        swatches, keys = _legend_rows(scene.legend, x0, y, room, page)
        texts += keys
        boxes = [s.grid.corners() for s in swatches] + [n.box() for n in keys]
        y = max(np.concatenate(boxes)[:, 1]) + 2 * page["gap"]
    if kernels:
        offset = (x0 + width - box[1, 0], top - box[0, 1]) if beside else (x0, y - box[0, 1])
        kernels = [grid.moved(offset) for grid in kernels]
        names = [label.moved(offset) for label in names]
        texts += names
        y = max(y, _block_box(kernels + names)[1, 1] + 2 * page["gap"])
    return _Header(texts, swatches, kernels, title, y)


def sheet_layout(
    scene: Scene,
    style: str,
    cell: int,
    labels: bool,
    *,
    width: int | None = None,
    a4: bool = False,
) -> Sheet:
    """Every frame's panel in the grid `page.sheet_grid` chooses, under one header; each
    panel's frame number ("1" is the first) above its top-left corner. The page's own text is
    sized for the page's width, the panels' plane names for the width of all the grids side
    by side (TEXT_SPAN); a page shorter than A4's shape is padded at the bottom to exactly it.
    `width`: pad the page evenly to that many px.

    `a4`: the panels on A4 pages of a PDF instead (`Sheet.pages`), as the print rule
    (`page.print_pages`) lays them out: rows whole, each page under its header, the panels
    centred; the page's text and the panels' names are sized for the widest page the rule
    allows, the cells' numbers print at 7 pt or more where a panel fits that page. `width`:
    the pages' width in px (the rule's columns for it). The sheet itself is then every
    panel under one header at the pages' width."""
    sheet = _sheet_layout(scene, style, cell, labels, width, a4, plan=False)
    assert isinstance(sheet, Sheet)
    return sheet


def print_plan(
    scene: Scene, style: str, cell: int, labels: bool, width: int | None = None
) -> PrintedPages:
    """The print rule's pages of the scene's PDF (`sheet_layout(..., a4=True).printed`),
    measured without laying out every panel: what a page width picks the cell by."""
    printed = _sheet_layout(scene, style, cell, labels, width, True, plan=True)
    assert isinstance(printed, PrintedPages)
    return printed


def _sheet_layout(
    scene: Scene,
    style: str,
    cell: int,
    labels: bool,
    width: int | None,
    a4: bool,
    plan: bool,
) -> Sheet | PrintedPages:
    """`sheet_layout`, or with `plan` `print_plan`."""
    count = scene.frame_count
    shapes = [(p.shape[0], p.shape[1]) for p in (scene.lower, scene.upper) if p is not None]
    one = planes_extent(shapes, style, cell)[0]  # a panel's grids

    def panel_for(span: float) -> tuple[PageLayout, int, int, int]:
        """A panel whose names are read across `span` px; the space between two panels, a
        rule in its middle, and that rule's width."""
        sizes = sizes_for(cell, span)
        return (
            layout(scene, style, cell, labels, panel=True, span=span),
            2 * sizes["gap"] + sizes["rule"],
            sizes["gap"],
            sizes["rule"],
        )

    def page_sizes(panel: PageLayout, gutter: int, columns: int) -> dict[str, float]:
        return sizes_for(cell, columns * (panel.size[0] + gutter) - gutter)

    numbers = scene.kernel is not None or scene.shades is not None  # numbers in the cells

    def measure(columns: int) -> tuple[int, int, int, int]:
        """For `sheet_grid`: a panel's size with the space around it, its smallest text, and
        the height of the page's header."""
        panel, gutter, _, _ = panel_for(columns * one)
        page = page_sizes(panel, gutter, columns)
        header = 2 * (page["label"] + page["swatch"] + 2 * page["gap"]) if labels else 0
        number_height = text_mask("0123456789", page["number"]).shape[0]
        smallest = sizes_for(cell, columns * one)["value" if numbers else "label"]
        return (
            panel.size[0] + gutter,
            panel.size[1] + number_height + gutter,
            smallest if numbers or labels else 0,
            header,
        )

    printed = None
    if a4:  # the print rule: text sized for the widest page it allows
        text = sizes_for(cell)["value"]
        span = max(width or math.floor(print_dpi(text) * A4_INCHES), one)
        panel, gutter, gap, rule = panel_for(span)
        page = sizes_for(cell, span)
    else:
        columns, rows = sheet_grid(count, measure)
        panel, gutter, gap, rule = panel_for(columns * one)
        page = page_sizes(panel, gutter, columns)
    panel_width, panel_height = panel.size
    margin = page["margin"]
    number_height = text_mask("0123456789", page["number"]).shape[0]
    step_x, step_y = panel_width + gutter, number_height + panel_height + gutter

    def header(note: str = "", across: float | None = None) -> _Header:
        """The header `across` px wide (the grid's width when None)."""
        if not labels:
            return _Header([], [], [], None, margin)
        return _header(scene, cell, page, margin, margin, across or grid_width, note)

    if a4:
        note = f"page {count} of {count}"  # as long as a page's note can be
        printed = print_pages(
            count,
            (step_x, step_y),
            text,
            lambda w: math.ceil(header(note, w - 2 * margin).bottom),
            margin,
            gutter,
            width,
        )
        if plan:
            return printed
        columns = printed.columns
        rows = -(-count // columns)
    grid_width = columns * step_x - gutter
    left = margin  # the panels' left edge
    if printed is not None:  # centred on the pages
        left += (printed.width - 2 * margin - grid_width) // 2

    def panels(frames: range, y: int) -> tuple[list, list, list]:
        """The numbers, origins and rules of `frames` in rows from `y`."""
        texts, origins, rules = [], [], []
        for k in frames:
            row, col = divmod(k - frames.start, columns)
            x, top = left + col * step_x, y + row * step_y
            texts.append(Label(str(scene.source(k) + 1), page["number"], (x + gap, top)))
            origins.append((x, top + number_height))
        shown = -(-len(frames) // columns)
        for col in range(1, min(columns, len(frames))):
            x = left + col * step_x - gap - rule
            rules.append((x, y, x + rule, y + shown * step_y - gutter))
        for row in range(1, shown):
            top = y + row * step_y - gap - rule
            rules.append((left, top, left + grid_width, top + rule))
        return texts, origins, rules

    across = None if printed is None else printed.width - 2 * margin
    whole = header(across=across)
    y = math.ceil(whole.bottom)
    numbered, origins, rules = panels(range(count), y)
    texts = whole.labels + numbered
    if printed is not None:
        page_width, shift = printed.width, 0
    else:
        page_width = math.ceil(
            max(grid_width, *(label.box()[1, 0] - margin for label in texts)) + 2 * margin
        )
        if width is not None and page_width > width:
            raise ValueError(f"a page {page_width} px wide does not fit in {width} px")
        shift = 0 if width is None else (width - page_width) // 2
        page_width = page_width if width is None else width
    a4_height = round(page_width * A4_ASPECT)
    page_height = max(y + rows * step_y - gutter + margin, a4_height)
    sheet = _shifted(
        Sheet(
            (page_width, page_height),
            panel,
            columns,
            rows,
            origins,
            texts,
            whole.swatches,
            rules,
            whole.title,
            whole.kernels,
        ),
        shift,
    )
    # the cells' numbers, marks and tap names (and the kernel panels') are drawn at "value"
    text = min(sizes_for(cell)["value"], *(label.size for label in panel.labels + texts))
    sheet = replace(sheet, text=int(text))
    if printed is None:
        return sheet
    return replace(
        sheet,
        pages=_a4_pages(
            lambda note: header(note, across), panels, count, printed, (step_y, gutter, margin)
        ),
        printed=printed,
    )


def _shifted(page, shift: float):
    """A sheet or page with everything on it moved right by `shift` px (the title too)."""
    if not shift:
        return page
    labels = [label.moved((shift, 0)) for label in page.labels]
    return replace(
        page,
        origins=[(x + shift, top) for x, top in page.origins],
        rules=[(a + shift, b, c + shift, d) for a, b, c, d in page.rules],
        labels=labels,
        swatches=[replace(s, grid=s.grid.moved((shift, 0))) for s in page.swatches],
        kernels=[grid.moved((shift, 0)) for grid in page.kernels],
        title=labels[0] if page.title is not None else None,
    )


def _a4_pages(header, panels, count: int, printed: PrintedPages, steps) -> list[SheetPage]:
    """The panels on the A4 pages `printed` says, whole rows each under its own header (the
    title with "page K of N"): as many rows as fit under it, at most `printed.rows`."""
    step_y, gutter, margin = steps
    size = (printed.width, printed.height)
    total = printed.pages
    for _ in range(8):  # the page count, until the titles' notes agree with it
        pages, start, k = [], 0, 1
        while start < count:
            head = header(f"page {k} of {total}")
            y = math.ceil(head.bottom)
            rows = max(1, min(printed.rows, (size[1] - margin - y + gutter) // step_y))
            frames = range(start, min(count, start + rows * printed.columns))
            numbers, origins, rules = panels(frames, y)
            pages.append(
                SheetPage(
                    size,
                    frames,
                    origins,
                    head.labels + numbers,
                    head.swatches,
                    rules,
                    head.title,
                    head.kernels,
                )
            )
            start, k = frames.stop, k + 1
        if len(pages) == total:
            return pages
        total = len(pages)
    return pages
