"""`tconv design`: the layers that upsample exactly by a factor, stacks of them, and a check."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import upsamplers as d
from ..choices import Convention
from ..errors import ParameterError
from . import command
from .common import print_json, reported_errors, text_style
from .options import ConventionOpt, JsonOpt, parse_ints

_Int = Optional[int]


def design(
    factor: Annotated[_Int, typer.Option("--factor", "-f", metavar="F", show_default=False,
                                         help="Every exact ×F layer, best first.")] = None,
    kernel_size: Annotated[_Int, typer.Option("--kernel-size", "-k", metavar="K",
                                              help="Only this kernel size.")] = None,
    max_kernel: Annotated[_Int, typer.Option("--max-kernel", metavar="K", show_default=False,
                                             help="Largest kernel. \\[default: 4F]")] = None,
    dilation: Annotated[int, typer.Option("--dilation", "-d", metavar="D")] = 1,
    dims: Annotated[int, typer.Option("--dims", metavar="N", help="Spatial axes.")] = 1,
    causal: Annotated[bool, typer.Option(
        "--causal", help="Pad 0 and trim at the end only (streaming), with the delay.")] = False,
    start: Annotated[Optional[str], typer.Option(
        "--from", metavar="SIZES", help="Stacks from this size (per axis: 7,7) …")] = None,
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar="SIZES", help="… to this size.")] = None,
    hop: Annotated[_Int, typer.Option("--hop", metavar="H", help="Split a hop …")] = None,
    stages: Annotated[_Int, typer.Option("--stages", metavar="N", help="… into N stages.")
                      ] = None,
    check: Annotated[Optional[str], typer.Option(
        "--check", metavar="LAYER", help='Lint one layer: "nn.ConvTranspose1d(512, 256, 10, '
                                         'stride=5, padding=2)".')] = None,
    convention: ConventionOpt = Convention.torch,
    json_: JsonOpt = False,
) -> None:
    """Design upsamplers: the layers whose output is exactly L·F for every input length L.

    Example: tconv design --factor 5
    """
    given = {"--factor": factor, "--kernel-size": kernel_size, "--max-kernel": max_kernel,
             "--dilation": dilation, "--dims": dims, "--from": start, "--to": to,
             "--hop": hop, "--stages": stages, "--check": check}
    raw = {flag: str(value) for flag, value in given.items() if value is not None}
    conv = convention.value
    with reported_errors(raw):
        modes = [flag for flag in ("--factor", "--from", "--hop", "--check") if flag in raw]
        if not modes:
            raise ParameterError("--factor", "", "F, --from A --to B, --hop H --stages N or "
                                 "--check LAYER: give one (tconv design --help)")
        if len(modes) > 1:
            raise ParameterError(modes[1], "", f"and {modes[0]} ask different things: give one")
        if not 1 <= dims <= 3:
            raise ParameterError("dims", dims, "must be 1, 2 or 3")
        if check is not None:
            layer, channels = d.read_constructor(check)
            result = d.check(layer, channels)
            data = {"exact": result.exact, "output": ", ".join(result.formulas),
                    "failing": list(result.failing), "family": (result.meant or [None])[0],
                    "fixes": [d.record(f, conv, channels) for f in result.fixes]}
            return _show(json_, data, lambda s: _render().check_report(check, result, conv, s))
        if factor is not None:
            found = d.exact_layers(factor, kernel_size=kernel_size, max_kernel=max_kernel,
                                   dilation=dilation, trims=True, causal=causal)
            data = {"factor": factor, "candidates": [d.record((c,) * dims, conv) for c in found]}
            return _show(json_, data, lambda s: _render().factor_report(
                factor, found, dims, conv, causal, s))
        if hop is not None:
            if stages is None:
                raise ParameterError("--stages", "", "is needed with --hop: e.g. --stages 3")
            split = d.hop_stacks(hop, stages)
            built = [tuple((d.best(f, causal=causal),) * dims for f in fs) for fs in split]
            data = {"hop": hop, "stages": stages, "stacks": _stacks_json(built, conv)}
            head = f"Hop {hop} in {stages} stages: {len(split)} ways, most balanced first"
            return _show(json_, data, lambda s: _render().stacks_report(head, built, conv, s))
        if to is None:
            raise ParameterError("--to", "", "is needed with --from: e.g. --from 7 --to 28")
        a, b = parse_ints(start, "--from"), parse_ints(to, "--to")
        found = d.stacks(a, b, causal=causal)
        data = {"from": list(found.start), "to": list(found.end), "ratio": list(found.ratio),
                "crop": [max(x, 0) for x in found.adjust],
                "pad": [max(-x, 0) for x in found.adjust],
                "stacks": _stacks_json(found.stacks, conv)}
        return _show(json_, data, lambda s: _render().stacks_report(
            _stacks_head(found), found.stacks, conv, s))


def _render():
    from ..render import design as render

    return render


def _show(json_: bool, data: dict, text) -> None:
    if json_:
        print_json(data)
    else:
        print(text(text_style()))


def _stacks_json(stacks, convention: str) -> list:
    return [[{"factor": d._one([c.stride for c in stage]), **d.record(stage, convention)}
             for stage in stack] for stack in stacks]


def _stacks_head(found: d.Stacks) -> str:
    from ..render.text import dims

    made = [a * r for a, r in zip(found.start, found.ratio)]
    head = f"{dims(found.start)} → {dims(found.end)}: ×{dims(found.ratio)}"
    if any(found.adjust):
        crop, pad = [max(x, 0) for x in found.adjust], [max(-x, 0) for x in found.adjust]
        steps = [f"{word} {dims(amounts)} at the end"
                 for word, amounts in (("crop", crop), ("pad", pad)) if any(amounts)]
        head += f" gives {dims(made)}, then {', '.join(steps)} (not an integer ratio)"
    return head + f": {len(found.stacks)} stack{'s' if len(found.stacks) != 1 else ''}"


app = command(design)
