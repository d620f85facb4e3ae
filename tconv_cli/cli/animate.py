"""`tconv animate`: parse, build the scene, draw it (a file or the terminal), say what was done."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import geometry as g
from ..choices import Format, Style, View
from ..errors import ParameterError
from ..picture import DEFAULT_HOLD, LONG_ANIMATION
from ..words import counted
from . import command
from .common import layer_and_values, print_json, progress, reported_errors, title
from .options import (
    ForceOpt,
    Geometry,
    InputArrayOpt,
    JsonOpt,
    SeedOpt,
    WeightArrayOpt,
    geometry_options,
)


@geometry_options()
def animate(
    geometry: Geometry,
    conv: Annotated[
        bool,
        typer.Option(
            "--conv", help="The direct convolution: the kernel, not flipped, steps by the stride."
        ),
    ] = False,
    view: Annotated[
        View,
        typer.Option(
            metavar="VIEW",
            help="gather: the flipped kernel slides over the zero-inserted input; "
            "scatter: each input element stamps the kernel on the output; overlap: taps per "
            "output cell; conv: as --conv; pair: the direct convolution beside the transposed "
            "one; matrix: y = C^T·x row by row; resize: nearest upsampling + convolution "
            "beside the transposed convolution, with both overlap maps.",
        ),
    ] = View.gather,
    values: Annotated[
        bool,
        typer.Option(
            "--values",
            help="Numbers in the cells: random integers 1 to 3 (see --seed), or "
            "--input and --weight.",
        ),
    ] = False,
    seed: SeedOpt = 0,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="The picture: .gif, .png (APNG), .webp, .svg (every frame on a page; one with "
            "--frame; --animated), .html (a player) or .pdf (a handout: every frame on A4 "
            "pages). \\[default: a name for the layer]",
        ),
    ] = None,
    style: Annotated[
        Optional[Style],
        typer.Option(
            metavar="STYLE",
            help="arithmetic: the conv_arithmetic look; flat: side by side, for slides. "
            "\\[default: arithmetic; flat for the overlap heatmap]",
        ),
    ] = None,
    frame: Annotated[
        Optional[int],
        typer.Option(
            metavar="N",
            help="Only frame N (1 is the first): a still PNG or SVG, one frame in the "
            "terminal, or where the player opens.",
        ),
    ] = None,
    sheet: Annotated[
        bool,
        typer.Option(
            "--sheet",
            help="Every frame on one PNG (or SVG) page A4 wide, or on A4 pages of a "
            ".pdf, with the kernel panels and numbered panels: a handout.",
        ),
    ] = False,
    animated: Annotated[
        bool,
        typer.Option("--animated", help="An .svg that plays its frames (in browsers), not a page."),
    ] = False,
    fps: Annotated[
        Optional[float],
        typer.Option(
            metavar="FPS",
            help="Frames per second. \\[default: 1, faster when the animation "
            "would play over a minute]",
        ),
    ] = None,
    hold: Annotated[
        float,
        typer.Option(
            metavar="SECONDS", help="How long the last frame shows; 0: as long as the others."
        ),
    ] = DEFAULT_HOLD,
    loop: Annotated[int, typer.Option(metavar="N", help="Times to play; 0 is forever.")] = 0,
    cell: Annotated[
        Optional[int], typer.Option(metavar="PX", help="Pixels per cell. \\[default: 28]")
    ] = None,
    width: Annotated[
        Optional[int],
        typer.Option(
            metavar="PX",
            help="The frame's (a sheet's page's) width in pixels, e.g. 1920 for "
            "a slide: picks the cell; lines and text scale with it.",
        ),
    ] = None,
    fit: Annotated[
        Optional[str],
        typer.Option(
            metavar="WxH",
            help="Fit the whole figure within W×H pixels (e.g. 1920x1080, a "
            "slide): picks the cell, side by side unless --style says otherwise; text 12 px "
            "and more.",
        ),
    ] = None,
    frames: Annotated[
        Optional[str],
        typer.Option(
            metavar="A-B", help="Only frames A to B (1 is the first), e.g. 3-9, 3- or -9."
        ),
    ] = None,
    every: Annotated[
        int, typer.Option(metavar="N", help="Every N-th frame (of those chosen).")
    ] = 1,
    row: Annotated[
        Optional[int],
        typer.Option(
            metavar="R",
            help="Only the frames of row R (1 is the first) of the output (the "
            "input's for --view scatter).",
        ),
    ] = None,
    no_labels: Annotated[
        bool,
        typer.Option("--no-labels", help="No titles or labels: the bare conv_arithmetic look."),
    ] = False,
    terminal: Annotated[
        bool, typer.Option("--terminal", help="Draw the frames in the terminal instead of a file.")
    ] = False,
    max_frames: Annotated[
        int, typer.Option(metavar="N", help="Refuse animations with more frames than this.")
    ] = 1024,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Frames of the zero-inserted, padded grid with the flipped kernel sliding over it.

    Example: tconv animate --in 3 -k 3 -s 2 -p 1 -o classic.gif
    """
    with reported_errors(geometry.with_raw(input_=input_, weight=weight)):
        if conv and view not in (View.gather, View.conv):
            raise ParameterError(
                "--view",
                view.value,
                "is for the transposed layer; --conv shows the direct convolution's window",
            )
        view = View.conv if conv else view
        if view is View.conv and geometry.output_padding is not None:
            raise ParameterError(
                "--output-padding",
                geometry.raw["--output-padding"],
                "has no meaning for a direct convolution",
            )
        if terminal and view.compares:
            raise ParameterError(
                "--view",
                view.value,
                "is drawn in files; --terminal draws gather, scatter, overlap and conv",
            )
        if terminal:
            for flag, used in (
                ("--output", output is not None),
                ("--style", style is not None),
                ("--cell", cell is not None),
                ("--loop", loop != 0),
                ("--no-labels", no_labels),
                ("--force", force),
                ("--sheet", sheet),
                ("--animated", animated),
                ("--width", width is not None),
                ("--hold", hold != DEFAULT_HOLD),
                ("--fit", fit is not None),
                ("--json", json_),
            ):
                if used:
                    raise ParameterError(
                        flag, "", "is for pictures in files; --terminal draws in the terminal"
                    )
        from ..picture import Picture, PictureOptions, default_name, scenes_of

        options = PictureOptions(
            view=view,
            style=style,
            output=output,
            fps=fps,
            loop=loop,
            cell=cell,
            width=width,
            frame=frame,
            hold=hold,
            sheet=sheet,
            max_frames=max_frames,
            labels=not no_labels,
            values=values or input_ is not None or weight is not None,
            animated=animated,
            fit=fit,
            frames=frames,
            every=every,
            row=row,
        )
        check = g.check_conv if view is View.conv else g.check_transposed
        layer, x, w = layer_and_values(
            input_, weight, values, "--values", seed, geometry, check, draw=False
        )
        if terminal:  # no pixels: the frames are counted, their cells budgeted
            from ..render.terminal import check_size

            options.count_frames(layer)
            check_size(layer, view.value)
        else:
            options.plan(layer)
        from .. import numeric
        from .. import scene as scenes

        if values:
            x, w = numeric.sample_values(layer, seed)

        scene = scenes_of(view).build(layer, view.value, x, w)  # as picture() builds it
        drawn = options
        if not view.compares:  # a board of panels (views) is drawn as a whole
            scene = replace(scene, selection=options.selection(layer))
            still = frame is not None and (terminal or options.file_format is not Format.html)
            if still:  # one frame drawn: a scene of that frame alone (its sum, its window)
                scene = replace(scene, selection=(frame - 1,))
                drawn = replace(options, frame=1)
        if geometry.foreign and not view.compares:  # the caption in the framework's own words
            scene = replace(scene, caption=title(geometry, layer, ())[0])
        if not view.compares:
            # a large grid: a window around what the frames drawn touch, its position said;
            # in an animated GIF, APNG or WebP, windows that move with the frames (every
            # window with the caption)
            scene = scenes.windowed(scene, moving=drawn.moving and not terminal)
        count = 1 if frame is not None or options.sheet else scene.frame_count
        timing = options.timing(scene.frame_count)
        player = options.file_format is Format.html  # every frame, whatever --frame says
        total = 1 if frame is not None and not player else scene.frame_count
        notes: list[str] = []  # printed as they come, or with --json in its object

        def note(text: str) -> None:
            notes.append(text)
            if not json_:
                print(f"note: {text}", file=sys.stderr)

        def say_notes(cell: int | None = None) -> None:
            """Said once nothing refuses the picture before it is drawn (`cell`: a file's)."""
            size = None  # an animation's frame size, refused (when too large) before any note
            if cell is not None and count > 1 and not options.still and not player:
                from ..render.encode import frame_size

                size = frame_size(scene, options, cell)
            capped = options.capped()
            if count > 1 and not terminal and capped:
                note(capped)
            if count > 1 and timing.chosen:  # say why the frames are shorter than 1 s
                slow = replace(options, fps=1.0).timing(count).seconds(count)
                note(
                    f"{count} frames at 1 a second would play {_minutes(slow)}: "
                    f"{timing.delay_ms} ms a frame instead, {_minutes(timing.seconds(count))} "
                    "in all; --fps sets the speed"
                )
            if size is not None and total >= LONG_ANIMATION:  # its frames, time and size
                note(
                    f"drawing {total:,} frames of {size[0]:,}×{size[1]:,} px, "
                    f"{_minutes(timing.seconds(total))} at {timing.fps:.3g} frames a second; "
                    "--frames, --every and --row choose fewer"
                )

        if terminal:
            from ..render.terminal import play

            say_notes()
            play(scene, 1 if still else frame, timing.fps)
            return
        path = output or default_name(layer, options)
        with progress(total, f"drawing {path.name}") as advance:
            size = Picture(scene).write(
                path, drawn, force=force, progress=advance, checked=say_notes
            )
        arrays = input_ is not None or weight is not None  # no other input takes them

        def sample(other):  # another input's values, as this one's were drawn
            return numeric.sample_values(other, seed) if values else (None, None)

        line, said = _wrote(path, options, drawn, scene, size, note, None if arrays else sample)
    if json_:
        print_json(said | ({"notes": notes} if notes else {}))
    else:
        print(line)


def _wrote(path, options, drawn, scene, size, note, sample) -> tuple[str, dict]:
    """What `animate` says it wrote: the line, and its facts for --json; a PDF's legibility
    note goes to `note` (`sample`: another input's values, for its suggestion)."""
    from .. import scene as scenes
    from ..picture import a4_print

    layer = scene.layer
    timing = options.timing(scene.frame_count)
    player = options.file_format is Format.html  # every frame, whatever --frame says
    count = 1 if options.frame is not None or options.sheet else scene.frame_count
    said = {"output": str(path), "format": options.file_format.value}
    if options.file_format is Format.pdf and options.sheet:  # as the print rule laid it out
        handout = size[2]
        every = options.selection(layer) is None  # no frames chosen yet
        advice = drawn.print_note(scene, handout, sample)
        hint = _fewer(layer, options.view, options.values) if handout.pages > 10 and every else ""
        line = (
            f"wrote {path}: {counted(handout.pages, 'A4 page')} of "
            f"{counted(scene.frame_count, 'frame')}, {handout.most} a page, "
            f"{size[0]}×{size[1]} px a page, {handout.dpi} dpi, the smallest text "
            f"{handout.points:.1f} pt ({handout.smallest})" + (f"; {hint}" if hint else "")
        )
        if advice:
            note(advice)
        said |= {
            "frames": scene.frame_count,
            "pages": handout.pages,
            "frames_a_page": handout.most,
            "page_size": [size[0], size[1]],
            "dpi": handout.dpi,
            "cell": handout.cell,
            "smallest_text": {"points": round(handout.points, 2), "what": handout.smallest},
            "legible": handout.legible,
        } | ({"hint": hint} if hint else {})
    elif options.sheet and scene.frame_count > 1:
        dpi, pages = a4_print(*size[:2])
        pdf = pages > 1 and options.as_pdf(layer) is not None  # offered when accepted
        hint = "write a .pdf for A4 pages" if pdf else ""
        line = (
            f"wrote {path}: one page of {scene.frame_count} frames, {size[0]}×{size[1]} px; "
            f"at A4 width {dpi} dpi"
            + (f", {pages} A4 pages long" if pages > 1 else "")
            + (f"; {hint}" if hint else "")
        )
        said |= {
            "frames": scene.frame_count,
            "size": [size[0], size[1]],
            "a4_dpi": dpi,
            "a4_pages": pages,
        } | ({"hint": hint} if hint else {})
    else:
        count = scene.frame_count if player else count
        rate = (
            "1 frame a second" if timing.delay_ms == 1000 else f"{timing.fps:.3g} frames a second"
        )
        hold = (
            f", the last held {timing.last_ms / 1000:g} s"
            if timing.last_ms != timing.delay_ms
            else ""
        )
        jumps = len(scene.runs) - 1 if isinstance(scene, scenes.MovingWindows) else 0
        jumps = 0 if player else jumps
        line = (
            f"wrote {path}: {counted(count, 'frame')}, {size[0]}×{size[1]} px"
            + (f", {rate}{hold}" if count > 1 else "")
            + (f", a window of the grid that jumps {_times(jumps)}" if jumps else "")
        )
        said |= {"frames": count, "size": [size[0], size[1]]}
        if count > 1:
            said |= {"delay_ms": timing.delay_ms, "last_ms": timing.last_ms}
        if jumps:
            said["window_jumps"] = jumps
    return line, said


def _fewer(layer, view: View, values: bool) -> str:
    """How to print fewer of a long handout's frames: one output row's (the input's for
    scatter), every N-th, a range."""
    from ..scene import frame_sizes, frames_selected

    if len(frame_sizes(layer, view.value)) < 2:  # one row of frames: no --row to choose
        return "--every or --frames choose fewer frames"
    row = frames_selected(layer, view.value, values, row=1) or ()
    return f"--row R prints one row's {len(row)} frames; --every or --frames choose fewer"


def _times(n: int) -> str:
    """ "once", "twice", "5 times"."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _minutes(seconds: float) -> str:
    """A play time: "54 s", "16 minutes"."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} minutes"


app = command(animate)
