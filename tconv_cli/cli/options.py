"""Command-line options shared by every command, defined once, and their parsing into a layer.

The list syntax (`3`, `32,24`, `0:1,1`) belongs to the command line; what the numbers may be
is the geometry's business, so this module only turns text into integers.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Annotated, Optional

import typer

from .. import geometry as g
from ..choices import Convention
from ..errors import ParameterError
from ..geometry import MAX_VALUE, Layer, broadcast, broadcast_rank, make_layer

LAYER = "Layer (PyTorch's words unless --convention)"
FRAMEWORKS = "Other frameworks' words (with --convention)"

InputOpt = Annotated[
    Optional[str],
    typer.Option("--in", "-i", metavar="SIZES", show_default=False, rich_help_panel=LAYER,
                 help="Input size: 3, or per axis 32,24 (or 32x24). \\[default: 3]"),
]
KernelOpt = Annotated[
    Optional[str],
    typer.Option("--kernel-size", "-k", metavar="SIZES", rich_help_panel=LAYER,
                 help="Kernel size: 3, or 3,5. \\[default: 3]"),
]
StrideOpt = Annotated[
    Optional[str],
    typer.Option("--stride", "-s", metavar="INTS", rich_help_panel=LAYER,
                 help="Stride: 2, or 2,1. \\[default: 2]"),
]
PaddingOpt = Annotated[
    Optional[str],
    typer.Option("--padding", "-p", metavar="PADS", rich_help_panel=LAYER,
                 help="Padding: 1, per axis 1,0, or lo:hi per axis (0:1,1); a name with "
                      "--convention (same, VALID…). \\[default: 1]"),
]
DilationOpt = Annotated[
    Optional[str],
    typer.Option("--dilation", "-d", metavar="INTS", rich_help_panel=LAYER,
                 help="Dilation. \\[default: 1]"),
]
OutputPaddingOpt = Annotated[
    Optional[str],
    typer.Option("--op", "--output-padding", metavar="INTS", rich_help_panel=LAYER,
                 help="output_padding: extra size at the high end of each axis, below "
                      "max(stride, dilation). \\[default: 0; Keras: its own]"),
]
DimsOpt = Annotated[
    Optional[int],
    typer.Option("--dims", metavar="N", show_default=False, rich_help_panel=LAYER,
                 help="Spatial axes: 1, 2 or 3. \\[default: the longest list, else 2]"),
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
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite a file that exists.")]
SeedOpt = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the random values.")]
InChannelsOpt = Annotated[Optional[int], typer.Option(
    "--in-channels", metavar="N", help="Input channels: adds tensor shapes.")]
OutChannelsOpt = Annotated[Optional[int], typer.Option(
    "--out-channels", metavar="N", help="Output channels.")]
BatchOpt = Annotated[Optional[int], typer.Option(
    "--batch", metavar="N", help="Batch size, with --in-channels (else unbatched).")]
GroupsOpt = Annotated[int, typer.Option(
    "--groups", metavar="N", help="Groups: divide both channel counts.")]
ConventionOpt = Annotated[
    Convention,
    typer.Option("--convention", "-c", metavar="NAME", rich_help_panel=FRAMEWORKS,
                 help="Whose words the options are: torch, keras (-p same|valid), tf (-p "
                      "SAME|VALID), onnx, jax, caffe."),
]
PadsOpt = Annotated[
    Optional[str],
    typer.Option("--pads", metavar="INTS", rich_help_panel=FRAMEWORKS,
                 help="ONNX pads: begins, then ends (0,0,1,1)."),
]
AutoPadOpt = Annotated[
    Optional[str],
    typer.Option("--auto-pad", metavar="NAME", rich_help_panel=FRAMEWORKS,
                 help="ONNX auto_pad: NOTSET, SAME_UPPER, SAME_LOWER or VALID."),
]
OutputShapeOpt = Annotated[
    Optional[str],
    typer.Option("--output-shape", metavar="SIZES", rich_help_panel=FRAMEWORKS,
                 help="TensorFlow's and ONNX's output_shape (spatial sizes)."),
]
NoTransposeKernelOpt = Annotated[
    bool,
    typer.Option("--no-transpose-kernel", rich_help_panel=FRAMEWORKS,
                 help="JAX lax.conv_transpose with transpose_kernel=False."),
]


_INT = re.compile(r"[+-]?\d+")
_NAMED = re.compile(r"[A-Za-z_]+")  # padding by name: same, VALID, SAME_UPPER…


_SEPARATOR = re.compile(r"[,x×]")  # 32,24 = 32x24 = 32×24


def parse_ints(text: str, flag: str) -> tuple[int, ...]:
    """`"32,24"`, `"32x24"` or `"32×24"` → `(32, 24)`; anything else is a ParameterError
    naming the option."""
    items = _SEPARATOR.split(text)
    return tuple(_parse_int(item, index, text, flag) for index, item in enumerate(items))


def parse_padding(text: str, flag: str = "--padding") -> tuple[tuple[int, int], ...]:
    """`"1"` → `((1, 1),)`; `"0:1,2"` → `((0, 1), (2, 2))`."""
    pads = []
    for index, item in enumerate(_SEPARATOR.split(text)):
        parts = item.split(":")
        if len(parts) > 2:
            raise ParameterError(
                flag, text, f"item {index + 1} has more than one ':'; write lo:hi"
            )
        lo, hi = (_parse_int(part, index, text, flag) for part in (parts * 2)[:2])
        pads.append((lo, hi))
    return tuple(pads)


def _parse_int(item: str, index: int, text: str, flag: str) -> int:
    item = item.strip()
    if not item:
        rule = f"item {index + 1} is empty; give integers separated by commas, like 3 or 32,24"
        if not text.strip():
            rule = "is empty; give an integer, or one per axis like 32,24"
        raise ParameterError(flag, text, rule)
    if not _INT.fullmatch(item):
        shown = item if len(item) <= 20 else item[:19] + "…"
        raise ParameterError(flag, text, f"{shown!r} is not an integer")
    if len(item) > 100:  # beyond any rule's reach; spare int() a huge string
        raise ParameterError(flag, f"{item[:12]}…", f"is too large: at most {MAX_VALUE}")
    return int(item)


#: What an option left out means: the classic ConvTranspose2d(3, stride=2, padding=1) figure.
DEFAULTS = {"size": (3,), "kernel_size": (3,), "stride": (2,), "padding": ((1, 1),),
            "dilation": (1,), "output_padding": (0,)}
#: The rank when every option is a single value (PyTorch's ConvTranspose2d, the figures).
DEFAULT_RANK = 2
_LISTS = ("size", "kernel_size", "stride", "padding", "dilation", "output_padding")


@dataclass(frozen=True)
class Geometry:
    """The geometry options, parsed once into ints (None: left out), and the layer they mean.

    `raw` keeps what the user typed, by flag, for error messages only.
    """

    size: tuple[int, ...] | None = None
    kernel_size: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[tuple[int, int], ...] | None = None
    padding_name: str | None = None
    dilation: tuple[int, ...] | None = None
    output_padding: tuple[int, ...] | None = None
    convention: Convention = Convention.torch
    pads: tuple[int, ...] | None = None
    auto_pad: str | None = None
    output_shape: tuple[int, ...] | None = None
    transpose_kernel: bool = True
    dims: int | None = None
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, texts: Mapping[str, object]) -> Geometry:
        """The options' texts (by parameter name; None when left out) → ints and names."""
        ints = {name: None if texts.get(name) is None else parse_ints(texts[name], _flag(name))
                for name in ("kernel_size", "stride", "dilation", "output_padding", "pads",
                             "output_shape")}
        padding = texts.get("padding")
        named = padding is not None and _NAMED.fullmatch(padding.strip())
        return cls(
            size=None if texts.get("in_") is None else parse_ints(texts["in_"], "--in"),
            padding=None if padding is None or named else parse_padding(padding),
            padding_name=padding.strip() if named else None,
            convention=Convention(texts.get("convention") or "torch"),
            auto_pad=texts.get("auto_pad"), transpose_kernel=not texts.get("no_transpose_kernel"),
            dims=texts.get("dims"), raw=by_flag(texts), **ints,
        )

    def with_raw(self, **others: object) -> dict[str, str]:
        """The options' texts by flag, with the command's own (`others`, by parameter name)."""
        return {**self.raw, **by_flag(others)}

    def rank(self, **extra: tuple | None) -> int:
        """--dims, else the longest list given (with `extra` per-axis lists), else two."""
        lists = {_flag(name): getattr(self, name) for name in _LISTS}
        lists |= {_flag(name): values for name, values in extra.items()}
        lists = {flag: values for flag, values in lists.items() if values is not None}
        if self.dims is not None:
            if not 1 <= self.dims <= 3:
                raise ParameterError("--dims", self.dims, "must be 1, 2 or 3")
            return broadcast_rank(lists, self.dims) if lists else self.dims
        longest = broadcast_rank(lists) if lists else 1
        return DEFAULT_RANK if longest == 1 else longest

    def filled(self, name: str, rank: int) -> tuple:
        value = getattr(self, name)
        return broadcast(DEFAULTS[name] if value is None else value, rank)

    def layer(self, check=g.check_transposed, target: tuple[int, ...] | None = None
              ) -> tuple[Layer, tuple[int, ...] | None]:
        """The canonical layer, checked by `check` (PyTorch's rules), and the target per axis;
        with another convention, translated from its own words under its own rules."""
        if self.convention is not Convention.torch or self.padding_name is not None:
            if check is g.check_conv:
                raise ParameterError("--convention", self.convention.value, "does not go with "
                                     "--conv, which is PyTorch's direct convolution")
            from ..frameworks import to_layer

            layer = to_layer(self.framework_layer())
            if target is not None:
                broadcast_rank({"target": target}, len(layer))
                target = broadcast(target, len(layer))
            return layer, target
        for flag, given in (("--pads", self.pads), ("--auto-pad", self.auto_pad),
                            ("--output-shape", self.output_shape)):
            if given is not None:
                raise ParameterError(flag, self.raw.get(flag, given), "is not PyTorch's: give "
                                     "--convention onnx (or tf for --output-shape)")
        if not self.transpose_kernel:
            raise ParameterError("--no-transpose-kernel", "", "is JAX's: give --convention jax")
        rank = self.rank(target=target)
        layer = make_layer(*(self.filled(name, rank) for name in _LISTS), rank=rank)
        check(layer)
        return layer, None if target is None else broadcast(target, rank)

    def torch_kernel(self, kernel, rank: int | None = None):
        """A kernel as given in this convention, oriented as PyTorch uses it (`rank`: its last
        `rank` axes are spatial; else all)."""
        from ..frameworks import torch_kernel

        return torch_kernel(self.convention, kernel, transpose_kernel=self.transpose_kernel,
                            rank=rank)

    def framework_layer(self, groups: int = 1):
        """The layer in its convention's own words (frameworks.FrameworkLayer)."""
        from ..frameworks import layer_from

        rank = self.rank()
        return layer_from(
            self.convention, size=self.filled("size", rank),
            kernel_size=self.filled("kernel_size", rank), stride=self.filled("stride", rank),
            dilation=self.filled("dilation", rank), padding=self.padding,
            padding_name=self.padding_name, pads=self.pads, auto_pad=self.auto_pad,
            output_padding=self.output_padding, output_shape=self.output_shape, groups=groups,
            transpose_kernel=self.transpose_kernel, default_padding=DEFAULTS["padding"],
        )

    def layer_for_arrays(
        self, sizes: tuple[int, ...], kernel: tuple[int, ...],
        target: tuple[int, ...] | None = None, check=g.check_transposed,
    ) -> Layer:
        """The layer whose input and kernel sizes are the arrays'; `target` picks output_padding.

        An --in or --kernel-size given too must agree with the arrays.
        """
        rank = len(sizes)
        if self.dims is not None and self.dims != rank:
            raise ParameterError("--dims", self.dims, f"contradicts the arrays, which have {rank} "
                                 "spatial axes; leave --dims out, the arrays decide")
        for wanted, flag, actual, source in ((self.size, "--in", sizes, "--input"),
                                             (self.kernel_size, "--kernel-size", kernel,
                                              "--weight")):
            if wanted is not None and (len(wanted) not in (1, rank)
                                       or broadcast(wanted, rank) != actual):
                size = "×".join(map(str, actual))
                raise ParameterError(flag, self.raw[flag], f"contradicts {source}, whose size "
                                     f"is {size}; leave {flag} out, the array decides")
        lists = {name: getattr(self, name) for name in _LISTS[2:]} | {"target": target}
        for name, values in lists.items():
            if values is not None and len(values) not in (1, rank):
                flag = _flag(name)
                raise ParameterError(flag, self.raw.get(flag, ""), f"has {len(values)} values "
                                     f"but the arrays have {rank} spatial axes")
        if target is not None and self.convention is not Convention.torch:
            raise ParameterError("--target", _listed(target), "picks PyTorch's "
                                 f"output_padding; with --convention {self.convention.value}, "
                                 "give its own --output-padding or --output-shape")
        if target is not None and self.output_padding is not None:
            raise ParameterError("--target", _listed(target), "picks output_padding "
                                 "itself; give --target or --output-padding, not both")
        arrays = replace(self, size=sizes, kernel_size=kernel, dims=rank)
        if target is None:
            return arrays.layer(check)[0]
        template, wanted = arrays.layer(check=lambda layer: None, target=target)
        solved = g.solve(template, wanted, given_input=True)
        for a in solved:  # as PyTorch's forward(x, output_size=…), which ignores dilation
            accepted = g.torch_output_size_range(a)
            if a.output not in accepted:
                span = (f"{accepted[0]} to {accepted[-1]}" if len(accepted) > 1
                        else f"only {accepted[0]}")
                raise ParameterError(
                    "--target", _listed(target), f"PyTorch's forward(x, output_size=…) refuses "
                    f"it: it accepts {span} here (it ignores dilation); give --output-padding "
                    f"{_listed(tuple(b.output_padding for b in solved))} instead")
        return solved


def by_flag(texts: Mapping[str, object]) -> dict[str, str]:
    """Option texts by parameter name (None: left out) → by flag, for error messages."""
    return {_flag(name): "" if text is None else str(text) for name, text in texts.items()}


def _listed(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def _flag(name: str) -> str:
    """The flag of a command's parameter: `in_` (or `size`) is --in, `kernel_size`
    --kernel-size."""
    return "--in" if name == "size" else "--" + name.rstrip("_").replace("_", "-")


# The shared options, in the order --help lists them: (parameter, annotation, default).
_SHARED = (
    ("in_", InputOpt, None), ("kernel_size", KernelOpt, None), ("stride", StrideOpt, None),
    ("padding", PaddingOpt, None), ("dilation", DilationOpt, None),
    ("output_padding", OutputPaddingOpt, None), ("dims", DimsOpt, None),
    ("convention", ConventionOpt, Convention.torch),
    ("pads", PadsOpt, None), ("auto_pad", AutoPadOpt, None),
    ("output_shape", OutputShapeOpt, None), ("no_transpose_kernel", NoTransposeKernelOpt, False),
)


def geometry_options(*, without: tuple[str, ...] = (), help: Mapping[str, str] | None = None):
    """Give a command the shared geometry options, defined once here, parsed once into one
    `geometry` argument (a Geometry); `without` leaves some out (inverse solves
    output_padding), `help` rewords an option's help for this command."""
    from .errors import reported_errors

    def decorate(function):
        shared = [(name, _reworded(annotation, (help or {}).get(name)), default)
                  for name, annotation, default in _SHARED if name not in without]
        own = [p for p in inspect.signature(function, eval_str=True).parameters.values()
               if p.name != "geometry"]

        @functools.wraps(function)
        def command(**kwargs):
            texts = {name: kwargs.pop(name) for name, _, _ in shared}
            if isinstance(texts.get("convention"), Enum):
                texts["convention"] = texts["convention"].value
            with reported_errors(by_flag(texts)):
                geometry = Geometry.parse(texts)
            return function(geometry=geometry, **kwargs)

        command.__signature__ = inspect.Signature([
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                              annotation=annotation)
            for name, annotation, default in shared
        ] + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own])
        return command

    return decorate


def _reworded(annotation, text: str | None):
    """The same option with another help text."""
    if text is None:
        return annotation
    from copy import copy

    option = copy(annotation.__metadata__[0])
    option.help = text
    return Annotated[annotation.__origin__, option]
