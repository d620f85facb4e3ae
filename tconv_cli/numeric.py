"""Values of transposed convolutions in NumPy, in PyTorch's layout, computed three ways.

- **scatter** — the definition: input element `j` adds `value × kernel` to the output, tap `t`
  landing on `j·s + t·d − p_lo`.
- **gather** — the zero-insertion view: each output cell is the flipped, dilated kernel's
  correlation with the zero-inserted, padded input (`zero_insert_and_pad`, `flip`). It skips
  the products with inserted zeros, which makes it the fast default.
- **matrix** — `y = Cᵀx`, with `C` the direct convolution's matrix (`conv_matrix`).

All sizes come from `geometry.Axis`. Cost is bounded: what a call would allocate (its output and
work arrays) is computed first and refused above `BUDGET_BYTES`, with the size it needs and what
to change; gather and scatter allocate O(input + output). Non-finite operands (inf, nan) are
refused, and so is a float result that overflows to inf, so every result is finite (and its
JSON valid). Integer operands give an exact int64 result (so small
integer examples print exactly); anything else computes in NumPy's common type of the operands
(float32 stays float32, float64 stays float64).

>>> from tconv_cli.geometry import Axis
>>> layer = (Axis(size=3, kernel=3, stride=2, pad_lo=1, pad_hi=1),)
>>> conv_transpose([[1, 2, 3], [4, 5, 6]], [[[1, 2, 3]], [[1, 2, 3]]], layer).tolist()
[[10, 22, 14, 30, 18]]
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from functools import reduce
from itertools import product
from math import prod
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike

from .choices import Method
from .errors import NoAnswer, ParameterError
from .geometry import Axis, Layer, check_output

METHODS = Method.names()

#: Most entries the matrix method may build: its matrices grow as input size × output size.
MATRIX_LIMIT = 10_000_000

#: Most bytes a computation may allocate (its output and work arrays), and an array file may hold.
BUDGET_BYTES = 2**30
#: Most input cells `sample_values` fills: values are for reading, in grids and pictures.
SAMPLE_MAX = 1_000_000

# Most bytes of products the gather method holds at once: enough for few, large matrix products
# (BLAS threads synchronise once per product), little enough for any layer to fit in memory.
_BLOCK_BYTES = 16 * 2**20


def conv_transpose(
    x: ArrayLike,
    weight: ArrayLike,
    layer: Sequence[Axis],
    bias: ArrayLike | None = None,
    groups: int = 1,
    method: str = "gather",
) -> np.ndarray:
    """PyTorch's `conv_transposeNd(x, weight, bias, groups=groups)` with `layer`'s stride,
    padding, dilation and output_padding, by `method` ("gather", "scatter" or "matrix").

    `x` is `(N, C_in, *sizes)` or unbatched `(C_in, *sizes)` and the result keeps that form;
    `weight` is `(C_in, C_out/groups, *kernel)`, `bias` `(C_out,)`.
    """
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    layer = _check_layer(layer)
    x, weight, bias, batched = _operands(x, weight, bias, layer, groups)
    c_out = weight.shape[1] * groups
    output = x.shape[0] * c_out * prod(_sizes(layer, "output")) * x.itemsize
    work = {"gather": _gather_work, "scatter": _scatter_work}.get(method, lambda *_: 0)
    _check_budget(
        output + work(x.shape, c_out, layer, x.itemsize),
        f"({dims((x.shape[0], c_out, *_sizes(layer, 'output')))} {x.dtype} output and "
        f"the {method} method's work arrays)",
    )
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        y = _METHODS[method](x, weight, layer, groups)
        if bias is not None:
            y += bias.reshape(-1, *(1,) * len(layer))
    _check_finite_result(y)
    return y if batched else y[0]


def conv_matrix(kernel: ArrayLike, layer: Sequence[Axis]) -> np.ndarray:
    """The direct convolution's matrix `C` for one channel pair, shape `(∏ sizes, ∏ outputs)`.

    Row `r` is a position of the transposed layer's input, column `q` a position of its output,
    both flattened in row-major order: the transposed layer is `y = Cᵀ @ x` and the direct
    convolution it inverts (same stride, padding, dilation) is `C @ y`.
    """
    layer = _check_layer(layer)
    kernel = _array("kernel", kernel)
    if kernel.shape != _sizes(layer, "kernel"):
        rule = f"must be the layer's kernel_size ({_listed(_sizes(layer, 'kernel'))})"
        raise ParameterError("kernel", kernel.shape, rule, attribute="shape")
    _check_matrix_size(layer, 1)
    weights = kernel.astype(_result_type(kernel), copy=False).reshape(-1)
    return np.tensordot(weights, _tap_matrices(layer), 1)


def zero_insert_and_pad(x: ArrayLike, layer: Sequence[Axis]) -> np.ndarray:
    """The gather view's grid for one channel: `s−1` zeros between input elements, then
    `d·(k−1) − p_lo` zeros before and `d·(k−1) − p_hi + op` after each axis (negative: crop)."""
    layer = _check_layer(layer)
    x = _array("x", x)
    if x.shape != _sizes(layer, "size"):
        rule = f"must be the layer's input sizes ({_listed(_sizes(layer, 'size'))}), one channel"
        raise ParameterError("x", x.shape, rule, attribute="shape")
    lengths = [a.grid_length for a in layer]
    _check_budget(prod(lengths) * x.itemsize, f"(a {dims(lengths)} grid)")
    grid = np.zeros(lengths, x.dtype)
    places = [_placement(a.frame_lo, a.stride, a.size, length) for a, length in zip(layer, lengths)]
    if None not in places:
        grid[tuple(target for _, target in places)] = x[tuple(source for source, _ in places)]
    return grid


def conv(x: ArrayLike, kernel: ArrayLike, layer: Sequence[Axis]) -> np.ndarray:
    """The direct convolution (PyTorch's, a correlation) of one channel with `layer`'s stride,
    padding and dilation: what the transposed layer inverts, and what `animate --conv` shows."""
    layer = tuple(layer)
    x, kernel = _array("x", x), _array("kernel", kernel)
    dtype = _result_type(x, kernel)
    padded_sizes = [a.size + a.pad_lo + a.pad_hi for a in layer]
    _check_budget(
        (prod(padded_sizes) + prod(a.conv_output for a in layer)) * dtype.itemsize,
        f"(a {dims(padded_sizes)} padded input and its output)",
    )
    padded = np.pad(x.astype(dtype), [(a.pad_lo, a.pad_hi) for a in layer])
    out = np.zeros([a.conv_output for a in layer], dtype)
    for tap in np.ndindex(*kernel.shape):
        window = tuple(
            slice(t * a.dilation, t * a.dilation + (a.conv_output - 1) * a.stride + 1, a.stride)
            for t, a in zip(tap, layer)
        )
        out += kernel[tap] * padded[window]
    return out


def flip(kernel: ArrayLike) -> np.ndarray:
    """The kernel flipped along every axis, as the gather view slides it over the grid."""
    return np.flip(np.asarray(kernel))


# ---------------------------------------------------------------------------------------------
# The three methods. Each takes a batched x `(N, C_in, *sizes)` and a weight, both already in the
# result's dtype, and returns `(N, C_out, *outputs)` without bias.


def _scatter(x: np.ndarray, weight: np.ndarray, layer: Layer, groups: int) -> np.ndarray:
    """Per kernel tap, every input element's product lands on a strided slice of the output."""
    n, c_in = x.shape[:2]
    rows = np.moveaxis(x, 1, -1).reshape(-1, c_in)
    taps = _taps(weight, groups)
    c_out = groups * taps.shape[-1]
    y = np.zeros((n, *(a.output for a in layer), c_out), x.dtype)
    stamps = np.empty((rows.shape[0], c_out), x.dtype)
    for tap in np.ndindex(*(a.kernel for a in layer)):
        places = [
            _placement(t * a.dilation - a.pad_lo, a.stride, a.size, a.output)
            for t, a in zip(tap, layer)
        ]
        if None in places:
            continue  # this tap only reaches cropped cells
        _grouped_matmul(rows, taps[tap], stamps)
        sources = stamps.reshape(n, *x.shape[2:], c_out)[(slice(None), *(s for s, _ in places))]
        y[(slice(None), *(t for _, t in places))] += sources
    return np.moveaxis(y, -1, 1)


def _gather(x: np.ndarray, weight: np.ndarray, layer: Layer, groups: int) -> np.ndarray:
    """Correlate the zero-inserted, padded input with the flipped kernel, skipping inserted zeros.

    Along an axis, output cells `q ≡ r (mod s)` see real input elements under the same taps `t`
    (those with `s | r + p_lo − t·d`), at `j = m + c_t` for `q = r + m·s`: each phase `r` is a
    stride-1 correlation of the input itself. With the zero-padded, channels-last input flattened
    to rows, a phase is one matrix product (rows × its taps side by side), after which each cell
    sums its taps' products, read for the whole phase as one contiguous window per tap (windows
    wrap across rows; the cells that wrap are computed and dropped).
    """
    n, c_in = x.shape[:2]
    taps = _taps(weight, groups)
    c_out = groups * taps.shape[-1]
    phases, lows, padded = _gather_plan(layer)
    grid = np.zeros((n, *padded, c_in), x.dtype)
    inside = tuple(slice(lo, lo + a.size) for a, lo in zip(layer, lows))
    grid[(slice(None), *inside)] = np.moveaxis(x, 1, -1)
    rows = grid.reshape(-1, c_in)
    steps = [prod(padded[axis + 1 :]) for axis in range(len(layer))]  # rows per step on each axis

    y = np.zeros((n, *(a.output for a in layer), c_out), x.dtype)
    sums = np.empty((len(rows), groups, c_out // groups), x.dtype)
    chunk = max(1, _BLOCK_BYTES // (len(rows) * c_out * x.itemsize))  # taps per matrix product
    for phase in product(*phases):  # phases no tap reaches are left out: their cells stay 0
        starts, counts, offsets = zip(*phase)
        combos = list(product(*offsets))
        length = (n - 1) * prod(padded) + sum((m - 1) * step for m, step in zip(counts, steps)) + 1
        total = sums[:length]
        total[...] = 0
        for first in range(0, len(combos), chunk):
            part = combos[first : first + chunk]
            stacked = np.stack([taps[tuple(t for t, _ in combo)] for combo in part], axis=2)
            products = np.empty((len(rows), groups, len(part), c_out // groups), x.dtype)
            _grouped_matmul(rows, stacked.reshape(groups, c_in // groups, -1), products)
            for index, combo in enumerate(part):
                start = sum((c + lo) * step for (_, c), lo, step in zip(combo, lows, steps))
                total += products[start : start + length, :, index]
        cells = sums.reshape(n, *padded, c_out)[(slice(None), *(slice(m) for m in counts))]
        y[(slice(None), *(slice(r, None, a.stride) for r, a in zip(starts, layer)))] = cells
    return np.moveaxis(y, -1, 1)


def _gather_plan(layer: Layer) -> tuple[list, list[int], list[int]]:
    """Per axis: the phases that some tap reaches, the zeros padded before the input, and the
    padded length (every tap's window `j ∈ [c_t, c_t + M_r − 1]` fits)."""
    phases, lows, padded = [], [], []
    for a in layer:
        axis_phases = _phases(a)
        spans = [(c, c + count - 1) for _, count, offsets in axis_phases for _, c in offsets]
        low = max([0] + [-first for first, _ in spans])
        high = max([0] + [last - (a.size - 1) for _, last in spans])
        phases.append(axis_phases)
        lows.append(low)
        padded.append(a.size + low + high)
    return phases, lows, padded


def _gather_work(shape: tuple[int, ...], c_out: int, layer: Layer, itemsize: int) -> int:
    """Bytes of gather's work arrays: the padded input, the sums and one block of products."""
    n, c_in = shape[:2]
    rows = n * prod(_gather_plan(layer)[2])
    return (rows * (c_in + c_out) + max(rows * c_out, _BLOCK_BYTES // itemsize)) * itemsize


def _scatter_work(shape: tuple[int, ...], c_out: int, layer: Layer, itemsize: int) -> int:
    """Bytes of scatter's work arrays: the input as rows, and one tap's products."""
    rows = prod(shape[:1] + shape[2:])
    return rows * (shape[1] + c_out) * itemsize


def _matrix(x: np.ndarray, weight: np.ndarray, layer: Layer, groups: int) -> np.ndarray:
    """`y = Cᵀx` with one direct-convolution matrix per (input, output) channel pair."""
    n, c_in = x.shape[:2]
    c_out_group = weight.shape[1]
    _check_matrix_size(layer, c_in * c_out_group)
    matrices = np.tensordot(weight.reshape(c_in, c_out_group, -1), _tap_matrices(layer), 1)
    matrices = matrices.reshape(groups, c_in // groups, *matrices.shape[1:])
    y = np.einsum(
        "ngcr,gcdrq->ngdq", x.reshape(n, groups, c_in // groups, -1), matrices, optimize=True
    )
    return y.reshape(n, groups * c_out_group, *(a.output for a in layer))


_METHODS = {"gather": _gather, "scatter": _scatter, "matrix": _matrix}


# ---------------------------------------------------------------------------------------------
# Pieces shared by the methods.


def _placement(start: int, step: int, count: int, length: int) -> tuple[slice, slice] | None:
    """Slices `(source, target)` that put element `j < count` at `start + j·step`, keeping the
    positions inside `[0, length)`; None when none is."""
    first = max(0, -(start // step))
    stop = min(count, (length - 1 - start) // step + 1)
    if stop <= first:
        return None
    return slice(first, stop), slice(start + first * step, start + (stop - 1) * step + 1, step)


def _phases(a: Axis) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """The output phases `r < s` that real input reaches: `(r, its number of cells, the taps
    (t, input offset c_t) that reach it)`, with `j = m + c_t` for output `r + m·s`.

    Tap `t` reaches only phase `r ≡ t·d − p_lo (mod s)`, so there are at most k phases, however
    large the stride."""
    reached: dict[int, list[tuple[int, int]]] = {}
    for t in range(a.kernel):
        r = (t * a.dilation - a.pad_lo) % a.stride
        if r < a.output:
            reached.setdefault(r, []).append((t, (r + a.pad_lo - t * a.dilation) // a.stride))
    return [(r, len(range(r, a.output, a.stride)), reached[r]) for r in sorted(reached)]


def _taps(weight: np.ndarray, groups: int) -> np.ndarray:
    """The weight as `(*kernel, groups, C_in/groups, C_out/groups)`: one matrix stack per tap."""
    c_in, c_out_group = weight.shape[:2]
    per_tap = np.moveaxis(weight, (0, 1), (-2, -1))
    return per_tap.reshape(*weight.shape[2:], groups, c_in // groups, c_out_group)


def _grouped_matmul(rows: np.ndarray, tap: np.ndarray, out: np.ndarray) -> None:
    """`out = rows @ tap`, group by group: rows `(R, C_in)`, tap `(g, C_in/g, C)`, out `(R, g·C)`
    (any contiguous shape that starts with R)."""
    groups = tap.shape[0]
    np.matmul(
        rows.reshape(len(rows), groups, -1).transpose(1, 0, 2),
        tap,
        out=out.reshape(len(out), groups, -1).transpose(1, 0, 2),
    )


def _tap_matrices(layer: Layer) -> np.ndarray:
    """`E[t, r, q]`: True where kernel tap `t` carries input position `r` to output position `q`
    (taps and positions flattened row-major); `C = Σ_t w[t]·E[t]`."""
    per_axis = []  # each (k, i, o)
    for a in layer:
        landing = np.arange(a.kernel)[:, None] * a.dilation + np.arange(a.size) * a.stride
        landing -= a.pad_lo  # (k, i): where tap t carries input j
        per_axis.append(landing[..., None] == np.arange(a.output))
    joint = reduce(np.multiply.outer, per_axis)  # (k0, i0, o0, k1, i1, o1, …)
    order = [3 * axis + role for role in range(3) for axis in range(len(layer))]
    return joint.transpose(order).reshape(
        *(prod(_sizes(layer, field)) for field in ("kernel", "size", "output"))
    )


def _check_matrix_size(layer: Layer, pairs: int) -> None:
    taps, sizes, outputs = (prod(_sizes(layer, f)) for f in ("kernel", "size", "output"))
    entries = max(taps, pairs) * sizes * outputs
    if entries > MATRIX_LIMIT:
        raise ParameterError(
            "method",
            "matrix",
            f"would build {entries:,} matrix entries ({max(taps, pairs)} × {sizes} inputs × "
            f"{outputs} outputs), more than {MATRIX_LIMIT:,}: use gather or scatter",
        )


def _check_budget(needed: int, what: str) -> None:
    """Refuse, before allocating, a computation that needs more than `BUDGET_BYTES`."""
    if needed > BUDGET_BYTES:
        raise ParameterError(
            None,
            size_text(needed),
            f"would need {size_text(needed)} {what}, more than the "
            f"{size_text(BUDGET_BYTES)} tconv allows: lower stride, dilation, kernel_size or "
            "the input's size or channels",
        )


def size_text(count: int) -> str:
    """A byte count as people read it: `512 B`, `3.2 MiB`, `32.0 GiB`."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError  # the loop always returns


def _check_finite_result(y: np.ndarray) -> None:
    """A float result that overflowed (inf) has no faithful value to print or save."""
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        wider = "" if y.dtype == np.float64 else ", or give float64 values"
        raise NoAnswer(
            f"the output overflows {y.dtype} (a sum of products is beyond "
            f"±{np.finfo(y.dtype).max:.3g}): scale the input or the weight down{wider}"
        )


# ---------------------------------------------------------------------------------------------
# Validation: every rule says what is wrong, with the numbers.


def _check_layer(layer: Sequence[Axis]) -> Layer:
    """The layer as a tuple, if its values can be computed (a wider domain than PyTorch's:
    negative padding and any output_padding ≥ 0 are fine)."""
    layer = tuple(layer)
    if not layer:
        raise ParameterError("layer", "()", "needs at least one spatial axis")
    for index, a in enumerate(layer):
        axis = index if len(layer) > 1 else None
        for name, value in (
            ("input", a.size),
            ("kernel_size", a.kernel),
            ("stride", a.stride),
            ("dilation", a.dilation),
        ):
            if value < 1:
                raise ParameterError(name, value, "must be at least 1", axis)
        if a.output_padding < 0:
            raise ParameterError("output_padding", a.output_padding, "must be at least 0", axis)
        check_output(a, axis)
    return layer


def _operands(
    x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None, layer: Layer, groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """`(x, weight, bias, batched)` checked against each other and the layer: x batched, all
    three in the result's dtype."""
    rank = len(layer)
    x, weight = _array("x", x), _array("weight", weight)
    bias = None if bias is None else _array("bias", bias)
    sizes, kernel = _listed(_sizes(layer, "size")), _listed(_sizes(layer, "kernel"))
    if x.ndim not in (rank + 1, rank + 2):
        rule = f"must be (N, C_in, {sizes}) or (C_in, {sizes}) for this {rank}-d layer"
        raise ParameterError("x", x.shape, rule, attribute="shape")
    if weight.ndim != rank + 2:
        rule = f"must be (C_in, C_out/groups, {kernel}) for this {rank}-d layer"
        raise ParameterError("weight", weight.shape, rule, attribute="shape")
    for name, array in (("x", x), ("weight", weight), ("bias", bias)):
        if array is not None and 0 in array.shape:
            rule = "has a 0: every dimension must be at least 1"
            raise ParameterError(name, array.shape, rule, attribute="shape")
    first = x.ndim - rank  # x's first spatial dimension, as the caller gave x
    channels = f"x.shape[{first - 1}] = {x.shape[first - 1]}"
    c_in = x.shape[first - 1]
    if groups < 1:
        raise ParameterError("groups", groups, "must be at least 1")
    if c_in % groups:
        raise ParameterError("groups", groups, f"must divide the input channels ({channels})")
    if weight.shape[0] != c_in:
        rule = f"must start with the input channels ({channels}), not {weight.shape[0]}"
        raise ParameterError("weight", weight.shape, rule, attribute="shape")
    for index, (a, n, k) in enumerate(zip(layer, x.shape[first:], weight.shape[2:])):
        axis = index if rank > 1 else None
        if a.size != n:
            rule = f"does not match x.shape[{first + index}] = {n}"
            raise ParameterError("input", a.size, rule, axis)
        if a.kernel != k:
            rule = f"does not match weight.shape[{2 + index}] = {k}"
            raise ParameterError("kernel_size", a.kernel, rule, axis)
    c_out = weight.shape[1] * groups
    if bias is not None and bias.shape != (c_out,):
        raise ParameterError(
            "bias",
            bias.shape,
            f"must be ({c_out},): one value per output channel "
            f"(weight.shape[1] × groups = {weight.shape[1]} × {groups})",
            attribute="shape",
        )
    dtype = _result_type(*(a for a in (x, weight, bias) if a is not None))
    if dtype.kind == "i":
        _check_exact(x, weight, bias, c_in // groups)
    batched = x.ndim == rank + 2
    x = (x if batched else x[None]).astype(dtype, copy=False)
    bias = None if bias is None else bias.astype(dtype, copy=False)
    return x, weight.astype(dtype, copy=False), bias, batched


def _check_exact(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, fan_in: int) -> None:
    """Integer results are exact: refuse operands whose sums could overflow int64."""

    def largest(a: np.ndarray | None) -> int:
        return 0 if a is None or not a.size else max(abs(int(a.max())), abs(int(a.min())))

    bound = largest(x) * largest(weight) * fan_in * prod(weight.shape[2:]) + largest(bias)
    if bound > np.iinfo(np.int64).max:
        raise ParameterError(
            "x",
            x.dtype,
            f"and the weight's integers could sum to {bound:.3g}, beyond "
            "64-bit integers: give floats (1.0) to compute in floating point",
            attribute="dtype",
        )


def _array(name: str, value: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(value)
    except ValueError:
        raise ParameterError(
            name, reprlib.repr(value), "is ragged: every row must have the same length"
        ) from None
    if array.dtype.kind not in "biufc":
        raise ParameterError(f"{name}.dtype", array.dtype, "is not numeric: it must hold numbers")
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ParameterError(
            name, f"array of shape {array.shape}", f"holds {bad}: every value must be finite"
        )
    return array


def _result_type(*arrays: np.ndarray) -> np.dtype:
    """int64 when every operand is integer (exact), else NumPy's common type."""
    if all(a.dtype.kind in "biu" for a in arrays):
        return np.dtype(np.int64)
    return np.result_type(*arrays)


def _sizes(layer: Layer, field: str) -> tuple[int, ...]:
    return tuple(getattr(a, field) for a in layer)


def _listed(values: Sequence[int]) -> str:
    return ", ".join(map(str, values))


def dims(sizes: Sequence[int]) -> str:
    return "×".join(f"{n:,}" for n in sizes)


def sample_values(layer: Layer, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Small random integers for a layer's input and kernel, 1…3 each, seeded: never 0, so
    that no value looks like an inserted zero or padding; the kernel looks different flipped
    whenever it can, so that pictures show the flip."""
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise ParameterError("seed", repr(seed), "must be an integer")
    if seed < 0:
        raise ParameterError("seed", seed, "must be at least 0")
    for name, sizes in (
        ("input", [a.size for a in layer]),
        ("kernel_size", [a.kernel for a in layer]),
    ):
        if prod(sizes) > SAMPLE_MAX:
            raise ParameterError(
                name,
                "×".join(map(str, sizes)),
                f"has {prod(sizes):,} cells, "
                f"more than the {SAMPLE_MAX:,} random values are drawn for",
            )
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 4, [a.size for a in layer])
    w = rng.integers(1, 4, [a.kernel for a in layer])
    for _ in range(100):  # the first and last taps differ: the corners swap when flipped
        if w.size == 1 or w.flat[0] != w.flat[-1] and not np.array_equal(w, flip(w)):
            break
        w = rng.integers(1, 4, w.shape)
    return x, w
