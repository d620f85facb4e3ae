"""Page geometry of a scene's pictures: where each plane's cells, each title, the caption and
the legend go, in pixels, and every size (text, lines, margins) as a function of the cell size
(`sizes_for`). Shared by the raster, the SVG and the HTML player; every word drawn comes from
the scene, this package only places it. Its modules, each one job:

- `lettering`: text measured and drawn with Pillow's default font (ink masks, spans, wrapping)
- `parts`: a page's parts (`Grid`, `Label`, `Swatch`, `PageLayout`) and their sizes
- `blocks`: the kernels and the compact legend, placed where the planes leave room
- `frame`: one frame's page (`layout`, `page_for`; a moving window's, `pages_for`)
- `marks`: what every renderer draws alike (cell text, connector lines, hatching, dashes)
- `sheet`: every frame on one page, or on A4 pages by the print rule (`sheet_layout`,
  `print_plan`)

The names below are re-exported so that callers write `layout.X`.
"""

from ...scene import Kernel, LegendEntry, Role, Scene, number_text
from ..page import A4_ASPECT, DEFAULT_CELL, sheet_grid
from .blocks import _block_box, _box_polygon, _hull, _overlaps, kernel_cell, kernel_text
from .frame import _bounds, _legend_rows, layout, natural_sizes, page_for, pages_for, placed
from .lettering import (
    FONT_FAMILY,
    LEVELS,
    MINUS,
    SUBSCRIPT,
    Span,
    _font,
    _ink_box,
    _wrap_words,
    cell_text,
    cell_text_spans,
    font_bytes,
    note_spans,
    second_size,
    subscript_spans,
    text_mask,
    text_spans,
    with_note,
    with_subscript,
)
from .marks import (
    PLANE_DASHES,
    SWATCH_DASHES,
    cell_text_corner,
    cell_text_corners,
    connector_lines,
    dot_size,
    fit_cell_text,
    fitted_sizes,
    hatch_period,
)
from .parts import (
    OBLIQUE_COLUMN_STEP,
    OBLIQUE_ROW_STEP,
    TEXT_CEILING,
    TEXT_FLOOR,
    TEXT_SPAN,
    Grid,
    Label,
    LastLaidOut,
    PageLayout,
    Swatch,
    largest_cell,
    planes_extent,
    sizes_for,
)
from .sheet import Sheet, SmallestText, cells_smallest, print_cell, print_plan, sheet_layout

__all__ = [
    "A4_ASPECT",
    "DEFAULT_CELL",
    "FONT_FAMILY",
    "LEVELS",
    "MINUS",
    "OBLIQUE_COLUMN_STEP",
    "OBLIQUE_ROW_STEP",
    "PLANE_DASHES",
    "SUBSCRIPT",
    "SWATCH_DASHES",
    "TEXT_CEILING",
    "TEXT_FLOOR",
    "TEXT_SPAN",
    "Grid",
    "Kernel",
    "Label",
    "LastLaidOut",
    "LegendEntry",
    "PageLayout",
    "Role",
    "Scene",
    "Sheet",
    "SmallestText",
    "Span",
    "Swatch",
    "_block_box",
    "_bounds",
    "_box_polygon",
    "_font",
    "_hull",
    "_ink_box",
    "_legend_rows",
    "_overlaps",
    "_wrap_words",
    "cell_text",
    "cell_text_corner",
    "cell_text_corners",
    "cell_text_spans",
    "cells_smallest",
    "connector_lines",
    "dot_size",
    "fit_cell_text",
    "fitted_sizes",
    "font_bytes",
    "hatch_period",
    "kernel_cell",
    "kernel_text",
    "largest_cell",
    "layout",
    "natural_sizes",
    "note_spans",
    "number_text",
    "page_for",
    "pages_for",
    "placed",
    "planes_extent",
    "print_cell",
    "print_plan",
    "second_size",
    "sheet_grid",
    "sheet_layout",
    "sizes_for",
    "subscript_spans",
    "text_mask",
    "text_spans",
    "with_note",
    "with_subscript",
]
