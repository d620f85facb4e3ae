"""The `tconv` command line: parse options, call the library, print. Nothing else.

Errors of the domain are turned into one line on stderr and an exit code in one place
(`reported_errors`). Heavy modules (numpy, PIL, rich) are imported inside the commands that
need them, so `tconv shape` starts as fast as Typer allows.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from . import __version__
from . import geometry as g
from .errors import ParameterError, TconvError
from .options import (
    FLAGS,
    DilationOpt,
    InputOpt,
    JsonOpt,
    KernelOpt,
    OutputPaddingOpt,
    PaddingOpt,
    StrideOpt,
    parse_layer,
)

app = typer.Typer(
    help="Shapes of transposed convolutions, exactly as PyTorch computes them.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DEFAULTS = {"in_": "3", "kernel_size": "3", "stride": "2", "padding": "1", "dilation": "1"}
CHANNEL_FLAGS = {
    "in_channels": "--in-channels",
    "out_channels": "--out-channels",
    "groups": "--groups",
    "batch": "--batch",
}


def _version(value: bool) -> None:
    if value:
        print(f"tconv {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Shapes of transposed convolutions, exactly as PyTorch computes them.

    Example: tconv shape --in 3 -k 3 -s 2 -p 1
    """
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit()


def _shown(text: str) -> str:
    return text if text and " " not in text else repr(text)


def error_message(error: TconvError, raw: Mapping[str, str]) -> str:
    """One line that names the option, the value the user gave, and the rule."""
    if not isinstance(error, ParameterError) or error.param is None:
        return str(error)
    where = f" on axis {error.axis}" if error.axis is not None else ""
    if error.param.startswith("-"):  # raised while parsing the option's text
        return f"{error.param} {_shown(str(error.value))}: {error.rule}"
    flag = FLAGS.get(error.param) or CHANNEL_FLAGS.get(error.param)
    if flag is None:
        return str(error)
    given = raw.get(flag, str(error.value))
    return f"{flag} {_shown(given)}: {error.param}{where} {error.rule}"


@contextmanager
def reported_errors(raw: Mapping[str, str]) -> Iterator[None]:
    """Turn the domain's errors into `Error: …` on stderr and their exit code."""
    try:
        yield
    except TconvError as error:
        print(f"Error: {error_message(error, raw)}", file=sys.stderr)
        raise typer.Exit(error.exit_code) from None


def _style():
    from .report import Style

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get(
        "TERM") != "dumb"
    return Style(color)


def layer_json(layer: g.Layer, transposed: bool = True) -> dict:
    """The keys of DESIGN.md §3, per axis."""
    return {
        "mode": "transposed" if transposed else "conv",
        "input": [a.size for a in layer],
        "kernel": [a.kernel for a in layer],
        "stride": [a.stride for a in layer],
        "padding": [[a.pad_lo, a.pad_hi] for a in layer],
        "dilation": [a.dilation for a in layer],
        "output_padding": [a.output_padding for a in layer],
        "output": [a.output if transposed else a.conv_output for a in layer],
    }


def _print_json(data: dict) -> None:
    print(json.dumps(data))


@app.command()
def shape(
    in_: InputOpt = None,
    kernel_size: KernelOpt = DEFAULTS["kernel_size"],
    stride: StrideOpt = DEFAULTS["stride"],
    padding: PaddingOpt = DEFAULTS["padding"],
    dilation: DilationOpt = DEFAULTS["dilation"],
    output_padding: OutputPaddingOpt = "0",
    conv: Annotated[
        bool, typer.Option("--conv", help="The direct convolution with these parameters instead.")
    ] = False,
    in_channels: Annotated[
        Optional[int], typer.Option(help="Input channels: adds tensor shapes and parameters.")
    ] = None,
    out_channels: Annotated[Optional[int], typer.Option(help="Output channels.")] = None,
    groups: Annotated[int, typer.Option(help="Groups (divide both channel counts).")] = 1,
    batch: Annotated[Optional[int], typer.Option(help="Batch size N (else unbatched).")] = None,
    bias: Annotated[bool, typer.Option(help="Count a bias.")] = True,
    json_: JsonOpt = False,
) -> None:
    """Output size per axis, the formula with its numbers, and what output_padding can reach.

    Example: tconv shape --in 32,24 -k 4 -s 2 -p 1
    """
    in_ = in_ if in_ is not None else DEFAULTS["in_"]
    raw = {"--in": in_, "--kernel-size": kernel_size, "--stride": stride, "--padding": padding,
           "--dilation": dilation, "--output-padding": output_padding}
    with reported_errors(raw):
        layer, _ = parse_layer(in_, kernel_size, stride, padding, dilation, output_padding)
        (g.check_conv if conv else g.check_transposed)(layer)
        tensors = _tensors(layer, in_channels, out_channels, groups, batch, bias, not conv)
    if json_:
        data = layer_json(layer, transposed=not conv)
        if tensors is not None:
            data.update(
                input_shape=list(tensors.input), output_shape=list(tensors.output),
                weight_shape=list(tensors.weight), parameters=tensors.parameters,
            )
        _print_json(data)
        return
    from .report import shape_report

    print(shape_report(layer, not conv, tensors, _style()))


def _tensors(layer, in_channels, out_channels, groups, batch, bias, transposed):
    """Tensor shapes when channels are given; the channel options only make sense together."""
    if in_channels is None and out_channels is None:
        for flag, value, default in (("--groups", groups, 1), ("--batch", batch, None)):
            if value != default:
                raise ParameterError(flag, value, "needs --in-channels and --out-channels")
        return None
    if in_channels is None:
        raise ParameterError("--out-channels", out_channels, "needs --in-channels too")
    if out_channels is None:
        raise ParameterError("--in-channels", in_channels, "needs --out-channels too")
    return g.tensor_shapes(layer, in_channels, out_channels, groups, batch, bias, transposed)


@app.command()
def inverse(
    target: Annotated[
        str,
        typer.Option("--target", "-t", metavar="SIZES",
                     help="The output size wanted: 6, or per axis 28,24."),
    ],
    in_: InputOpt = None,
    kernel_size: KernelOpt = DEFAULTS["kernel_size"],
    stride: StrideOpt = DEFAULTS["stride"],
    padding: PaddingOpt = DEFAULTS["padding"],
    dilation: DilationOpt = DEFAULTS["dilation"],
    json_: JsonOpt = False,
) -> None:
    """Which output_padding makes the layer produce the target size.

    Without --in, the input is the direct convolution's output of the target (the
    encoder/decoder case); with --in, solve for that input.

    Example: tconv inverse --target 6
    """
    raw = {"--in": in_ or "", "--kernel-size": kernel_size, "--stride": stride,
           "--padding": padding, "--dilation": dilation, "--target": target}
    with reported_errors(raw):
        template, extra = parse_layer(
            in_ or "1", kernel_size, stride, padding, dilation, "0", target=target
        )
        layer = g.solve(template, extra["target"], given_input=in_ is not None)
    if json_:
        data = layer_json(layer)
        data["target"] = list(extra["target"])
        data["conv_inputs"] = [list(g.conv_inputs(a)) for a in layer]
        _print_json(data)
        return
    from .report import inverse_report

    print(inverse_report(layer, extra["target"], _style()))
