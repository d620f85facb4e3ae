"""`tconv inverse`."""

from __future__ import annotations

from dataclasses import replace

from .. import geometry as g
from ..errors import ParameterError
from ..geometry import broadcast
from ..render.text import dims
from . import command
from .common import (
    layer_json,
    print_json,
    reported_errors,
    text_style,
)
from .options import (
    Geometry,
    JsonOpt,
    TargetOpt,
    geometry_options,
    parse_ints,
)


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
        print_json(data)
        return
    from ..render.text import inverse_report

    print(inverse_report(layer, extra["target"], text_style()))

def _inverse_in(geometry: Geometry, target: str, json_: bool) -> None:
    """inverse for another framework: its own output option that gives the target."""
    from ..conventions import code, solve, to_layer

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
        print_json(data)
        return
    style = text_style()
    print("\n".join([style.bold(code(found)),
                     style.bold(f"{dims([a.size for a in layer])} → {dims(wanted)}")]))


app = command(inverse)
