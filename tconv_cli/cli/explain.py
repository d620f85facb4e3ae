"""`tconv explain`."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

import typer

from .. import geometry as g
from ..errors import ParameterError
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
    random: Annotated[
        bool, typer.Option("--random", help="Show values: small random integers (see --seed).")
    ] = False,
    seed: SeedOpt = 0,
    matrix: Annotated[
        bool, typer.Option("--matrix", help=f"Print C and Cᵀ (up to {MATRIX_MAX}×{MATRIX_MAX}).")
    ] = False,
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
        layer, x, w = layer_and_values(
            input_, weight, drawn, "--random", seed, geometry, draw=False
        )
        values = c = None
        if arrays or drawn:  # refused before anything is drawn or computed
            if len(layer) > 2:
                raise ParameterError(
                    flag,
                    given,
                    "values are shown for 1-d and 2-d layers; "
                    f"this one has {len(layer)} axes (the steps alone work "
                    "for any)",
                )
            _check_values_fit(layer, flag)
            if matrix:
                _check_matrix_fits(layer)
            if x is None:
                x, w = numeric.sample_values(layer, seed)
            values = Grids(
                x,
                w,
                numeric.flip(w),
                numeric.zero_insert_and_pad(x, layer),
                numeric.conv_transpose(x[None], w[None, None], layer)[0],
            )
            c = numeric.conv_matrix(w, layer) if matrix else None
        heading = title(geometry, layer, [a.output for a in layer])  # its words may refuse it
    if json_:
        print_json(_explain_json(layer, values, c))
        return
    from ..render.terminal import print_explain

    print_explain(heading, layer, values, c)


def _check_values_fit(layer: g.Layer, flag: str) -> None:
    """Values are for reading: refuse grids beyond numeric.SAMPLE_MAX cells before making
    them."""
    from math import prod

    from ..numeric import SAMPLE_MAX

    cells = max(
        prod(a.size for a in layer),
        prod(a.output for a in layer),
        prod(a.grid_length for a in layer),
    )
    if cells > SAMPLE_MAX:
        raise ParameterError(
            flag,
            "",
            f"would fill grids of {cells:,} values, more than "
            f"{SAMPLE_MAX:,}; lower --in (the steps alone work for any size)",
        )


def _check_matrix_fits(layer: g.Layer) -> None:
    from math import prod

    rows, cols = prod(a.size for a in layer), prod(a.output for a in layer)
    if max(rows, cols) > MATRIX_MAX:
        smaller = "lower --in" + (", or --dims 1" if len(layer) > 1 else "")
        raise ParameterError(
            "--matrix",
            "",
            f"would print a {rows}×{cols} matrix; it prints "
            f"at most {MATRIX_MAX}×{MATRIX_MAX} ({smaller})",
        )


class Grids(NamedTuple):
    """The arrays of the four steps: input, kernel, flipped kernel, the zero-inserted and
    padded input, and the output."""

    x: Any
    w: Any
    flipped: Any
    framed: Any
    y: Any


def _equivalent_json(conv: g.Layer) -> dict:
    return {
        "input": [a.size for a in conv],
        "kernel": [a.kernel for a in conv],
        "stride": [a.stride for a in conv],
        "padding": [[a.pad_lo, a.pad_hi] for a in conv],
        "dilation": [a.dilation for a in conv],
    }


def _explain_json(layer: g.Layer, values, c) -> dict:
    data = {
        "layer": layer_json(layer),
        "steps": [
            {
                "zero_inserted": a.zero_inserted,
                "pad_before": a.frame_lo,
                "pad_after": a.frame_hi,
                "grid": a.grid_length,
                "kernel_extent": a.extent,
                "output": a.output,
            }
            for a in layer
        ],
        "equivalent_conv": {**_equivalent_json(g.equivalent_conv(layer)), "flipped_kernel": True},
    }
    if values is not None:
        data.update(
            input=values.x.tolist(),
            weight=values.w.tolist(),
            flipped_weight=values.flipped.tolist(),
            grid=values.framed.tolist(),
            output=values.y.tolist(),
        )
    if c is not None:
        data["C"] = c.tolist()
    return data


app = command(explain)
