"""`tconv explain`."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import geometry as g
from ..errors import ParameterError
from ..render.text import dims
from . import command
from .common import (
    layer_and_values,
    layer_json,
    print_json,
    reported_errors,
    title,
)
from .options import (
    Geometry,
    InputArrayOpt,
    JsonOpt,
    SeedOpt,
    WeightArrayOpt,
    geometry_options,
)

MATRIX_MAX = 16  # --matrix prints C and Cᵀ up to this many rows and columns


@geometry_options()
def explain(
    geometry: Geometry,
    input_: InputArrayOpt = None,
    weight: WeightArrayOpt = None,
    random: Annotated[bool, typer.Option(
        "--random", help="Show values: small random integers (see --seed).")] = False,
    seed: SeedOpt = 0,
    matrix: Annotated[bool, typer.Option(
        "--matrix", help=f"Print C and Cᵀ (up to {MATRIX_MAX}×{MATRIX_MAX}).")] = False,
    json_: JsonOpt = False,
) -> None:
    """The four steps (insert zeros, pad, flip, slide) with this layer's numbers.

    With values (--input/--weight, or --random), also the grids of each step.

    Example: tconv explain --in 3 -k 3 -s 2 -p 1 --random
    """
    with reported_errors(geometry.with_raw(input_=input_, weight=weight)):
        from .. import numeric

        arrays = input_ is not None or weight is not None
        drawn = random or (matrix and not arrays)
        flag, given = ("--input", input_) if arrays else ("--random" if random else "--matrix", "")
        layer, x, w = layer_and_values(input_, weight, drawn, "--random", seed, geometry,
                                       draw=False)
        values = c = None
        if arrays or drawn:  # refused before anything is drawn or computed
            if len(layer) > 2:
                raise ParameterError(flag, given, "values are shown for 1-d and 2-d layers; "
                                     f"this one has {len(layer)} axes (the steps alone work "
                                     "for any)")
            _check_values_fit(layer, flag)
            if matrix:
                _check_matrix_fits(layer)
            if x is None:
                x, w = numeric.sample_values(layer, seed)
            values = layer, x, w, numeric.conv_transpose(x[None], w[None, None], layer)[0]
            c = numeric.conv_matrix(w, layer) if matrix else None
    if json_:
        print_json(_explain_json(layer, values, c))
        return
    _print_explain(title(geometry, layer, [a.output for a in layer]), layer, values, c)


def _check_values_fit(layer: g.Layer, flag: str) -> None:
    """Values are for reading: refuse grids beyond numeric.SAMPLE_MAX cells before making
    them."""
    from math import prod

    from ..numeric import SAMPLE_MAX

    cells = max(prod(a.size for a in layer), prod(a.output for a in layer),
                prod(a.grid_length for a in layer))
    if cells > SAMPLE_MAX:
        raise ParameterError(flag, "", f"would fill grids of {cells:,} values, more than "
                             f"{SAMPLE_MAX:,}; lower --in (the steps alone work for any size)")


def _check_matrix_fits(layer: g.Layer) -> None:
    from math import prod

    rows, cols = prod(a.size for a in layer), prod(a.output for a in layer)
    if max(rows, cols) > MATRIX_MAX:
        smaller = "lower --in" + (", or --dims 1" if len(layer) > 1 else "")
        raise ParameterError("--matrix", "", f"would print a {rows}×{cols} matrix; it prints "
                             f"at most {MATRIX_MAX}×{MATRIX_MAX} ({smaller})")


def _equivalent_json(conv: g.Layer) -> dict:
    return {"input": [a.size for a in conv], "kernel": [a.kernel for a in conv],
            "stride": [a.stride for a in conv], "padding": [[a.pad_lo, a.pad_hi] for a in conv],
            "dilation": [a.dilation for a in conv]}


def _explain_json(layer: g.Layer, values, c) -> dict:
    data = {
        "layer": layer_json(layer),
        "steps": [
            {"zero_inserted": a.zero_inserted, "pad_before": a.frame_lo,
             "pad_after": a.frame_hi, "grid": a.grid_length, "kernel_extent": a.extent,
             "output": a.output}
            for a in layer
        ],
        "equivalent_conv": {**_equivalent_json(g.equivalent_conv(layer)),
                            "flipped_kernel": True},
    }
    if values is not None:
        from .. import numeric

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

    from ..render.text import explain_steps

    console = Console(highlight=False)
    console.print("\n".join(title), style="bold", markup=False)
    console.print()
    console.print("\n".join(explain_steps(layer)), soft_wrap=True, markup=False)
    if values is None:
        return
    from .. import numeric
    from ..render.terminal import INPUT, KERNEL, LEGEND, OUTPUT, grid, matrix, number
    from ..scene import grid_roles

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


app = command(explain)
