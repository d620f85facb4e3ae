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
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from . import geometry as g
from .errors import NoAnswer, ParameterError, TconvError
from .geometry import broadcast
from .options import (
    FLAGS,
    Convention,
    Geometry,
    InputArrayOpt,
    JsonOpt,
    TargetOpt,
    WeightArrayOpt,
    geometry_options,
    parse_ints,
)
from .report import dims, headline

SETTINGS = {"help_option_names": ["-h", "--help"]}
COMMANDS: dict[str, typer.Typer] = {}  # each command is its own app, built only when it runs


class LazyGroup(TyperGroup):
    """Builds a command's options only when it is used: `tconv shape` does not pay for the
    dozens of options of animate and port (Typer builds every command up front otherwise)."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, name: str):
        return typer.main.get_command(COMMANDS[name]) if name in COMMANDS else None


def command(function):
    """Register a command, in the order of definition."""
    single = typer.Typer(add_completion=False, context_settings=SETTINGS)
    single.command()(function)
    COMMANDS[function.__name__] = single
    return function


app = typer.Typer(
    cls=LazyGroup,
    help="Shapes of transposed convolutions, exactly as PyTorch computes them.",
    add_completion=False,
    context_settings=SETTINGS,
)


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
        if error.value == "":
            return f"{error.param} {error.rule}"
        return f"{error.param} {_shown(str(error.value))}: {error.rule}"
    flag = FLAGS.get(error.param.split(".")[0])  # "x.shape" is about --input
    if flag is None:
        return str(error)
    if "." in error.param:  # a property of an array: its shape or dtype
        return f"{flag}: {error.param.split('.')[1]} {error.value} {error.rule}"
    given = raw.get(flag, str(error.value))
    if not given:  # an option left out: the rule says what it needs
        return f"{flag}: {error.param}{where} {error.rule}"
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


@command
@geometry_options()
def shape(
    geometry: Geometry,
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
    with reported_errors(geometry.raw()):
        layer, _ = geometry.layer(g.check_conv if conv else g.check_transposed)
        tensors = _tensors(layer, in_channels, out_channels, groups, batch, bias, not conv)
        framework = _framework(geometry, in_channels, out_channels)
    if json_:
        data = layer_json(layer, transposed=not conv)
        if geometry.convention != "torch":
            data["convention"] = geometry.convention
        if tensors is not None:
            data.update(
                input_shape=list(tensors.input), output_shape=list(tensors.output),
                weight_shape=list(tensors.weight), parameters=tensors.parameters,
            )
        _print_json(data)
        return
    from .report import shape_report

    print(shape_report(layer, not conv, tensors, _style(), framework))


def _inverse_in(geometry: Geometry, target: str, json_: bool) -> None:
    """inverse for another framework: its own output option that gives the target."""
    from .conventions import code, solve, to_layer

    if geometry.in_ is None:
        raise ParameterError("--in", "", f"is needed with --convention {geometry.convention}: "
                             "each framework's encoder pads its own way")
    source = geometry.framework_layer()
    wanted = broadcast(parse_ints(target, "--target"), source.rank)
    found = solve(source, wanted)
    layer = to_layer(found)
    if json_:
        data = layer_json(layer)
        data.update(target=list(wanted), conv_inputs=[list(g.conv_inputs(a)) for a in layer],
                    convention=geometry.convention)
        _print_json(data)
        return
    style = _style()
    print("\n".join([style.bold(code(found)),
                     style.bold(f"{dims([a.size for a in layer])} → {dims(wanted)}")]))


def _framework(geometry: Geometry, in_channels, out_channels):
    """Another framework's layer as the report shows it; None for PyTorch's."""
    if geometry.convention == "torch":
        return None
    from .conventions import code, port
    from .report import Framework

    fl = geometry.framework_layer()
    channels = (in_channels or "C_in", out_channels or "C_out")
    ported = port(fl, "torch")
    return Framework(code(fl, *channels), ported.code(*channels), ported.notes)


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


@command
@geometry_options(without=("output_padding",))
def inverse(
    geometry: Geometry,
    target: TargetOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Which output_padding makes the layer produce the target size.

    Without --in, the input is the direct convolution's output of the target (the
    encoder/decoder case); with --in, solve for that input.

    Example: tconv inverse --target 6
    """
    with reported_errors(geometry.raw(target=target)):
        if target is None:
            raise ParameterError("--target", "", "is required: the output size wanted")
        if geometry.convention != "torch":
            return _inverse_in(geometry, target, json_)
        template, extra = replace(geometry, in_=geometry.in_ or "1").layer(
            check=lambda layer: None, target=target)
        layer = g.solve(template, extra["target"], given_input=geometry.in_ is not None)
    if json_:
        data = layer_json(layer)
        data["target"] = list(extra["target"])
        data["conv_inputs"] = [list(g.conv_inputs(a)) for a in layer]
        _print_json(data)
        return
    from .report import inverse_report

    print(inverse_report(layer, extra["target"], _style()))


class Layout(str, Enum):
    plain = "plain"
    torch = "torch"


class Method(str, Enum):
    gather = "gather"
    scatter = "scatter"
    matrix = "matrix"


@command
@geometry_options()
def compute(
    geometry: Geometry,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    bias: Annotated[Optional[str], typer.Option(
        "--bias", "-b", metavar="ARRAY", help="Bias, one value per output channel.")] = None,
    layout: Annotated[Layout, typer.Option(
        help="plain: bare spatial arrays, one channel; torch: input (N, C_in, …) or "
             "(C_in, …), weight (C_in, C_out/groups, …).")] = Layout.plain,
    groups: Annotated[int, typer.Option(help="Groups (with --layout torch).")] = 1,
    target: TargetOpt = None,
    method: Annotated[Method, typer.Option(help="How to compute; all three agree.")] = (
        Method.gather),
    save: Annotated[Optional[Path], typer.Option(
        metavar="FILE.npy", help="Also write the output to a .npy file.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the --save file.")] = False,
    json_: JsonOpt = False,
) -> None:
    """The output values of the transposed convolution of --input with --weight.

    Input and kernel sizes come from the arrays; --in and -k may be left out.

    Example: tconv compute --input "[[2,3],[1,3]]" --weight "[[0,1,1],[0,1,0],[1,0,1]]" -s 1 -p 0
    """
    with reported_errors(geometry.raw(input_=input_, weight=weight, target=target,
                                      groups=groups)):
        import numpy as np

        from . import numeric
        from .arrays import load_array
        from .files import check_writable, write_atomically

        if save is not None:
            if save.suffix.lower() != ".npy":
                raise ParameterError("--save", str(save), "must end in .npy (NumPy's format)")
            check_writable(save, force, "--save")
        for flag, value in (("--input", input_), ("--weight", weight)):
            if value is None:
                raise ParameterError(flag, "", "is required: a literal like [[2,3],[1,3]] or a "
                                     ".npy file")
        x, w = load_array(input_, "--input"), load_array(weight, "--weight")
        b = load_array(bias, "--bias") if bias is not None else None
        if layout is Layout.plain:
            if groups != 1 or b is not None and b.size != 1:
                raise ParameterError("--layout", "plain", "has one channel: --groups and a bias "
                                     "of several values need --layout torch")
            if x.ndim != w.ndim:
                raise ParameterError("--weight", weight, f"has {w.ndim} dimensions but --input "
                                     f"has {x.ndim}: with --layout plain both are bare spatial "
                                     "arrays of the same rank")
            x, w = x[None], geometry.torch_kernel(w)[None, None]
            b = None if b is None else b.reshape(1)
        elif w.ndim < 3:
            raise ParameterError("--weight", weight, f"has {w.ndim} dimensions; with --layout "
                                 "torch it is (C_in, C_out/groups, *kernel)")
        rank = w.ndim - 2
        layer = geometry.layer_for_arrays(x.shape[-rank:], w.shape[2:], target)
        y = numeric.conv_transpose(x, w, layer, b, groups, method.value)
        if layout is Layout.plain:
            y = y[0]
        if save is not None:
            write_atomically(save, lambda stream: np.save(stream, y))
    if json_:
        _print_json({"output": y.tolist(), "shape": list(y.shape)})
        return
    _print_values(_title(geometry, layer, y.shape[-len(layer):]), layer, y, save)


def _title(geometry: Geometry, layer: g.Layer, out_sizes) -> list[str]:
    """The headline: the layer in its own framework's words, and its sizes."""
    if geometry.convention == "torch":
        return headline(layer, out_sizes)
    from .conventions import code

    sized = replace(geometry, in_=",".join(str(a.size) for a in layer),
                    kernel_size=",".join(str(a.kernel) for a in layer))
    sizes = f"{dims([a.size for a in layer])} → {dims(out_sizes)}"
    return [code(sized.framework_layer()), sizes]


def _print_values(title: list[str], layer: g.Layer, y, save: Path | None) -> None:
    """The output as tables for 1-d and 2-d (one per batch item and channel), else its shape."""
    import numpy as np
    from rich.console import Console

    from .render_terminal import OUTPUT, grid

    console = Console(highlight=False)
    console.print("\n".join(title), style="bold", markup=False)
    console.print()
    leading = y.shape[: y.ndim - len(layer)]
    slices = [(index, y[index]) for index in np.ndindex(leading)]
    printable = len(layer) <= 2 and y.shape[-1] <= 24 and len(slices) <= 16
    if printable:
        for index, values in slices:
            name = "output" + (f"[{', '.join(map(str, index))}]" if index else "")
            console.print(grid(values, name, style=OUTPUT))
    else:
        console.print(f"output shape {tuple(y.shape)}: too large to print; use --json or --save")
    if save is not None:
        console.print(f"saved {save}")


MATRIX_MAX = 16  # --matrix prints C and Cᵀ up to this many rows and columns


@command
@geometry_options()
def explain(
    geometry: Geometry,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    random: Annotated[bool, typer.Option(
        "--random", help="Show values: small random integers (see --seed).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of --random.")] = 0,
    matrix: Annotated[bool, typer.Option(
        "--matrix", help=f"Print C and Cᵀ (up to {MATRIX_MAX}×{MATRIX_MAX}).")] = False,
    json_: JsonOpt = False,
) -> None:
    """The four steps (insert zeros, pad, flip, slide) with this layer's numbers.

    With values (--input/--weight, or --random), also the grids of each step.

    Example: tconv explain --in 3 -k 3 -s 2 -p 1 --random
    """
    with reported_errors(geometry.raw(input_=input_, weight=weight)):
        from . import numeric

        arrays = input_ is not None or weight is not None
        layer, x, w = _layer_and_values(input_, weight, random or (matrix and not arrays),
                                        "--random", seed, geometry)
        values = None
        if x is not None:
            values = layer, x, w, numeric.conv_transpose(x[None], w[None, None], layer)[0]
        if values is not None and len(layer) > 2:
            raise ParameterError("--input", input_ or "--random", "values are shown for 1-d "
                                 "and 2-d layers; this one has "
                                 f"{len(layer)} axes (the steps alone work for any)")
        c = _conv_matrix(values, layer) if matrix else None
    if json_:
        _print_json(_explain_json(layer, values, c))
        return
    _print_explain(_title(geometry, layer, [a.output for a in layer]), layer, values, c)


def _layer_and_values(input_, weight, random: bool, random_flag: str, seed: int,
                      geometry: Geometry, check=g.check_transposed):
    """(layer, x, w): from --input/--weight, or seeded small integers (`random`) for the
    layer of the options; x and w are None when neither is asked for."""
    import numpy as np

    from . import numeric
    from .arrays import load_array

    given = input_ is not None or weight is not None
    if given and random:
        raise ParameterError(random_flag, "", "draws the values itself; give "
                             f"{random_flag} or --input and --weight, not both")
    if not given:
        layer, _ = geometry.layer(check)
        if not random:
            return layer, None, None
        rng = np.random.default_rng(seed)
        x = rng.integers(0, 4, [a.size for a in layer])
        w = rng.integers(0, 3, [a.kernel for a in layer])
        for _ in range(100):  # a kernel that looks different flipped shows the flip
            if w.size == 1 or not np.array_equal(w, numeric.flip(w)):
                break
            w = rng.integers(0, 3, w.shape)
        return layer, x, w
    for flag, value in (("--input", input_), ("--weight", weight)):
        if value is None:
            raise ParameterError(flag, "", "is needed too: give --input and --weight")
    x, w = load_array(input_, "--input"), load_array(weight, "--weight")
    if x.ndim != w.ndim:
        raise ParameterError("--weight", weight, f"has {w.ndim} dimensions but --input has "
                             f"{x.ndim}: both are bare spatial arrays of the same rank")
    layer = geometry.layer_for_arrays(x.shape, w.shape, check=check)
    return layer, x, geometry.torch_kernel(w)


def _conv_matrix(values, layer: g.Layer):
    from . import numeric

    rows = 1
    cols = 1
    for a in layer:
        rows, cols = rows * a.size, cols * a.output
    if max(rows, cols) > MATRIX_MAX:
        raise ParameterError("--matrix", "", f"would print a {rows}×{cols} matrix; it prints "
                             f"at most {MATRIX_MAX}×{MATRIX_MAX} (lower --in)")
    return numeric.conv_matrix(values[2], layer)


def _explain_json(layer: g.Layer, values, c) -> dict:
    data = {
        "layer": layer_json(layer),
        "steps": [
            {"zero_inserted": a.zero_inserted, "pad_before": a.frame_lo,
             "pad_after": a.frame_hi, "grid": a.grid_length, "kernel_extent": a.extent,
             "output": a.output}
            for a in layer
        ],
        "equivalent_conv": {
            "input": [a.zero_inserted for a in layer], "kernel": [a.kernel for a in layer],
            "stride": [1] * len(layer),
            "padding": [[a.frame_lo, a.frame_hi] for a in layer],
            "dilation": [a.dilation for a in layer], "flipped_kernel": True,
        },
    }
    if values is not None:
        from . import numeric

        _, x, w, y = values
        data.update(
            input=x.tolist(), weight=w.tolist(), flipped_weight=numeric.flip(w).tolist(),
            grid=numeric.zero_insert_and_pad(x, layer).tolist(), output=y.tolist(),
        )
    if c is not None:
        data["C"] = c.tolist()
    return data


def _print_explain(title: list[str], layer: g.Layer, values, c) -> None:
    from rich.console import Console

    from .report import explain_steps

    console = Console(highlight=False)
    console.print("\n".join(title), style="bold", markup=False)
    console.print()
    console.print("\n".join(explain_steps(layer)), soft_wrap=True, markup=False)
    if values is None:
        return
    from . import numeric
    from .render_terminal import INPUT, KERNEL, LEGEND, OUTPUT, grid, matrix, number
    from .scene import grid_roles

    _, x, w, y = values
    framed = numeric.zero_insert_and_pad(x, layer)
    console.print()
    widest = max(len(number(v)) for v in (*framed.ravel(), *y.ravel())) + 3
    if framed.shape[-1] * widest + 1 > console.width:
        console.print(f"The grids are {dims(framed.shape)}: too wide to print here "
                      f"({console.width} columns); --json gives every value.")
        return
    for table in (
        grid(x, "input", style=INPUT),
        grid(w, "kernel"),
        grid(numeric.flip(w), "flipped kernel", style=KERNEL),
        grid(framed, f"zero-inserted and padded ({dims(framed.shape)})",
             roles=grid_roles(layer)),
    ):
        console.print(table)
    console.print(LEGEND)
    console.print(grid(y, f"output ({dims(y.shape)})", style=OUTPUT))
    if c is not None:
        names_in = [f"x{n}" for n in range(c.shape[0])]
        names_out = [f"y{n}" for n in range(c.shape[1])]
        console.print(matrix(c, "C: the direct convolution, x = C y", names_in, names_out))
        console.print(matrix(c.T, "Cᵀ: this layer, y = Cᵀ x", names_out, names_in))
        if len(layer) > 1:
            console.print("(positions flattened row by row)", style="dim")


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


@command
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
    with reported_errors(geometry.raw(input_=input_, weight=weight)):
        if conv and view is not View.gather:
            raise ParameterError("--view", view.value, "is for the transposed layer; --conv "
                                 "shows the direct convolution's window")
        if conv and geometry.output_padding is not None:
            raise ParameterError("--output-padding", geometry.output_padding,
                                 "has no meaning for a direct convolution")
        kind = "conv" if conv else view.value
        check = g.check_conv if conv else g.check_transposed
        layer, x, w = _layer_and_values(input_, weight, values, "--values", seed, geometry, check)
        if len(layer) > 2:
            raise ParameterError("--in", geometry.in_, "pictures are for 1-d and 2-d layers; "
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
        from . import scene as scenes

        scene = scenes.build(layer, kind, x, w)
        if geometry.convention != "torch":  # the caption in the framework's own words
            scene = replace(scene, caption=_title(geometry, layer, ())[0])
        if terminal:
            _play(scene, frame, fps)
            return
        path = output or default_picture_name(layer, kind, frame, sheet)
        from .files import check_writable

        check_writable(path, force, "--output")
        size = _write_picture(scene, path, style.value, frame, sheet, fps, loop, cell, labels)
    count = 1 if frame is not None else scene.frame_count
    what = "one page" if sheet else f"{count} frame{'s' if count > 1 else ''}"
    print(f"wrote {path}: {what}, {size[0]}×{size[1]} px" + (
        f", {fps:g} frame{'s' if fps != 1 else ''} a second" if count > 1 and not sheet else ""))


def _check_picture_options(layer, kind, output, frame, sheet, fps, loop, cell, max_frames,
                           terminal) -> None:
    from .scene import frame_count, frame_sizes

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
    from . import render_image

    options = dict(fmt=render_image.FORMATS[path.suffix.lower()], style=style, labels=labels,
                   fps=fps, loop=loop, frame=None if frame is None else frame - 1, sheet=sheet)
    if cell is not None:
        options["cell"] = cell
    total = 1 if frame is not None else scene.frame_count
    from .files import write_atomically

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

    from .render_terminal import frame_legend, frame_view, number

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


@command
@geometry_options(without=("convention",))
def port(
    geometry: Geometry,
    from_: Annotated[Convention, typer.Option(
        "--from", help="The framework whose parameters the options are.")],
    to: Annotated[Convention, typer.Option("--to", help="The framework to write the layer in.")],
    in_channels: Annotated[Optional[int], typer.Option(help="Input channels (else C_in).")] = None,
    out_channels: Annotated[Optional[int], typer.Option(help="Output channels (else C_out).")
                            ] = None,
    groups: Annotated[int, typer.Option(help="Groups (PyTorch, ONNX, Caffe).")] = 1,
    json_: JsonOpt = False,
) -> None:
    """The same layer in another framework: code to paste, equal in shape and values.

    Where no single layer of --to is exact, the closest one and the crop or zero-padding
    after it, never an approximation.

    Example: tconv port --from keras --to torch -p same -k 3 -s 2
    """
    geometry = replace(geometry, convention=from_.value)
    with reported_errors(geometry.raw(groups=groups)):
        from . import conventions

        source = geometry.framework_layer(groups)
        ported = conventions.port(source, to.value)
        layer = conventions.to_layer(source)
        channels = (in_channels or "C_in", out_channels or "C_out")
        source_code, ported_code = conventions.code(source, *channels), ported.code(*channels)
    if json_:
        _print_json({
            "from": from_.value, "to": to.value, "exact": ported.exact, "code": ported_code,
            "crop": [list(c) for c in ported.crop], "layer": layer_json(layer),
            "notes": list(ported.notes),
        })
        return
    style = _style()
    sizes = f"{dims([a.size for a in layer])} → {dims([a.output for a in layer])}"
    lines = [style.dim(f"# {from_.value}, {sizes}"), source_code, "",
             style.dim(f"# {to.value}" + ("" if ported.exact else ": no single layer is exact"))]
    lines += ported_code.splitlines()
    if ported.notes:
        from .report import notes_lines

        lines += notes_lines(ported.notes, style)
    print("\n".join(lines))
