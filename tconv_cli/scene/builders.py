"""The builders: a layer as the frames of one view, with its titles, legend and kernels.

The views:
- **gather** (the default): the zero-inserted input with `d·(k−1) − p_lo` cells before and
  `d·(k−1) − p_hi + op` after each axis; the flipped, dilated kernel slides with stride 1, one
  frame per output cell in raster order. Input elements cropped away by padding beyond
  `d·(k−1)` stay visible, marked CROPPED, outside the grid the kernel visits.
- **scatter**: one frame per input element: its kernel stamp lands on the uncropped output at
  `j·s + t·d`; cells that padding crops are marked CROPPED, output_padding's extra cells
  OUTPUT_PADDING. With values, two frames per element: the stamp (`+x·w` in each cell it
  writes), then the sums. When padding crops, a last frame shows the crop (with values two:
  the uncropped result with the output marked, then the output alone).
- **conv**: the direct convolution: the padded input, the kernel (not flipped) stepping by `s`.
- **overlap**: one still, a heatmap: how many kernel taps reach each output cell, or with
  values the sum of the kernel's weights reaching it (the output for an input of ones).
"""

from __future__ import annotations

import numpy as np

from .. import geometry as g
from ..geometry import Axis, Layer
from .axes import (
    _as_2d,
    _combine,
    _conv_axis,
    _gather_axis,
    _offsets,
    _pairs,
    _raster,
    _scatter_axis,
)
from .cells import (
    SHADES,
    Kernel,
    LegendEntry,
    Mark,
    Plane,
    Role,
    Shade,
)
from .frames import Scene
from .numbers import number_text
from .texts import (
    _caption,
    _said,
    _words,
)


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
    return _said(_BUILDERS[view](layer, x, w), x, w)


def _values(layer: Layer, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    from .. import numeric

    return _as_2d(numeric.conv_transpose(x[None], w[None, None], layer)[0].astype(float))


def _build_gather(layer: Layer, x, w) -> Scene:
    axes = [_gather_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        from .. import numeric

        lower_values = np.zeros([len(roles) for roles, _ in axes])
        # the zero-inserted input at its place in the plane, cropped elements included
        places = tuple(
            slice(origin, origin + a.zero_inserted, a.stride) for a, (_, origin) in zip(layer, axes)
        )
        lower_values[places] = x
        lower_values = _as_2d(lower_values)
        upper_values = _values(layer, x, w)
        kernel = _as_2d(numeric.flip(w).astype(float))
    cells = _raster([a.output for a in layer])
    # output cell q's window starts at grid position q, i.e. after any cropped cells
    first = [origin - a.frame_lo for a, (_, origin) in zip(layer, axes)]
    return Scene(
        view="gather",
        layer=layer,
        **_words(
            "gather",
            Plane(_combine([roles for roles, _ in axes]), lower_values),
            Plane(_output_roles([a.output for a in layer]), upper_values),
        ),
        caption=_caption(layer, "gather"),
        kernel=kernel,
        offsets=_offsets(layer),
        windows=_pairs(cells + first),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, True),
    )


def _build_conv(layer: Layer, x, w) -> Scene:
    axes = [_conv_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        lower_values = np.zeros([len(roles) for roles, _ in axes])
        lower_values[tuple(slice(o, o + a.size) for a, (_, o) in zip(layer, axes))] = x
        lower_values = _as_2d(lower_values)
        from .. import numeric

        upper_values = _as_2d(numeric.conv(x, w, layer).astype(float))
        kernel = _as_2d(w.astype(float))
    cells = _raster([a.conv_output for a in layer])
    return Scene(
        view="conv",
        layer=layer,
        **_words(
            "conv",
            Plane(_combine([roles for roles, _ in axes]), lower_values),
            Plane(_output_roles([a.conv_output for a in layer]), upper_values),
        ),
        caption=_caption(layer, "conv"),
        kernel=kernel,
        offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer]),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, False),
    )


def _build_scatter(layer: Layer, x, w) -> Scene:
    axes = [_scatter_axis(a) for a in layer]
    roles = _combine([r for r, _ in axes])
    cells = _raster([a.size for a in layer])
    words = _words(
        "scatter",
        Plane(
            _output_roles([a.size for a in layer], Role.INPUT),
            None if x is None else _as_2d(x.astype(float)),
        ),
        Plane(roles, None if x is None else np.full(roles.shape, np.nan)),
    )
    if x is not None:  # the stamp's cells read "+x·w"
        words["legend"] = tuple(
            LegendEntry(e.key, "stamp +x·w") if e.key is Mark.NOW else e for e in words["legend"]
        )
    return Scene(
        view="scatter",
        layer=layer,
        **words,
        caption=_caption(layer, "scatter"),
        kernel=None if w is None else _as_2d(w.astype(float)),
        offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer] + [o for _, o in axes]),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, False),
    )


def _build_overlap(layer: Layer, x, w) -> Scene:
    """Kernel taps per output cell; with values, the sum of the kernel's weights reaching each
    cell (the output for an input of ones: what a constant input comes out as)."""
    counts = np.ones((), dtype=float)
    for a in layer:
        line = np.array([g.taps_at(a, o + a.pad_lo) for o in range(a.output)], dtype=float)
        counts = counts[..., None] * line
    empty = np.zeros((0, 2), int)
    pattern = (
        "uneven inside: a checkerboard"
        if any(g.overlap(a).uneven for a in layer)
        else ("even inside")
    )
    shown = _as_2d(counts)
    if w is None:
        caption = (
            f"{g.constructor(layer)}: {counts.min():g} to {counts.max():g} kernel taps "
            f"per output cell, {pattern}"
        )
        unit = ("tap", "taps")
    else:
        shown = _values(layer, np.ones([a.size for a in layer]), w)
        caption = (
            f"{g.constructor(layer)}: an input of ones gives "
            f"{number_text(shown.min())} to {number_text(shown.max())} per output "
            "cell, the sum of the kernel's weights that reach it"
        )
        unit = None
    shades, keys = _shades(shown, unit)
    words = _words("overlap", None, Plane(_output_roles([a.output for a in layer]), shown))
    if w is not None:
        words["titles"] = (None, "sum of the weights reaching each output cell")
    words["legend"] += keys
    return Scene(
        view="overlap",
        layer=layer,
        **words,
        caption=caption,
        kernel=None if w is None else _as_2d(w.astype(float)),
        offsets=empty,
        windows=empty,
        cells=empty,
        shades=shades,
    )


def build_map(counts: list[np.ndarray], caption: str) -> Scene:
    """The overlap heatmap of a whole stack: per axis the contributions each output cell gets
    (`network.overlap_counts`); a cell of a 2-d output gets the product of its axes' counts.
    Its `layer` is a stand-in whose output has the map's shape (for sizes and budgets)."""
    values = np.ones(())
    for line in counts:
        values = values[..., None] * np.asarray(line, dtype=float)
    values = _as_2d(values)
    layer = tuple(Axis(len(line), 1, 1, 0, 0) for line in counts)
    shades, keys = _shades(values, ("contribution", "contributions"))
    words = _words("overlap", None, Plane(_output_roles([len(line) for line in counts]), values))
    words["titles"] = (None, "input contributions per output cell")
    words["legend"] += keys
    empty = np.zeros((0, 2), int)
    return Scene(
        view="overlap",
        layer=layer,
        **words,
        caption=caption,
        kernel=None,
        offsets=empty,
        windows=empty,
        cells=empty,
        shades=shades,
    )


def _shades(values: np.ndarray, unit: tuple[str, str] | None):
    """The heatmap's step of each cell and the legend of the steps used: each distinct value
    its own step, spread over the ramp (so 1 and 2 taps lie far apart), or with more values
    than steps, equal ranges of values. `unit`: names of one and many ("tap", "taps")."""
    distinct = np.unique(values)
    if len(distinct) <= SHADES:
        spread = (
            np.array([(SHADES - 1) // 2])
            if len(distinct) == 1
            else np.rint(np.arange(len(distinct)) * (SHADES - 1) / (len(distinct) - 1))
        )
        levels = spread.astype(int)[np.searchsorted(distinct, values)]
        names = [
            number_text(v) + ("" if unit is None else f" {unit[int(v != 1)]}") for v in distinct
        ]
        return levels, tuple(
            LegendEntry(Shade.at(level), name) for level, name in zip(spread, names)
        )
    low, high = distinct[0], distinct[-1]
    levels = np.minimum(((values - low) / (high - low) * SHADES).astype(int), SHADES - 1)
    keys = []
    for k in range(SHADES):
        inside = values[levels == k]
        if inside.size:  # named by the values it holds
            name = number_text(inside.min()) + (
                "" if inside.min() == inside.max() else f" to {number_text(inside.max())}"
            )
            keys.append(LegendEntry(Shade.at(k), name + ("" if unit is None else f" {unit[1]}")))
    return levels, tuple(keys)


def tap_names(count: int) -> list[str]:
    """Names for `count` kernel taps in raster order: a, b, …, z, then aa, ab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    names, width = [], 1
    while len(names) < count:
        names += [
            "".join(letters[n // 26**i % 26] for i in reversed(range(width)))
            for n in range(min(26**width, count - len(names)))
        ]
        width += 1
    return names


def _kernels(layer: Layer, w: np.ndarray | None, flipped: bool) -> tuple[Kernel, ...]:
    """The kernel beside the planes and, when the view slides it `flipped`, the flipped one
    (the one used): its taps in reverse order along every axis."""
    from .. import numeric

    sizes = [a.kernel for a in layer]
    taps = _as_2d(np.array(tap_names(int(np.prod(sizes)))).reshape(sizes))
    values = None if w is None else _as_2d(np.asarray(w, float))
    kernel = Kernel("kernel W", values, taps, used=not flipped)
    if not flipped:
        return (kernel,)
    return kernel, Kernel(
        "flip(W)",
        None if w is None else _as_2d(numeric.flip(np.asarray(w, float))),
        _as_2d(np.flip(taps.reshape(sizes))),
        used=True,
    )


def _output_roles(sizes: list[int], role: Role = Role.OUTPUT) -> np.ndarray:
    return _as_2d(np.full(sizes, role, np.int8))


_BUILDERS = {
    "gather": _build_gather,
    "conv": _build_conv,
    "scatter": _build_scatter,
    "overlap": _build_overlap,
}
