"""A grid's pixel tables (`raster._Pixels`) examine only the pixels near the grid, row by row
(`raster._near`): they must be the tables got by examining every pixel of the grid's box,
for any grid (skewed, steep, axis-aligned, partly off the canvas)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tconv_cli.render import layout, raster
from tconv_cli.render.layout import Grid
from tconv_cli.render.palette import PATTERN_BITS


def every_pixel_of_the_box(grid: Grid, shape, line: float, dashes: int, hatch: int) -> dict:
    """The tables `paint` reads, from every pixel of the grid's box `line / 2 + 0.5` px wider
    (the same arithmetic, in the same precision, as `_Pixels`)."""
    rows, cols = grid.rows, grid.cols
    half = line / 2 + 0.5
    corners = grid.corners()
    x0, y0 = np.maximum(np.floor(corners.min(axis=0) - half), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0) + half), shape[::-1]).astype(int)
    matrix = np.column_stack([grid.u, grid.v])
    inverse = np.linalg.inv(matrix).astype(np.float32)
    x = np.arange(x0, x1, dtype=np.float32) + np.float32(0.5 - grid.origin[0])
    y = (np.arange(y0, y1, dtype=np.float32) + np.float32(0.5 - grid.origin[1]))[:, None]
    c, r = inverse[0, 0] * x + inverse[0, 1] * y, inverse[1, 0] * x + inverse[1, 1] * y
    det = abs(np.linalg.det(matrix))
    per_r, per_c = det / np.hypot(*grid.u), det / np.hypot(*grid.v)
    out_r = np.maximum(np.maximum(-r, r - rows), 0) * per_r
    out_c = np.maximum(np.maximum(-c, c - cols), 0) * per_c
    keep = (out_r < half) & (out_c < half)
    ys, xs = np.nonzero(keep)
    ys, xs = ys + y0, xs + x0
    r, c, out_r, out_c = r[keep], c[keep], out_r[keep], out_c[keep]
    row = np.clip(np.floor(r), 0, rows - 1).astype(np.int64)
    col = np.clip(np.floor(c), 0, cols - 1).astype(np.int64)
    k_r = np.clip(np.rint(r), 0, rows).astype(np.int64)
    k_c = np.clip(np.rint(c), 0, cols).astype(np.int64)
    cover_h = np.clip(half - np.abs(r - k_r) * per_r, 0, 1) * np.clip(half - out_c, 0, 1)
    cover_v = np.clip(half - np.abs(c - k_c) * per_c, 0, 1) * np.clip(half - out_r, 0, 1)
    horizontal = cover_h >= cover_v
    edge = np.where(horizontal, k_r * cols + col, (rows + 1) * cols + row * (cols + 1) + k_c)
    along = np.where(horizontal, c, r) * dashes
    solid = np.rint(np.maximum(cover_h, cover_v) * raster.LEVELS).astype(np.uint8)
    dashed = np.where((along + 0.25) % 1 < 0.5, solid, 0)
    step = layout.hatch_period(grid)
    dot = layout.dot_size(step)
    patterns = ((xs + ys) % step < hatch) * PATTERN_BITS["hatch"] | (
        (xs % step < dot) & (ys % step < dot)
    ) * PATTERN_BITS["dots"]
    cell = row * cols + col
    order = np.argsort(cell, kind="stable")
    counts = np.bincount(cell, minlength=rows * cols)
    lines = (solid * (raster.LEVELS + 1) + dashed).astype(np.int16)
    return {
        "flat": (ys * shape[1] + xs)[order],
        "counts": counts,
        "starts": np.cumsum(counts) - counts,
        "look": (lines * (1 << len(PATTERN_BITS)) + patterns)[order],
        "edge_of": edge[order],
        "fill_cell": np.where((out_r > 0) | (out_c > 0), rows * cols, cell)[order],
    }


vectors = st.tuples(st.floats(-40, 40), st.floats(-40, 40))


@st.composite
def grids(draw):
    u, v = draw(vectors), draw(vectors)
    if draw(st.booleans()):  # the flat style's: rows along the canvas's rows
        u, v = (u[0], 0.0), (0.0, v[1])
    assume(abs(u[0] * v[1] - u[1] * v[0]) > 30)  # cells of some pixels
    origin = draw(st.tuples(st.floats(-60, 300), st.floats(-60, 300)))
    grid = Grid(draw(st.integers(1, 7)), draw(st.integers(1, 7)), origin, u, v)
    shape = (draw(st.integers(40, 320)), draw(st.integers(40, 320)))
    return grid, shape


@settings(max_examples=150, deadline=None)
@given(
    grids(),
    st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    st.sampled_from([2, 3]),
    st.sampled_from([1, 2]),
)
def test_pixel_tables_are_those_of_every_pixel_of_the_box(drawn, line, dashes, hatch):
    grid, shape = drawn
    tables = raster._Pixels(grid, shape, line, dashes, hatch)
    expected = every_pixel_of_the_box(grid, shape, line, dashes, hatch)
    assert len(tables.flat) == len(expected["flat"])
    for name, values in expected.items():
        np.testing.assert_array_equal(getattr(tables, name), values, err_msg=name)


def test_pixel_tables_of_a_picture_s_planes():
    """The skewed planes of the arithmetic style at the default cell, as benchmarked."""
    from tconv_cli import scene
    from tconv_cli.geometry import Axis

    picture = scene.build((Axis(6, 3, 2, 1, 1, 1, 1),) * 2)
    page = layout.layout(picture, "arithmetic", layout.DEFAULT_CELL, True)
    for grid in page.grids.values():
        tables = raster._Pixels(grid, page.size[::-1], 1.0, layout.PLANE_DASHES, 1)
        expected = every_pixel_of_the_box(grid, page.size[::-1], 1.0, layout.PLANE_DASHES, 1)
        assert tables.counts.sum() > 1000
        for name, values in expected.items():
            np.testing.assert_array_equal(getattr(tables, name), values, err_msg=name)
