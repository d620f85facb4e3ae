"""`tconv shape`."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import geometry as g
from ..errors import ParameterError
from . import command
from .common import (
    layer_json,
    print_json,
    reported_errors,
    text_style,
)
from .options import (
    BatchOpt,
    Geometry,
    GroupsOpt,
    InChannelsOpt,
    JsonOpt,
    OutChannelsOpt,
    geometry_options,
)


@geometry_options()
def shape(
    geometry: Geometry,
    conv: Annotated[
        bool, typer.Option("--conv", help="The direct convolution with these parameters instead.")
    ] = False,
    in_channels: InChannelsOpt = None,
    out_channels: OutChannelsOpt = None,
    groups: GroupsOpt = 1,
    batch: BatchOpt = None,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="Count no bias.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Output size per axis, the formula with its numbers, and what output_padding can reach.

    Example: tconv shape --in 32,24 -k 4 -s 2 -p 1
    """
    with reported_errors(geometry.with_raw()):
        layer, _ = geometry.layer(g.check_conv if conv else g.check_transposed)
        tensors = _tensors(layer, in_channels, out_channels, groups, batch, not no_bias, not conv)
        framework = _framework(geometry, in_channels, out_channels)
    if json_:
        data = layer_json(layer, transposed=not conv)
        if geometry.foreign:
            data["convention"] = geometry.convention.value
        if tensors is not None:
            data.update(
                input_shape=list(tensors.input),
                output_shape=list(tensors.output),
                weight_shape=list(tensors.weight),
                parameters=tensors.parameters,
            )
        from ..render.text import shape_notes

        notes = shape_notes(layer, framework)
        if notes:  # what the text says besides the numbers
            data["notes"] = notes
        print_json(data)
        return
    from ..render.text import shape_report

    print(shape_report(layer, not conv, tensors, text_style(), framework))


def _framework(geometry: Geometry, in_channels, out_channels):
    """Another framework's layer as the report shows it; None for PyTorch's."""
    own = geometry.own_words()
    if own is None:
        return None
    from ..frameworks import summary

    return summary(own, in_channels or "C_in", out_channels or "C_out")


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


app = command(shape)
