"""The HTML player: one self-contained page that plays a scene's frames and explains each
output cell (no network: works from disk and inside a notebook).

The page draws the scene's data and computes nothing: the SVG of the raster's page (`svg`,
one element per cell, pattern, edge and text; the legend and kernels as `svg` draws them),
then, as JSON, each frame's fills, edge styles and numbers (the first frame whole, then what
changed), each cell's glyph (shown where it has no number), the connectors, and each output
cell's
provenance (`scene.provenance`: the inputs and kernel taps feeding it, with their numbers and
products). The player (`player.html`: script and style) only shows these, in the raster's
own font (embedded, so that the text is where the raster puts it).
"""

from __future__ import annotations

import base64
import json
from html import escape
from importlib import resources

import numpy as np

from ..scene import Scene, provenance, sum_text
from . import layout
from . import palette as p
from .layout import number_text
from .palette import FILL_COLOURS, plane_state, text_ink
from .svg import (
    FILL_PATTERNS,
    FONT,
    HATCH_WIDTH,
    Drawing,
    cell_corners,
    colour,
    dash,
    dots_pattern,
    hatch_segments,
    ink,
    num,
    outline,
    points,
)


def write(scene: Scene, stream, options, cell: int, report=lambda k: None) -> tuple[int, int]:
    """The player of `scene` (opening at `options.frame`) to the binary `stream`, `cell` px a
    cell; returns the page's drawing size in px."""
    drawing = Drawing(
        scene, options.style, cell, options.labels, page=layout.page_for(scene, options, cell)
    )
    page = document(drawing, options, report).encode("utf-8")
    options.check_vector_bytes(len(page))
    stream.write(page)
    return drawing.size


def document(drawing: Drawing, options, report=lambda k: None) -> str:
    """The whole page, as text."""
    data = player_data(drawing, options, report)
    template = resources.files(__package__).joinpath("player.html").read_text("utf-8")
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    font = base64.b64encode(layout.font_bytes()).decode("ascii")
    return (
        template.replace("{{TITLE}}", escape(drawing.scene.caption))
        .replace("{{FONT}}", font)
        .replace("{{SVG}}", live_svg(drawing))
        .replace("{{DATA}}", blob)
    )


def live_svg(drawing: Drawing) -> str:
    """The page as SVG with, per plane, an element for every cell (`polygon.cell`, raster
    order), its hatching and its dots, every edge (`line.edge`: the horizontal ones row by
    row, then the vertical ones), the connectors' path (over the lower plane, under its
    numbers) and a group for each cell's text; the highlights' group."""
    page = drawing.page
    width, height = page.size
    parts = [drawing.static()]
    for name, grid in page.grids.items():
        connectors = ""
        if name == "lower" and drawing.style == "arithmetic" and "upper" in page.grids:
            connectors = (
                f'<path id="connectors" fill="none" stroke="{colour(p.LINE)}" '
                f'stroke-width="{num(page.connector)}"/>'
            )
        cells, hatches, dots, edges, texts = [], [], [], [], []
        period = layout.hatch_period(grid)
        drawing.dots.add(period)
        for row, col in np.ndindex(grid.rows, grid.cols):
            corners = cell_corners(grid, row, col)
            cells.append(
                f'<polygon class="cell" data-plane="{name}" data-cell="{row},{col}" '
                f'points="{points(corners)}"/>'
            )
            d = "".join(
                f"M{num(a[0])} {num(a[1])}L{num(b[0])} {num(b[1])}"
                for a, b in hatch_segments(corners, period)
            )
            hatches.append(f'<path d="{d}"/>')
            dots.append(f'<path d="{outline(corners)}"/>')
            x, y = grid.point(row + 0.5, col + 0.5)
            texts.append(f'<g transform="translate({num(x)},{num(y)})"/>')
        for horizontal, (rows, cols) in (
            (True, (grid.rows + 1, grid.cols)),
            (False, (grid.rows, grid.cols + 1)),
        ):
            for r, c in np.ndindex(rows, cols):
                a, b = grid.point(r, c), grid.point(*((r, c + 1) if horizontal else (r + 1, c)))
                edges.append(
                    f'<line x1="{num(a[0])}" y1="{num(a[1])}" x2="{num(b[0])}" y2="{num(b[1])}"/>'
                )
        parts.append(
            f'<g id="plane-{name}"><g class="cells">{"".join(cells)}</g>'
            f'<g class="hatches" fill="none" {ink("hatch")} stroke-width="{HATCH_WIDTH}">'
            f'{"".join(hatches)}</g><g class="dots" fill="url(#dots-{period})">'
            f'{"".join(dots)}</g><g class="edges" stroke-width="{num(page.line)}">'
            f'{"".join(edges)}</g>{connectors}<g class="texts">{"".join(texts)}</g></g>'
        )
    sum_ink = colour(text_ink(p.rgb(p.BACKGROUND)))
    parts.append(f'<g id="sum" fill="{sum_ink}"/><g id="highlights"/>')
    defs = "".join(dots_pattern(period) for period in sorted(drawing.dots))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="picture" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<defs>{defs}</defs>"
        f'<rect width="{width}" height="{height}" fill="{colour(p.BACKGROUND)}"/>'
        f'<g font-family="{escape(FONT)}">' + "".join(parts) + "</g></svg>"
    )


def player_data(drawing: Drawing, options, report=lambda k: None) -> dict:
    """Everything the player shows, as plain data: per frame what changed since the one
    before (the first frame whole), and per output cell its provenance."""
    scene, page = drawing.scene, drawing.page
    texts: dict[tuple, int] = {}
    table: list = []

    def text_id(
        name: str, main: str, sub: str | None, notes: bool, size: int = drawing.value_size
    ) -> int:
        key = (name, main, sub, notes, size)
        if key not in texts:
            grid = page.grids[name]
            mask, size = layout.fit_cell_text(grid, main, sub, size, page.line, notes)
            height, width = mask.shape
            spans = layout.cell_text_spans(main, sub, size, (-width / 2, -height / 2), notes)
            texts[key] = len(table)
            table.append([[s.text, round(s.x, 2), round(s.y, 2), s.size, s.anchor] for s in spans])
        return texts[key]

    glyph_size = round(drawing.value_size * p.GLYPH_SCALE)
    glyphs = {
        name: [
            text_id(name, glyph, None, False, glyph_size) if glyph else -1
            for glyph in drawing.glyphs[name].ravel()
        ]
        for name in page.grids
    }
    frames, before = [], {}
    for n in range(scene.frame_count):
        frame = scene.frame(n)
        step = {}
        for name, states in scene.states(frame).items():
            state = plane_state(states)
            edges = np.concatenate([state.h_styles.ravel(), state.v_styles.ravel()])
            cell_texts = np.full(state.fills.size, -1)
            for row, col, main, sub in states.labels():
                cell_texts[row * state.fills.shape[1] + col] = text_id(
                    name, main, sub, states.notes
                )
            now = {"f": state.fills.ravel(), "e": edges, "t": cell_texts}
            old = before.get(name)
            step[name] = {
                key: _changes(values, None if old is None else old[key])
                for key, values in now.items()
            }
            before[name] = now
        if drawing.style == "arithmetic" and "lower" in page.grids:
            starts, ends = layout.connector_lines(page, scene, frame)
            step["c"] = "".join(
                f"M{num(a[0])} {num(a[1])}L{num(b[0])} {num(b[1])}" for a, b in zip(starts, ends)
            )
        if page.sum_box is not None:  # the running sum: its lines as spans
            label = page.sum_label(sum_text(scene, n))
            step["s"] = (
                []
                if label is None
                else [
                    [s.text, round(s.x, 2), round(s.y, 2), s.size, s.anchor] for s in label.spans()
                ]
            )
        frames.append(step)
        report(n + 1)
    grids = page.grids
    timing = options.timing(scene.frame_count)
    return {
        "caption": scene.caption,
        "view": scene.view,
        "titles": list(scene.titles),
        "frames": frames,
        "start": (options.frame or 1) - 1,
        "delay": timing.delay_ms,
        "last": timing.last_ms,
        "loop": options.loop,
        "fills": [colour(c) for c in FILL_COLOURS],
        "inks": [colour(text_ink(c)) for c in FILL_COLOURS],
        "patterns": FILL_PATTERNS,
        "edgeStyles": _edge_styles(),
        "dashes": {
            name: {
                "h": [round(v, 3) for v in dash(g, True, layout.PLANE_DASHES)],
                "v": [round(v, 3) for v in dash(g, False, layout.PLANE_DASHES)],
            }
            for name, g in grids.items()
        },
        "shapes": {name: [g.rows, g.cols] for name, g in grids.items()},
        "texts": table,
        "glyphs": glyphs,
        "provenance": _provenance(scene),
        "cellFrames": _cell_frames(scene),
    }


def _cell_frames(scene: Scene) -> dict:
    """Per upper cell (flat index) the frame shown that computes it (gather and conv: hovering
    it shows that frame, the kernel's shadow and the sum where that cell is computed)."""
    if scene.view not in ("gather", "conv"):
        return {}
    rows, cols = scene.upper.shape
    (_, _), (top, left) = getattr(scene, "origins", ((0, 0), (0, 0)))
    found = {}
    for n in range(scene.frame_count):
        row, col = scene.cells[scene.source(n)] - (top, left)
        if 0 <= row < rows and 0 <= col < cols:
            found[int(row) * cols + int(col)] = n
    return found


def _changes(values: np.ndarray, old: np.ndarray | None) -> list:
    """[index, value, index, value, …] of the entries that differ from `old` (all of them
    without it)."""
    where = np.arange(values.size) if old is None else np.flatnonzero(values != old)
    return np.column_stack([where, values[where]]).ravel().tolist()


def _edge_styles() -> list:
    """Per edge style: [stroke colour, dashed], or None where no line is drawn."""
    from .svg import EDGE_COLOURS

    styles = [None] * (max(EDGE_COLOURS) + 1)
    for style, stroke in EDGE_COLOURS.items():
        styles[style] = [colour(stroke), style != p.SOLID]
    return styles


def _provenance(scene: Scene) -> dict:
    """Per upper cell (flat index): its name, value, and terms [lower cell (flat), x's name,
    x, w's name, w, x·w, the tap "row,col" of the kernel the view slides, the tap "row,col"
    in the panel of W] (numbers as printed; None without values)."""
    found = {}
    rank = len(scene.layer)
    cols = scene.upper.shape[1]
    lower_cols = None if scene.lower is None else scene.lower.shape[1]

    def name(letter: str, index) -> str:
        return f"{letter}[{','.join(map(str, index[-rank:]))}]"

    def shown(value) -> str | None:
        return None if value is None else number_text(value)

    for (row, col), source in provenance(scene).items():
        terms = [
            [
                t.source[0] * lower_cols + t.source[1],
                name("x", t.x_index),
                shown(t.x),
                name("w", t.w_index),
                shown(t.w),
                shown(t.product),
                f"{t.tap[0]},{t.tap[1]}",
                ",".join(map(str, ((0,) + t.w_index)[-2:])),
            ]  # the tap in W's own panel
            for t in source.terms
        ]
        found[row * cols + col] = [
            None if source.index is None else name("y", source.index),
            shown(source.value),
            terms,
        ]
    return found
