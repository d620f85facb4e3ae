"""`tconv compute`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import geometry as g
from ..choices import Layout, Method
from ..errors import ParameterError
from ..words import counted
from . import command
from .common import (
    print_json,
    reported_errors,
    title,
)
from .options import (
    ForceOpt,
    Geometry,
    GroupsOpt,
    InputArrayOpt,
    JsonOpt,
    TargetOpt,
    WeightArrayOpt,
    geometry_options,
    parse_ints,
)


@geometry_options()
def compute(
    geometry: Geometry,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    bias: Annotated[
        Optional[str],
        typer.Option("--bias", "-b", metavar="ARRAY", help="Bias, one value per output channel."),
    ] = None,
    layout: Annotated[
        Layout,
        typer.Option(
            metavar="LAYOUT",
            help="plain: bare spatial arrays, one channel; torch: input "
            "(N, C_in, …) or (C_in, …), weight (C_in, C_out/groups, …).",
        ),
    ] = Layout.plain,
    groups: GroupsOpt = 1,
    target: TargetOpt = None,
    method: Annotated[
        Method, typer.Option(metavar="METHOD", help="gather, scatter or matrix: all three agree.")
    ] = (Method.gather),
    save: Annotated[
        Optional[Path],
        typer.Option(metavar="FILE.npy", help="Also write the output to a .npy file."),
    ] = None,
    force: ForceOpt = False,
    json_: JsonOpt = False,
) -> None:
    """The output values of the transposed convolution of --input with --weight.

    Input and kernel sizes come from the arrays; --in and -k may be left out.

    Example: tconv compute --input "[[2,3],[1,3]]" --weight "[[0,1,1],[0,1,0],[1,0,1]]" -s 1 -p 0
    """
    with reported_errors(
        geometry.with_raw(input_=input_, weight=weight, target=target, groups=groups)
    ):
        import numpy as np

        from .. import numeric
        from ..arrays import load_array
        from ..files import check_writable, write_atomically

        if save is not None and save.suffix.lower() != ".npy":
            raise ParameterError("--save", str(save), "must end in .npy (NumPy's format)")
        for flag, value in (("--input", input_), ("--weight", weight)):
            if value is None:
                raise ParameterError(
                    flag, "", "is required: a literal like [[2,3],[1,3]] or a .npy file"
                )
        x, w = load_array(input_, "--input"), load_array(weight, "--weight")
        b = load_array(bias, "--bias") if bias is not None else None
        if layout is Layout.plain:
            if groups != 1 or b is not None and b.size != 1:
                raise ParameterError(
                    "--layout",
                    "plain",
                    "has one channel: --groups and a bias of several values need --layout torch",
                )
            if x.ndim != w.ndim:
                raise ParameterError(
                    "--weight",
                    weight,
                    f"has {counted(w.ndim, 'dimension')} but --input "
                    f"has {x.ndim}: with --layout plain both are bare spatial "
                    "arrays of the same rank",
                )
            x, w = x[None], geometry.torch_kernel(w)[None, None]
            b = None if b is None else b.reshape(1)
        elif w.ndim < 3:
            raise ParameterError(
                "--weight",
                weight,
                f"has {counted(w.ndim, 'dimension')}; with --layout torch it is "
                "(C_in, C_out/groups, *kernel)",
            )
        else:
            w = geometry.torch_kernel(w, rank=w.ndim - 2)
        rank = w.ndim - 2
        wanted = None if target is None else parse_ints(target, "--target")
        layer = geometry.layer_for_arrays(x.shape[-rank:], w.shape[2:], wanted)
        if json_:
            _check_json_size(x, w, layer, groups)
        told = ()
        own = geometry.own_words(groups, layer)
        if own is not None:  # what its runtimes would do with it (before a save)
            from ..frameworks import refusals

            told = refusals(own)
        if save is not None:  # after the options are known to be valid, before the work
            check_writable(save, force, "--save")
        y = numeric.conv_transpose(x, w, layer, b, groups, method.value)
        if layout is Layout.plain:
            y = y[0]
        if save is not None:
            write_atomically(save, lambda stream: np.save(stream, y))
        heading = title(geometry, layer, y.shape[-len(layer) :])
    if json_:
        print_json(
            {"output": y.tolist(), "shape": list(y.shape)} | ({"notes": list(told)} if told else {})
        )
        return
    _print_values(heading, layer, y, save, told)


#: Most values --json prints: JSON text of ~20 bytes a value, built in memory, then printed.
JSON_MAX_VALUES = 2**22


def _check_json_size(x, w, layer: g.Layer, groups: int) -> None:
    """Refuse up front an output too large to print as JSON (--save writes it compactly)."""
    from math import prod

    batch = x.shape[0] if x.ndim == len(layer) + 2 else 1
    count = batch * w.shape[1] * groups * prod(a.output for a in layer)
    if count > JSON_MAX_VALUES:
        raise ParameterError(
            "--json",
            "",
            f"would print {count:,} output values, more than "
            f"{JSON_MAX_VALUES:,}; use --save FILE.npy instead",
        )


def _print_values(
    title: list[str], layer: g.Layer, y, save: Path | None, told: tuple[str, ...] = ()
) -> None:
    """The output as tables for 1-d and 2-d (one per batch item and channel), else its shape."""
    import numpy as np
    from rich.console import Console

    from ..render.terminal import OUTPUT, grid

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
        why = "too large to print" if len(layer) <= 2 else f"a {len(layer)}-d output is not printed"
        console.print(f"output shape {tuple(y.shape)}: {why}; use --json or --save")
    if save is not None:
        console.print(f"saved {save}")
    if told:
        from ..render.text import TextStyle, notes_lines

        console.print("\n".join(notes_lines(told, TextStyle(False))), markup=False)


app = command(compute)
