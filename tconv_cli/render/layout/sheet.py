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
    MAX_CELL,
    MIN_PRINT_DPI,
    PRINT_TEXT_FLOOR,
    Handout,
    PrintedPages,
    print_dpi,
    print_pages,
    printed_points,
    sheet_grid,
)
from .blocks import _block_box, _kernel_row, kernel_text
from .frame import _legend_rows, layout
from .lettering import _wrap, _wrap_words, text_mask
from .marks import fit_cell_text, fitted_sizes
from .parts import Grid, Label, PageLayout, Swatch, cell_steps, planes_extent, sizes_for

# what a sheet's smallest text is (`Sheet.smallest`): the wrote line and --json say it
CELL_TEXT = "the cells' text"  # a number, a tap's name, a glyph
SUBSCRIPTS = "the cells' subscripts"  # a weight or a tap's name beside a number
SECOND_LINES = "the cells' second lines"  # under a number: a stamp's "3·2", a sum's "5+6"
KERNEL_TEXT = "the kernel panels' text"
LABELS = "the labels"  # titles, plane names, sums, legend, frame numbers


@dataclass(frozen=True)
class SmallestText:
    """The smallest text of a kind, `size` px as drawn, and what it is (`CELL_TEXT`, …)."""

    size: int
    what: str


_SCENE_TEXTS: dict[int, tuple[Scene, frozenset]] = {}  # the last few scenes' (`_cell_texts`)


def _cell_texts(scene: Scene) -> frozenset[tuple[str, str | None, bool]]:
    """Every text that any frame shows in the planes' cells, once: (text, its subscript or
    note or None, whether a note)."""
    kept = _SCENE_TEXTS.get(id(scene))
    if kept is not None and kept[0] is scene:
        return kept[1]
    texts = set()
    for frame in scene:
        for state in scene.states(frame).values():
            texts.update((main, second, state.notes) for _, _, main, second in state.labels())
    if len(_SCENE_TEXTS) >= 4:
        _SCENE_TEXTS.clear()
    _SCENE_TEXTS[id(scene)] = (scene, frozenset(texts))
    return _SCENE_TEXTS[id(scene)][1]


def cells_smallest(scene: Scene, style: str, cell: int) -> SmallestText:
    """The smallest text the planes' cells show in any frame as drawn at `cell`: a number
    with a subscript is fitted to its cell (`fit_cell_text`), so it, and its subscript
    (SUBSCRIPT of it) or note, may be smaller than the numbers' size; that size when
    nothing is smaller (a glyph, a number alone)."""
    sizes = sizes_for(cell)
    grid = Grid(1, 1, (0.0, 0.0), *cell_steps(style, cell))
    found = {(int(sizes["value"]), CELL_TEXT)}
    for main, second, notes in _cell_texts(scene):
        size, small = fitted_sizes(grid, main, second, sizes["value"], sizes["line"], notes)
        found.add((size, CELL_TEXT))
        if small is not None:
            found.add((small, SECOND_LINES if notes else SUBSCRIPTS))
    return SmallestText(*min(found))  # of two kinds as small, the first in the alphabet


def print_cell(scene: Scene, style: str, cell: int, floor: float = PRINT_TEXT_FLOOR) -> int:
    """The smallest cell from `cell` up (to MAX_CELL) whose every text in the planes' cells
    is drawn `floor` px or more. At PRINT_TEXT_FLOOR the print rule prints that text at
    MIN_PRINTED_PT on pages of MIN_PRINT_DPI or finer (a PDF's cell when none is asked
    for); a page's width asks for the floor that prints so at that width."""
    while cell < MAX_CELL and cells_smallest(scene, style, cell).size < floor:
        cell += 1
    return cell


def _kernels_smallest(kernels: list[Grid], scene: Scene, cell: int) -> SmallestText | None:
    """The smallest text of the kernel panels `kernels` (one per `scene.kernels`) as drawn."""
    sizes, found = sizes_for(cell), None
    for grid, kernel in zip(kernels, scene.kernels):
        size = kernel_text(grid, sizes["value"])
        for text in set(kernel.texts.ravel().tolist()):
            fitted = fit_cell_text(grid, text, None, size, sizes["line"])[1]
            if found is None or fitted < found.size:
                found = SmallestText(fitted, KERNEL_TEXT)
    return found


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
    text: int = 0  # the smallest text on a page in px, as drawn (`smallest` says which)
    smallest: str = CELL_TEXT

    def printed_points(self) -> float:
        """The smallest text's size on paper in points, a page printed at A4 width."""
        width = self.pages[0].size[0] if self.pages else self.size[0]
        return printed_points(self.text, width)

    def handout(self, cell: int) -> Handout:
        """What the A4 pages (`a4=True`) are, for what the command says."""
        assert self.printed is not None
        return Handout(
            len(self.pages),
            max(len(page.frames) for page in self.pages),
            self.pages[0].size,
            self.printed.dpi,
            self.printed_points(),
            self.smallest,
            self.printed.widened,
            cell,
        )

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
    allows for the smallest text in the cells (`cells_smallest`: subscripts and second lines
    as drawn), which prints at 7 pt or more if it is PRINT_TEXT_FLOOR px or more (at the
    cell `print_cell` picks) and a panel fits that page (else `printed.widened`). `width`:
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

    panels_laid: dict[tuple, PageLayout] = {}  # by the sizes a span gives

    def panel_for(span: float) -> tuple[PageLayout, int, int, int]:
        """A panel whose names are read across `span` px; the space between two panels, a
        rule in its middle, and that rule's width."""
        sizes = sizes_for(cell, span)
        key = tuple(sizes.items())
        if key not in panels_laid:
            panels_laid[key] = layout(scene, style, cell, labels, panel=True, span=span)
        return panels_laid[key], 2 * sizes["gap"] + sizes["rule"], sizes["gap"], sizes["rule"]

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
    if a4:  # the print rule, the page's text and the panels' names sized for its width
        text = cells_smallest(scene, style, cell).size
        note = f"page {count} of {count}"  # as long as a page's note can be

        def printed_at(span: int, page: int | None = None) -> tuple[PrintedPages, int]:
            """The print rule's pages, their text sized for pages `span` px wide (`page`:
            the pages' width, given), and that span."""
            panel, gutter, _, _ = panel_for(span)
            sizes = sizes_for(cell, span)
            margin = sizes["margin"]
            number = text_mask("0123456789", sizes["number"]).shape[0]

            def above(w: int) -> int:
                if not labels:
                    return margin
                bottom = _header(scene, cell, sizes, margin, margin, w - 2 * margin, note).bottom
                return math.ceil(bottom)

            steps = (panel.size[0] + gutter, number + panel.size[1] + gutter)
            return print_pages(count, steps, text, above, margin, gutter, page), span

        def printed_on(page: int) -> tuple[PrintedPages, int]:
            """`printed_at` pages `page` px wide, or as much wider as holds a panel, their
            text sized for their width."""
            printed, span = printed_at(max(page, one), page)
            for _ in range(3):  # a page widened to hold a panel: its text sized again
                if printed.width == span:
                    break
                printed, span = printed_at(printed.width, page)
            return printed, span

        if width is not None:
            printed, span = printed_on(width)
        else:  # the rule for the widest page's text, and the narrowest page with its own;
            # each chosen width laid out again with its own (no larger: no more pages)
            widest = max(math.floor(print_dpi(text) * A4_INCHES), one)
            narrowest = math.ceil(MIN_PRINT_DPI * A4_INCHES)
            chosen = {printed_at(widest)[0].width, narrowest}
            printed, span = min(
                (printed_on(w) for w in chosen), key=lambda laid: (laid[0].pages, laid[0].width)
            )
        if plan:
            return printed
        panel, gutter, gap, rule = panel_for(span)
        page = sizes_for(cell, span)
        columns = printed.columns
        rows = -(-count // columns)
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
    # the smallest text drawn: in the cells, the kernel panels, or a label
    found = [cells_smallest(scene, style, cell), _kernels_smallest(whole.kernels, scene, cell)]
    found += [SmallestText(label.size, LABELS) for label in panel.labels + texts]
    smallest = min((f for f in found if f is not None), key=lambda f: f.size)
    sheet = replace(sheet, text=smallest.size, smallest=smallest.what)
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
