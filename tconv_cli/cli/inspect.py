"""`tconv inspect`: every convolution-like layer of an ONNX file or a PyTorch module."""

from __future__ import annotations

import json
import sys
import threading
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from ..choices import Target as TargetName
from ..errors import ParameterError
from . import command
from .common import print_json, reported_errors
from .options import ForceOpt, JsonOpt, parse_ints
from .running import leave, quiet_fd, time_limit

SourceArg = Annotated[
    str,
    typer.Argument(
        metavar="SOURCE",
        show_default=False,
        help="model.onnx, or a PyTorch module as file.py:Name or package.module:Name (a class or "
        "a function returning an nn.Module).",
    ),
]
InputShapeOpt = Annotated[
    Optional[str],
    typer.Option(
        "--input-shape",
        "--input",
        metavar="SHAPE",
        help="The whole input shape, batch and channels first: 1,3,101,75. Needed for a PyTorch "
        "module and for an ONNX file whose input is dynamic.",
    ),
]
ArgsOpt = Annotated[
    Optional[str],
    typer.Option(
        "--args",
        metavar="JSON",
        help="Keyword arguments of the PyTorch class or function, as JSON: '{\"n_channels\": 3}'.",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="How long the model's own code (import, build, forward and tconv's re-runs) may take; "
        "past it, tconv stops with one line and exit 1.",
    ),
]
FixOpt = Annotated[
    Optional[str],
    typer.Option(
        "--fix",
        metavar="OUT.onnx",
        help="Write a copy that runs at the input shape: the change each failing join needs (a "
        "ConvTranspose's output_padding or pads, a Resize's sizes, else a Pad or Slice), and "
        "flagged ConvTranspose nodes with explicit pads and output_padding (ONNX only).",
    ),
]
TargetOpt = Annotated[
    Optional[TargetName],
    typer.Option(
        "--target",
        metavar="NAME",
        help="A deploy target (openvino, tflite, coreml, tensorrt): mark every ConvTranspose it "
        "refuses or changes; with --fix, write the portable form for it.",
    ),
]


def inspect(
    source: SourceArg,
    input_shape: InputShapeOpt = None,
    args: ArgsOpt = None,
    fix: FixOpt = None,
    force: ForceOpt = False,
    target: TargetOpt = None,
    timeout: TimeoutOpt = 60.0,
    json_: JsonOpt = False,
) -> None:
    """Each conv, pool and resize layer of a model with its shapes; every join checked.

    Padding is resolved, and a warning says where runtimes disagree on a size.

    Where a join cannot run: the layer that caused it, the fix and the nearest inputs that run.

    An ONNX file is only read (its shapes by onnx's shape inference).

    Inspecting a PyTorch module imports and runs that file's code, as python file.py would.

    Then forward runs on the meta device (or the CPU, on zeros); nothing else is executed.

    --timeout bounds it all.

    Example: tconv inspect model.onnx --input-shape 1,3,101,75
    """
    from .. import models
    from ..render.models import fixed, report

    raw = {"--input-shape": input_shape or "", "--args": args or "", "--fix": fix or ""}
    onnx = source.lower().endswith(".onnx")
    threads = set(threading.enumerate())
    planned = None  # with --target: each ConvTranspose's plan on it
    written: tuple[list[str], list[str]] = ([], [])  # with --fix: nodes rewritten, skipped
    with reported_errors(raw), source_errors(), time_limit(timeout, source), quiet_fd():
        shape = None if input_shape is None else parse_ints(input_shape, "--input-shape")
        keywords = _keywords(args)
        if onnx and args is not None:
            raise ParameterError(
                "--args",
                args,
                "applies to PyTorch modules only (the keyword arguments of their class or "
                f"function); {source} is an ONNX file",
            )
        if fix is not None and not fix.strip():
            raise ParameterError("--fix", fix, "is empty: give the name of the file to write")
        if fix is not None and not onnx:
            raise ParameterError(
                "--fix", fix, "writes ONNX files: it applies to an ONNX SOURCE only"
            )
        if fix is not None and not _onnx_name(fix):
            raise ParameterError(
                "--fix", fix, "writes an ONNX file: give a name that ends in .onnx"
            )
        if target is not None:
            from .. import targets

            inspection = models.inspect(source, input_shape=shape, args=keywords)
            planned = list(targets.node_plans(inspection.layers, target.value))
            if fix is not None:
                from ..targets.onnx_nodes import write_portable

                written = write_portable(source, fix, inspection.layers, target.value, force)
        elif fix is not None:
            from ..models import onnx as onnx_models

            done = onnx_models.fix(source, fix, input_shape=shape, force=force)
            inspection, written = done.inspection, (done.rewritten, done.skipped)
        else:
            inspection = models.inspect(source, input_shape=shape, args=keywords)
    # printed after the model's code is done: file descriptor 1 is the report's again
    if json_:
        data = inspection.as_json()
        if planned is not None:
            from ..render.targets import planned_json

            data["target"] = {"name": target.value, "layers": planned_json(planned)}
        if fix is not None:
            data["fixed"] = {"output": fix, "rewritten": written[0], "skipped": written[1]}
        print_json(data)
    else:
        lines = report(inspection)
        if planned is not None:
            from .. import targets
            from ..render.targets import inspection_lines

            lines += inspection_lines(target.value, targets.target(target.value).title, planned)
        if fix is not None:
            lines += fixed(fix, *written)
        print("\n".join(lines))
    leave(threads, 1 if inspection.error else 0)
    if inspection.error:
        raise typer.Exit(1)


def _keywords(args: Optional[str]) -> Optional[dict]:
    if args is None:
        return None
    try:
        keywords = json.loads(args)
    except ValueError as error:
        raise ParameterError(
            "--args", args, f"is not JSON ({error.msg} at character {error.pos + 1})"
        ) from None
    except RecursionError:
        raise ParameterError("--args", args, "is nested too deeply to read") from None
    if not isinstance(keywords, dict):
        raise ParameterError(
            "--args", args, "must be a JSON object of keyword arguments: '{\"n_channels\": 3}'"
        )
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


def _onnx_name(path: str) -> bool:
    """Whether --fix may write to `path`: a name that ends in .onnx, or something that is
    not a file at all (a FIFO, a device such as /dev/stdout)."""
    import os
    import stat

    if path.lower().endswith(".onnx"):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:  # no such file yet
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
