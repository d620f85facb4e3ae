"""`tconv chain`: the sizes through a stack of layers, pasted as written in a model's source."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from ..errors import NoAnswer, ParameterError
from . import command
from .common import print_json, reported_errors
from .options import BatchOpt, ForceOpt, InChannelsOpt, JsonOpt, parse_ints

LayersArg = Annotated[
    Optional[List[str]],
    typer.Argument(
        metavar="LAYERS",
        help='Layer constructors as in the source: "nn.Conv2d(3, 8, 3, padding=1)"; '
        "also a whole nn.Sequential(...) or print(model) text.",
        show_default=False,
    ),
]
InOpt = Annotated[
    Optional[str],
    typer.Option("--in", metavar="SIZES", help="Input size per spatial axis: 101,75."),
]
FileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="Read every layer of this file, in order: a model's source or print(model) text.",
    ),
]


def chain(
    layers: LayersArg = None,
    in_: InOpt = None,
    file: FileOpt = None,
    in_channels: InChannelsOpt = None,
    batch: BatchOpt = None,
    overlap: Annotated[
        bool, typer.Option("--overlap", help="Fewest and most input contributions per output cell.")
    ] = False,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="With --overlap: the map of every output cell's contributions, a heatmap "
            "picture (.png, .gif or .webp).",
        ),
    ] = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """The size after every layer of a stack; the first layer that fails stops it.

    Example: tconv chain --in 7,7 "nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)"
    """
    from .. import api_networks as api
    from ..render.network import chain_report

    raw = {
        "--in": in_ or "",
        "--in-channels": str(in_channels),
        "--batch": str(batch),
        "--output": str(output),
    }
    with reported_errors(raw), layer_errors():
        if in_ is None:
            raise ParameterError("--in", "", "is required: the input size per spatial axis")
        sizes = parse_ints(in_, "--in")
        if output is not None and not overlap:
            raise ParameterError(
                "--output", str(output), "draws the overlap map: give --overlap too"
            )
        texts = list(layers or [])
        if file is not None:
            texts.append(_read(file))
        if not texts:
            raise ParameterError(
                "layers", "", 'no layers: give constructors like "nn.Conv2d(3, 8, 3)", or --file'
            )
        try:
            answer = api.chain(texts, sizes, in_channels=in_channels, batch=batch, overlap=overlap)
        except NoAnswer as error:
            if getattr(error, "steps", None) and not json_:
                print(
                    "\n".join(
                        chain_report(sizes, error.steps, in_channels, batch, None, _width())[:-1]
                    )
                )
            raise
        except ParameterError as error:
            if file is not None and error.param == "layers" and error.value == "":
                raise ParameterError(
                    "--file", file, "holds no layer constructor tconv reads"
                ) from None
            raise
        drawn = None if output is None else answer.overlap_map(output, force=force)
    if json_:
        print_json(answer.as_json())
        return
    print(answer.report(_width()))
    if drawn is not None:
        print(f"wrote {output}: {drawn[0]}×{drawn[1]} px")


def _width() -> int:
    """The terminal's columns when printing to one; 80 into a pipe or a file."""
    import shutil

    return max(40, shutil.get_terminal_size().columns) if sys.stdout.isatty() else 80


def _read(path: str) -> str:
    """A file's text: a regular file (a FIFO or a device would wait or never end) of at most
    network.MAX_TEXT bytes."""
    import os
    import stat

    from ..network.layers import MAX_TEXT

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ParameterError(
                "--file", path, "is not a regular file (a folder, FIFO or device); give a file"
            )
        if info.st_size > MAX_TEXT:
            raise ParameterError(
                "--file", path, f"holds {info.st_size:,} bytes; tconv reads at most {MAX_TEXT:,}"
            )
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_TEXT + 1)
    except OSError as error:
        raise ParameterError("--file", path, f"cannot be read ({error.strerror})") from None


@contextmanager
def layer_errors():
    """A layer's text that cannot be read: its own message (it quotes the layer), exit 2."""
    try:
        yield
    except ParameterError as error:
        if error.param != "layers":
            raise
        print(f"Error: {error.rule}", file=sys.stderr)
        raise typer.Exit(error.exit_code) from None


app = command(chain)
