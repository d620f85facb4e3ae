"""Per-axis roles: each plane's cells along one axis (input, inserted zero, padding,
output_padding, cropped) and the planes' shapes, for each view, combined into 2-d grids.

Each `_…_axis` returns (roles, origin): origin is the plane index of coordinate 0 of the view's
own coordinates (zero-inserted input for gather, uncropped output for scatter)."""

from __future__ import annotations

import numpy as np

from ..geometry import Axis, Layer
from .cells import (
    Role,
)
from .counts import frame_sizes


def axis_roles(a: Axis) -> np.ndarray:
    """The role of each position of one axis of the gather grid (no cropped cells)."""
    z = np.arange(a.grid_length) - a.frame_lo  # position in the zero-inserted input
    return _gather_roles_at(a, z)


def _gather_roles_at(a: Axis, z: np.ndarray) -> np.ndarray:
    roles = np.full(z.shape, Role.PADDING, dtype=np.int8)
    inside = (z >= 0) & (z < a.zero_inserted)
    roles[inside] = np.where(z[inside] % a.stride == 0, Role.INPUT, Role.INSERTED)
    # output_padding's cells come last; when padding crops the end, they may be cropped too
    roles[z >= a.zero_inserted + max(0, a.frame_hi - a.output_padding)] = Role.OUTPUT_PADDING
    return roles


def grid_roles(layer: Layer) -> np.ndarray:
    """The role of every cell of the N-d gather grid (what `numeric.zero_insert_and_pad` gives)."""
    return _combine([axis_roles(a) for a in layer])


def _gather_span(a: Axis) -> tuple[int, int]:
    """The gather plane along one axis, in zero-inserted coordinates: the grid plus any
    cropped part of the zero-inserted input."""
    return min(-a.frame_lo, 0), max(a.zero_inserted, a.grid_length - a.frame_lo)


def _scatter_span(a: Axis) -> tuple[int, int]:
    """The scatter plane along one axis, in uncropped-output coordinates."""
    return min(0, a.pad_lo), max(a.full, a.pad_lo + a.output)


def plane_shapes(layer: Layer, view: str) -> list[tuple[int, int] | None]:
    """The (rows, cols) of the lower and upper planes of a view, without building it (to
    refuse a picture too large before any array is made)."""

    def length(span: tuple[int, int]) -> int:
        return span[1] - span[0]

    lower = {
        "gather": [length(_gather_span(a)) for a in layer],
        "scatter": [a.size for a in layer],
        "conv": [a.size + a.pad_lo + a.pad_hi for a in layer],
        "overlap": None,
    }[view]
    upper = (
        [length(_scatter_span(a)) for a in layer]
        if view == "scatter"
        else frame_sizes(layer, "gather" if view == "overlap" else view)
    )
    return [
        None if sizes is None else (1, sizes[0]) if len(sizes) == 1 else tuple(sizes)
        for sizes in (lower, upper)
    ]


def _gather_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Gather plane along one axis: the grid plus any cropped part of the zero-inserted input."""
    first, last = _gather_span(a)
    z = np.arange(first, last)
    roles = _gather_roles_at(a, z)
    in_grid = (z >= -a.frame_lo) & (z < a.grid_length - a.frame_lo)
    roles[~in_grid] = Role.CROPPED
    return roles, -first


def _scatter_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Uncropped output along one axis: q = j·s + t·d; the layer's output is q ∈ [p_lo, p_lo+o)."""
    first, last = _scatter_span(a)
    q = np.arange(first, last)
    roles = np.full(q.shape, Role.CROPPED, dtype=np.int8)
    in_output = (q >= a.pad_lo) & (q < a.pad_lo + a.output)
    roles[in_output] = Role.OUTPUT
    roles[in_output & (q >= a.full)] = Role.OUTPUT_PADDING
    return roles, -first


def _conv_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Padded input of the direct convolution along one axis."""
    n = np.arange(-a.pad_lo, a.size + a.pad_hi)
    roles = np.where((n >= 0) & (n < a.size), Role.INPUT, Role.PADDING).astype(np.int8)
    return roles, a.pad_lo


def _combine(per_axis: list[np.ndarray]) -> np.ndarray:
    """N-d roles from per-axis ones, as a 2-d plane (a 1-d layer is one row)."""
    roles = np.zeros((), dtype=np.int8)
    for axis in per_axis:
        roles = np.maximum(roles[..., None], axis)
    return roles.reshape(1, -1) if roles.ndim == 1 else roles


def _as_2d(array: np.ndarray) -> np.ndarray:
    return array.reshape(1, -1) if array.ndim == 1 else array


def _pairs(points: np.ndarray) -> np.ndarray:
    """(n, rank) points as (n, 2) rows and columns: a 1-d layer's points lie on row 0."""
    return np.column_stack([np.zeros(len(points), int), points]) if points.shape[1] == 1 else points


def _raster(sizes: list[int]) -> np.ndarray:
    """Every cell of a grid in raster order, (n, rank)."""
    return np.indices(sizes).reshape(len(sizes), -1).T


def _offsets(layer: Layer) -> np.ndarray:
    """(T, 2) offsets of the kernel's taps, `t·d`, in raster order of the kernel."""
    return _pairs(_raster([a.kernel for a in layer]) * [a.dilation for a in layer])
