"""SVG drawing of a scene: the raster's page (`layout`), cell for cell, as vectors.

Drawing only, as the raster draws: each plane's states come from the scene
(`Scene.states`), turned into fills and edge styles by `raster.plane_state`; every position
comes from `layout`. Plain SVG 1.1 that LaTeX (through Inkscape), Keynote and PowerPoint import
crisply: a polygon per cell, edges as paths, hatching as lines, dots as a `<pattern>` of small
squares, text as `<text>` (drawn over the patterns and the connectors); no filters, CSS or
foreignObject; a viewBox in px. An animation switches frame groups
on and off with SMIL `<animate>` (browsers play it; importers show the last frame).
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..scene import Kernel, Mark, Scene
from . import layout
from . import palette as p
from .layout import Grid, PageLayout, sizes_for
from .palette import FILL, FILL_COLOURS, PATTERN, PATTERN_BITS, ROLE_GLYPH, plane_state, text_ink

FONT = f"{layout.FONT_FAMILY}, 'Helvetica Neue', Helvetica, Arial, sans-serif"
EDGE_COLOURS = {p.SOLID: p.LINE, p.DASHED: p.LINE, p.FAINT_DASHED: p.FAINT}
HATCH_WIDTH = 0.8  # the raster's 1-px diagonal steps
# each fill's pattern (palette.PATTERNS, shaded or not): "hatch", "dots" or None
FILL_PATTERNS = [
    {bit: name for name, bit in PATTERN_BITS.items()}.get(int(bits)) for bits in PATTERN
]


def colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*p.rgb(rgb))


def num(value: float) -> str:
    """A coordinate, to 1/100 px."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def points(corners) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in corners)


def cell_corners(grid: Grid, row: int, col: int) -> list[np.ndarray]:
    """A cell's polygon, clockwise from its first corner."""
    return [
        grid.point(row, col),
        grid.point(row, col + 1),
        grid.point(row + 1, col + 1),
        grid.point(row + 1, col),
    ]


def dash(grid: Grid, horizontal: bool, dashes: int) -> tuple[float, float]:
    """The raster's dashes along an edge as SVG's (dash and gap length, offset): `dashes`
    periods per cell edge, half on, each edge starting and ending in the middle of a dash."""
    length = float(np.hypot(*(grid.u if horizontal else grid.v)))
    period = length / dashes
    return period / 2, period / 4


def edge_runs(styles: np.ndarray, horizontal: bool, grid: Grid) -> dict[int, list[tuple]]:
    """The edges of a plane by style, collinear neighbours of one style joined: per style a
    list of (start, end) points. `styles` is (rows + 1, cols) for the horizontal edges, else
    (rows, cols + 1)."""
    runs: dict[int, list[tuple]] = {}
    lines = styles if horizontal else styles.T
    for k, line in enumerate(lines):
        start = 0
        for i in range(1, len(line) + 1):
            if i == len(line) or line[i] != line[start]:
                if line[start] != p.NONE:
                    a, b = ((k, start), (k, i)) if horizontal else ((start, k), (i, k))
                    runs.setdefault(int(line[start]), []).append((grid.point(*a), grid.point(*b)))
                start = i
    return runs


def edge_paths(
    runs: dict[int, list[tuple]], grid: Grid, horizontal: bool, line: float, dashes: int
) -> list[str]:
    """One `<path>` per edge style."""
    out = []
    for style, segments in sorted(runs.items()):
        d = "".join(f"M{num(a[0])} {num(a[1])}L{num(b[0])} {num(b[1])}" for a, b in segments)
        extra = ""
        if style != p.SOLID:
            on, offset = dash(grid, horizontal, dashes)
            extra = f' stroke-dasharray="{num(on)} {num(on)}" stroke-dashoffset="{num(offset)}"'
        out.append(
            f'<path d="{d}" fill="none" stroke="{colour(EDGE_COLOURS[style])}" '
            f'stroke-width="{num(line)}"{extra}/>'
        )
    return out


def hatch_segments(corners: list[np.ndarray], period: int) -> list[tuple]:
    """The raster's hatching of a cell, lines x + y = k·period + 1 (through the centres of the
    pixels it inks), clipped to the cell's convex polygon."""
    level = [float(c[0] + c[1]) for c in corners]
    low, high = min(level), max(level)
    segments = []
    for k in range(int(np.ceil((low - 1) / period)), int(np.floor((high - 1) / period)) + 1):
        c = k * period + 1
        found = []
        for i in range(len(corners)):
            a, b, fa, fb = (
                corners[i],
                corners[(i + 1) % len(corners)],
                level[i],
                level[(i + 1) % len(corners)],
            )
            if (fa - c) * (fb - c) < 0:
                found.append(a + (b - a) * (c - fa) / (fb - fa))
        if len(found) == 2:
            segments.append(tuple(found))
    return segments


def ink(pattern: str) -> str:
    """A pattern's ink (palette.PATTERN_INKS) as SVG fill or stroke attributes."""
    colour_, opacity = p.PATTERN_INKS[pattern]
    kind = "stroke" if pattern == "hatch" else "fill"
    return f'{kind}="{colour(colour_)}"' + (
        f' {kind}-opacity="{num(opacity)}"' if opacity < 1 else ""
    )


def dots_pattern(period: int) -> str:
    """The raster's dots (`layout.dot_size` px squares at multiples of `period` px) as a
    `<pattern>` of the page's coordinates, id `dots-<period>`."""
    side = layout.dot_size(period)
    return (
        f'<pattern id="dots-{period}" patternUnits="userSpaceOnUse" width="{period}" '
        f'height="{period}"><rect width="{side}" height="{side}" {ink("dots")}/></pattern>'
    )


def outline(corners) -> str:
    """A closed path through `corners`."""
    return "M" + "L".join(f"{num(x)} {num(y)}" for x, y in corners) + "Z"


def text(spans: list[layout.Span], fill: str) -> str:
    """`<text>` elements of spans."""
    return "".join(
        f'<text x="{num(s.x)}" y="{num(s.y)}" font-size="{s.size}" fill="{fill}"'
        + (' text-anchor="middle"' if s.anchor == "middle" else "")
        + f">{escape(s.text)}</text>"
        for s in spans
    )


class Drawing:
    """A scene's page as SVG: the texts and legend once, and each frame's planes."""

    def __init__(
        self,
        scene: Scene,
        style: str,
        cell: int,
        labels: bool,
        *,
        width: int | None = None,
        page: PageLayout | None = None,
    ):
        self.scene, self.style = scene, style
        self.page: PageLayout = page or layout.layout(scene, style, cell, labels, width=width)
        self.value_size = sizes_for(cell)["value"]
        self._fits: dict[tuple, tuple] = {}
        # the glyph of each cell of each plane (its role's look), shown where no text is
        self.glyphs = {name: ROLE_GLYPH[getattr(scene, name).roles] for name in self.page.grids}
        self.dots: set[int] = set()  # the periods of the dots patterns drawn

    def defs(self) -> str:
        """The `<defs>` of the patterns drawn so far (none: "")."""
        if not self.dots:
            return ""
        return "<defs>" + "".join(dots_pattern(period) for period in sorted(self.dots)) + "</defs>"

    @property
    def size(self) -> tuple[int, int]:
        return self.page.size

    def static(self, labels=None, swatches=None) -> str:
        """The page's texts and legend swatches (or those given: a sheet's): the same in every
        frame."""
        page, ink = self.page, colour(text_ink(p.rgb(p.BACKGROUND)))
        kernels = zip(page.kernels, self.scene.kernels) if labels is None else ()
        labels = page.labels if labels is None else labels
        out = [text(label.spans(), ink) for label in labels]
        for swatch in page.swatches if swatches is None else swatches:
            look = p.LOOKS[swatch.entry.key]
            fill = FILL[look.fill]
            grid = swatch.grid
            out.append(self._cell(grid, 0, 0, fill))
            for horizontal, styles in (
                (True, np.full((2, 1), look.edge)),
                (False, np.full((1, 2), look.edge)),
            ):
                out += edge_paths(
                    edge_runs(styles, horizontal, grid),
                    grid,
                    horizontal,
                    page.line,
                    layout.SWATCH_DASHES,
                )
            if look.glyph:
                out.append(
                    text(
                        self.glyph_spans(grid, 0, 0, look.glyph),
                        colour(text_ink(FILL_COLOURS[fill])),
                    )
                )
        out += [self.kernel(grid, kernel) for grid, kernel in kernels]
        return "".join(out)

    def kernel(self, grid: Grid, kernel: Kernel) -> str:
        """A kernel beside the planes (`raster.RasterFrames._draw_kernel`): its cells filled as the
        taps are when it is the one the view slides, solid edges, each tap's text."""
        fill = FILL[p.LOOKS[Mark.KERNEL].fill] if kernel.used else FILL["background"]
        rows, cols = kernel.shape
        # each tap's polygon says which tap it is (the player outlines those feeding a cell)
        out = [
            self._cell(grid, row, col, fill).replace(
                "<polygon ", f'<polygon data-tap="{row},{col}" ', 1
            )
            for row, col in np.ndindex(rows, cols)
        ]
        for horizontal, shape in ((True, (rows + 1, cols)), (False, (rows, cols + 1))):
            out += edge_paths(
                edge_runs(np.full(shape, p.SOLID), horizontal, grid),
                grid,
                horizontal,
                self.page.line,
                layout.PLANE_DASHES,
            )
        ink = colour(text_ink(FILL_COLOURS[fill]))
        size = layout.kernel_text(grid, self.value_size)
        out += [
            text(self.text_spans(grid, row, col, kernel.texts[row, col], None, size), ink)
            for row, col in np.ndindex(rows, cols)
        ]
        used = ' data-used=""' if kernel.used else ""
        return f'<g class="kernel"{used}>{"".join(out)}</g>'

    def frame(self, n: int) -> str:
        """Frame `n`'s planes: the lower one, the connectors, then the upper one over them."""
        frame = self.scene.frame(n)
        states = self.scene.states(frame)
        out = []
        for name, grid in self.page.grids.items():
            under = ""  # the connectors: over the lower plane, under its numbers
            if name == "lower" and self.style == "arithmetic" and "upper" in self.page.grids:
                under = self.connectors(frame)
            if name in states:
                out.append(
                    f'<g class="{name}">'
                    f"{self.plane(grid, plane_state(states[name]), name, under)}</g>"
                )
        return "".join(out) + self.sum(n)

    def sum(self, n: int) -> str:
        """Frame `n`'s running sum (scene.sum_text) where the layout puts it."""
        from ..scene import sum_text

        label = self.page.sum_label(sum_text(self.scene, n))
        if label is None:
            return ""
        ink = colour(text_ink(p.rgb(p.BACKGROUND)))
        return f'<g class="sum">{text(label.spans(), ink)}</g>'

    def connectors(self, frame) -> str:
        starts, ends = layout.connector_lines(self.page, self.scene, frame)
        if not len(starts):
            return ""
        d = "".join(
            f"M{num(a[0])} {num(a[1])}L{num(b[0])} {num(b[1])}" for a, b in zip(starts, ends)
        )
        return (
            f'<path d="{d}" fill="none" stroke="{colour(p.LINE)}" '
            f'stroke-width="{num(self.page.connector)}"/>'
        )

    def plane(self, grid: Grid, state, name: str, under: str = "") -> str:
        """A plane's cells (fills and patterns), its edges, `under` (the connectors), then
        its numbers, and its glyphs in the cells without one."""
        out = [
            self._cell(grid, row, col, int(state.fills[row, col]))
            for row, col in np.ndindex(state.fills.shape)
        ]
        for horizontal, styles in ((True, state.h_styles), (False, state.v_styles)):
            out += edge_paths(
                edge_runs(styles, horizontal, grid),
                grid,
                horizontal,
                self.page.line,
                layout.PLANE_DASHES,
            )
        out.append(under)
        shown = np.zeros(state.fills.shape, bool) if state.texts is None else state.texts != ""
        for row, col in zip(*np.nonzero(shown)):
            fill = colour(text_ink(FILL_COLOURS[state.fills[row, col]]))
            out.append(text(self.cell_spans(grid, row, col, state), fill))
        glyphs = self.glyphs[name]
        for row, col in zip(*np.nonzero((glyphs != "") & ~shown)):
            fill = colour(text_ink(FILL_COLOURS[state.fills[row, col]]))
            out.append(
                f'<g class="glyph">'
                f"{text(self.glyph_spans(grid, row, col, glyphs[row, col]), fill)}</g>"
            )
        return "".join(out)

    def cell_spans(self, grid: Grid, row: int, col: int, state) -> list[layout.Span]:
        """The text of a cell (and its subscript or note) as the raster places it."""
        main = state.texts[row, col]
        sub = None if state.seconds is None else (state.seconds[row, col] or None)
        return self.text_spans(grid, row, col, main, sub, self.value_size, state.notes)

    def glyph_spans(self, grid: Grid, row: int, col: int, glyph: str) -> list[layout.Span]:
        """A cell's glyph (palette.Look.glyph), smaller than the numbers, as the raster
        places it."""
        return self.text_spans(grid, row, col, glyph, None, round(self.value_size * p.GLYPH_SCALE))

    def text_spans(
        self,
        grid: Grid,
        row: int,
        col: int,
        main: str,
        sub: str | None,
        size: int,
        notes: bool = False,
    ) -> list[layout.Span]:
        """A text in a cell, at the largest size up to `size` that fits it, centred."""
        key = (id(grid), main, sub, size, notes)
        if key not in self._fits:
            self._fits[key] = layout.fit_cell_text(grid, main, sub, size, self.page.line, notes)
        mask, fitted = self._fits[key]
        corner = layout.cell_text_corner(grid, int(row), int(col), mask.shape)
        return layout.cell_text_spans(main, sub, fitted, corner, notes)

    def _cell(self, grid: Grid, row: int, col: int, fill: int) -> str:
        corners = cell_corners(grid, row, col)
        out = f'<polygon points="{points(corners)}" fill="{colour(FILL_COLOURS[fill])}"/>'
        pattern = FILL_PATTERNS[fill]
        period = layout.hatch_period(grid)
        if pattern == "hatch":
            segments = hatch_segments(corners, period)
            if segments:
                d = "".join(
                    f"M{num(a[0])} {num(a[1])}L{num(b[0])} {num(b[1])}" for a, b in segments
                )
                out += f'<path d="{d}" fill="none" {ink("hatch")} stroke-width="{HATCH_WIDTH}"/>'
        elif pattern == "dots":
            self.dots.add(period)
            out += f'<path d="{outline(corners)}" fill="url(#dots-{period})"/>'
        return out


def _document(size: tuple[int, int], caption: str, body: str, defs: str = "") -> str:
    width, height = size
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">\n'
        f"<title>{escape(caption)}</title>\n"
        + (defs and f"{defs}\n")
        + f'<rect width="{width}" height="{height}" fill="{colour(p.BACKGROUND)}"/>\n'
        f'<g font-family="{escape(FONT)}">\n{body}\n</g>\n</svg>\n'
    )


def still(drawing: Drawing, n: int) -> str:
    """Frame `n` (0 is the first) as an SVG document."""
    body = drawing.static() + "\n" + drawing.frame(n)
    return _document(drawing.size, drawing.scene.caption, body, drawing.defs())


def sheet(scene: Scene, options, cell: int, report=lambda k: None) -> tuple[str, tuple]:
    """Every frame on one page as the raster's sheet lays it out (`layout.sheet_layout`: the
    caption and legend once, numbered panels, faint rules between them); the document and
    the page's size."""
    page = layout.sheet_layout(scene, options.style, cell, options.labels, width=options.width)
    drawing = Drawing(scene, options.style, cell, options.labels, page=page.panel)
    static = drawing.static()
    parts = [drawing.static(page.labels, page.swatches)]
    parts += [drawing.kernel(grid, kernel) for grid, kernel in zip(page.kernels, scene.kernels)]
    parts += [
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="{colour(p.FAINT)}"/>'
        for x0, y0, x1, y1 in page.rules
    ]
    for k, (x, y) in enumerate(page.origins):
        parts.append(f'<g transform="translate({x},{y})">{static}{drawing.frame(k)}</g>')
        report(k + 1)
    return _document(page.size, scene.caption, "\n".join(parts), drawing.defs()), page.size


def animated(drawing: Drawing, timing, loop: int, report=lambda k: None) -> str:
    """Every frame as a group shown in turn for `timing.delay_ms`, the last for
    `timing.last_ms` (SMIL, `loop` plays, 0: forever); where SMIL is not played, the last
    frame shows."""
    count = drawing.scene.frame_count
    total = (count - 1) * timing.delay_ms + timing.last_ms
    repeat = "indefinite" if loop == 0 else str(loop)
    groups = []
    for k in range(count):
        keys = [0.0, k * timing.delay_ms / total, min((k + 1) * timing.delay_ms / total, 1.0)]
        values = ["none", "inline", "none"]
        if k == 0:
            keys, values = keys[1:], values[1:]
        if k == count - 1:
            keys, values = keys[:-1], values[:-1]
        shown = "inline" if k == count - 1 else "none"
        groups.append(
            f'<g display="{shown}"><animate attributeName="display" calcMode="discrete" '
            f'values="{";".join(values)}" keyTimes="{";".join(f"{t:.6g}" for t in keys)}" '
            f'dur="{total / 1000:.6g}s" repeatCount="{repeat}" fill="freeze"/>'
            f"{drawing.frame(k)}</g>"
        )
        report(k + 1)
    body = drawing.static() + "\n" + "\n".join(groups)
    return _document(drawing.size, drawing.scene.caption, body, drawing.defs())


def write(scene: Scene, stream, options, cell: int, report=lambda k: None) -> tuple[int, int]:
    """The SVG `options` ask for (a frame, a sheet or an animation), `cell` px a cell, to the
    binary `stream`; returns its size in px (the page for a sheet)."""
    if options.draws_sheet(scene.frame_count):
        document, size = sheet(scene, options, cell, report)
    else:
        drawing = Drawing(
            scene, options.style, cell, options.labels, page=layout.page_for(scene, options, cell)
        )
        size = drawing.size
        if options.frame is not None or scene.frame_count == 1:
            document = still(drawing, (options.frame or 1) - 1)
            report(1)
        else:
            document = animated(drawing, options.timing(scene.frame_count), options.loop, report)
    data = document.encode("utf-8")
    options.check_vector_bytes(len(data))
    stream.write(data)
    return size
