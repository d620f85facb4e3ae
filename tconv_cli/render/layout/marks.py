"""Geometry every renderer draws the same way: a cell's text fitted and centred, the
arithmetic style's connector lines between the planes, hatching and dots, dashes."""

from __future__ import annotations

import numpy as np

from ...scene import Scene
from .lettering import cell_text, cell_text_shape, second_size
from .parts import Grid, PageLayout


def fit_cell_text(
    grid: Grid, main: str, second: str | None, size: int, line: float, notes: bool = False
) -> tuple[np.ndarray, int]:
    """The text of a cell (`cell_text`) at the largest size up to `size` that fits the cell
    clear of its edges: its mask and that size (each size tried is measured, one drawn)."""
    while size > 6 and not grid.fits(*cell_text_shape(main, second, size, notes)[::-1], line):
        size -= 1
    return cell_text(main, second, size, notes), size


def fitted_sizes(
    grid: Grid, main: str, second: str | None, size: int, line: float, notes: bool = False
) -> tuple[int, int | None]:
    """The sizes a cell's text is drawn at (`fit_cell_text`): its main text's, and its
    subscript's or note's (None without one)."""
    fitted = fit_cell_text(grid, main, second, size, line, notes)[1]
    return fitted, None if second is None else second_size(fitted, notes)


def cell_text_corner(grid: Grid, row: int, col: int, mask_shape) -> tuple[int, int]:
    """The top-left pixel of a cell's text, centred on the cell."""
    x, y = cell_text_corners(grid, np.array(row), np.array(col), mask_shape)
    return int(x), int(y)


def cell_text_corners(
    grid: Grid, rows: np.ndarray, cols: np.ndarray, mask_shape
) -> tuple[np.ndarray, np.ndarray]:
    """The top-left pixels (x, y) of a text of `mask_shape` centred on each of the cells
    (`rows`, `cols`): the centre as `grid.point` finds it, rounded to even."""
    height, width = mask_shape
    (ox, oy), (ux, uy), (vx, vy) = grid.origin, grid.u, grid.v
    x = float(ox) + ((cols + 0.5) * float(ux) + (rows + 0.5) * float(vx)) - width / 2
    y = float(oy) + ((cols + 0.5) * float(uy) + (rows + 0.5) * float(vy)) - height / 2
    return np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)


def connector_lines(page: PageLayout, scene: Scene, frame) -> tuple[np.ndarray, np.ndarray]:
    """The arithmetic style's four lines from the corners of the cell being written (gather,
    conv) or scattered (scatter) on one plane to the corners of the kernel's footprint on the
    other: (starts, ends), each (4, 2) px; none, (0, 2), where the kernel is not shown (the
    scatter view's crop)."""
    lower, upper = page.grids["lower"], page.grids["upper"]
    if not len(frame.taps) or not len(frame.marks):
        return np.zeros((0, 2)), np.zeros((0, 2))
    if scene.kernel_plane == "upper":
        (row, col), box, near, far = frame.taps[0], frame.upper_box, lower, upper
    else:
        (row, col), box, near, far = frame.marks[0], frame.lower_box, upper, lower
    row, col = int(row), int(col)
    starts = np.array([_point(near, row + dr, col + dc) for dr, dc in _CORNERS])
    ends = np.array(
        [_point(far, (box.row0, box.row1)[dr], (box.col0, box.col1)[dc]) for dr, dc in _CORNERS]
    )
    return starts, ends


_CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _point(grid: Grid, row: int, col: int) -> tuple[float, float]:
    """`grid.point(row, col)` in Python floats (the same numbers, sooner)."""
    (ox, oy), (ux, uy), (vx, vy) = grid.origin, grid.u, grid.v
    return float(ox) + (col * float(ux) + row * float(vx)), float(oy) + (
        col * float(uy) + row * float(vy)
    )


def hatch_period(grid: Grid) -> int:
    """The spacing in px of the hatching's diagonal lines (x + y a multiple of it)."""
    det = abs(np.linalg.det(np.column_stack([grid.u, grid.v])))
    return max(4, round(det**0.5 / 4))


def dot_size(period: int) -> int:
    """The side in px of the dots pattern's squares, one at each (x, y) that are multiples of
    `period` (`hatch_period`), from there right and down."""
    return max(2, period // 3)


PLANE_DASHES, SWATCH_DASHES = 3, 2  # dashes along each edge of a cell
