"""Command-line options shared by every command, defined once, and their parsing into a layer.

The list syntax (`3`, `32,24`, `0:1,1`) belongs to the command line; what the numbers may be
is the geometry's business, so this module only turns text into integers.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Optional, cast

import typer

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import MAX_VALUE
from ..resolve import DEFAULT_RANK, DEFAULTS, LayerOptions, option_flag  # noqa: F401 - as before

LAYER = "Layer (PyTorch's words unless --convention)"
FRAMEWORKS = "Other frameworks' words (with --convention)"

InputOpt = Annotated[
    Optional[str],
    typer.Option(
        "--in",
        "-i",
        metavar="SIZES",
        show_default=False,
        rich_help_panel=LAYER,
        help="Input size: 3, or per axis 32,24 (or 32x24). \\[default: 3]",
    ),
]
KernelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--kernel-size",
        "-k",
        metavar="SIZES",
        rich_help_panel=LAYER,
        help="Kernel size: 3, or 3,5. \\[default: 3]",
    ),
]
StrideOpt = Annotated[
    Optional[str],
    typer.Option(
        "--stride",
        "-s",
        metavar="INTS",
        rich_help_panel=LAYER,
        help="Stride: 2, or 2,1. \\[default: 2]",
    ),
]
PaddingOpt = Annotated[
    Optional[str],
    typer.Option(
        "--padding",
        "-p",
        metavar="PADS",
        rich_help_panel=LAYER,
        help="Padding: 1, per axis 1,0, or lo:hi per axis (0:1,1); a name with "
        "--convention (same, VALID…). \\[default: 1]",
    ),
]
DilationOpt = Annotated[
    Optional[str],
    typer.Option(
        "--dilation", "-d", metavar="INTS", rich_help_panel=LAYER, help="Dilation. \\[default: 1]"
    ),
]
OutputPaddingOpt = Annotated[
    Optional[str],
    typer.Option(
        "--op",
        "--output-padding",
        metavar="INTS",
        rich_help_panel=LAYER,
        help="output_padding: extra size at the high end of each axis, below "
        "max(stride, dilation). \\[default: 0; Keras: its own]",
    ),
]
DimsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--dims",
        metavar="N",
        show_default=False,
        rich_help_panel=LAYER,
        help="Spatial axes: 1, 2 or 3. \\[default: the longest list, else 2]",
    ),
]
TargetOpt = Annotated[
    Optional[str],
    typer.Option(
        "--target", "-t", metavar="SIZES", help="The output size wanted: 6, or per axis 28,24."
    ),
]
InputArrayOpt = Annotated[
    Optional[str],
    typer.Option(
        "--input",
        "-x",
        metavar="ARRAY",
        help="Input values: a literal like [[2,3],[1,3]], or a .npy file.",
    ),
]
WeightArrayOpt = Annotated[
    Optional[str],
    typer.Option(
        "--weight",
        "-w",
        metavar="ARRAY",
        help="Kernel weights: a literal like [[0,1],[1,0]], or a .npy file.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite a file that exists.")]
SeedOpt = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the random values.")]
InChannelsOpt = Annotated[
    Optional[int],
    typer.Option("--in-channels", metavar="N", help="Input channels: adds tensor shapes."),
]
OutChannelsOpt = Annotated[
    Optional[int], typer.Option("--out-channels", metavar="N", help="Output channels.")
]
BatchOpt = Annotated[
    Optional[int],
    typer.Option("--batch", metavar="N", help="Batch size, with --in-channels (else unbatched)."),
]
GroupsOpt = Annotated[
    int, typer.Option("--groups", metavar="N", help="Groups: divide both channel counts.")
]
ConventionOpt = Annotated[
    Convention,
    typer.Option(
        "--convention",
        "-c",
        metavar="NAME",
        rich_help_panel=FRAMEWORKS,
        help="Whose words the options are: torch, keras (-p same|valid), tf (-p "
        "SAME|VALID), onnx, jax, caffe.",
    ),
]
PadsOpt = Annotated[
    Optional[str],
    typer.Option(
        "--pads",
        metavar="INTS",
        rich_help_panel=FRAMEWORKS,
        help="ONNX pads: begins, then ends (0,0,1,1).",
    ),
]
AutoPadOpt = Annotated[
    Optional[str],
    typer.Option(
        "--auto-pad",
        metavar="NAME",
        rich_help_panel=FRAMEWORKS,
        help="ONNX auto_pad: NOTSET, SAME_UPPER, SAME_LOWER or VALID.",
    ),
]
OutputShapeOpt = Annotated[
    Optional[str],
    typer.Option(
        "--output-shape",
        metavar="SIZES",
        rich_help_panel=FRAMEWORKS,
        help="TensorFlow's and ONNX's output_shape (spatial sizes).",
    ),
]
NoTransposeKernelOpt = Annotated[
    bool,
    typer.Option(
        "--no-transpose-kernel",
        rich_help_panel=FRAMEWORKS,
        help="JAX lax.conv_transpose with transpose_kernel=False.",
    ),
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
            raise ParameterError(flag, text, f"item {index + 1} has more than one ':'; write lo:hi")
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


class Geometry(LayerOptions):
    """The geometry options as the command line gives them: their texts parsed once into ints
    and names (`parse`); the layer they mean is the library's (`resolve.LayerOptions`)."""

    @classmethod
    def parse(cls, texts: Mapping[str, object]) -> Geometry:
        """The options' texts (by parameter name; None when left out) → ints and names."""
        ints = {
            name: None if texts.get(name) is None else parse_ints(texts[name], option_flag(name))
            for name in (
                "kernel_size",
                "stride",
                "dilation",
                "output_padding",
                "pads",
                "output_shape",
            )
        }
        padding = texts.get("padding")
        named = padding is not None and _NAMED.fullmatch(padding.strip())
        dims = cast("int | None", texts.get("dims"))
        if dims is not None and not 1 <= dims <= 3:  # arrays of more axes set it themselves
            raise ParameterError("--dims", dims, "must be 1, 2 or 3")
        return cls(
            size=None if texts.get("in_") is None else parse_ints(texts["in_"], "--in"),
            padding=None if padding is None or named else parse_padding(padding),
            padding_name=padding.strip() if named else None,
            convention=Convention(texts.get("convention") or "torch"),
            auto_pad=texts.get("auto_pad"),
            transpose_kernel=not texts.get("no_transpose_kernel"),
            dims=dims,
            raw=by_flag(texts),
            **ints,
        )

    def with_raw(self, **others: object) -> dict[str, str]:
        """The options' texts by flag, with the command's own (`others`, by parameter name)."""
        return {**self.raw, **by_flag(others)}


def by_flag(texts: Mapping[str, object]) -> dict[str, str]:
    """Option texts by parameter name (None: left out) → by flag, for error messages."""
    return {option_flag(name): "" if text is None else str(text) for name, text in texts.items()}


# The shared options, in the order --help lists them: (parameter, annotation, default).
_SHARED = (
    ("in_", InputOpt, None),
    ("kernel_size", KernelOpt, None),
    ("stride", StrideOpt, None),
    ("padding", PaddingOpt, None),
    ("dilation", DilationOpt, None),
    ("output_padding", OutputPaddingOpt, None),
    ("dims", DimsOpt, None),
    ("convention", ConventionOpt, Convention.torch),
    ("pads", PadsOpt, None),
    ("auto_pad", AutoPadOpt, None),
    ("output_shape", OutputShapeOpt, None),
    ("no_transpose_kernel", NoTransposeKernelOpt, False),
)


def geometry_options(*, without: tuple[str, ...] = (), help: Mapping[str, str] | None = None):
    """Give a command the shared geometry options, defined once here, parsed once into one
    `geometry` argument (a Geometry); `without` leaves some out (inverse solves
    output_padding), `help` rewords an option's help for this command."""
    from .errors import reported_errors

    def decorate(function):
        shared = [
            (name, _reworded(annotation, (help or {}).get(name)), default)
            for name, annotation, default in _SHARED
            if name not in without
        ]
        own = [
            p
            for p in inspect.signature(function, eval_str=True).parameters.values()
            if p.name != "geometry"
        ]

        @functools.wraps(function)
        def command(**kwargs):
            texts = {name: kwargs.pop(name) for name, _, _ in shared}
            if isinstance(texts.get("convention"), Enum):
                texts["convention"] = texts["convention"].value
            with reported_errors(by_flag(texts)):
                geometry = Geometry.parse(texts)
            return function(geometry=geometry, **kwargs)

        command.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
                )
                for name, annotation, default in shared
            ]
            + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        )
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
