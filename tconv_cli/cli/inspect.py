"""`tconv inspect`: every convolution-like layer of an ONNX file or a PyTorch module."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from . import command
from .common import print_json, reported_errors
from .options import ForceOpt, JsonOpt, parse_ints

SourceArg = Annotated[str, typer.Argument(
    metavar="SOURCE", show_default=False,
    help="model.onnx, or a PyTorch module as file.py:Name or package.module:Name (a class or "
         "a function returning an nn.Module).")]
InputShapeOpt = Annotated[Optional[str], typer.Option(
    "--input-shape", "--input", metavar="SHAPE",
    help="The whole input shape, batch and channels first: 1,3,101,75. Needed for a PyTorch "
         "module and for an ONNX file whose input is dynamic.")]
ArgsOpt = Annotated[Optional[str], typer.Option(
    "--args", metavar="JSON",
    help='Keyword arguments of the PyTorch class or function, as JSON: \'{"n_channels": 3}\'.')]
FixOpt = Annotated[Optional[str], typer.Option(
    "--fix", metavar="OUT.onnx",
    help="Write a copy that runs at the input shape: the change each failing join needs (a "
         "ConvTranspose's output_padding or pads, a Resize's sizes, else a Pad or Slice), and "
         "flagged ConvTranspose nodes with explicit pads and output_padding (ONNX only).")]


def inspect(
    source: SourceArg,
    input_shape: InputShapeOpt = None,
    args: ArgsOpt = None,
    fix: FixOpt = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Every convolution, transposed convolution, pooling and resizing layer of a model, with
    its shapes, its padding resolved, and warnings where runtimes disagree; every join checked,
    and where one cannot run, the layer that caused it, the fix and the nearest inputs that run.

    An ONNX file is only read (its shapes by onnx's shape inference).

    Inspecting a PyTorch module imports and runs that file's code, as python file.py would.

    Then forward runs on the meta device (no memory, no weights); nothing else is executed.

    Example: tconv inspect model.onnx --input-shape 1,3,101,75
    """
    from .. import models
    from ..render.models import fixed, report

    raw = {"--input-shape": input_shape or "", "--args": args or "", "--fix": fix or ""}
    onnx = source.lower().endswith(".onnx")
    with reported_errors(raw), source_errors():
        shape = None if input_shape is None else parse_ints(input_shape, "--input-shape")
        keywords = _keywords(args)
        if onnx and args is not None:
            raise ParameterError("--args", args, "applies to PyTorch modules only (the keyword "
                                 f"arguments of their class or function); {source} is an ONNX "
                                 "file")
        if fix is not None and not fix.strip():
            raise ParameterError("--fix", fix, "is empty: give the name of the file to write")
        if fix is not None and not onnx:
            raise ParameterError("--fix", fix, "writes ONNX files: it applies to an ONNX "
                                 "SOURCE only")
        if fix is not None:
            from ..models import onnx as onnx_models

            done = onnx_models.fix(source, fix, input_shape=shape, force=force)
            inspection = done.inspection
        else:
            inspection = models.inspect(source, input_shape=shape, args=keywords)
    if json_:
        data = inspection.as_json()
        if fix is not None:
            data["fixed"] = {"output": fix, "rewritten": done.rewritten, "skipped": done.skipped}
        print_json(data)
    else:
        lines = report(inspection)
        if fix is not None:
            lines += fixed(fix, done.rewritten, done.skipped)
        print("\n".join(lines))
    if inspection.error:
        raise typer.Exit(1)


def _keywords(args: Optional[str]) -> Optional[dict]:
    if args is None:
        return None
    try:
        keywords = json.loads(args)
    except ValueError as error:
        raise ParameterError("--args", args, f"is not JSON ({error.msg} at character "
                             f"{error.pos + 1})") from None
    if not isinstance(keywords, dict):
        raise ParameterError("--args", args, 'must be a JSON object of keyword arguments: '
                             '\'{"n_channels": 3}\'')
    return keywords


@contextmanager
def source_errors():
    """A SOURCE that cannot be read: `Error: SOURCE: what is wrong`, exit 2."""
    try:
        yield
    except ParameterError as error:
        if error.param != "source":
            raise
        print(f"Error: {error.value}: {error.rule}", file=sys.stderr)
        raise typer.Exit(error.exit_code) from None


app = command(inspect)
