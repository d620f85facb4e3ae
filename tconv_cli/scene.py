"""Frames as data: what each cell is and where the kernel stands, for every renderer.

A scene has two planes of cells, `lower` (what the kernel slides over) and `upper` (what it
writes), each a 2-d grid: a 1-d layer is one row. Axis 0 of a 2-d layer is rows, axis 1 columns.
Renderers draw the same scene; none of them does arithmetic.

Views:
- **gather** (the default): the zero-inserted input with `d·(k−1) − p_lo` cells before and
  `d·(k−1) − p_hi + op` after each axis; the flipped, dilated kernel slides with stride 1, one
  frame per output cell in raster order. Input elements cropped away by padding beyond
  `d·(k−1)` stay visible, marked CROPPED, outside the grid the kernel visits.
- **scatter**: one frame per input element: its kernel stamp lands on the uncropped output at
  `j·s + t·d`; cells that padding crops are marked CROPPED, output_padding's extra cells
  OUTPUT_PADDING; values accumulate.
- **conv**: the direct convolution: the padded input, the kernel (not flipped) stepping by `s`.
- **overlap**: one still: how many kernel taps reach each output cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import IntEnum

import numpy as np

from . import geometry as g
from .geometry import Axis, Layer

VIEWS = ("gather", "scatter", "conv", "overlap")


class Role(IntEnum):
    """What a cell is. Where the axes of a 2-d plane disagree, the larger value wins."""

    INPUT = 0
    OUTPUT = 1
    INSERTED = 2  # a zero put between input elements (stride)
    PADDING = 3  # a zero added around the input (d·(k−1) − p), or a direct conv's padding
    OUTPUT_PADDING = 4  # a cell added at the high end by output_padding
    CROPPED = 5  # a cell that padding removes (gather: input side; scatter: output side)


@dataclass(frozen=True)
class Plane:
    """A grid of cells: `roles` (rows, cols) of Role, `values` the same shape or None."""

    roles: np.ndarray
    values: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.roles.shape


@dataclass(frozen=True)
class Box:
    """Cells `[row0, row1) × [col0, col1)` of a plane: the kernel's footprint."""

    row0: int
    col0: int
    row1: int
    col1: int


@dataclass(frozen=True)
class Frame:
    """One step: where the kernel stands on each plane and what the upper plane shows.

    `taps` are lower-plane cells under the kernel's taps (gather, conv) or the input element
    being scattered; `marks` are upper-plane cells being written now; `weights` are the kernel
    weights drawn at the taps (gather, conv) or at the marks (scatter), None without values.
    `done` is the upper cells finished before this frame; `upper_values` what they hold now
    (NaN where nothing is written yet), None without values.
    """

    index: int
    lower_box: Box | None
    taps: np.ndarray  # (T, 2) rows, cols
    upper_box: Box | None
    marks: np.ndarray  # (M, 2)
    weights: np.ndarray | None
    done: np.ndarray  # (rows, cols) bool
    upper_values: np.ndarray | None


@dataclass(frozen=True)
class Scene:
    """The frames of one view of one layer.

    Per frame `n`: `windows[n]` is where the kernel's first tap stands, on the lower plane
    (gather, conv) or the upper one (scatter); `cells[n]` the output cell written (gather, conv)
    or the input element scattered (scatter). `offsets` are the taps relative to the window,
    `kernel` the weights drawn at them (flipped for gather).
    """

    view: str
    layer: Layer
    lower: Plane | None
    upper: Plane
    caption: str
    kernel: np.ndarray | None  # 2-d
    offsets: np.ndarray  # (T, 2)
    windows: np.ndarray  # (F, 2)
    cells: np.ndarray  # (F, 2)

    @property
    def frame_count(self) -> int:
        return max(len(self.cells), 1)

    def __iter__(self) -> Iterator[Frame]:
        return (self.frame(n) for n in range(self.frame_count))

    def frame(self, n: int) -> Frame:
        if not 0 <= n < self.frame_count:
            raise IndexError(f"frame {n} of a scene of {self.frame_count}")
        weights = None if self.kernel is None else self.kernel.ravel()
        if self.view == "overlap":
            empty = np.zeros((0, 2), int)
            return Frame(0, None, empty, None, empty, None,
                         np.ones(self.upper.shape, bool), self.upper.values)
        window, cell = self.windows[n], self.cells[n]
        box = Box(*(int(v) for v in (*window, *(window + self.offsets[-1] + 1))))
        if self.view == "scatter":
            stamped = (self.windows[:n, None, :] + self.offsets).reshape(-1, 2)
            done = np.zeros(self.upper.shape, bool)
            done[tuple(stamped.T)] = True
            values = None
            if self.upper.values is not None:
                values = _scattered(self, n)
            return Frame(n, None, cell[None], box, window + self.offsets, weights, done, values)
        done = (np.arange(self.upper.roles.size) < n).reshape(self.upper.shape)
        values = None
        if self.upper.values is not None:
            values = np.where(done, self.upper.values, np.nan)
            values[tuple(cell)] = self.upper.values[tuple(cell)]
        return Frame(n, box, window + self.offsets, None, cell[None], weights, done, values)


def frame_sizes(layer: Layer, view: str) -> list[int]:
    """The cells the frames run over: output cells (gather, conv) or input elements (scatter)."""
    return {
        "gather": [a.output for a in layer],
        "conv": [a.conv_output for a in layer],
        "scatter": [a.size for a in layer],
        "overlap": [1],
    }[view]


def frame_count(layer: Layer, view: str) -> int:
    """Frames the view has, without building it (to refuse huge animations early)."""
    count = 1
    for n in frame_sizes(layer, view):
        count *= n
    return count


def build(
    layer: Layer, view: str = "gather", x: np.ndarray | None = None, w: np.ndarray | None = None
) -> Scene:
    """The scene of a 1-d or 2-d layer; with `x` and `w` (spatial, one channel) the values too.

    The layer must be valid for the view (`check_transposed`, or `check_conv` for "conv").
    """
    if len(layer) not in (1, 2):
        raise ValueError("scenes are 1-d or 2-d")
    if (x is None) != (w is None):
        raise ValueError("give both x and w, or neither")
    return _BUILDERS[view](layer, x, w)


# ---------------------------------------------------------------------------------------------
# Per-axis roles. Each returns (roles, origin): origin is the plane index of coordinate 0 of
# the view's own coordinates (zero-inserted input for gather, uncropped output for scatter).


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


def _gather_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Gather plane along one axis: the grid plus any cropped part of the zero-inserted input."""
    first = min(-a.frame_lo, 0)
    last = max(a.zero_inserted, a.grid_length - a.frame_lo)
    z = np.arange(first, last)
    roles = _gather_roles_at(a, z)
    in_grid = (z >= -a.frame_lo) & (z < a.grid_length - a.frame_lo)
    roles[~in_grid] = Role.CROPPED
    return roles, -first


def _scatter_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Uncropped output along one axis: q = j·s + t·d; the layer's output is q ∈ [p_lo, p_lo+o)."""
    full = (a.size - 1) * a.stride + a.extent
    first = min(0, a.pad_lo)
    last = max(full, a.pad_lo + a.output)
    q = np.arange(first, last)
    roles = np.full(q.shape, Role.CROPPED, dtype=np.int8)
    in_output = (q >= a.pad_lo) & (q < a.pad_lo + a.output)
    roles[in_output] = Role.OUTPUT
    roles[in_output & (q >= full)] = Role.OUTPUT_PADDING
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


# ---------------------------------------------------------------------------------------------
# Builders.


def _values(layer: Layer, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    from . import numeric

    return _as_2d(numeric.conv_transpose(x[None], w[None, None], layer)[0].astype(float))


def _build_gather(layer: Layer, x, w) -> Scene:
    axes = [_gather_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        from . import numeric

        lower_values = np.zeros([len(roles) for roles, _ in axes])
        # the zero-inserted input at its place in the plane, cropped elements included
        places = tuple(slice(origin, origin + a.zero_inserted, a.stride)
                       for a, (_, origin) in zip(layer, axes))
        lower_values[places] = x
        lower_values = _as_2d(lower_values)
        upper_values = _values(layer, x, w)
        kernel = _as_2d(numeric.flip(w).astype(float))
    cells = _raster([a.output for a in layer])
    # output cell q's window starts at grid position q, i.e. after any cropped cells
    first = [origin - a.frame_lo for a, (_, origin) in zip(layer, axes)]
    return Scene(
        view="gather", layer=layer,
        lower=Plane(_combine([roles for roles, _ in axes]), lower_values),
        upper=Plane(_output_roles([a.output for a in layer]), upper_values),
        caption=_caption(layer, "gather"), kernel=kernel, offsets=_offsets(layer),
        windows=_pairs(cells + first), cells=_pairs(cells),
    )


def _build_conv(layer: Layer, x, w) -> Scene:
    axes = [_conv_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        lower_values = np.zeros([len(roles) for roles, _ in axes])
        lower_values[tuple(slice(o, o + a.size) for a, (_, o) in zip(layer, axes))] = x
        lower_values = _as_2d(lower_values)
        from . import numeric

        upper_values = _as_2d(numeric.conv(x, w, layer).astype(float))
        kernel = _as_2d(w.astype(float))
    cells = _raster([a.conv_output for a in layer])
    return Scene(
        view="conv", layer=layer,
        lower=Plane(_combine([roles for roles, _ in axes]), lower_values),
        upper=Plane(_output_roles([a.conv_output for a in layer]), upper_values),
        caption=_caption(layer, "conv"), kernel=kernel, offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer]), cells=_pairs(cells),
    )


def _build_scatter(layer: Layer, x, w) -> Scene:
    axes = [_scatter_axis(a) for a in layer]
    roles = _combine([r for r, _ in axes])
    cells = _raster([a.size for a in layer])
    return Scene(
        view="scatter", layer=layer,
        lower=Plane(_output_roles([a.size for a in layer], Role.INPUT),
                    None if x is None else _as_2d(x.astype(float))),
        upper=Plane(roles, None if x is None else np.full(roles.shape, np.nan)),
        caption=_caption(layer, "scatter"),
        kernel=None if w is None else _as_2d(w.astype(float)), offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer] + [o for _, o in axes]),
        cells=_pairs(cells),
    )


def _build_overlap(layer: Layer, x, w) -> Scene:
    counts = np.ones((), dtype=float)
    for a in layer:
        line = np.array([g.taps_at(a, o + a.pad_lo) for o in range(a.output)], dtype=float)
        counts = counts[..., None] * line
    empty = np.zeros((0, 2), int)
    pattern = "uneven inside: a checkerboard" if any(g.overlap(a).uneven for a in layer) else (
        "even inside")
    caption = (f"{g.constructor(layer)}: {counts.min():g} to {counts.max():g} kernel taps per "
               f"output cell, {pattern}")
    return Scene(
        view="overlap", layer=layer, lower=None,
        upper=Plane(_output_roles([a.output for a in layer]), _as_2d(counts)),
        caption=caption, kernel=None, offsets=empty, windows=empty, cells=empty,
    )


def _output_roles(sizes: list[int], role: Role = Role.OUTPUT) -> np.ndarray:
    return _as_2d(np.full(sizes, role, np.int8))


def _scattered(scene: Scene, n: int) -> np.ndarray:
    """The upper plane after input elements 0…n have stamped `value × kernel` on it (NaN where
    no stamp reached yet): the transposed convolution of those elements alone, uncropped."""
    from . import numeric

    layer = scene.layer
    rank = len(layer)
    x = scene.lower.values.reshape([a.size for a in layer]).copy()
    x.reshape(-1)[n + 1:] = 0  # the elements still to come
    origins = scene.windows[0][-rank:]  # where the uncropped output's position 0 lies
    lengths = scene.upper.shape[-rank:]
    plane = tuple(  # the whole plane as the output: pads crop (or add) up to its ends
        replace(a, pad_lo=-int(o), pad_hi=(a.size - 1) * a.stride + a.extent + int(o) - length,
                output_padding=0)
        for a, o, length in zip(layer, origins, lengths)
    )
    sums = _as_2d(numeric.conv_transpose(x[None], scene.kernel.reshape(
        [a.kernel for a in layer])[None, None], plane)[0])
    places = (scene.windows[: n + 1, None, :] + scene.offsets).reshape(-1, 2)
    touched = np.zeros(scene.upper.shape, bool)
    touched[tuple(places.T)] = True
    return np.where(touched, sums, np.nan)


def _caption(layer: Layer, view: str) -> str:
    return g.constructor(layer, transposed=view != "conv")


_BUILDERS = {"gather": _build_gather, "conv": _build_conv, "scatter": _build_scatter,
             "overlap": _build_overlap}
