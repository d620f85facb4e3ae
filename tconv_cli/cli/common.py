"""What the commands share: JSON, titles, values and progress (errors are `cli/errors.py`'s)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .. import geometry as g
from ..errors import ParameterError
from ..render.text import dims, headline
from ..words import counted
from .errors import error_message, reported_errors  # noqa: F401 - commands import them from here
from .options import Geometry


def text_style():
    from ..render.text import TextStyle

    color = (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )
    return TextStyle(color)


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


def print_json(data: dict) -> None:
    import json  # only --json pays for it: `tconv shape` starts within 1.2× `import typer`

    print(json.dumps(data))


def title(geometry: Geometry, layer: g.Layer, out_sizes) -> list[str]:
    """The headline: the layer in its own framework's words, and its sizes."""
    own = geometry.own_words(layer=layer)
    if own is None:
        return headline(layer, out_sizes)
    from ..frameworks import code

    return [code(own), f"{dims([a.size for a in layer])} → {dims(out_sizes)}"]


def layer_and_values(
    input_,
    weight,
    random: bool,
    random_flag: str,
    seed: int,
    geometry: Geometry,
    check=g.check_transposed,
    draw: bool = True,
):
    """(layer, x, w): from --input/--weight, or seeded small integers (`random`) for the
    layer of the options; x and w are None when neither is asked for."""

    from .. import numeric
    from ..arrays import load_array

    given = input_ is not None or weight is not None
    if given and random:
        raise ParameterError(
            random_flag,
            "",
            f"draws the values itself; give {random_flag} or --input and --weight, not both",
        )
    if not given:
        layer, _ = geometry.layer(check)
        if not random or not draw:  # not drawn: the caller draws once the layer fits
            return layer, None, None
        return (layer, *numeric.sample_values(layer, seed))
    for flag, value in (("--input", input_), ("--weight", weight)):
        if value is None:
            raise ParameterError(flag, "", "is needed too: give --input and --weight")
    x, w = load_array(input_, "--input"), load_array(weight, "--weight")
    if x.ndim != w.ndim:
        raise ParameterError(
            "--weight",
            weight,
            f"has {counted(w.ndim, 'dimension')} but --input has "
            f"{x.ndim}: both are bare spatial arrays of the same rank",
        )
    layer = geometry.layer_for_arrays(x.shape, w.shape, check=check)
    return layer, x, geometry.torch_kernel(w)


@contextmanager
def progress(total: int, description: str) -> Iterator:
    """A callback for `k frames done`; after a second, a Rich progress bar on a terminal stderr."""
    import time

    started = time.monotonic()
    bar = None
    task = None

    def advance(done: int) -> None:
        nonlocal bar, task
        if bar is None and time.monotonic() - started > 1 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            task = bar.add_task(description, total=total)
        if bar is not None:
            bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()
