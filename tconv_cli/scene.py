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


class Mark(IntEnum):
    """The kernel's progress over the planes, beyond the cells' roles (for legends)."""

    KERNEL = 10  # a cell under one of the kernel's taps
    DONE = 11  # an upper cell written in an earlier frame
    NOW = 12  # an upper cell being written in this frame
    PENDING = 13  # an output cell still to do
    SOURCE = 14  # the input element being scattered


@dataclass(frozen=True)
class LegendEntry:
    """One kind of cell a picture shows, and its name."""

    key: Role | Mark
    name: str


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
class Kernel:
    """A kernel drawn beside the planes, so the flip shows: `name` ("kernel", "flipped
    kernel"); `values` its weights (rows, cols), None without values; `taps` the name of
    each tap in the unflipped kernel (a, b, c, … in raster order), so a flipped kernel reads
    i … a even without values; `used`: this is the kernel the view slides (its weights are the
    ones at the taps), drawn as the taps are."""

    name: str
    values: np.ndarray | None
    taps: np.ndarray  # (rows, cols) of str
    used: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.taps.shape


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
    `done` is the upper cells finished before this frame; `pending` the output cells still to
    do (neither done nor written now). `upper_values` is what the upper cells hold now (NaN
    where nothing is written yet); `lower_numbers` and `upper_numbers` the numbers shown in
    each cell now (NaN: none). All three are None without values.
    """

    index: int
    lower_box: Box | None
    taps: np.ndarray  # (T, 2) rows, cols
    upper_box: Box | None
    marks: np.ndarray  # (M, 2)
    weights: np.ndarray | None
    done: np.ndarray  # (rows, cols) bool
    pending: np.ndarray  # (rows, cols) bool
    upper_values: np.ndarray | None
    lower_numbers: np.ndarray | None
    upper_numbers: np.ndarray | None


@dataclass(frozen=True)
class Scene:
    """The frames of one view of one layer.

    Per frame `n`: `windows[n]` is where the kernel's first tap stands, on the lower plane
    (gather, conv) or the upper one (scatter); `cells[n]` the output cell written (gather, conv)
    or the input element scattered (scatter). `offsets` are the taps relative to the window,
    `kernel` the weights drawn at them (flipped for gather). `titles` name the lower and upper
    planes, `legend` the kinds of cells shown; the kernel's weights are drawn on the plane
    `kernel_plane`; `counts`: the upper plane is shaded by its numbers (overlap). `kernels`
    are the kernels shown beside the planes: the kernel and, where the view flips it (gather),
    the flipped kernel it slides; none in the overlap view.
    """

    view: str
    layer: Layer
    lower: Plane | None
    upper: Plane
    caption: str
    titles: tuple[str | None, str]
    legend: tuple[LegendEntry, ...]
    kernel: np.ndarray | None  # 2-d
    offsets: np.ndarray  # (T, 2)
    windows: np.ndarray  # (F, 2)
    cells: np.ndarray  # (F, 2)
    kernels: tuple[Kernel, ...] = ()

    @property
    def kernel_plane(self) -> str:
        return "upper" if self.view == "scatter" else "lower"

    @property
    def counts(self) -> bool:
        return self.view == "overlap"

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
            none = np.zeros(self.upper.shape, bool)
            return Frame(0, None, empty, None, empty, None, ~none, none, self.upper.values,
                         None, self.upper.values)
        window, cell = self.windows[n], self.cells[n]
        box = Box(*(int(v) for v in (*window, *(window + self.offsets[-1] + 1))))
        if self.view == "scatter":
            stamped = (self.windows[:n, None, :] + self.offsets).reshape(-1, 2)
            done = np.zeros(self.upper.shape, bool)
            done[tuple(stamped.T)] = True
            upper = None if self.upper.values is None else _scattered(self, n)
            taps, marks, lower_box, upper_box = cell[None], window + self.offsets, None, box
        else:
            done = (np.arange(self.upper.roles.size) < n).reshape(self.upper.shape)
            upper = None
            if self.upper.values is not None:
                upper = np.where(done, self.upper.values, np.nan)
                upper[tuple(cell)] = self.upper.values[tuple(cell)]
            taps, marks, lower_box, upper_box = window + self.offsets, cell[None], box, None
        now = np.zeros(self.upper.shape, bool)
        now[tuple(marks.T)] = True
        pending = (self.upper.roles == Role.OUTPUT) & ~done & ~now
        return Frame(n, lower_box, taps, upper_box, marks, weights, done, pending, upper,
                     self._shown(self.lower, taps), self._shown_upper(upper, now))

    @staticmethod
    def _shown(plane: Plane, taps: np.ndarray) -> np.ndarray | None:
        """The lower plane's numbers: the input's values, and whatever is under the kernel."""
        if plane.values is None:
            return None
        shown = np.where(plane.roles == Role.INPUT, plane.values, np.nan)
        shown[tuple(taps.T)] = plane.values[tuple(taps.T)]
        return shown

    def _shown_upper(self, values: np.ndarray | None, now: np.ndarray) -> np.ndarray | None:
        """The upper plane's numbers: written cells, except those padding crops (unless the
        kernel writes them now): a cropped cell reads as cropped."""
        if values is None:
            return None
        return np.where((self.upper.roles != Role.CROPPED) | now, values, np.nan)


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
    upper = [length(_scatter_span(a)) for a in layer] if view == "scatter" else frame_sizes(
        layer, "gather" if view == "overlap" else view)
    return [None if sizes is None else (1, sizes[0]) if len(sizes) == 1 else tuple(sizes)
            for sizes in (lower, upper)]


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
        **_words("gather", Plane(_combine([roles for roles, _ in axes]), lower_values),
                 Plane(_output_roles([a.output for a in layer]), upper_values)),
        caption=_caption(layer, "gather"), kernel=kernel, offsets=_offsets(layer),
        windows=_pairs(cells + first), cells=_pairs(cells), kernels=_kernels(layer, w, True),
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
        **_words("conv", Plane(_combine([roles for roles, _ in axes]), lower_values),
                 Plane(_output_roles([a.conv_output for a in layer]), upper_values)),
        caption=_caption(layer, "conv"), kernel=kernel, offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer]), cells=_pairs(cells),
        kernels=_kernels(layer, w, False),
    )


def _build_scatter(layer: Layer, x, w) -> Scene:
    axes = [_scatter_axis(a) for a in layer]
    roles = _combine([r for r, _ in axes])
    cells = _raster([a.size for a in layer])
    return Scene(
        view="scatter", layer=layer,
        **_words("scatter", Plane(_output_roles([a.size for a in layer], Role.INPUT),
                                  None if x is None else _as_2d(x.astype(float))),
                 Plane(roles, None if x is None else np.full(roles.shape, np.nan))),
        caption=_caption(layer, "scatter"),
        kernel=None if w is None else _as_2d(w.astype(float)), offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer] + [o for _, o in axes]),
        cells=_pairs(cells), kernels=_kernels(layer, w, False),
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
        view="overlap", layer=layer,
        **_words("overlap", None, Plane(_output_roles([a.output for a in layer]),
                                        _as_2d(counts))),
        caption=caption, kernel=None, offsets=empty, windows=empty, cells=empty,
    )


def tap_names(count: int) -> list[str]:
    """Names for `count` kernel taps in raster order: a, b, …, z, then aa, ab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    names, width = [], 1
    while len(names) < count:
        names += ["".join(letters[n // 26**i % 26] for i in reversed(range(width)))
                  for n in range(min(26**width, count - len(names)))]
        width += 1
    return names


def _kernels(layer: Layer, w: np.ndarray | None, flipped: bool) -> tuple[Kernel, ...]:
    """The kernel beside the planes and, when the view slides it `flipped`, the flipped one
    (the one used): its taps in reverse order along every axis."""
    from . import numeric

    sizes = [a.kernel for a in layer]
    taps = _as_2d(np.array(tap_names(int(np.prod(sizes)))).reshape(sizes))
    values = None if w is None else _as_2d(np.asarray(w, float))
    kernel = Kernel("kernel", values, taps, used=not flipped)
    if not flipped:
        return (kernel,)
    return kernel, Kernel("flipped kernel", None if w is None else _as_2d(
        numeric.flip(np.asarray(w, float))), _as_2d(np.flip(taps.reshape(sizes))), used=True)


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
        replace(a, pad_lo=-int(o), pad_hi=a.full + int(o) - length,
                output_padding=0)
        for a, o, length in zip(layer, origins, lengths)
    )
    sums = _as_2d(numeric.conv_transpose(x[None], scene.kernel.reshape(
        [a.kernel for a in layer])[None, None], plane)[0])
    places = (scene.windows[: n + 1, None, :] + scene.offsets).reshape(-1, 2)
    touched = np.zeros(scene.upper.shape, bool)
    touched[tuple(places.T)] = True
    return np.where(touched, sums, np.nan)


_ROLE_NAMES = {
    Role.INPUT: "input", Role.INSERTED: "inserted zero", Role.PADDING: "padding",
    Role.OUTPUT_PADDING: "output_padding", Role.CROPPED: "cropped",
}
_PROGRESS = {  # the kernel's progress, named for every view that has frames
    "gather": (LegendEntry(Mark.KERNEL, "kernel"), LegendEntry(Mark.DONE, "done"),
               LegendEntry(Mark.NOW, "now"), LegendEntry(Mark.PENDING, "to do")),
    "scatter": (LegendEntry(Mark.SOURCE, "scattered now"), LegendEntry(Mark.DONE, "done"),
                LegendEntry(Mark.NOW, "stamp"), LegendEntry(Mark.PENDING, "to do")),
    "overlap": (),
}
_PROGRESS["conv"] = _PROGRESS["gather"]


def _words(view: str, lower: Plane | None, upper: Plane) -> dict:
    """The planes with their titles and the legend: only what this scene really shows (no
    "zero-inserted" without inserted zeros, no "padded" without padding)."""
    lower_roles = set() if lower is None else set(np.unique(lower.roles).tolist())
    upper_roles = set(np.unique(upper.roles).tolist())
    if view == "overlap":
        titles = (None, "kernel taps per output cell")
    elif view == "scatter":
        titles = ("input", "output, uncropped" if Role.CROPPED in upper_roles else "output")
    else:  # what this layer did to its input: "zero-inserted, padded input", "input", …
        done_to_input = [word for roles, word in (
            ({Role.INSERTED}, "zero-inserted"),
            ({Role.PADDING, Role.OUTPUT_PADDING}, "padded"), ({Role.CROPPED}, "cropped"),
        ) if roles & lower_roles]
        titles = (" ".join([", ".join(done_to_input)] * bool(done_to_input) + ["input"]),
                  "output")
    legend = tuple(LegendEntry(role, name) for role, name in _ROLE_NAMES.items()
                   if role in lower_roles | upper_roles)
    legend += _PROGRESS[view]
    return {"lower": lower, "upper": upper, "titles": titles, "legend": legend}


def _caption(layer: Layer, view: str) -> str:
    return g.constructor(layer, transposed=view != "conv")


_BUILDERS = {"gather": _build_gather, "conv": _build_conv, "scatter": _build_scatter,
             "overlap": _build_overlap}
