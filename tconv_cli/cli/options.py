"""Command-line options shared by every command, defined once, and their parsing into a layer.

The list syntax (`3`, `32,24`, `0:1,1`) belongs to the command line; what the numbers may be
is the geometry's business, so this module only turns text into integers.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Annotated, Optional

import typer

from .. import geometry as g
from ..errors import ParameterError
from ..geometry import MAX_VALUE, Layer, broadcast, broadcast_rank, make_layer
from .flags import FLAGS

InputOpt = Annotated[
    Optional[str],
    typer.Option(
        "--in", "-i", metavar="SIZES", show_default=False,
        help="Input size of the transposed layer: 3, or per axis 32,24. \\[default: 3]",
    ),
]
KernelOpt = Annotated[
    Optional[str],
    typer.Option("--kernel-size", "-k", metavar="SIZES",
                 help="Kernel size: 3, or 3,5. \\[default: 3]"),
]
StrideOpt = Annotated[
    Optional[str],
    typer.Option("--stride", "-s", metavar="INTS", help="Stride: 2, or 2,1. \\[default: 2]"),
]
PaddingOpt = Annotated[
    Optional[str],
    typer.Option(
        "--padding", "-p", metavar="PADS",
        help="Padding: 1, per axis 1,0, or asymmetric lo:hi per axis (0:1,1); same or valid "
             "with --convention keras, tf or jax. \\[default: 1 (torch)]",
    ),
]
DilationOpt = Annotated[
    Optional[str],
    typer.Option("--dilation", "-d", metavar="INTS", help="Dilation. \\[default: 1]"),
]
OutputPaddingOpt = Annotated[
    Optional[str],
    typer.Option(
        "--output-padding", "--op", metavar="INTS",
        help="Extra size at the high end of each axis; smaller than max(stride, dilation). "
             "\\[default: 0; Keras: its own]",
    ),
]
TargetOpt = Annotated[
    Optional[str],
    typer.Option("--target", "-t", metavar="SIZES",
                 help="The output size wanted: 6, or per axis 28,24."),
]
InputArrayOpt = Annotated[
    Optional[str],
    typer.Option("--input", "-x", metavar="ARRAY",
                 help="Input values: a literal like [[2,3],[1,3]], or a .npy file."),
]
WeightArrayOpt = Annotated[
    Optional[str],
    typer.Option("--weight", "-w", metavar="ARRAY",
                 help="Kernel weights: a literal like [[0,1],[1,0]], or a .npy file."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")]


class Convention(str, Enum):
    torch = "torch"
    keras = "keras"
    tf = "tf"
    onnx = "onnx"
    jax = "jax"
    caffe = "caffe"


ConventionOpt = Annotated[
    Convention,
    typer.Option(
        "--convention", "-c", metavar="NAME",
        help="Whose parameters these are: torch; keras (-p same|valid, --op optional); tf "
             "(-p SAME|VALID, --output-shape); onnx (--pads or --auto-pad, --output-shape); "
             "jax (-p SAME|VALID or lo:hi pairs on the zero-inserted input); caffe.",
    ),
]
PadsOpt = Annotated[
    Optional[str],
    typer.Option("--pads", metavar="INTS", help="ONNX pads: begins, then ends (0,0,1,1)."),
]
AutoPadOpt = Annotated[
    Optional[str],
    typer.Option("--auto-pad", metavar="NAME",
                 help="ONNX auto_pad: NOTSET, SAME_UPPER, SAME_LOWER or VALID."),
]
OutputShapeOpt = Annotated[
    Optional[str],
    typer.Option("--output-shape", metavar="SIZES",
                 help="TensorFlow's and ONNX's output_shape (spatial sizes)."),
]
TransposeKernelOpt = Annotated[
    bool,
    typer.Option("--transpose-kernel/--no-transpose-kernel",
                 help="JAX lax.conv_transpose's transpose_kernel."),
]


_INT = re.compile(r"[+-]?\d+")
_NAMED = re.compile(r"[A-Za-z_]+")  # padding by name: same, VALID, SAME_UPPER…


def parse_ints(text: str, flag: str) -> tuple[int, ...]:
    """`"32,24"` → `(32, 24)`; anything else is a ParameterError naming the option."""
    return tuple(_parse_int(item, index, text, flag) for index, item in enumerate(text.split(",")))


def parse_padding(text: str, flag: str = "--padding") -> tuple[tuple[int, int], ...]:
    """`"1"` → `((1, 1),)`; `"0:1,2"` → `((0, 1), (2, 2))`."""
    pads = []
    for index, item in enumerate(text.split(",")):
        parts = item.split(":")
        if len(parts) > 2:
            raise ParameterError(
                flag, text, f"item {index + 1} ({item!r}) has more than one ':'; write lo:hi"
            )
        lo, hi = (_parse_int(part, index, text, flag) for part in (parts * 2)[:2])
        pads.append((lo, hi))
    return tuple(pads)


def _parse_int(item: str, index: int, text: str, flag: str) -> int:
    item = item.strip()
    if not item:
        rule = f"item {index + 1} is empty; give integers separated by commas, like 3 or 32,24"
        raise ParameterError(flag, text, rule)
    if not _INT.fullmatch(item):
        raise ParameterError(flag, text, f"{item!r} is not an integer")
    if len(item) > 100:  # beyond any rule's reach; spare int() a huge string
        raise ParameterError(flag, f"{item[:12]}…", f"is too large: at most {MAX_VALUE}")
    return int(item)


def parse_layer(
    in_: str,
    kernel_size: str,
    stride: str,
    padding: str,
    dilation: str,
    output_padding: str,
    **extra: str,
) -> tuple[Layer, dict[str, tuple[int, ...]]]:
    """The layer the geometry options describe, and the extra per-axis lists (e.g. `target`).

    Every list has one value or one per axis; the rank is the longest list given.
    """
    lists = {
        "--in": parse_ints(in_, "--in"),
        "--kernel-size": parse_ints(kernel_size, "--kernel-size"),
        "--stride": parse_ints(stride, "--stride"),
        "--padding": parse_padding(padding),
        "--dilation": parse_ints(dilation, "--dilation"),
        "--output-padding": parse_ints(output_padding, "--output-padding"),
    }
    parsed_extra = {name: parse_ints(text, FLAGS[name]) for name, text in extra.items()}
    rank = broadcast_rank({**lists, **{FLAGS[n]: v for n, v in parsed_extra.items()}})
    layer = make_layer(*(broadcast(values, rank) for values in lists.values()))
    return layer, {name: broadcast(values, rank) for name, values in parsed_extra.items()}


#: What an option left out means (the classic ConvTranspose2d(3, stride=2, padding=1) figure).
DEFAULTS = {"in_": "3", "kernel_size": "3", "stride": "2", "padding": "1", "dilation": "1",
            "output_padding": "0"}


@dataclass(frozen=True)
class Geometry:
    """The geometry options as the user typed them (None: left out), and the layer they mean."""

    in_: str | None = None
    kernel_size: str | None = None
    stride: str | None = None
    padding: str | None = None
    dilation: str | None = None
    output_padding: str | None = None
    convention: str = "torch"
    pads: str | None = None
    auto_pad: str | None = None
    output_shape: str | None = None
    transpose_kernel: bool = True

    def raw(self, **others: object) -> dict[str, str]:
        """Every option's text by flag, for error messages; `others` by parameter name."""
        given = {f.name: getattr(self, f.name) for f in fields(self)} | others
        return {_flag(name): "" if text is None else str(text) for name, text in given.items()}

    def filled(self, name: str) -> str:
        value = getattr(self, name)
        return DEFAULTS[name] if value is None else value

    def layer(self, check=g.check_transposed, **extra: str) -> tuple[Layer, dict]:
        """The canonical layer, checked by `check` (PyTorch's rules); with another convention,
        translated from its parameters under its own rules. Defaults fill what is left out."""
        named = self.padding is not None and _NAMED.fullmatch(self.padding.strip())
        if self.convention != "torch" or named:  # PyTorch's 'same' gets its own explanation
            if check is g.check_conv:
                raise ParameterError("--convention", self.convention, "does not go with "
                                     "--conv, which is PyTorch's direct convolution")
            from ..frameworks import to_layer

            layer = to_layer(self.framework_layer())
            lists = {name: parse_ints(text, FLAGS[name]) for name, text in extra.items()}
            return layer, {name: broadcast(v, len(layer)) for name, v in lists.items()}
        for flag, given in (("--pads", self.pads), ("--auto-pad", self.auto_pad),
                            ("--output-shape", self.output_shape)):
            if given is not None:
                raise ParameterError(flag, given, "is not PyTorch's: give --convention onnx "
                                     "(or tf for --output-shape)")
        if not self.transpose_kernel:
            raise ParameterError("--no-transpose-kernel", "", "is JAX's: give --convention jax")
        names = [f.name for f in fields(self)][:6]
        layer, lists = parse_layer(*(self.filled(name) for name in names), **extra)
        check(layer)
        return layer, lists

    def torch_kernel(self, kernel):
        """A bare spatial kernel, as given in this convention, oriented as PyTorch uses it."""
        from ..frameworks import torch_kernel

        return torch_kernel(self.convention, kernel, transpose_kernel=self.transpose_kernel)

    def framework_layer(self, groups: int = 1):
        """The layer in its convention's own words (frameworks.FrameworkLayer)."""
        from ..frameworks import layer_from

        def ints(name: str) -> tuple[int, ...] | None:
            text = getattr(self, name)
            return None if text is None else parse_ints(text, _flag(name))

        named = self.padding is not None and _NAMED.fullmatch(self.padding.strip())
        return layer_from(
            self.convention, size=parse_ints(self.filled("in_"), "--in"),
            kernel_size=parse_ints(self.filled("kernel_size"), "--kernel-size"),
            stride=parse_ints(self.filled("stride"), "--stride"),
            dilation=parse_ints(self.filled("dilation"), "--dilation"),
            padding=None if named or self.padding is None else parse_padding(self.padding),
            padding_name=self.padding.strip() if named else None, pads=ints("pads"),
            auto_pad=self.auto_pad, output_padding=ints("output_padding"),
            output_shape=ints("output_shape"), groups=groups,
            transpose_kernel=self.transpose_kernel,
            default_padding=parse_padding(DEFAULTS["padding"]),
        )

    def layer_for_arrays(
        self, sizes: tuple[int, ...], kernel: tuple[int, ...], target: str | None = None,
        check=g.check_transposed,
    ) -> Layer:
        """The layer whose input and kernel sizes are the arrays'; --target picks output_padding.

        An --in or --kernel-size given too must agree with the arrays.
        """
        for text, flag, actual, source in ((self.in_, "--in", sizes, "--input"),
                                           (self.kernel_size, "--kernel-size", kernel,
                                            "--weight")):
            if text is not None:
                wanted = parse_ints(text, flag)
                if len(wanted) not in (1, len(actual)) or broadcast(wanted, len(actual)) != actual:
                    size = "×".join(map(str, actual))
                    raise ParameterError(flag, text, f"contradicts {source}, whose size is "
                                         f"{size}; leave {flag} out, the array decides")
        rank = len(sizes)
        for name in ("stride", "padding", "dilation", "output_padding", "target"):
            text = target if name == "target" else getattr(self, name)
            if text is not None and len(text.split(",")) not in (1, rank):
                raise ParameterError(_flag(name), text, f"has {len(text.split(','))} values but "
                                     f"the arrays have {rank} spatial axes")
        if target is not None and self.convention != "torch":
            raise ParameterError("--target", target, "picks PyTorch's output_padding; with "
                                 f"--convention {self.convention}, give its own "
                                 "--output-padding or --output-shape")
        if target is not None and self.output_padding is not None:
            raise ParameterError("--target", target, "picks output_padding itself; give "
                                 "--target or --output-padding, not both")
        arrays = replace(self, in_=",".join(map(str, sizes)),
                         kernel_size=",".join(map(str, kernel)))
        if target is None:
            return arrays.layer(check)[0]
        template, lists = arrays.layer(check=lambda layer: None, target=target)
        return g.solve(template, lists["target"], given_input=True)


def _flag(name: str) -> str:
    """The flag of a command's parameter: `in_` is --in, `kernel_size` --kernel-size."""
    return "--" + name.rstrip("_").replace("_", "-")


# The shared options, in the order --help lists them: (parameter, annotation, default).
_SHARED = (
    ("in_", InputOpt, None), ("kernel_size", KernelOpt, None), ("stride", StrideOpt, None),
    ("padding", PaddingOpt, None), ("dilation", DilationOpt, None),
    ("output_padding", OutputPaddingOpt, None), ("convention", ConventionOpt, Convention.torch),
    ("pads", PadsOpt, None), ("auto_pad", AutoPadOpt, None),
    ("output_shape", OutputShapeOpt, None), ("transpose_kernel", TransposeKernelOpt, True),
)


def geometry_options(*, without: tuple[str, ...] = ()):
    """Give a command the shared geometry options, defined once here, as one `geometry`
    argument (a Geometry); `without` leaves some out (inverse solves output_padding)."""

    def decorate(function):
        shared = [(name, annotation, default) for name, annotation, default in _SHARED
                  if name not in without]
        own = [p for p in inspect.signature(function, eval_str=True).parameters.values()
               if p.name != "geometry"]

        @functools.wraps(function)
        def command(**kwargs):
            given = {name: kwargs.pop(name) for name, _, _ in shared}
            if isinstance(given.get("convention"), Enum):
                given["convention"] = given["convention"].value
            return function(geometry=Geometry(**given), **kwargs)

        command.__signature__ = inspect.Signature([
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                              annotation=annotation)
            for name, annotation, default in shared
        ] + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own])
        return command

    return decorate
