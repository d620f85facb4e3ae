"""`tconv port`."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from ..choices import Destination, Target
from ..errors import ParameterError
from ..render.text import dims
from . import command
from .common import (
    layer_json,
    print_json,
    reported_errors,
    text_style,
)
from .options import (
    Convention,
    Geometry,
    GroupsOpt,
    InChannelsOpt,
    JsonOpt,
    OutChannelsOpt,
    geometry_options,
)


@geometry_options(without=("convention",))
def port(
    geometry: Geometry,
    to: Annotated[
        Destination,
        typer.Option(
            "--to",
            metavar="NAME",
            help="The framework to write the layer in, or a deploy target "
            "(openvino, tflite, coreml, tensorrt): native, rewritten or refused there.",
        ),
    ],
    from_: Annotated[
        Convention,
        typer.Option(
            "--from",
            "--convention",
            "-c",
            metavar="NAME",
            help="The framework whose words the options are.",
        ),
    ] = Convention.torch,
    in_channels: InChannelsOpt = None,
    out_channels: OutChannelsOpt = None,
    groups: GroupsOpt = 1,
    json_: JsonOpt = False,
) -> None:
    """The same layer in another framework: code to paste, equal in shape and values.

    Where no single layer of --to is exact: the closest one and the crop after it.

    A deploy target (--to openvino, tflite, coreml, tensorrt): native, rewritten or refused.

    Example: tconv port --from keras --to torch -p same -k 3 -s 2

    Example: tconv port --to tflite -k 3 -s 2 -p 1 --op 1 --in 17
    """
    geometry = replace(geometry, convention=from_)
    with reported_errors(geometry.with_raw(groups=groups)):
        from .. import frameworks
        from .. import geometry as g

        source = geometry.framework_layer(groups)
        if to.value in Target.names():
            g.check_channels(in_channels, out_channels, groups)
            return _to_target(source, from_.value, to.value, json_, (in_channels, out_channels))
        ported = frameworks.port(source, to.value)
        layer = frameworks.to_layer(source)
        g.check_channels(in_channels, out_channels, groups)
        channels = (
            "C_in" if in_channels is None else in_channels,
            "C_out" if out_channels is None else out_channels,
        )
        source_code = frameworks.source_code(source, *channels)
        ported_code = ported.code(*channels)
    if json_:
        print_json(
            {
                "from": from_.value,
                "to": to.value,
                "exact": ported.exact,
                "code": ported_code,
                "crop": [list(c) for c in ported.crop],
                "layer": layer_json(layer),
                "notes": list(ported.notes),
            }
        )
        return
    style = text_style()
    sizes = f"{dims([a.size for a in layer])} → {dims([a.output for a in layer])}"
    lines = [
        style.dim(f"# {from_.value}, {sizes}"),
        source_code,
        "",
        style.dim(f"# {to.value}" + ("" if ported.exact else ": no single layer is exact")),
    ]
    lines += ported_code.splitlines()
    if ported.notes:
        from ..render.text import notes_lines

        lines += notes_lines(ported.notes, style)
    print("\n".join(lines))


def _to_target(source, from_: str, to: str, json_: bool, channels) -> None:
    """`--to openvino|tflite|coreml|tensorrt`: the plan on that deploy target, with the
    channel counts given (in, out; None: C_in, C_out)."""
    from .. import frameworks, targets

    plan = targets.plan(source, to).with_channels(*channels, source.groups)
    layer = frameworks.to_layer(source)
    try:
        source_code = frameworks.source_code(
            source, *(name if n is None else n for n, name in zip(channels, ("C_in", "C_out")))
        )
    except ParameterError:  # a rank the source framework has no layer for: the plan says it
        source_code = None
    if json_:
        print_json(
            {
                "from": from_,
                "to": to,
                "layer": layer_json(layer),
                "code": source_code,
                **plan.as_json(),
            }
        )
        return
    from ..render.targets import plan_lines

    style = text_style()
    sizes = f"{dims([a.size for a in layer])} → {dims([a.output for a in layer])}"
    lines = [style.dim(f"# {from_}, {sizes}"), *([source_code] if source_code else []), ""]
    lines += plan_lines(plan, targets.target(to).title, style)
    print("\n".join(lines))


app = command(port)
