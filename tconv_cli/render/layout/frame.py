"""One frame's page: where each plane, title, plane name, the caption, the running sum and
the legend go (`layout`, `page_for`), first around the origin, then shifted into the margins."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...scene import Role, Scene
from .blocks import (
    _block_box,
    _box_polygon,
    _kernel_row,
    _legend_column,
    _moved,
    _obstacles,
    _place,
)
from .lettering import MINUS, _font, _wrap, _wrap_words, text_mask
from .parts import (
    Grid,
    Label,
    LastLaidOut,
    PageLayout,
    Swatch,
    cell_steps,
    planes_extent,
    sizes_for,
)


def _sum_block(scene: Scene, size: int, wrap: float) -> tuple[float, float] | None:
    """The width and height in px of the box that holds every frame's running sum wrapped
    at `wrap` px (None: the scene has none)."""
    from ...scene import sum_texts

    texts = {text for text in sum_texts(scene) if text}
    if not texts:
        return None
    wrapped = {_wrap_words(text, size, wrap) for text in texts}
    lines = max(text.count("\n") for text in wrapped) + 1
    widest = max(
        _font(size).getlength(line.replace(MINUS, "+"))
        for text in wrapped
        for line in text.split("\n")
    )
    height = text_mask("\n".join(["y[0]·ƒ"] * lines), size, "left").shape[0]
    return math.ceil(widest) + 2, height + 2


def layout(
    scene: Scene,
    style: str,
    cell: int,
    labels: bool,
    *,
    width: int | None = None,
    panel: bool = False,
    span: float | None = None,
    height: int | None = None,
    aside: bool = False,
) -> PageLayout:
    """Where everything goes: first around the origin, then shifted into the margins.
    `width`: pad the page evenly to that many px (at least its natural width); `panel`: a
    sheet's panel, without the caption and legend (the page has them once); `span`: the width
    text must be read across (default: the planes'). Found once for the scene laid out
    last and these arguments."""
    key = (style, cell, labels, width, panel, span, height, aside)
    return _LAID_OUT.get(
        scene,
        key,
        lambda: _lay_out(scene, style, cell, labels, width, panel, span, height, aside),
    )


_LAID_OUT = LastLaidOut()  # the scene laid out last's layouts, by `layout`'s arguments


def _lay_out(
    scene: Scene,
    style: str,
    cell: int,
    labels: bool,
    width: int | None,
    panel: bool,
    span: float | None,
    height: int | None,
    aside: bool,
) -> PageLayout:
    """`layout`, computed."""
    planes = {"lower": scene.lower, "upper": scene.upper}
    u, v = cell_steps(style, cell)
    grids = {
        name: Grid(*plane.shape, (0.0, 0.0), u, v)
        for name, plane in planes.items()
        if plane is not None
    }
    if span is None:
        span = planes_extent([(g.rows, g.cols) for g in grids.values()], style, cell)[0]
    sizes = sizes_for(cell, span)
    texts, swatches, kernels = [], [], []
    if style == "arithmetic":
        _stack(grids, sizes["gap"])
        if labels:
            texts = _edge_labels(grids, scene.titles, cell, sizes)
        if labels and not panel:
            # a compact legend of the roles top right, the kernels bottom right, in the
            # corners the oblique planes leave free (the page grows where they do not fit)
            obstacles = _obstacles(grids, texts)
            roles = [entry for entry in scene.legend if isinstance(entry.key, Role)]
            block = _legend_column(roles, cell, sizes)
            swatches, legend = _place(block, obstacles, grids, "top", sizes["gap"])
            texts += legend
            if swatches:
                obstacles.append(_box_polygon(_block_box(swatches + legend)))
            kernels, names = _place(
                _kernel_row(scene.kernels, cell, sizes), obstacles, grids, "bottom", sizes["gap"]
            )
            texts += names
    else:
        texts = _side_by_side(grids, scene.titles if labels else None, cell, sizes)
        if labels and not panel and aside:  # kernels, then the legend, right of the output
            upper = grids["upper"].corners()
            x, y = upper[:, 0].max() + 1.5 * cell, upper[:, 1].min()
            kernels, names = _kernel_row(scene.kernels, cell, sizes)
            kernels = [grid.moved((x, y)) for grid in kernels]
            texts += [label.moved((x, y)) for label in names]
            if kernels:
                y = _block_box(kernels + names)[1, 1] + 2 * sizes["gap"]
            block = _legend_column(list(scene.legend), cell, sizes)
            swatches = [_moved(item, (x, y)) for item in block[0]]
            texts += [_moved(item, (x, y)) for item in block[1]]
        elif labels and not panel:
            if scene.kernels:  # under the output, left-aligned with it
                upper = grids["upper"].corners()
                kernels, names = _kernel_row(scene.kernels, cell, sizes)
                offset = (upper[:, 0].min(), upper[:, 1].max() + 2 * sizes["gap"])
                kernels = [grid.moved(offset) for grid in kernels]
                texts += [label.moved(offset) for label in names]
            swatches, legend = _legend(scene.legend, grids, texts, cell, sizes, kernels)
            texts += legend
    sum_box = None
    if labels:  # each frame's running sum: under the caption, or under a sheet's panel
        low, high = _bounds(grids, texts, swatches, kernels)
        wrap = max(high[0] - low[0], 14 * cell)
        block = _sum_block(scene, sizes["label"], wrap)
        if block is not None:
            top = high[1] + sizes["gap"] if panel else low[1] - 2 * sizes["gap"] - block[1]
            sum_box = (low[0], top, low[0] + block[0], top + block[1])
            sum_wrap = wrap
    if labels and not panel:  # the caption above everything, as wide as the drawing or 14 cells
        low, high = _bounds(grids, texts, swatches, kernels)
        if sum_box is not None:
            low[1] = min(low[1], sum_box[1])
        wrap = max(high[0] - low[0], 14 * cell)
        lines = [(_wrap(scene.caption, sizes["label"], wrap), sizes["label"])]
        if scene.explanation:  # the geometry in words, under the caption
            lines.append((_wrap_words(scene.explanation, sizes["legend"], wrap), sizes["legend"]))
        y = low[1] - 2 * sizes["gap"]
        for text, size_ in reversed(lines):
            y -= text_mask(text, size_, "left").shape[0]
            texts.append(Label(text, size_, (low[0], y), "left"))
            y -= sizes["gap"]
    low, high = _bounds(grids, texts, swatches, kernels)
    if sum_box is not None:
        low = np.minimum(low, np.floor(sum_box[:2]) - 1)
        high = np.maximum(high, np.ceil(sum_box[2:]) + 1)
    shift, size = placed(low, high, sizes["margin"], width, height)
    return PageLayout(
        size=size,
        grids={name: grid.moved(shift) for name, grid in grids.items()},
        labels=[label.moved(shift) for label in texts],
        swatches=[replace(s, grid=s.grid.moved(shift)) for s in swatches],
        line=sizes["line"],
        connector=sizes["connector"],
        kernels=[grid.moved(shift) for grid in kernels],
        sum_box=None
        if sum_box is None
        else tuple(int(v) for v in np.rint(np.add(sum_box, np.tile(shift, 2)))),
        sum_size=sizes["label"],
        sum_wrap=0.0 if sum_box is None else float(sum_wrap),
    )


def page_for(scene: Scene, options, cell: int) -> PageLayout:
    """The layout of one frame's page as `options` (picture.PictureOptions) ask: padded to
    their `page_width` and `page_height` (`width`, or `fit`)."""
    return layout(
        scene,
        options.style,
        cell,
        options.labels,
        width=options.page_width,
        height=options.page_height,
        aside=options.fit is not None,
    )


def natural_sizes(scene: Scene, options, cell: int) -> list[tuple[int, int]]:
    """The (width, height) of every page `scene` is drawn on at `cell`, as `options` lay it
    out but unpadded: a moving window's places (`scene.MovingWindows`), else its one page."""
    from ...scene import MovingWindows

    places = scene.places if isinstance(scene, MovingWindows) else (scene,)
    aside = options.fit is not None
    return [
        layout(place, options.style, cell, options.labels, aside=aside).size for place in places
    ]


def pages_for(scene: Scene, options, cell: int) -> list[PageLayout]:
    """Every page `scene` is drawn on, all of one size: a moving window's places, each laid
    out as `options` ask (`page_for`), those smaller than the largest laid out again to its
    size; else the scene's one page."""
    from ...scene import MovingWindows

    if not isinstance(scene, MovingWindows):
        return [page_for(scene, options, cell)]
    key = (
        options.style,
        cell,
        options.labels,
        options.page_width,
        options.page_height,
        options.fit,
    )
    return _PAGES.get(scene, key, lambda: _window_pages(scene, options, cell))


_PAGES = LastLaidOut()  # a moving window's pages: its notes and its drawing ask for them


def _window_pages(scene, options, cell: int) -> list[PageLayout]:
    """`pages_for` a moving window, computed."""
    pages = [page_for(place, options, cell) for place in scene.places]
    size = max(page.size[0] for page in pages), max(page.size[1] for page in pages)
    return [
        page
        if page.size == size
        else layout(
            place,
            options.style,
            cell,
            options.labels,
            width=size[0],
            height=size[1],
            aside=options.fit is not None,
        )
        for place, page in zip(scene.places, pages)
    ]


def placed(
    low: np.ndarray,
    high: np.ndarray,
    margin: float,
    width: int | None = None,
    height: int | None = None,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Where a page's contents (spanning `low` to `high`) go, and the page's size: a `margin`
    around them, centred in `width` or `height` px when given (ValueError when they do not fit).
    Returns the shift to add to every position, and (width, height)."""
    shift = margin - low
    size = tuple(int(n) for n in np.ceil(high - low + 2 * margin))
    if width is not None:
        if size[0] > width:
            raise ValueError(f"a page {size[0]} px wide does not fit in {width} px")
        shift = shift + ((width - size[0]) // 2, 0)
        size = (width, size[1])
    if height is not None:
        if size[1] > height:
            raise ValueError(f"a page {size[1]} px tall does not fit in {height} px")
        shift = shift + (0, (height - size[1]) // 2)
        size = (size[0], height)
    return shift, (size[0], size[1])


def _bounds(
    grids: dict[str, Grid], texts: list[Label], swatches: list[Swatch], kernels: list[Grid] = ()
):
    """Top-left and bottom-right of everything drawn."""
    points = [g.corners() for g in grids.values()] + [s.grid.corners() for s in swatches]
    points += [g.corners() for g in kernels] + [label.box() for label in texts]
    points = np.concatenate(points)
    return np.floor(points.min(axis=0)) - 1, np.ceil(points.max(axis=0)) + 1


def _stack(grids: dict[str, Grid], gap: float) -> None:
    """Arithmetic style: move the upper plane above the lower one, centred, `gap` px clear."""
    if "lower" not in grids:
        return
    lower, upper = grids["lower"], grids["upper"]
    centre = (
        lower.point(lower.rows / 2, lower.cols / 2)[0]
        - upper.point(upper.rows / 2, upper.cols / 2)[0]
    )
    rise = lower.corners()[:, 1].min() - gap - upper.corners()[:, 1].max()
    grids["upper"] = upper.moved((centre, rise))


def _edge_labels(grids, names, cell, sizes) -> list[Label]:
    """Arithmetic style: each plane's name outside its free edge: the lower plane's lower-left
    edge (rows at column 0), the upper plane's upper-left edge (columns at row 0)."""
    texts = []
    for (key, grid), name in zip(grids.items(), names[2 - len(grids) :]):
        end = grid.point(grid.rows, 0) if key == "lower" else grid.point(0, grid.cols)
        start = grid.point(0, 0)
        normal = np.array([end[1] - start[1], start[0] - end[0]])
        normal /= np.hypot(*normal)
        middle = (start + end) / 2
        if normal @ (grid.point(grid.rows / 2, grid.cols / 2) - middle) > 0:
            normal = -normal
        text = _wrap_words(name, sizes["label"], sizes["wrap"])
        height, width = text_mask(text, sizes["label"]).shape
        reach = abs(normal[0]) * width / 2 + abs(normal[1]) * height / 2 + sizes["gap"]
        centre = middle + normal * reach
        texts.append(Label(text, sizes["label"], tuple(centre - (width / 2, height / 2))))
    return texts


def _side_by_side(grids, names, cell, sizes) -> list[Label]:
    """Flat style: move the lower grid to the left, the upper one right of it, vertically
    centred; return their names, above them."""
    texts = []
    x = 0.0
    tallest = max(g.rows for g in grids.values())
    for (key, grid), name in zip(list(grids.items()), (names or (None, None))[2 - len(grids) :]):
        grid = grids[key] = grid.moved((x, (tallest - grid.rows) * cell / 2))
        right = grid.corners()[:, 0].max()
        if name is not None:
            wrap = max(right - grid.origin[0], sizes["wrap"])  # as wide as the grid
            text = _wrap_words(name, sizes["label"], wrap)
            mask = text_mask(text, sizes["label"], "left")
            top = grid.corners()[:, 1].min()
            label = Label(
                text, sizes["label"], (grid.origin[0], top - sizes["gap"] - mask.shape[0]), "left"
            )
            texts.append(label)
            right = max(right, label.box()[1, 0])
        x = right + 1.5 * cell
    return texts


def _legend(entries, grids, texts, cell, sizes, kernels=()) -> tuple[list[Swatch], list[Label]]:
    """Flat style: a swatch and a name for each legend entry, in rows under the grids."""
    low, high = _bounds(grids, texts, [], kernels)
    width = max(high[0] - low[0], 12 * cell)
    return _legend_rows(entries, low[0], high[1] + sizes["gap"] * 2, width, sizes)


def _legend_rows(
    entries, x0: float, y: float, width: float, sizes
) -> tuple[list[Swatch], list[Label]]:
    """A swatch and a name for each legend entry, in rows `width` px wide from (x0, y)."""
    side = sizes["swatch"]
    x = x0
    swatches, labels = [], []
    for entry in entries:
        mask = text_mask(entry.name, sizes["legend"])
        step = side + sizes["gap"] + mask.shape[1] + 2 * sizes["gap"]
        if x + step > x0 + width and x > x0:
            x, y = x0, y + side + sizes["gap"]
        swatches.append(Swatch(Grid(1, 1, (x, y), (side, 0.0), (0.0, side)), entry))
        labels.append(
            Label(
                entry.name,
                sizes["legend"],
                (x + side + sizes["gap"], y + (side - mask.shape[0]) / 2),
            )
        )
        x += step
    return swatches, labels
