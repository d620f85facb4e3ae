"""`tconv inverse`: which output_padding gives back a size."""

from __future__ import annotations

from dataclasses import replace

from .. import geometry as g
from ..errors import ParameterError
from ..geometry import broadcast
from ..render.text import dims
from . import command
from .common import layer_json, print_json, reported_errors, text_style
from .options import Geometry, JsonOpt, TargetOpt, geometry_options, parse_ints

_IN_HELP = (
    "Input size of the transposed layer: 3, or per axis 32,24. \\[default: what the "
    "direct convolution makes of --target]"
)


@geometry_options(without=("output_padding",), help={"in_": _IN_HELP})
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
    with reported_errors(geometry.with_raw(target=target)):
        if target is None:
            raise ParameterError("--target", "", "is required: the output size wanted")
        wanted = parse_ints(target, "--target")
        if geometry.foreign:
            return _inverse_in(geometry, wanted, json_)
        template, wanted = replace(geometry, size=geometry.size or (1,)).layer(
            check=g.check_parameters, target=wanted
        )
        layer = g.solve(template, wanted, given_input=geometry.size is not None)
    if json_:
        data = layer_json(layer)
        data["target"] = list(wanted)
        data["conv_inputs"] = [list(g.conv_inputs(a)) for a in layer]
        from ..render.text import inverse_notes

        notes = inverse_notes(layer, wanted)
        if notes:  # what the text says besides the numbers
            data["notes"] = notes
        print_json(data)
        return
    from ..render.text import inverse_report

    print(inverse_report(layer, wanted, text_style()))


def _inverse_in(geometry: Geometry, target: tuple[int, ...], json_: bool) -> None:
    """inverse for another framework: its own output option that gives the target."""
    from ..frameworks import code, solve, to_layer

    if geometry.size is None:
        raise ParameterError(
            "--in",
            "",
            f"is needed with --convention {geometry.convention}: "
            "each framework's encoder pads its own way",
        )
    source = geometry.framework_layer()
    wanted = broadcast(target, source.rank)
    found = solve(source, wanted)
    layer = to_layer(found)
    if json_:
        data = layer_json(layer)
        from ..frameworks import notes

        data.update(
            target=list(wanted),
            conv_inputs=[list(g.conv_inputs(a)) for a in layer],
            convention=geometry.convention.value,
        )
        if notes(found):  # what the text says besides the numbers
            data["notes"] = list(notes(found))
        print_json(data)
        return
    from ..frameworks import notes
    from ..render.text import notes_lines

    style = text_style()
    print(
        "\n".join(
            [
                style.bold(code(found)),
                style.bold(f"{dims([a.size for a in layer])} → {dims(wanted)}"),
            ]
            + notes_lines(notes(found), style)
        )
    )


app = command(inverse)
