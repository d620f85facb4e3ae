"""`tconv design`: the layers that upsample exactly by a factor, stacks of them, and a check."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..choices import Convention
from . import command
from .common import print_json, reported_errors, text_style
from .options import ConventionOpt, JsonOpt, parse_ints

_Int = Optional[int]


def design(
    factor: Annotated[
        _Int,
        typer.Option(
            "--factor",
            "-f",
            metavar="F",
            show_default=False,
            help="Every exact ×F layer, best first.",
        ),
    ] = None,
    kernel_size: Annotated[
        _Int, typer.Option("--kernel-size", "-k", metavar="K", help="Only this kernel size.")
    ] = None,
    max_kernel: Annotated[
        _Int,
        typer.Option(
            "--max-kernel", metavar="K", show_default=False, help="Largest kernel. \\[default: 4F]"
        ),
    ] = None,
    dilation: Annotated[int, typer.Option("--dilation", "-d", metavar="D")] = 1,
    dims: Annotated[int, typer.Option("--dims", metavar="N", help="Spatial axes.")] = 1,
    causal: Annotated[
        bool,
        typer.Option(
            "--causal", help="Pad 0 and trim at the end only (streaming), with the delay."
        ),
    ] = False,
    start: Annotated[
        Optional[str],
        typer.Option("--from", metavar="SIZES", help="Stacks from this size (per axis: 7,7) …"),
    ] = None,
    to: Annotated[
        Optional[str], typer.Option("--to", metavar="SIZES", help="… to this size.")
    ] = None,
    hop: Annotated[_Int, typer.Option("--hop", metavar="H", help="Split a hop …")] = None,
    stages: Annotated[_Int, typer.Option("--stages", metavar="N", help="… into N stages.")] = None,
    check: Annotated[
        Optional[str],
        typer.Option(
            "--check",
            metavar="LAYER",
            help='Lint one layer: "nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)".',
        ),
    ] = None,
    convention: ConventionOpt = Convention.torch,
    json_: JsonOpt = False,
) -> None:
    """Design upsamplers: the layers whose output is exactly L·F for every input length L.

    Example: tconv design --factor 5
    """
    from .. import api_networks as api

    given = {
        "--factor": factor,
        "--kernel-size": kernel_size,
        "--max-kernel": max_kernel,
        "--dilation": dilation,
        "--dims": dims,
        "--from": start,
        "--to": to,
        "--hop": hop,
        "--stages": stages,
        "--check": check,
    }
    raw = {flag: str(value) for flag, value in given.items() if value is not None}
    with reported_errors(raw):
        answer = api.design(
            factor,
            kernel_size=kernel_size,
            max_kernel=max_kernel,
            dilation=dilation,
            dims=dims,
            causal=causal,
            hop=hop,
            stages=stages,
            check=check,
            start=None if start is None else parse_ints(start, "--from"),
            to=None if to is None else parse_ints(to, "--to"),
            convention=convention.value,
        )
    if json_:
        print_json(answer.as_json())
    else:
        print(answer.report(text_style()))


app = command(design)
