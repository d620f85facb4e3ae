"""`tconv unet`: the levels of a U-Net, and the output_padding each decoder step needs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from . import command
from .chain import InOpt, layer_errors
from .common import print_json, reported_errors
from .options import JsonOpt, parse_ints

DownOpt = Annotated[Optional[str], typer.Option(
    "--down", metavar="LAYER", help='Encoder step. \\[default: "MaxPool2d(2)"]')]
UpOpt = Annotated[Optional[str], typer.Option(
    "--up", metavar="LAYER",
    help='Decoder step. \\[default: "ConvTranspose2d(kernel_size=2, stride=2)"]')]
DepthOpt = Annotated[int, typer.Option("--depth", metavar="N", help="Number of downsamplings.")]
ValidOpt = Annotated[Optional[str], typer.Option(
    "--valid", metavar="A:B", help="List the sizes in A..B that need no output_padding "
    "(per axis: A:B,C:D).")]


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
    from .. import network
    from ..render.network import unet_report

    raw = {"--in": in_ or "", "--depth": str(depth), "--valid": valid or ""}
    with reported_errors(raw), layer_errors():
        if in_ is None:
            raise ParameterError("--in", "", "is required: the input size per spatial axis")
        sizes = parse_ints(in_, "--in")
        ranges = None if valid is None else _ranges(valid)
        down_spec = None if down is None else network.parse_layer(down, "--down")
        up_spec = None if up is None else network.parse_layer(up, "--up")
        net = network.unet(sizes, depth, down_spec, up_spec, ranges)
    if json_:
        data = {"input": list(sizes), "levels": [list(level) for level in net.levels],
                "decoder": [_step_json(step) for step in net.decoder],
                "nearest_exact": {"below": list(net.below), "above": list(net.above)}}
        if net.valid is not None:
            data["valid"] = [list(axis) for axis in net.valid]
        print_json(data)
        return
    print("\n".join(unet_report(sizes, net)))


def _ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    for item in text.replace("×", ",").split(","):
        parts = item.split(":")
        if len(parts) != 2:
            raise ParameterError("--valid", text, "must be A:B, or one A:B per axis")
        lo, hi = parse_ints(parts[0], "--valid")[0], parse_ints(parts[1], "--valid")[0]
        ranges.append((lo, hi))
    return ranges


def _step_json(step) -> dict:
    ops = None if step.output_padding is None else list(step.output_padding)
    given = None if step.given is None else list(step.given)
    return {"input": list(step.input), "skip": list(step.skip), "output_padding": ops,
            "output": list(step.output), "matches": step.matches,
            "output_size": step.output_size_ok, "crop_or_pad": list(step.difference),
            "as_written": {"output": given, "runs": step.runs}}


app = command(unet)
