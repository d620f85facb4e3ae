"""Transposed-convolution arithmetic on the canonical per-axis record, exactly as PyTorch.

Pure Python (no numpy, typer or rich) so that `tconv shape` starts instantly. Everything else
in tconv takes its sizes from here; conventions of other frameworks are translated into `Axis`
records before they reach this module.

>>> a = Axis(size=3, kernel=3, stride=2, pad_lo=1, pad_hi=1)
>>> a.output, list(reachable(a)), list(conv_inputs(a))
(5, [5, 6], [5, 6])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import gcd
from typing import TYPE_CHECKING, NamedTuple

from .errors import NoAnswer, ParameterError

if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

#: Largest value accepted for any size or parameter (int32's maximum): beyond it a layer is absurd.
MAX_VALUE = 2**31 - 1
#: Largest kernel_size, stride and dilation: up to this many sizes share one direct-conv output,
#: and tconv lists them.
MAX_WINDOW = 2**16 - 1


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a (transposed) convolution: the canonical record.

    Padding is `(pad_lo, pad_hi)`; PyTorch's `padding=p` is `pad_lo = pad_hi = p`. A negative
    pad adds zeros to the output instead of cropping it (other frameworks' conventions need it).
    """

    size: int
    kernel: int
    stride: int = 1
    pad_lo: int = 0
    pad_hi: int = 0
    dilation: int = 1
    output_padding: int = 0

    @property
    def extent(self) -> int:
        """Footprint of the dilated kernel, `d·(k−1)+1`."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def zero_inserted(self) -> int:
        """Length of the input after `s−1` zeros go between its elements: `(i−1)·s+1`."""
        return (self.size - 1) * self.stride + 1

    @property
    def full(self) -> int:
        """Length of the uncropped output, `(i−1)·s + d·(k−1) + 1`: every input element's stamp
        of the kernel, before padding crops it and output_padding extends it."""
        return (self.size - 1) * self.stride + self.extent

    @property
    def frame_lo(self) -> int:
        """Zeros the gather view adds before the zero-inserted input: `d·(k−1) − p_lo`
        (negative: that many elements are cropped)."""
        return self.extent - 1 - self.pad_lo

    @property
    def frame_hi(self) -> int:
        """Zeros the gather view adds after it: `d·(k−1) − p_hi + op` (negative: cropped)."""
        return self.extent - 1 - self.pad_hi + self.output_padding

    @property
    def grid_length(self) -> int:
        """Length of the gather view's grid, the zero-inserted input with its frame."""
        return self.zero_inserted + self.frame_lo + self.frame_hi

    @property
    def min_output(self) -> int:
        """Transposed output size with `output_padding = 0`."""
        return self.full - self.pad_lo - self.pad_hi

    @property
    def output(self) -> int:
        """Transposed output size: `(i−1)·s − p_lo − p_hi + d·(k−1) + op + 1`, as the formula
        gives it (the record is raw: `check_transposed` and the API refuse sizes below 1)."""
        return self.min_output + self.output_padding

    @property
    def conv_output(self) -> int:
        """Direct-convolution output size: `⌊(i + p_lo + p_hi − d·(k−1) − 1) / s⌋ + 1`."""
        return (self.size + self.pad_lo + self.pad_hi - self.extent) // self.stride + 1

    @property
    def max_output_padding(self) -> int:
        """Largest output_padding PyTorch accepts: `max(s, d) − 1`."""
        return output_padding_limit(self.stride, self.dilation) - 1

    @property
    def padding(self) -> int | tuple[int, int]:
        """PyTorch-style padding: an int when symmetric, else `(lo, hi)`."""
        return self.pad_lo if self.pad_lo == self.pad_hi else (self.pad_lo, self.pad_hi)


Layer = tuple[Axis, ...]


def output_padding_limit(stride: int, dilation: int) -> int:
    """PyTorch's rule, written once: output_padding must be below `max(stride, dilation)`."""
    return max(stride, dilation)


#: PyTorch allows output_padding up to max(stride, dilation) − 1; the others up to stride − 1.
OUTPUT_PADDING_BEYOND_STRIDE = (
    "output_padding ≥ stride is legal in PyTorch only because dilation > stride; Keras, ONNX "
    "Runtime and Paddle reject it"
)

# The parameters of a layer by PyTorch's names, as the CLI and errors call them.
PARAMS = ("input", "kernel_size", "stride", "padding", "dilation", "output_padding")


def make_layer(
    size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int | tuple[int, int]] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
    *,
    rank: int | None = None,
) -> Layer:
    """Build a layer from PyTorch's arguments: an int applies to every axis, a sequence is per
    axis, and padding may give `(lo, hi)` pairs. The rank is `rank`, else the longest list.

    >>> make_layer((32, 24), 3, 2, 1)[1]
    Axis(size=24, kernel=3, stride=2, pad_lo=1, pad_hi=1, dilation=1, output_padding=0)
    >>> make_layer(5, 3, padding=[(0, 1)], rank=2)[0].padding
    (0, 1)
    """
    given = (size, kernel_size, stride, padding, dilation, output_padding)
    lists = {name: _values(name, value) for name, value in zip(PARAMS, given)}
    rank = broadcast_rank(lists, rank)
    per_axis = [broadcast(values, rank) for values in lists.values()]
    return tuple(Axis(i, k, s, lo, hi, d, op) for i, k, s, (lo, hi), d, op in zip(*per_axis))


def _values(name: str, value: object) -> tuple[int, ...] | tuple[tuple[int, int], ...]:
    """One parameter as a tuple of ints (of `(lo, hi)` pairs for padding), checked for type."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if not items:
        raise ParameterError(name, value, "is empty: give an int, or one per axis")
    if name == "padding":
        return tuple(_pair(name, item) for item in items)
    return tuple(_integer(name, item) for item in items)


def _integer(name: str, value: object) -> int:
    index = getattr(value, "__index__", None)
    if isinstance(value, bool) or index is None:
        raise ParameterError(name, repr(value), "must be an int, or a tuple of ints per axis")
    return int(index())


def _pair(name: str, item: object) -> tuple[int, int]:
    if isinstance(item, (tuple, list)):
        if len(item) != 2:
            raise ParameterError(name, repr(item), "must be an int or a (lo, hi) pair per axis")
        return _integer(name, item[0]), _integer(name, item[1])
    value = _integer(name, item)
    return value, value


def broadcast_rank(lists: Mapping[str, Sequence[object]], rank: int | None = None) -> int:
    """The number of axes: `rank`, else the longest list; every list must have that length or
    length 1."""
    if rank is None:
        rank = max(len(values) for values in lists.values())
    for name, values in lists.items():
        if len(values) not in (1, rank):
            longest = next((n for n, v in lists.items() if len(v) == rank), None)
            other = f"{longest} has {rank}" if longest else f"the layer has {rank} axes"
            raise ParameterError(
                name,
                ",".join(map(str, values)),
                f"has {len(values)} values but {other}: give one value for every "
                "axis, or one value for all",
            )
    return rank


def broadcast(values: Sequence[T], rank: int) -> tuple[T, ...]:
    return tuple(values) * rank if len(values) == 1 else tuple(values)


def _axis_label(layer: Layer, index: int, target: Sequence[int] = ()) -> int | None:
    """The axis a message names: None when every axis is alike (the rule breaks on all)."""
    alike = len(set(layer)) == 1 and len(set(target)) <= 1
    return None if alike else index


def _check_range(param: str, value: int, low: int, axis: int | None, high: int = MAX_VALUE) -> None:
    if value < low:
        raise ParameterError(param, value, f"must be at least {low}", axis)
    if value > high:
        raise ParameterError(param, value, f"is too large: at most {high}", axis)


def _check_common(a: Axis, axis: int | None) -> None:
    """Rules shared by the direct and the transposed layer (PyTorch)."""
    _check_range("input", a.size, 1, axis)
    _check_range("kernel_size", a.kernel, 1, axis, MAX_WINDOW)
    _check_range("stride", a.stride, 1, axis, MAX_WINDOW)
    _check_range("dilation", a.dilation, 1, axis, MAX_WINDOW)
    for pad in (a.pad_lo, a.pad_hi):
        shown = a.padding if isinstance(a.padding, int) else f"{a.pad_lo}:{a.pad_hi}"
        if pad < 0:
            raise ParameterError("padding", shown, "must be at least 0", axis)
        if pad > MAX_VALUE:
            raise ParameterError("padding", shown, f"is too large: at most {MAX_VALUE}", axis)


def check_parameters(layer: Layer, transposed: bool = True) -> None:
    """Raise ParameterError unless PyTorch accepts these parameters, whatever the input size."""
    for index, a in enumerate(layer):
        axis = _axis_label(layer, index)
        _check_common(a, axis)
        if not transposed:
            if a.output_padding:
                raise ParameterError(
                    "output_padding",
                    a.output_padding,
                    "has no meaning for a direct convolution",
                    axis,
                )
            continue
        _check_range("output_padding", a.output_padding, 0, axis)
        if a.output_padding > a.max_output_padding:
            raise ParameterError(
                "output_padding",
                a.output_padding,
                "must be smaller than stride or dilation "
                f"(max({a.stride}, {a.dilation}) = {a.max_output_padding + 1})",
                axis,
            )


def check_transposed(layer: Layer) -> None:
    """Raise ParameterError unless PyTorch's ConvTransposeNd accepts this layer."""
    check_parameters(layer)
    for index, a in enumerate(layer):
        check_output(a, _axis_label(layer, index))


def check_output(a: Axis, axis: int | None = None) -> None:
    """PyTorch's "Output size is too small": the output must have at least one element."""
    if a.output < 1:
        raise ParameterError(
            None,
            a.output,
            f"would have size {transposed_formula(a)} = {a.output}; it must be at least 1 "
            "(lower padding, or raise input, kernel_size, stride or dilation)",
            axis,
        )


def check_conv(layer: Layer) -> None:
    """Raise ParameterError unless PyTorch's ConvNd accepts this layer."""
    check_parameters(layer, transposed=False)
    for index, a in enumerate(layer):
        padded = a.size + a.pad_lo + a.pad_hi
        if padded < a.extent:
            raise ParameterError(
                None,
                (padded - a.extent) // a.stride + 1,
                f"would be empty: the padded input ({padded}) is smaller than the kernel's "
                f"extent d×(k−1)+1 = {a.extent} (raise input or padding, or lower kernel_size "
                "or dilation)",
                _axis_label(layer, index),
            )


def term(value: int) -> str:
    """A number in a formula: negative ones in parentheses."""
    return f"({value})" if value < 0 else str(value)


def _minus(value: int) -> str:
    return f"− {value}" if value >= 0 else f"+ {-value}"


def transposed_formula(a: Axis) -> str:
    """The output-size formula with this axis's numbers put in.

    >>> transposed_formula(Axis(3, 3, 2, 1, 1))
    '(3−1)×2 − 2×1 + 1×(3−1) + 0 + 1'
    """
    pads = (
        f"− 2×{term(a.pad_lo)}"
        if a.pad_lo == a.pad_hi
        else f"{_minus(a.pad_lo)} {_minus(a.pad_hi)}"
    )
    return f"({a.size}−1)×{a.stride} {pads} + {a.dilation}×({a.kernel}−1) + {a.output_padding} + 1"


def conv_formula(a: Axis) -> str:
    """The direct-convolution output-size formula with this axis's numbers put in.

    >>> conv_formula(Axis(5, 3, 2, 1, 1))
    '⌊(5 + 2×1 − 1×(3−1) − 1) / 2⌋ + 1'
    """
    pads = (
        f"+ 2×{term(a.pad_lo)}"
        if a.pad_lo == a.pad_hi
        else f"+ {term(a.pad_lo)} + {term(a.pad_hi)}"
    )
    return f"⌊({a.size} {pads} − {a.dilation}×({a.kernel}−1) − 1) / {a.stride}⌋ + 1"


def layer_name(rank: int, transposed: bool = True) -> str:
    base = "ConvTranspose" if transposed else "Conv"
    return f"{base}{rank}d" if rank <= 3 else f"{base} ({rank}-d)"


def per_axis(values: Sequence[object]) -> str:
    first = values[0]
    if all(v == first for v in values):
        return str(first)
    return "(" + ", ".join(map(str, values)) + ")"


def pad_text(a: Axis) -> str:
    return str(a.pad_lo) if a.pad_lo == a.pad_hi else f"{a.pad_lo}:{a.pad_hi}"


def constructor(layer: Layer, transposed: bool = True) -> str:
    """PyTorch's constructor for this layer, leaving out arguments at their defaults.

    Asymmetric padding, which PyTorch has not, is written `lo:hi`.
    """
    args = [f"kernel_size={per_axis([a.kernel for a in layer])}"]
    for name, values, default in (
        ("stride", [a.stride for a in layer], 1),
        ("padding", [pad_text(a) for a in layer], "0"),
        ("dilation", [a.dilation for a in layer], 1),
        ("output_padding", [a.output_padding for a in layer], 0),
    ):
        if any(v != default for v in values):
            args.append(f"{name}={per_axis(values)}")
    return f"{layer_name(len(layer), transposed)}({', '.join(args)})"


def equivalent_conv(layer: Layer) -> Layer:
    """The direct convolution (stride 1, the flipped kernel) that this transposed layer is, on
    its zero-inserted input: steps 1-4 of DESIGN.md §1. A negative pad there is a crop."""
    return tuple(
        Axis(a.zero_inserted, a.kernel, 1, a.frame_lo, a.frame_hi, a.dilation) for a in layer
    )


def same_padding(a: Axis) -> int:
    """The total padding "same" (Keras, TensorFlow, ONNX's SAME_*) gives a direct window: the
    one that makes its output `⌈i/s⌉`, `(⌈i/s⌉−1)·s + d·(k−1) + 1 − i` (negative: the window
    fits with room to spare; the frameworks clamp it at 0, ONNX Runtime's pools refuse it)."""
    return (-(-a.size // a.stride) - 1) * a.stride + a.extent - a.size


def split_padding(total: int) -> tuple[int, int]:
    """A total padding as (lo, hi), the odd element at the end: PyTorch's and TensorFlow's
    "same", ONNX's SAME_UPPER (SAME_LOWER is the reverse)."""
    return total // 2, total - total // 2


def pool_output(a: Axis, ceil_mode: bool) -> int:
    """A pooling window's output size: the direct convolution's, or with `ceil_mode` rounded up
    where the last window starts inside the input or its begin padding (PyTorch, ONNX Runtime)."""
    if not ceil_mode:
        return a.conv_output
    size = -(-(a.size + a.pad_lo + a.pad_hi - a.extent) // a.stride) + 1
    return size - 1 if (size - 1) * a.stride >= a.size + a.pad_lo else size


def reachable(a: Axis) -> range:
    """Output sizes this axis reaches over every output_padding PyTorch accepts."""
    return range(max(1, a.min_output), a.min_output + a.max_output_padding + 1)


def torch_output_size_range(a: Axis) -> range:
    """Sizes `ConvTransposeNd.forward(x, output_size=…)` accepts: it ignores dilation."""
    return range(a.min_output, a.min_output + a.stride)


def conv_inputs(a: Axis) -> range:
    """Input sizes that the direct convolution with this axis's k, s, p, d maps to `a.size`.

    The floor in the conv formula makes up to `s` of them collapse to one; output_padding picks
    which one the transposed layer restores.
    """
    return range(max(1, a.min_output), a.min_output + a.stride)


def inputs_reaching(a: Axis, target: int) -> range:
    """Input sizes from which this axis (over its legal output_padding) reaches `target`."""
    offset = target - a.extent + a.pad_lo + a.pad_hi  # = (i−1)·s + op
    first = -(-(offset - a.max_output_padding) // a.stride)  # ⌈·⌉, as i−1
    last = offset // a.stride
    return range(max(first, 0) + 1, last + 2)


# ---------------------------------------------------------------------------------------------
# Inverse: which output_padding gives a target size.


def check_target(layer: Layer, target: Sequence[int]) -> None:
    for index, t in enumerate(target):
        _check_range("target", t, 1, _axis_label(layer, index, target))


def solve(layer: Layer, target: Sequence[int], *, given_input: bool) -> Layer:
    """The layer with the output_padding (and, unless `given_input`, the input) that gives `target`.

    Without a given input, each axis's input is the direct convolution's output of the target
    (the encoder/decoder case), which always has an answer when that convolution is valid.
    Raises NoAnswer when the target cannot be reached, with the reachable sizes and the inputs
    that would reach it.
    """
    check_target(layer, target)
    solved = []
    for index, (a, t) in enumerate(zip(layer, target)):
        axis = _axis_label(layer, index, target)
        where = f" on axis {axis}" if axis is not None else ""
        _check_common(a, axis)
        if not given_input:
            encoder = replace(a, size=t, output_padding=0)
            if t + a.pad_lo + a.pad_hi < a.extent:
                raise NoAnswer(
                    f"target {t}{where} is too small for the encoder: the direct convolution "
                    f"needs at least {a.extent - a.pad_lo - a.pad_hi} (kernel extent "
                    f"{a.extent} minus padding {a.pad_lo + a.pad_hi})"
                )
            a = replace(a, size=encoder.conv_output)
        op = t - a.min_output
        if not 0 <= op <= a.max_output_padding:
            raise NoAnswer(_unreachable_message(a, t, where))
        solved.append(replace(a, output_padding=op))
    layer = tuple(solved)
    check_transposed(layer)
    return layer


def _unreachable_message(a: Axis, target: int, where: str) -> str:
    span = reachable(a)
    if span:
        got = f"{span[0]}" if len(span) == 1 else f"{span[0]} to {span[-1]}"
        got = f"reaches {got} (output_padding 0 to {a.max_output_padding})"
    else:
        got = "gives no output for any output_padding"
    inputs = inputs_reaching(a, target)
    if inputs:
        sizes = ", ".join(map(str, inputs))
        hint = f"an input of {sizes} reaches {target}"
    else:
        hint = f"no input size reaches {target} with this kernel_size, stride and padding"
    return f"target {target}{where} is unreachable from input {a.size}: this layer {got}; {hint}"


# ---------------------------------------------------------------------------------------------
# Overlap: how many kernel taps reach each output cell.


class Overlap(NamedTuple):  # a NamedTuple, not a dataclass: made in a fifth of the time
    """Kernel taps per output cell along one axis.

    `interior_min`/`interior_max` is the periodic pattern far from the borders (the
    checkerboard when they differ); `min`/`max` cover this layer's actual output cells, borders
    included (None when the layer is too large to scan).
    """

    interior_min: int
    interior_max: int
    min: int | None
    max: int | None

    @property
    def uneven(self) -> bool:
        return self.interior_min != self.interior_max


def taps_at(a: Axis, q: int) -> int:
    """Kernel taps that land on position `q` of the uncropped output (`q = j·s + t·d`)."""
    s, d, i, k = a.stride, a.dilation, a.size, a.kernel
    if q < 0 or q > a.full - 1:
        return 0
    g = gcd(s, d)
    if q % g:
        return 0
    t_lo = max(0, -(-(q - (i - 1) * s) // d))
    t_hi = min(k - 1, q // d)
    m = s // g
    t0 = (q // g) * pow(d // g, -1, m) % m if m > 1 else 0
    first = t_lo + (t0 - t_lo) % m
    return 0 if first > t_hi else (t_hi - first) // m + 1


_SCAN_BUDGET = 200_000


def interior_overlap(a: Axis) -> tuple[int, int]:
    """Kernel taps per output cell far from the borders, (min, max): the periodic pattern, a
    checkerboard when they differ. It depends on the kernel, stride and dilation alone."""
    s, k = a.stride, a.kernel
    g = gcd(s, a.dilation)
    return (0 if g > 1 else k // s, -(-k // (s // g)))


def overlap(a: Axis) -> Overlap:
    """Taps per output cell: the periodic pattern and the exact range over the output.

    The exact range scans few cells: the count is periodic (period s or d) in the middle of the
    output, and on each border it can only grow from one lcm(s, d) stretch to the next.
    """
    s, d, k = a.stride, a.dilation, a.kernel
    g = gcd(s, d)
    interior = interior_overlap(a)
    last = a.full - 1  # last position of the uncropped output
    cells = (a.pad_lo, a.pad_lo + a.output - 1)
    lo, hi = max(cells[0], 0), min(cells[1], last)
    if lo > hi:
        return Overlap(*interior, 0, 0)
    border = min((k - 1) * d, (a.size - 1) * s)
    period = s if (k - 1) * d <= (a.size - 1) * s else d
    step = s * d // g
    if min(2 * border, 4 * step) + period > _SCAN_BUDGET:
        return Overlap(*interior, None, None)

    def ends(first: int, stop: int, n: int) -> list[int]:
        return list(range(first, min(stop, first + n))) + list(range(max(first, stop - n), stop))

    positions: list[int] = []
    low = (lo, min(hi + 1, border))  # the first border, scanned at both ends
    positions += ends(*low, step)
    mirror = (last - hi, min(last - lo + 1, border))  # the last border, seen from its end
    positions += [last - q for q in ends(*mirror, step)]
    middle = (max(lo, border), min(hi, last - border) + 1)  # periodic: one period is enough
    positions += range(middle[0], min(middle[1], middle[0] + period))
    counts = [taps_at(a, q) for q in positions]
    if cells[0] < 0 or cells[1] > last:
        counts.append(0)  # cells beyond the uncropped output get no tap
    return Overlap(*interior, min(counts), max(counts))


# ---------------------------------------------------------------------------------------------
# Tensors: PyTorch's layouts for a layer with channels.


class Tensors(NamedTuple):  # as Overlap: `tconv shape` starts sooner
    """Shapes of a layer's tensors in PyTorch's layout (`weight` is `(C_in, C_out/g, *k)` for a
    transposed layer, `(C_out, C_in/g, *k)` for a direct one)."""

    input: tuple[int, ...]
    output: tuple[int, ...]
    weight: tuple[int, ...]
    bias: tuple[int, ...] | None

    @property
    def parameters(self) -> int:
        count = 1
        for n in self.weight:
            count *= n
        return count + (self.bias[0] if self.bias else 0)


def check_channels(in_channels: int | None, out_channels: int | None, groups: int = 1) -> None:
    """PyTorch's channel rules: each count given is at least 1 and divisible by `groups`."""
    _check_range("groups", groups, 1, None)
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
        if value is not None:
            _check_range(name, value, 1, None)
            if value % groups:
                raise ParameterError(name, value, f"must be divisible by groups ({groups})")


def tensor_shapes(
    layer: Layer,
    in_channels: int,
    out_channels: int,
    groups: int = 1,
    batch: int | None = None,
    bias: bool = True,
    transposed: bool = True,
) -> Tensors:
    """Input, output, weight and bias shapes, with PyTorch's channel and group rules."""
    check_channels(in_channels, out_channels, groups)
    if batch is not None:
        _check_range("batch", batch, 1, None)
    sizes = [a.output if transposed else a.conv_output for a in layer]
    kernel = tuple(a.kernel for a in layer)
    lead = (batch,) if batch is not None else ()
    if transposed:
        weight = (in_channels, out_channels // groups)
    else:
        weight = (out_channels, in_channels // groups)
    return Tensors(
        input=(*lead, in_channels, *(a.size for a in layer)),
        output=(*lead, out_channels, *sizes),
        weight=weight + kernel,
        bias=(out_channels,) if bias else None,
    )
