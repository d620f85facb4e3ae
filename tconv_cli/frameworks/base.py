"""What every framework module shares: `FrameworkWords` (a layer in one framework's words), the
`Framework` interface each module implements, and the small pieces they build it from.

The canonical records of PyTorch, ONNX and Caffe are their own padding and output_padding. The
other frameworks' records hold what each end crops from the full output `(i−1)·s + d·(k−1) + 1`:
zeros added at the end are output_padding, zeros added at the start a negative pad_lo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import Axis, Layer, broadcast, broadcast_rank

Pairs = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Summary:
    """A framework's layer as a report shows it: its code, PyTorch's code for the same
    computation, and what to know."""

    code: str
    torch: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FrameworkWords:
    """A transposed convolution as one framework states it. Per-axis values are tuples; a tuple
    of one value applies to every axis.

    - `padding`: numbers, `(lo, hi)` per axis: PyTorch's and Caffe's `padding=p` is `(p, p)`,
      ONNX's `pads` (see `onnx_pads`), JAX's pairs on the zero-inserted input.
    - `padding_name`: padding by name: Keras "same"/"valid", TensorFlow and JAX "SAME"/"VALID",
      ONNX's `auto_pad`.
    - `output_padding`: PyTorch, Keras (None: Keras's own default) and ONNX.
    - `output_shape`: the spatial output sizes: TensorFlow (required) and ONNX.
    - `groups`: PyTorch, ONNX and Caffe. `transpose_kernel`: JAX.
    """

    convention: str
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...] = (1,)
    dilation: tuple[int, ...] = (1,)
    padding: Pairs | None = None
    padding_name: str | None = None
    output_padding: tuple[int, ...] | None = None
    output_shape: tuple[int, ...] | None = None
    groups: int = 1
    transpose_kernel: bool = True

    def __post_init__(self) -> None:
        check_choice("convention", self.convention, Convention.names())
        object.__setattr__(self, "convention", str(self.convention))
        lists = {param: getattr(self, name) for param, name in PER_AXIS}
        lists = {param: values for param, values in lists.items() if values is not None}
        rank = broadcast_rank(lists)
        if rank == 0:
            raise ParameterError("input", "()", "needs at least one spatial axis")
        for param, name in PER_AXIS:
            if param in lists:
                values = tuple(tuple(v) if name == "padding" else v for v in lists[param])
                object.__setattr__(self, name, broadcast(values, rank))

    @property
    def rank(self) -> int:
        return len(self.size)


# Per-axis fields, by the names errors use for them.
SIZES = (
    ("input", "size"),
    ("kernel_size", "kernel"),
    ("stride", "stride"),
    ("dilation", "dilation"),
)
PER_AXIS = (
    *SIZES,
    ("padding", "padding"),
    ("output_padding", "output_padding"),
    ("output_shape", "output_shape"),
)
#: Optional fields, not every framework has them, and their defaults.
OPTIONS = {
    f.name: f.default
    for f in fields(FrameworkWords)
    if f.name
    in ("padding", "padding_name", "output_padding", "output_shape", "groups", "transpose_kernel")
}


@dataclass(frozen=True)
class Deviation:
    """A runtime that refuses (or changes) a layer its framework's documented formula allows:
    which runtime, when (`applies(fl, layer)`), and what it does, in one line."""

    runtime: str
    applies: Callable[[FrameworkWords, Layer], bool]
    does: str

    def note(self) -> str:
        return f"{self.runtime} {self.does}"


class Framework:
    """One framework's knowledge, as its module states it. Subclasses set the attributes and
    implement `translate`, `candidates` and `arguments`; the other methods are what most
    frameworks do."""

    convention: Convention
    api: str  # the layer's name in messages
    takes: str  # its parameters, for a message about one it does not have
    options: tuple[str, ...]  # the optional FrameworkWords fields it has
    aliases: tuple[str, ...] = ()  # its own names layer_from accepts (ONNX: pads, auto_pad)
    keywords: dict[str, str]  # its layer's argument names -> layer_from's (the Python API)
    call: str  # the code line, with {n} (rank), {cin}, {cout} and {args}
    max_rank: int | None = 3  # its layers' highest rank; None: any
    default_padding_name: str | None = None  # the padding name when none is given
    deviations: tuple[Deviation, ...] = ()  # its runtimes' refusals, as data

    # Its words -> the canonical record.
    def translate(self, fl: FrameworkWords) -> Layer:
        """The canonical record of `fl` under this framework's own rules (common checks done)."""
        raise NotImplementedError

    def padding_name(self, fl: FrameworkWords) -> str | None:
        """The padding name in effect: the given one, or the framework's default."""
        return fl.padding_name or self.default_padding_name

    def fill(
        self, padding: Pairs | None, padding_name: str | None, default_padding: Pairs | None
    ) -> Pairs | None:
        """The padding numbers when the user gave none (PyTorch: `default_padding`)."""
        return padding

    # The way back: a layer of this framework for a canonical record.
    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        """Layers of this framework close to `layer`, the exact one first when there is one."""
        raise NotImplementedError

    def step(self, crop: Pairs) -> list[str]:
        """The code lines of a crop or zero-padding step after a layer (see `pad_then_crop`)."""
        raise NotImplementedError

    # Inverse: its own output option.
    def solve_start(self, fl: FrameworkWords, target: tuple[int, ...]) -> FrameworkWords:
        """`fl` made complete enough to translate before solving (TensorFlow's output_shape)."""
        return fl

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        """`fl` with its output option set for `target`, best first; `[fl]` when it has none."""
        return [fl]

    # Code and weights.
    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        """The keyword arguments of `fl`'s call, as `code` writes them."""
        raise NotImplementedError

    def listed(self, args: dict[str, Any]) -> str:
        """The arguments as the code line writes them: Python keywords."""
        return ", ".join(f"{key}={py(value)}" for key, value in args.items())

    def notes(self, fl: FrameworkWords, layer: Layer) -> list[str]:
        """What a user of `fl` should know: where it is legal, where runtimes disagree."""
        return []

    def refusals(self, fl: FrameworkWords, layer: Layer) -> list[Deviation]:
        """The runtimes that refuse or change `fl` (whose record is `layer`)."""
        return [d for d in self.deviations if d.applies(fl, layer)]

    def flips_kernel(self, transpose_kernel: bool) -> bool:
        """Whether this framework slides the kernel the other way round from PyTorch."""
        return False

    def weight_to_torch(self, weight: Any, transpose_kernel: bool = True) -> Any:
        """A numpy weight in this framework's layout, in PyTorch's `(C_in, C_out/groups, *k)`."""
        return weight

    def weight_from_torch(self, weight: Any, transpose_kernel: bool = True) -> Any:
        return weight


class ChannelsLast(Framework):
    """Keras and TensorFlow: channels last, kernel `(*k, C_out, C_in)`, 'same' cropping the odd
    element at the end."""

    def notes(self, fl: FrameworkWords, layer: Layer) -> list[str]:
        told = []
        odd = any(a.pad_lo != a.pad_hi - a.output_padding for a in layer)
        if odd and (self.padding_name(fl) or "").lower() == "same":
            told.append(
                "'same' crops the odd element at the end (Keras, TensorFlow, ONNX "
                "SAME_UPPER); PyTorch's padding crops both ends alike"
            )
        told.append("channels last: input (N, *sizes, C_in), kernel (*kernel_size, C_out, C_in)")
        return told

    def weight_to_torch(self, weight: Any, transpose_kernel: bool = True) -> Any:
        import numpy as np  # noqa: PLC0415 - numpy only where weights are

        return np.moveaxis(weight, (-1, -2), (0, 1))

    def weight_from_torch(self, weight: Any, transpose_kernel: bool = True) -> Any:
        import numpy as np  # noqa: PLC0415

        return np.moveaxis(weight, (0, 1), (-1, -2))


# ---------------------------------------------------------------------------------------------
# Small pieces the framework modules build from.


class Raw(str):
    """Code written as it is (a placeholder such as C_in), not as a string literal."""


def axes(fl: FrameworkWords) -> Iterator[tuple[int, int, int, int]]:
    return zip(fl.size, fl.kernel, fl.stride, fl.dilation)


def axis(fl: FrameworkWords, index: int) -> int | None:
    """The axis an error names: None when every axis is alike (the rule breaks on all)."""
    lists = (
        fl.size,
        fl.kernel,
        fl.stride,
        fl.dilation,
        fl.padding,
        fl.output_padding,
        fl.output_shape,
    )
    return None if all(len(set(v)) <= 1 for v in lists if v is not None) else index


def from_pads(i: int, k: int, s: int, d: int, pads: tuple[int, int]) -> Axis:
    """The axis that pads the zero-inserted input with `pads` zeros (negative: crops it)."""
    extent = Axis(i, k, s, dilation=d).extent
    return from_crops(i, k, s, d, extent - 1 - pads[0], extent - 1 - pads[1])


def from_crops(i: int, k: int, s: int, d: int, lo: int, hi: int) -> Axis:
    """The axis whose output crops `lo` and `hi` elements from the ends of the full output
    (negative: adds zeros); zeros added at the end are output_padding."""
    return Axis(i, k, s, lo, max(hi, 0), d, max(-hi, 0))


def symmetric(a: Axis, choices: int) -> tuple[int, int]:
    """`(p, output_padding)` of a layer that crops `p` at both ends (`0 ≤ op < choices`), keeps
    every element of `a`'s output that is not a zero and little else, and has an output."""
    start, stop, length = a.pad_lo, a.pad_lo + a.output, a.full
    p = max(start, 0)
    op = min(max(stop - length + p, 0), choices - 1)
    p -= max(min(stop, length) - (length - p + op), 0)  # crop at the start what the end misses
    return min(p, (length + op - 1) // 2), op  # an output of at least 1


def candidate(convention: Convention, layer: Layer, **options: Any) -> FrameworkWords:
    """A layer of `convention` with `layer`'s input, kernel, stride and dilation."""
    return FrameworkWords(
        convention,
        size=tuple(a.size for a in layer),
        kernel=tuple(a.kernel for a in layer),
        stride=tuple(a.stride for a in layer),
        dilation=tuple(a.dilation for a in layer),
        **options,
    )


def output_paddings(layer: Layer, target: Sequence[int]) -> tuple[int, ...]:
    """The output_padding per axis that gives `target`, for a record holding its own."""
    return tuple(t - a.output + a.output_padding for a, t in zip(layer, target))


def slice_line(crop: Pairs, channels_last: bool = False) -> str:
    cuts = ", ".join(f"{lo or ''}:{-hi if hi else ''}" for lo, hi in crop)
    return f"y = y[:, {cuts}, :]" if channels_last else f"y = y[..., {cuts}]"


def pad_then_crop(
    pad: Callable[[Pairs], str], cut: Callable[[Pairs], str], crop: Pairs
) -> list[str]:
    """A step as code: the zeros to add (`pad`), then the elements to remove (`cut`), each if
    any. `crop` per axis: elements to remove at (start, end), negative for zeros to add."""
    pads = tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in crop)
    cuts = tuple((max(lo, 0), max(hi, 0)) for lo, hi in crop)
    return [line(amounts) for line, amounts in ((pad, pads), (cut, cuts)) if any(map(any, amounts))]


def check_choice(param: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ParameterError(param, value, f"must be one of {', '.join(choices)}")


def shown(value: Any) -> str:
    """A value as the command line writes it: `1,2` per axis, `lo:hi` for a pair."""
    if isinstance(value, (tuple, list)):
        return ",".join(":".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value)
    return str(value)


def sizes(values: Sequence[int]) -> str:
    """Spatial sizes as a picture names them: `7×7`."""
    return "×".join(map(str, values))


def collapse(values: Sequence[int], default: int | None = None) -> int | tuple[int, ...] | None:
    """One number when every axis has it, else the tuple; None when that is `default`."""
    value = values[0] if len(set(values)) == 1 else tuple(values)
    return None if value == default else value


def given(**arguments: Any) -> dict[str, Any]:
    """The arguments that are not None."""
    return {key: value for key, value in arguments.items() if value is not None}


def py(value: Any) -> str:
    """`value` as Python source: strings in double quotes, placeholders bare."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(map(py, value)) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(map(py, value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return str(value)
