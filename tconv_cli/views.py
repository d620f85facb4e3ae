"""Views that compare, as frames of data: what each panel shows, for the renderer to draw.

A comparing view is a `Board`: named panels (grids of cells, each cell a look of the palette:
a scene `Role`, `Mark` or `Shade`), placed in rows, a caption, a legend, and per frame what
each panel shows (`states`), the lines that join a cell of one panel to the cells it reaches
in another (`links`) and one sentence (`line`). Everything said is decided here, with the
numbers from `numeric`; `render.views` only draws.

- **pair**: the direct convolution (Conv with the same kernel_size, stride, padding and
  dilation, which maps the transposed layer's output size back to its input size) above its
  transposed counterpart, one frame per input cell `j` of the transposed layer: the conv's
  output `j` reads exactly the cells that the transposed conv's input `j` writes, with the same
  taps (a…i of W on both). The conv's padding is the transposed conv's crop.
- **matrix**: `y = Cᵀx` frame by frame: `C` (the direct convolution's matrix, `numeric.
  conv_matrix`) and `Cᵀ` as grids, nonzero entries shaded with their tap (or weight), the
  current row of `Cᵀ` (column of `C`) lit, `x` and `y` as vectors beside it.
- **resize**: nearest-neighbour upsampling by the stride, then a stride-1 convolution with the
  same kernel size (padded to give the same output size) above the transposed convolution,
  each with its overlap map: how many kernel taps reach an input cell for each output cell.
  The first is even inside, the second uneven (a checkerboard) when the stride does not divide
  the kernel: distill.pub's "Deconvolution and Checkerboard Artifacts".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import geometry as g
from .errors import ParameterError
from .geometry import Axis, Layer, split_padding
from .scene import Box, CellStates, LegendEntry, Mark, Role, Shade, number_text, tap_names

VIEWS = ("pair", "matrix", "resize")
MAX_MATRIX_ENTRIES = 40_000  # C's entries: beyond that a matrix is not a picture


@dataclass(frozen=True)
class Panel:
    """A grid of cells on the board: `keys` (rows, cols) each cell's look when nothing is going
    on; `place` its (row, column) on the board, left to right within a row; `title` above it;
    `before` a sign between it and the panel on its left ("·", "="); `glyphs` a small text in
    each cell that shows no other ("0" on an inserted zero), or None."""

    name: str
    title: str
    keys: np.ndarray
    place: tuple[int, int]
    before: str = ""
    glyphs: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.keys.shape


@dataclass(frozen=True)
class Link:
    """Lines from the corners of `cell` of panel `start` to the corners of `box` of panel
    `end`: where a kernel reads or writes."""

    start: str
    cell: tuple[int, int]
    end: str
    box: Box


@dataclass(frozen=True)
class Board:
    """A comparing view of one layer: its panels and, per frame n, `states(n)` (each panel's
    CellStates by name), `links(n)` and `line(n)` (a sentence under the panels)."""

    view: str
    layer: Layer
    caption: str
    panels: tuple[Panel, ...]
    legend: tuple[LegendEntry, ...]
    frame_count: int
    values: bool
    _states: object = field(repr=False)  # n -> dict[str, CellStates]
    _links: object = field(repr=False)  # n -> tuple[Link, ...]
    _lines: tuple[str, ...] = field(repr=False)

    def states(self, n: int) -> dict[str, CellStates]:
        self._check(n)
        return self._states(n)

    def links(self, n: int) -> tuple[Link, ...]:
        self._check(n)
        return self._links(n)

    def line(self, n: int) -> str:
        self._check(n)
        return self._lines[n]

    @property
    def lines(self) -> tuple[str, ...]:
        return self._lines

    def panel(self, name: str) -> Panel:
        return next(p for p in self.panels if p.name == name)

    def _check(self, n: int) -> None:
        if not 0 <= n < self.frame_count:
            raise IndexError(f"frame {n} of a board of {self.frame_count}")


# ---------------------------------------------------------------------------------------------
# Sizes, before anything is built (picture budgets).


def check(layer: Layer, view: str, values: bool = False) -> None:
    """Refuse a layer the view cannot show, naming the option, the value and the rule."""
    if view == "pair":
        for a in layer:
            if a.pad_lo < 0 or a.pad_hi < 0:
                raise ParameterError(
                    "padding",
                    g.pad_text(a),
                    "must be at least 0 for the pair "
                    "view: the direct convolution pads, it does not crop",
                )
            if a.output_padding >= a.stride:
                raise ParameterError(
                    "output_padding",
                    a.output_padding,
                    f"must be below the "
                    f"stride ({a.stride}) for the pair view: the direct "
                    f"convolution of the {a.output}-cell output has "
                    f"{_conv_axis(a).conv_output} outputs, not {a.size}",
                )
    if view in ("pair", "resize") and values:
        raise ParameterError(
            "values",
            True,
            f"is not shown by the {view} view: it shows "
            "where the kernel reads and writes (values: gather, scatter or "
            "matrix)",
        )
    if view == "matrix":
        entries = _count(layer, "size") * _count(layer, "output")
        if entries > MAX_MATRIX_ENTRIES:
            raise ParameterError(
                "input",
                "×".join(str(a.size) for a in layer),
                f"makes a "
                f"matrix C of {entries:,} entries for the matrix view, more "
                f"than the {MAX_MATRIX_ENTRIES:,} a picture can show: take a "
                "smaller input",
            )


def frame_count(layer: Layer, view: str, values: bool = False) -> int:
    """Frames of a view: one per input cell (pair) or output cell (matrix, resize)."""
    return _count(layer, "size" if view == "pair" else "output")


def frames_described(layer: Layer, view: str, values: bool = False) -> str:
    sizes = "×".join(str(getattr(a, "size" if view == "pair" else "output")) for a in layer)
    return f"one per {'input' if view == 'pair' else 'output'} cell, {sizes}"


def plane_shapes(layer: Layer, view: str) -> list[tuple[int, int]]:
    """The (rows, cols) of the panels of one board row, side by side (for budgets)."""

    def shape(sizes):
        return (1, sizes[0]) if len(sizes) == 1 else tuple(sizes)

    if view == "pair":
        return [shape([a.full + a.output_padding for a in layer]), shape([a.size for a in layer])]
    if view == "matrix":
        n_in, n_out = _count(layer, "size"), _count(layer, "output")
        return [(n_out, n_in), (n_in, 1), (n_out, 1), (n_in, n_out)]
    return [
        shape([_resize_span(a)[1] - _resize_span(a)[0] for a in layer]),
        shape([a.output for a in layer]),
    ]


def _count(layer: Layer, name: str) -> int:
    count = 1
    for a in layer:
        count *= getattr(a, name)
    return count


# ---------------------------------------------------------------------------------------------
# Numbers (numeric does the arithmetic; these say which layer it is done for).


def _conv_axis(a: Axis) -> Axis:
    """The direct convolution `pair` shows along one axis: the transposed layer's output size
    in, the same kernel, stride, padding and dilation."""
    return Axis(a.output, a.kernel, a.stride, a.pad_lo, a.pad_hi, a.dilation)


def direct_conv(layer: Layer) -> Layer:
    """The direct convolution that maps the layer's output size back to its input size."""
    return tuple(_conv_axis(a) for a in layer)


def resize_conv(layer: Layer) -> Layer:
    """The stride-1 convolution after nearest upsampling by the stride that gives the layer's
    output size: input `i·s`, the same kernel and dilation, `o − i·s + d·(k−1)` cells of
    padding in all, the odd one at the end (negative: a crop)."""
    axes = []
    for a in layer:
        total = a.output - a.size * a.stride + a.dilation * (a.kernel - 1)
        axes.append(Axis(a.size * a.stride, a.kernel, 1, *split_padding(total), a.dilation))
    return tuple(axes)


def upsample(x: np.ndarray, layer: Layer) -> np.ndarray:
    """Nearest-neighbour upsampling of `x` by each axis's stride."""
    for axis, a in enumerate(layer):
        x = np.repeat(x, a.stride, axis=axis)
    return x


def transposed_overlap(layer: Layer) -> np.ndarray:
    """Kernel taps reaching each output cell of the transposed layer: the layer applied to an
    input of ones with a kernel of ones (a scatter of ones)."""
    from . import numeric

    ones = np.ones([a.size for a in layer], np.int64)
    kernel = np.ones([a.kernel for a in layer], np.int64)
    return numeric.conv_transpose(ones[None], kernel[None, None], layer)[0]


def resize_overlap(layer: Layer) -> np.ndarray:
    """Kernel taps on the upsampled input (not on padding) for each output cell of the resize
    convolution: that convolution of an upsampled input of ones with a kernel of ones."""
    from . import numeric

    conv = resize_conv(layer)
    ones = upsample(np.ones([a.size for a in layer], np.int64), layer)
    kept = tuple(slice(max(0, -a.pad_lo), a.size - max(0, -a.pad_hi)) for a in conv)
    padded = tuple(
        Axis(
            a.size - max(0, -a.pad_lo) - max(0, -a.pad_hi),
            a.kernel,
            1,
            max(0, a.pad_lo),
            max(0, a.pad_hi),
            a.dilation,
        )
        for a in conv
    )
    return numeric.conv(ones[kept], np.ones([a.kernel for a in layer], np.int64), padded)


def _resize_span(a: Axis) -> tuple[int, int]:
    """The resize view's upsampled plane along one axis, in upsampled coordinates: the
    upsampled input, its padding, and any part of it the convolution crops."""
    c = resize_conv((a,))[0]
    return min(0, -c.pad_lo), max(c.size, c.size + c.pad_hi)


# ---------------------------------------------------------------------------------------------
# Helpers.


def _as_2d(array: np.ndarray) -> np.ndarray:
    return array.reshape(1, -1) if array.ndim == 1 else array


def _combine(per_axis: list[np.ndarray]) -> np.ndarray:
    """A 2-d plane of looks from per-axis ones (the larger value wins, as in `scene`)."""
    keys = np.zeros((), np.int16)
    for axis in per_axis:
        keys = np.maximum(keys[..., None], axis)
    return _as_2d(keys)


def _raster(sizes: list[int]) -> np.ndarray:
    """Every cell of a grid in raster order, as (n, 2) rows and columns (1-d: row 0)."""
    cells = np.indices(sizes).reshape(len(sizes), -1).T
    return np.column_stack([np.zeros(len(cells), int), cells]) if len(sizes) == 1 else cells


def _offsets(layer: Layer) -> np.ndarray:
    """(T, 2) offsets of the kernel's taps, `t·d`, in raster order."""
    steps = [1, layer[0].dilation] if len(layer) == 1 else [a.dilation for a in layer]
    return _raster([a.kernel for a in layer]) * steps


def _box(cells: np.ndarray) -> Box:
    low, high = cells.min(axis=0), cells.max(axis=0) + 1
    return Box(int(low[0]), int(low[1]), int(high[0]), int(high[1]))


def _text_grid(shape, cells: np.ndarray, texts) -> np.ndarray:
    grid = np.full(shape, "", object)
    for (row, col), text in zip(cells, texts):
        grid[row, col] = text
    return grid


def _mask(shape, cells: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, bool)
    if len(cells):
        mask[tuple(np.asarray(cells).T)] = True
    return mask


def _progress(shape, n: int) -> np.ndarray:
    """An output's looks at step n of raster order: done, now, to do."""
    order = np.arange(shape[0] * shape[1]).reshape(shape)
    return np.where(order < n, Mark.DONE, np.where(order == n, Mark.NOW, Mark.PENDING)).astype(
        np.int16
    )


def _cell_name(cell, rank: int) -> str:
    """An output or input position as people write it: 3, or (1, 2)."""
    cell = [int(v) for v in cell][-rank:]
    return str(cell[0]) if rank == 1 else f"({', '.join(map(str, cell))})"


def _span_text(low: int, high: int) -> str:
    """Positions low…high-1: "-1…1", or one position alone."""
    return str(low) if high - low == 1 else f"{low}…{high - 1}"


def _placer(rank: int):
    """Where a panel of a 2 × 2 board goes: as asked in 2-d; in 1-d, where panels are single
    rows, one under the other (the lines between them then run across, not along, them)."""
    return (lambda row, col: (row, col)) if rank == 2 else (lambda row, col: (2 * row + col, 0))


def _sizes_text(sizes) -> str:
    return "x".join(map(str, sizes))


# ---------------------------------------------------------------------------------------------
# pair


def _build_pair(layer: Layer, x, w) -> Board:
    rank = len(layer)
    conv = direct_conv(layer)
    lengths = [a.full + a.output_padding for a in layer]  # = o + p_lo + p_hi
    conv_keys, tconv_keys = [], []
    for a, length in zip(layer, lengths):
        q = np.arange(length)
        inside = (q >= a.pad_lo) & (q < a.pad_lo + a.output)
        conv_keys.append(np.where(inside, Role.INPUT, Role.PADDING).astype(np.int16))
        keys = np.where(inside, Role.OUTPUT, Role.CROPPED)
        keys[inside & (q >= a.full)] = Role.OUTPUT_PADDING
        tconv_keys.append(keys.astype(np.int16))
    conv_in, tconv_out = _combine(conv_keys), _combine(tconv_keys)
    small = (1, layer[0].size) if rank == 1 else tuple(a.size for a in layer)
    cells = _raster([a.size for a in layer])
    strides = np.array([1, layer[0].stride] if rank == 1 else [a.stride for a in layer])
    offsets = _offsets(layer)
    windows = cells * strides  # the first tap, in padded (uncropped) coordinates
    letters = tap_names(len(offsets))
    pads = np.array([0, layer[0].pad_lo] if rank == 1 else [a.pad_lo for a in layer])
    cropped = tconv_out == Role.CROPPED

    def states(n: int) -> dict[str, CellStates]:
        taps = windows[n] + offsets
        box = _box(taps)
        texts = _text_grid(conv_in.shape, taps, letters)
        written = _mask(tconv_out.shape, (windows[:n, None, :] + offsets).reshape(-1, 2))
        now = _mask(tconv_out.shape, taps)
        out = tconv_out.copy()
        out[(tconv_out == Role.OUTPUT) & written] = Mark.DONE
        out[(tconv_out == Role.OUTPUT) & ~written & ~now] = Mark.PENDING
        out[cropped & (written | now)] = Mark.CROPPED_WRITTEN
        here = cells[n][None]
        return {
            "conv input": CellStates(conv_in, now, box, texts),
            "conv output": CellStates(_progress(small, n), _mask(small, here), None),
            "tconv input": CellStates(
                np.full(small, Role.INPUT, np.int16), _mask(small, here), None
            ),
            "tconv output": CellStates(out, now, box, texts.copy()),
        }

    def links(n: int) -> tuple[Link, ...]:
        box = _box(windows[n] + offsets)
        cell = tuple(int(v) for v in cells[n])
        return (
            Link("conv output", cell, "conv input", box),
            Link("tconv input", cell, "tconv output", box),
        )

    lines = []
    for n, cell in enumerate(cells):
        taps = windows[n] + offsets - pads
        spans = " x ".join(
            _span_text(lo, hi)
            for lo, hi in zip(taps.min(axis=0)[-rank:], taps.max(axis=0)[-rank:] + 1)
        )
        where = _cell_name(cell, rank)
        lines.append(
            f"conv output {where} reads cells {spans} of its input; transposed "
            f"input {where} writes x·{letters[0]} … x·{letters[-1]} to the same cells "
            "of its output"
        )
    out_sizes = _sizes_text([a.output for a in layer])
    in_sizes = _sizes_text([a.size for a in layer])
    roles = set(conv_in.ravel().tolist()) | set(tconv_out.ravel().tolist())
    legend = [LegendEntry(Role.INPUT, "input")]
    legend += [LegendEntry(Role.PADDING, "padding (conv)")] * (Role.PADDING in roles)
    legend += [LegendEntry(Role.CROPPED, "cropped (transposed)")] * (Role.CROPPED in roles)
    legend += [LegendEntry(Role.OUTPUT_PADDING, "output_padding")] * (Role.OUTPUT_PADDING in roles)
    legend += [
        LegendEntry(Mark.KERNEL, f"taps {letters[0]}…{letters[-1]} of W"),
        LegendEntry(Mark.DONE, "done"),
        LegendEntry(Mark.NOW, "now"),
        LegendEntry(Mark.PENDING, "to do"),
    ]
    padded = any(a.pad_lo or a.pad_hi for a in layer)
    place = _placer(rank)
    panels = (
        Panel(
            "conv input",
            f"{g.layer_name(rank, False)} reads its {out_sizes} input"
            + (", padded" if padded else ""),
            conv_in,
            place(0, 0),
        ),
        Panel("conv output", f"into its {in_sizes} output", _progress(small, 0), place(0, 1)),
        Panel(
            "tconv output",
            f"{g.layer_name(rank)} writes its {out_sizes} output"
            + (", uncropped" if padded else ""),
            tconv_out,
            place(1, 0),
        ),
        Panel(
            "tconv input",
            f"from its {in_sizes} input",
            np.full(small, Role.INPUT, np.int16),
            place(1, 1),
        ),
    )
    caption = (
        f"{g.constructor(conv, transposed=False)} maps {out_sizes} to {in_sizes}, "
        f"{g.constructor(layer)} maps {in_sizes} back to {out_sizes}; one kernel W: "
        "the conv's output j reads exactly the cells that the transposed conv's input j "
        "writes, with the same taps (the conv's padding is the transposed conv's crop)"
    )
    return Board(
        "pair",
        layer,
        caption,
        panels,
        tuple(legend),
        len(cells),
        False,
        states,
        links,
        tuple(lines),
    )


# ---------------------------------------------------------------------------------------------
# matrix


def _build_matrix(layer: Layer, x, w) -> Board:
    from . import numeric

    rank = len(layer)
    taps = _count(layer, "kernel")
    kernel_shape = [a.kernel for a in layer]
    # C with each entry the number of its tap (1…T; 0: no tap): the matrix of a kernel 1…T
    which = numeric.conv_matrix(np.arange(1, taps + 1).reshape(kernel_shape), layer).astype(int)
    letters = np.array([""] + tap_names(taps), object)
    if w is None:
        entry_texts = letters[which]
    else:
        c = numeric.conv_matrix(np.asarray(w, float), layer)
        entry_texts = np.where(which > 0, np.vectorize(number_text, otypes=[object])(c), "")
    n_in, n_out = which.shape
    c_keys = np.where(which > 0, Mark.KERNEL, Role.PADDING).astype(np.int16)
    x_flat = None if x is None else np.asarray(x, float).ravel()
    y_flat = None
    if x is not None:
        y_flat = (
            numeric.conv_transpose(np.asarray(x)[None], np.asarray(w)[None, None], layer)[0]
            .astype(float)
            .ravel()
        )
    x_texts = np.array(
        [str(j) if x_flat is None else number_text(x_flat[j]) for j in range(n_in)], object
    )
    y_names = np.array(
        [str(r) if y_flat is None else number_text(y_flat[r]) for r in range(n_out)], object
    )
    in_shape = (1, n_in) if rank == 1 else tuple(a.size for a in layer)
    out_shape = (1, n_out) if rank == 1 else tuple(a.output for a in layer)
    grids = rank == 2  # the vectors as the 2-d input and output they flatten

    def states(n: int) -> dict[str, CellStates]:
        reads = np.flatnonzero(which[:, n])  # the inputs row n of Cᵀ multiplies
        lit_t = c_keys.T.copy()
        lit_t[n] = np.where(which[:, n] > 0, Mark.NOW, Mark.PENDING)
        lit = c_keys.copy()
        lit[:, n] = lit_t[n]
        none = np.zeros_like(which, bool)
        y_texts = np.where(np.arange(n_out) <= n, y_names, "") if y_flat is not None else y_names
        shown = {
            "Ct": CellStates(lit_t, none.T, Box(n, 0, n + 1, n_in), entry_texts.T),
            "x": CellStates(
                np.full((n_in, 1), Role.INPUT, np.int16),
                _mask((n_in, 1), [(j, 0) for j in reads]),
                None,
                x_texts[:, None],
            ),
            "y": CellStates(
                _progress((n_out, 1), n),
                _mask((n_out, 1), [(n, 0)]),
                None,
                np.asarray(y_texts, object)[:, None],
            ),
            "C": CellStates(lit, none, Box(0, n, n_in, n + 1), entry_texts),
        }
        if grids:
            shown["input"] = CellStates(
                np.full(in_shape, Role.INPUT, np.int16),
                _mask(
                    in_shape,
                    np.argwhere(_mask((n_in, 1), [(j, 0) for j in reads]).reshape(in_shape)),
                ),
                None,
                x_texts.reshape(in_shape),
            )
            shown["output"] = CellStates(
                _progress(out_shape, n),
                _mask(out_shape, [divmod(n, out_shape[1])]),
                None,
                np.asarray(y_texts, object).reshape(out_shape),
            )
        return shown

    lines = []
    for r in range(n_out):
        reads = np.flatnonzero(which[:, r])
        terms = [
            f"{letters[which[j, r]] if w is None else entry_texts[j, r]}·"
            + (f"x{j}" if x_flat is None else _factor(x_flat[j]))
            for j in reads
        ]
        where = "" if rank == 1 else f" (output {_cell_name(divmod(r, out_shape[1]), 2)})"
        line = f"y{r}{where} = row {r} of C^T · x = " + (" + ".join(terms) or "0")
        if y_flat is not None and terms:
            line += f" = {number_text(y_flat[r])}"
        lines.append(line + ("" if terms else ": no input reaches it"))
    conv = g.constructor(layer, transposed=False)
    in_sizes = _sizes_text([a.size for a in layer])
    out_sizes = _sizes_text([a.output for a in layer])
    panels = [
        Panel("Ct", f"C^T ({n_out}x{n_in})", c_keys.T, (0, 0)),
        Panel("x", "x", np.full((n_in, 1), Role.INPUT, np.int16), (0, 1), "·"),
        Panel("y", "y", _progress((n_out, 1), 0), (0, 2), "="),
    ]
    if grids:
        panels += [
            Panel(
                "input",
                f"x as the {in_sizes} input",
                np.full(in_shape, Role.INPUT, np.int16),
                (0, 3),
            ),
            Panel("output", f"y as the {out_sizes} output", _progress(out_shape, 0), (0, 4)),
        ]
    panels.append(
        Panel("C", f"C ({n_in}x{n_out}): {conv} as a matrix, conv(v) = C·v", c_keys, (1, 0))
    )
    tap_note = "a weight of W" if w is not None else f"a tap of W ({letters[1]}…{letters[-1]})"
    legend = (
        LegendEntry(Mark.KERNEL, tap_note),
        LegendEntry(Role.PADDING, "0"),
        LegendEntry(Role.INPUT, "x" + (" (index)" if x is None else "")),
        LegendEntry(Mark.NOW, "this row of C^T, this y"),
        LegendEntry(Mark.DONE, "done"),
        LegendEntry(Mark.PENDING, "to do"),
    )
    caption = (
        f"{g.constructor(layer)} is y = C^T·x: row r of C^T (column r of C) gives output "
        f"r, in raster order ({in_sizes} to {out_sizes})"
    )
    return Board(
        "matrix",
        layer,
        caption,
        tuple(panels),
        legend,
        n_out,
        x is not None,
        states,
        lambda n: (),
        tuple(lines),
    )


def _factor(value: float) -> str:
    return f"({number_text(value)})" if value < 0 else number_text(value)


# ---------------------------------------------------------------------------------------------
# resize


def _shared_shades(maps: list[np.ndarray]):
    """Heatmap steps of several maps on one scale, and the legend of the steps used."""
    from .scene import _shades

    joined = np.concatenate([m.ravel() for m in maps]).astype(float)
    levels, keys = _shades(joined, ("tap", "taps"))
    out, start = [], 0
    for m in maps:
        out.append(levels[start : start + m.size].reshape(m.shape))
        start += m.size
    return out, keys


def _build_resize(layer: Layer, x, w) -> Board:
    from . import scene as scenes

    rank = len(layer)
    conv = resize_conv(layer)
    # the upsampled plane: each cell copies input element z // s
    roles, sources, first = [], [], []
    for a, c in zip(layer, conv):
        low, high = _resize_span(a)
        z = np.arange(low, high)
        inside = (z >= 0) & (z < c.size)
        kept = (z >= -c.pad_lo) & (z < c.size + c.pad_hi)
        keys = np.where(inside, Role.INPUT, Role.PADDING)
        keys[inside & ~kept] = Role.CROPPED
        roles.append(keys.astype(np.int16))
        sources.append(np.where(inside, z // a.stride, -1))
        first.append(-c.pad_lo - low)  # the plane index of the window of output 0
    up_keys = _combine(roles)
    source = np.full(up_keys.shape, "", object)
    grid_source = (sources[0][:, None], sources[1][None, :]) if rank == 2 else (sources[0][None],)
    index = grid_source[0] * (layer[1].size if rank == 2 else 1) + (
        grid_source[1] if rank == 2 else 0
    )
    valid = np.ones(up_keys.shape, bool)
    for part in grid_source:
        valid &= np.broadcast_to(part >= 0, up_keys.shape)
    source[valid] = np.broadcast_to(index, up_keys.shape)[valid].astype(str)

    gather = scenes.build(layer, "gather")
    lower = gather.lower.roles.astype(np.int16)
    lower_source = np.full(lower.shape, "", object)
    origins = [-min(-a.frame_lo, 0) for a in layer]
    elements = _raster([a.size for a in layer])
    strides = np.array([1, layer[0].stride] if rank == 1 else [a.stride for a in layer])
    places = elements * strides + ([0, origins[0]] if rank == 1 else origins)
    for k, (r, c) in enumerate(places):
        lower_source[r, c] = str(k)
    glyphs = np.where(lower == Role.INSERTED, "0", "").astype(object)

    resize_counts, transposed_counts = (
        _as_2d(resize_overlap(layer)),
        _as_2d(transposed_overlap(layer)),
    )
    (resize_shades, transposed_shades), shade_keys = _shared_shades(
        [resize_counts, transposed_counts]
    )
    resize_keys = (Shade.LEVEL_0 + resize_shades).astype(np.int16)
    transposed_keys = (Shade.LEVEL_0 + transposed_shades).astype(np.int16)
    outputs = _raster([a.output for a in layer])
    offsets = _offsets(layer)
    up_first = np.array([0, first[0]] if rank == 1 else first)
    count_text = [np.vectorize(str, otypes=[object])(m) for m in (resize_counts, transposed_counts)]

    def growing(keys: np.ndarray, texts: np.ndarray, n: int) -> CellStates:
        """A map filled in up to output cell n: its count there now, to do after."""
        progress = _progress(keys.shape, n)
        shown = np.where(progress == Mark.DONE, keys, progress).astype(np.int16)
        here = outputs[n][None]
        return CellStates(
            shown,
            _mask(keys.shape, here),
            _box(here),
            np.where(progress == Mark.PENDING, "", texts),
        )

    def states(n: int) -> dict[str, CellStates]:
        up_taps = outputs[n] + up_first + offsets
        tr_taps = gather.windows[n] + gather.offsets
        return {
            "upsampled": CellStates(up_keys, _mask(up_keys.shape, up_taps), _box(up_taps), source),
            "resize map": growing(resize_keys, count_text[0], n),
            "zero-inserted": CellStates(
                lower, _mask(lower.shape, tr_taps), _box(tr_taps), lower_source
            ),
            "transposed map": growing(transposed_keys, count_text[1], n),
        }

    def links(n: int) -> tuple[Link, ...]:
        cell = tuple(int(v) for v in outputs[n])
        return (
            Link("resize map", cell, "upsampled", _box(outputs[n] + up_first + offsets)),
            Link("transposed map", cell, "zero-inserted", _box(gather.windows[n] + gather.offsets)),
        )

    lines = []
    for cell in outputs:
        a, b = int(resize_counts[tuple(cell)]), int(transposed_counts[tuple(cell)])
        lines.append(
            f"output {_cell_name(cell, rank)}: {a} {'tap' if a == 1 else 'taps'} on "
            f"the upsampled input, {b} {'tap' if b == 1 else 'taps'} on input "
            "elements of the zero-inserted one"
        )
    s = g.per_axis([a.stride for a in layer])
    resize_name = g.constructor(conv, transposed=False)
    out_sizes = _sizes_text([a.output for a in layer])
    uneven = any(g.overlap(a).uneven for a in layer)
    caption = (
        f"nearest {s}x upsampling, then {resize_name}, beside {g.constructor(layer)}: "
        f"both {out_sizes}; kernel taps on the input per output cell away from the "
        f"borders: {_inside_text(_resize_inside(layer))} against "
        f"{_inside_text(_transposed_inside(layer))}"
        + (", a checkerboard" if uneven else ", even too")
    )
    roles = set(up_keys.ravel().tolist()) | set(lower.ravel().tolist())
    legend = (
        tuple(
            LegendEntry(role, name)
            for role, name in (
                (Role.INPUT, "input (its index)"),
                (Role.INSERTED, "inserted zero"),
                (Role.PADDING, "padding"),
                (Role.OUTPUT_PADDING, "output_padding"),
                (Role.CROPPED, "cropped"),
            )
            if role in roles
        )
        + (
            LegendEntry(Mark.KERNEL, "kernel"),
            LegendEntry(Mark.NOW, "now"),
            LegendEntry(Mark.PENDING, "to do"),
        )
        + shade_keys
    )
    place = _placer(rank)
    panels = (
        Panel(
            "upsampled",
            f"nearest {s}x upsampled input"
            + (", padded" if any(c.pad_lo > 0 or c.pad_hi > 0 for c in conv) else ""),
            up_keys,
            place(0, 0),
        ),
        Panel(
            "resize map", f"{resize_name}: taps on input per output cell", resize_keys, place(0, 1)
        ),
        Panel("zero-inserted", gather.titles[0], lower, place(1, 0), glyphs=glyphs),
        Panel(
            "transposed map",
            f"{g.constructor(layer)}: taps on input per output cell",
            transposed_keys,
            place(1, 1),
        ),
    )
    return Board(
        "resize", layer, caption, panels, legend, len(outputs), False, states, links, tuple(lines)
    )


def _transposed_inside(layer: Layer) -> list[int]:
    """The taps per output cell of the transposed layer away from its borders: along each
    axis the periodic pattern's least and most (`geometry.overlap`), in 2-d their products."""
    counts = {1}
    for a in layer:
        pattern = g.overlap(a)
        counts = {c * n for c in counts for n in {pattern.interior_min, pattern.interior_max}}
    return sorted(counts)


def _resize_inside(layer: Layer) -> list[int]:
    """The taps per output cell of the resize convolution away from its borders: every tap
    lands on the upsampled input, when it is as long as the kernel's footprint."""
    if all(a.size * a.stride >= a.extent for a in layer):
        return [_count(layer, "kernel")]
    return sorted({int(v) for v in np.unique(resize_overlap(layer))})


def _inside_text(counts: list[int]) -> str:
    """1, 2 or 4; 9 everywhere."""
    if len(counts) == 1:
        return f"{counts[0]} everywhere"
    return ", ".join(map(str, counts[:-1])) + f" or {counts[-1]}"


def _range_text(span: tuple[int, int]) -> str:
    low, high = span
    return f"{low}" if low == high else f"{low} to {high}"


_BUILDERS = {"pair": _build_pair, "matrix": _build_matrix, "resize": _build_resize}


def build(
    layer: Layer, view: str, x: np.ndarray | None = None, w: np.ndarray | None = None
) -> Board:
    """The board of a 1-d or 2-d layer (checked by `check_transposed`); with `x` and `w`, the
    values too (matrix only)."""
    if len(layer) not in (1, 2):
        raise ValueError("boards are 1-d or 2-d")
    if (x is None) != (w is None):
        raise ValueError("give both x and w, or neither")
    check(layer, view, x is not None)
    return _BUILDERS[view](layer, x, w)
