"""`tconv unet`: the levels of a U-Net, and the output_padding each decoder step needs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from . import command
from .chain import InOpt, layer_errors
from .common import print_json, reported_errors
from .options import JsonOpt, parse_ints

DownOpt = Annotated[
    Optional[str],
    typer.Option(
        "--down",
        metavar="LAYER",
        help='Encoder step, as written in the model. \\[default: "MaxPool2d(2)"]',
    ),
]
UpOpt = Annotated[
    Optional[str],
    typer.Option(
        "--up",
        metavar="LAYER",
        help="Decoder step, as written (its output_padding too). "
        '\\[default: "ConvTranspose2d(kernel_size=2, stride=2)"]',
    ),
]
DepthOpt = Annotated[int, typer.Option("--depth", metavar="N", help="Number of downsamplings.")]
ValidOpt = Annotated[
    Optional[str],
    typer.Option(
        "--valid",
        metavar="A:B",
        help="List the sizes in A..B that need no change (per axis: A:B,C:D).",
    ),
]


def unet(
    in_: InOpt = None,
    depth: DepthOpt = 4,
    down: DownOpt = None,
    up: UpOpt = None,
    valid: ValidOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Sizes at every level of a U-Net, and what each decoder step needs to match its skip.

    Example: tconv unet --in 101,75 --depth 4
    """
    from .. import api_networks as api

    raw = {"--in": in_ or "", "--depth": str(depth), "--valid": valid or ""}
    with reported_errors(raw), layer_errors():
        if in_ is None:
            raise ParameterError("--in", "", "is required: the input size per spatial axis")
        sizes = parse_ints(in_, "--in")
        ranges = None if valid is None else _ranges(valid)
        answer = api.unet(sizes, depth, down, up, ranges)
    if json_:
        print_json(answer.as_json())
        return
    print(answer.report())


def _ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    for item in text.replace("×", ",").split(","):
        parts = item.split(":")
        if len(parts) != 2:
            raise ParameterError("--valid", text, "must be A:B, or one A:B per axis")
        lo, hi = parse_ints(parts[0], "--valid")[0], parse_ints(parts[1], "--valid")[0]
        ranges.append((lo, hi))
    return ranges


app = command(unet)
