"""`tconv animate`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import geometry as g
from ..errors import NoAnswer, ParameterError
from ..report import dims
from . import command
from .common import (
    layer_and_values,
    reported_errors,
    title,
)
from .options import (
    Geometry,
    InputArrayOpt,
    WeightArrayOpt,
    geometry_options,
)


class View(str, Enum):
    gather = "gather"
    scatter = "scatter"
    overlap = "overlap"


class PictureStyle(str, Enum):
    arithmetic = "arithmetic"
    flat = "flat"


PICTURE_SUFFIXES = (".gif", ".png", ".webp")


def default_picture_name(layer: g.Layer, view: str, frame: int | None, sheet: bool) -> Path:
    """A file name that describes the layer: tconv_i3_k3_s2_p1.gif."""

    def part(values) -> str:
        return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))

    pads = [str(a.pad_lo) if a.pad_lo == a.pad_hi else f"{a.pad_lo}-{a.pad_hi}" for a in layer]
    parts = ["tconv", "conv" if view == "conv" else None,
             f"i{part([a.size for a in layer])}", f"k{part([a.kernel for a in layer])}",
             f"s{part([a.stride for a in layer])}", f"p{part(pads)}"]
    if any(a.dilation != 1 for a in layer):
        parts.append(f"d{part([a.dilation for a in layer])}")
    if any(a.output_padding for a in layer):
        parts.append(f"op{part([a.output_padding for a in layer])}")
    if view not in ("gather", "conv"):
        parts.append(view)
    if frame is not None:
        parts.append(f"f{frame}")
    if sheet:
        parts.append("sheet")
    suffix = ".png" if frame is not None or sheet else ".gif"
    return Path("_".join(p for p in parts if p) + suffix)


@geometry_options()
def animate(
    geometry: Geometry,
    conv: Annotated[bool, typer.Option(
        "--conv", help="The direct convolution: the kernel, not flipped, steps by the stride.")
    ] = False,
    view: Annotated[View, typer.Option(
        help="gather: the flipped kernel slides over the zero-inserted input; scatter: each "
             "input element stamps the kernel on the output; overlap: taps per output cell.")
    ] = View.gather,
    values: Annotated[bool, typer.Option(
        "--values", help="Numbers in the cells: small random integers (see --seed).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of --values.")] = 0,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="FILE",
        help="The picture: .gif, .png (APNG) or .webp. \\[default: a name that describes the "
             "layer, e.g. tconv_i3_k3_s2_p1.gif]")] = None,
    style: Annotated[PictureStyle, typer.Option(
        help="arithmetic: the conv_arithmetic look; flat: side by side, for slides.")
    ] = PictureStyle.arithmetic,
    frame: Annotated[Optional[int], typer.Option(
        help="Only frame N (1 is the first): a still PNG, or one frame in the terminal.")
    ] = None,
    sheet: Annotated[bool, typer.Option(
        "--sheet", help="Every frame on one PNG page, for handouts.")] = False,
    fps: Annotated[float, typer.Option(help="Frames per second.")] = 1.0,
    loop: Annotated[int, typer.Option(help="Times to play; 0 is forever.")] = 0,
    cell: Annotated[Optional[int], typer.Option(help="Pixels per cell.")] = None,
    labels: Annotated[bool, typer.Option(help="Label input and output.")] = True,
    terminal: Annotated[bool, typer.Option(
        "--terminal", help="Draw the frames in the terminal instead of a file.")] = False,
    max_frames: Annotated[int, typer.Option(
        help="Refuse animations with more frames than this.")] = 1024,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Frames of the zero-inserted, padded grid with the flipped kernel sliding over it.

    Example: tconv animate --in 3 -k 3 -s 2 -p 1 -o classic.gif
    """
    with reported_errors(geometry.with_raw(input_=input_, weight=weight)):
        if conv and view is not View.gather:
            raise ParameterError("--view", view.value, "is for the transposed layer; --conv "
                                 "shows the direct convolution's window")
        if conv and geometry.output_padding is not None:
            raise ParameterError("--output-padding", geometry.raw["--output-padding"],
                                 "has no meaning for a direct convolution")
        kind = "conv" if conv else view.value
        check = g.check_conv if conv else g.check_transposed
        layer, x, w = layer_and_values(input_, weight, values, "--values", seed, geometry, check)
        if len(layer) > 2:
            raise ParameterError("--in", geometry.raw["--in"], "pictures are for 1-d and 2-d layers; "
                                 f"this one has {len(layer)} axes (tconv shape and explain "
                                 "take any)")
        if terminal:
            for flag, used in (("--output", output is not None), ("--style", style.value !=
                               "arithmetic"), ("--cell", cell is not None), ("--loop", loop != 0),
                               ("--no-labels", not labels), ("--force", force)):
                if used:
                    raise ParameterError(flag, "", "is for pictures in files; --terminal "
                                         "draws in the terminal")
        _check_picture_options(layer, kind, output, frame, sheet, fps, loop, cell, max_frames,
                               terminal)
        from .. import scene as scenes

        scene = scenes.build(layer, kind, x, w)
        if geometry.convention.value != "torch":  # the caption in the framework's own words
            scene = replace(scene, caption=title(geometry, layer, ())[0])
        if terminal:
            _play(scene, frame, fps)
            return
        path = output or default_picture_name(layer, kind, frame, sheet)
        from ..files import check_writable

        check_writable(path, force, "--output")
        size = _write_picture(scene, path, style.value, frame, sheet, fps, loop, cell, labels)
    count = 1 if frame is not None else scene.frame_count
    what = "one page" if sheet else f"{count} frame{'s' if count > 1 else ''}"
    print(f"wrote {path}: {what}, {size[0]}×{size[1]} px" + (
        f", {fps:g} frame{'s' if fps != 1 else ''} a second" if count > 1 and not sheet else ""))


def _check_picture_options(layer, kind, output, frame, sheet, fps, loop, cell, max_frames,
                           terminal) -> None:
    from ..scene import frame_count, frame_sizes

    count = frame_count(layer, kind)
    if frame is not None and not 1 <= frame <= count:
        raise ParameterError("--frame", frame, f"must be between 1 and {count}, the frame count")
    if output is not None and output.suffix.lower() not in PICTURE_SUFFIXES:
        raise ParameterError("--output", str(output), "must end in .gif, .png (APNG) or .webp")
    if sheet and (frame is not None or terminal):
        raise ParameterError("--sheet", "", "draws every frame on one page; it goes with "
                             "neither --frame nor --terminal")
    if sheet and output is not None and output.suffix.lower() != ".png":
        raise ParameterError("--output", str(output), "must end in .png with --sheet")
    if not 0 < fps <= 50:
        raise ParameterError("--fps", fps, "must be above 0 and at most 50")
    if loop < 0:
        raise ParameterError("--loop", loop, "must be at least 0 (0 plays forever)")
    if cell is not None and not 12 <= cell <= 200:
        raise ParameterError("--cell", cell, "must be between 12 and 200 pixels")
    if max_frames < 1:
        raise ParameterError("--max-frames", max_frames, "must be at least 1")
    if frame is None and count > max_frames:
        raise NoAnswer(
            f"this animation would have {count:,} frames (one per "
            f"{'input' if kind == 'scatter' else 'output'} cell, "
            f"{dims(frame_sizes(layer, kind))}), more than "
            f"--max-frames {max_frames:,}; raise --max-frames, draw one with --frame N, or "
            "take a smaller --in"
        )


def _write_picture(scene, path: Path, style, frame, sheet, fps, loop, cell, labels):
    """Draw and write atomically, with a progress bar on stderr when it takes a while."""
    from .. import render_image

    options = dict(fmt=render_image.FORMATS[path.suffix.lower()], style=style, labels=labels,
                   fps=fps, loop=loop, frame=None if frame is None else frame - 1, sheet=sheet)
    if cell is not None:
        options["cell"] = cell
    total = 1 if frame is not None else scene.frame_count
    from ..files import write_atomically

    size = ()
    with _progress(total, f"drawing {path.name}") as advance:
        def write(stream):
            nonlocal size
            size = render_image.write(scene, stream, progress=advance, **options)

        write_atomically(path, write)
    return size


@contextmanager
def _progress(total: int, description: str) -> Iterator:
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


def _play(scene, frame: int | None, fps: float) -> None:
    """Frames in the terminal: one, played in place on a TTY, or printed one after another."""
    import time

    from rich.console import Console, Group
    from rich.text import Text

    from ..render_terminal import frame_legend, frame_view, number

    console = Console(highlight=False)
    console.print(scene.caption, style="bold", markup=False)
    if scene.kernel is not None:
        drawn_as = "flipped " if scene.view == "gather" else ""
        rows = ["[" + " ".join(number(v) for v in row) + "]" for row in scene.kernel]
        console.print(f"{drawn_as}kernel: " + " ".join(rows), markup=False)

    def drawn(n: int) -> Group:
        title = Text(f"frame {n + 1}/{scene.frame_count}", style="dim")
        return Group(title, *frame_view(scene, n))

    if frame is not None:
        console.print(drawn(frame - 1))
    elif console.is_terminal and scene.frame_count > 1:
        from rich.live import Live

        with Live(drawn(0), console=console, auto_refresh=False) as live:
            for n in range(scene.frame_count):
                live.update(drawn(n), refresh=True)
                time.sleep(1 / fps)
    else:
        for n in range(scene.frame_count):
            if n:
                console.print()
            console.print(drawn(n))
    console.print(frame_legend(scene))


app = command(animate)
