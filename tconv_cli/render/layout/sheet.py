"""A sheet: every frame's panel on one page under one caption and legend, for handouts
(`sheet_layout`), and its breaks into A4 pages (`Sheet.pages`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ...scene import Scene
from ..page import A4_ASPECT, sheet_grid
from .blocks import _block_box, _kernel_row
from .frame import _legend_rows, layout
from .lettering import _wrap, _wrap_words, text_mask
from .parts import Grid, Label, PageLayout, Swatch, planes_extent, sizes_for


@dataclass(frozen=True)
class Sheet:
    """A page of panels, one per frame: `panel` is a frame's layout without caption or legend,
    drawn with its top-left corner at each of `origins` (frame order); `labels` and `swatches`
    are the page's own (the caption and legend once, each panel's number), `rules` the
    rectangles (x0, y0, x1, y1) of the lines between panels."""

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
    page_height: int = 0  # an A4 page's height at this width (a PDF's pages)

    def pages(self) -> list[tuple[int, int]]:
        """The rows (top, bottom) of this sheet on each A4 page, breaking between rows of
        panels: the first page from the top (the title, legend and kernels), each other
        from a row's number; each page (`page_height` px) holds its rows and a margin
        (the sheet's left margin) above and below them."""
        tops = sorted({y for _, y in self.origins})
        number = max(
            (
                label.box()[1, 1] - label.position[1]
                for label in self.labels
                if label.text.isdigit()
            ),
            default=0,
        )
        margin = self.origins[0][0] if self.origins else 0
        height = self.page_height or self.size[1]
        step = self.panel.size[1]
        pages, start = [], 0
        for top in tops:
            first = round(top - number - 1)  # the row's number, just under the rule above
            room = height - margin - (0 if not pages and start == 0 else margin)
            if top + step - start > room and first > start:
                pages.append((start, first))
                start = first
        pages.append(
            (start, min(self.size[1], round(tops[-1] + step + 1) if tops else self.size[1]))
        )
        return pages


def sheet_layout(
    scene: Scene, style: str, cell: int, labels: bool, *, width: int | None = None
) -> Sheet:
    """Every frame's panel in the grid `page.sheet_grid` chooses, under one caption and
    legend; each panel's frame number ("1" is the first) above its top-left corner. The page's
    own text is sized for the page's width, the panels' plane names for the width of all the
    grids side by side (TEXT_SPAN); a page shorter than A4's shape is padded at the bottom to
    exactly it. `width`: pad the page evenly to that many px."""
    count = scene.frame_count
    shapes = [(p.shape[0], p.shape[1]) for p in (scene.lower, scene.upper) if p is not None]
    one = planes_extent(shapes, style, cell)[0]  # a panel's grids

    def panel_for(columns: int) -> tuple[PageLayout, int, int, int]:
        """A panel whose names are read across `columns` panels; the space between two
        panels, a rule in its middle, and that rule's width."""
        sizes = sizes_for(cell, columns * one)
        return (
            layout(scene, style, cell, labels, panel=True, span=columns * one),
            2 * sizes["gap"] + sizes["rule"],
            sizes["gap"],
            sizes["rule"],
        )

    def page_sizes(panel: PageLayout, gutter: int, columns: int) -> dict[str, float]:
        return sizes_for(cell, columns * (panel.size[0] + gutter) - gutter)

    numbers = scene.kernel is not None or scene.shades is not None  # numbers in the cells

    def measure(columns: int) -> tuple[int, int, int, int]:
        """For `sheet_grid`: a panel's size with the space around it, its smallest text, and
        the height of the page's title and legend."""
        panel, gutter, _, _ = panel_for(columns)
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

    columns, rows = sheet_grid(count, measure)
    panel, gutter, gap, rule = panel_for(columns)
    page = page_sizes(panel, gutter, columns)
    panel_width, panel_height = panel.size
    grid_width = columns * (panel_width + gutter) - gutter
    x0 = y = page["margin"]
    texts, swatches, title, kernels = [], [], None, []
    if labels:
        caption = _wrap(scene.caption, page["label"], grid_width)
        title = Label(caption, page["label"], (x0, y), "left")
        texts.append(title)
        y = title.box()[1, 1] + 2 * page["gap"]
        if scene.explanation:  # the geometry in words, under the title
            words = Label(
                _wrap_words(scene.explanation, page["legend"], grid_width),
                page["legend"],
                (x0, y),
                "left",
            )
            texts.append(words)
            y = words.box()[1, 1] + 2 * page["gap"]
        if scene.legend:
            swatches, names = _legend_rows(scene.legend, x0, y, grid_width, page)
            texts += names
            y = (
                max(
                    np.concatenate([s.grid.corners() for s in swatches] + [n.box() for n in names])[
                        :, 1
                    ]
                )
                + 2 * page["gap"]
            )
        if scene.kernels:  # the kernel and flip(W), once for every panel
            kernels, names = _kernel_row(scene.kernels, cell, page)
            kernels = [grid.moved((x0, y)) for grid in kernels]
            names = [label.moved((x0, y)) for label in names]
            texts += names
            y = _block_box(kernels + names)[1, 1] + 2 * page["gap"]
    y = math.ceil(y)
    number_height = text_mask("0123456789", page["number"]).shape[0]
    step_x, step_y = panel_width + gutter, number_height + panel_height + gutter
    origins, rules = [], []
    for k in range(count):
        row, col = divmod(k, columns)
        x, top = x0 + col * step_x, y + row * step_y
        texts.append(Label(str(scene.source(k) + 1), page["number"], (x + gap, top)))
        origins.append((x, top + number_height))
    for col in range(1, columns):
        x = x0 + col * step_x - gap - rule
        rules.append((x, y, x + rule, y + rows * step_y - gutter))
    for row in range(1, rows):
        top = y + row * step_y - gap - rule
        rules.append((x0, top, x0 + grid_width, top + rule))
    page_width = math.ceil(max(grid_width, *(label.box()[1, 0] - x0 for label in texts)) + 2 * x0)
    if width is not None:
        if page_width > width:
            raise ValueError(f"a page {page_width} px wide does not fit in {width} px")
        shift = (width - page_width) // 2
        page_width = width
        origins = [(x + shift, top) for x, top in origins]
        rules = [(a + shift, b, c + shift, d) for a, b, c, d in rules]
        texts = [label.moved((shift, 0)) for label in texts]
        swatches = [replace(s, grid=s.grid.moved((shift, 0))) for s in swatches]
        kernels = [grid.moved((shift, 0)) for grid in kernels]
        title = texts[0] if title is not None else None
    page_height = max(y + rows * step_y - gutter + page["margin"], round(page_width * A4_ASPECT))
    return Sheet(
        (page_width, page_height),
        panel,
        columns,
        rows,
        origins,
        texts,
        swatches,
        rules,
        title,
        kernels,
        round(page_width * A4_ASPECT),
    )
