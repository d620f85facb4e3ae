"""The Python API of whole networks (chain, unet, design, inspect): answers as text, JSON and HTML.

>>> stack = chain(["nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)", "nn.ReLU()"], (7, 7))
>>> stack.output
(14, 14)
>>> net = unet((101, 75), depth=4)
>>> net.decoder[0].output_padding, net.below, net.above
((0, 1), (96, 64), (112, 80))
>>> [c.kernel for c in design(factor=2).candidates][:3]
[2, 4, 6]

The commands print these same answers: `report()` is the text, `as_json()` the `--json`.
Layers are read from their text (never run); numpy, Pillow and rich load only for pictures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from . import geometry as g
from . import network
from .api import plain
from .errors import ParameterError
from .words import counted

Sizes = Union[int, Sequence[int]]
Layers = Union[str, Sequence[str]]


def _note_lines(notes: Sequence[str]) -> list[str]:
    from textwrap import wrap

    return [
        line
        for note in notes
        for line in wrap(note, 80, initial_indent="note: ", subsequent_indent="  ")
    ]


class _Answer:
    """What every answer shows: its report as text, in IPython and in Jupyter."""

    notes: tuple[str, ...] = ()

    def report(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.report()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.report())

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(self.report())}</pre>"


def _notes(notes: Sequence[str]) -> dict:
    """The JSON's `notes`, present when the text has any."""
    return {"notes": list(notes)} if notes else {}


def _sizes(name: str, size: Sizes) -> tuple[int, ...]:
    """Sizes per axis (an int, a tuple, a NumPy array), each from 1 to geometry.MAX_VALUE."""
    values = g._values(name, plain(size))
    for index, value in enumerate(values):
        g._check_range(name, value, 1, index if len(values) > 1 else None)
    return values


def _optional_count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    count = g._integer(name, plain(value))
    g._check_range(name, count, 1, None)
    return count


def layers_of(layers: Layers) -> list[network.Spec]:
    """Constructor texts one by one, or one text; each a constructor, `nn.Sequential(...)`,
    a model's source, or what `print(model)` shows."""
    texts = [layers] if isinstance(layers, str) else layers
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise ParameterError(
            "layers", repr(layers)[:60], "must be constructor texts (str), one or a list"
        )
    return network.parse_layers(list(texts))


# ---------------------------------------------------------------------------------------------
# chain


@dataclass(frozen=True)
class Chain(_Answer):
    """Sizes through a stack: each layer's `steps` (layer, input, output, channels, line),
    and with `overlap`, the fewest and most contributions per output cell per axis."""

    input: tuple[int, ...]
    steps: tuple[network.Step, ...]
    layers: tuple[network.Spec, ...]
    in_channels: int | None = None
    batch: int | None = None
    overlap: network.StackOverlap | None = None
    notes: tuple[str, ...] = ()

    @property
    def output(self) -> tuple[int, ...]:
        return self.steps[-1].output

    def report(self, width: int = 80) -> str:
        from .render.network import chain_report

        return "\n".join(
            chain_report(self.input, self.steps, self.in_channels, self.batch, self.overlap, width)
            + _note_lines(self.notes)
        )

    def as_json(self) -> dict:
        data = {
            "input": list(self.input),
            "layers": [
                {"layer": s.layer, "input": list(s.input), "output": list(s.output)}
                | ({} if s.line is None else {"line": s.line})
                for s in self.steps
            ],
            "output": list(self.output),
        } | _notes(self.notes)
        if self.overlap is not None:
            data["overlap"] = {
                "min": list(self.overlap.min),
                "max": list(self.overlap.max),
                "ratio": list(self.overlap.ratio),
            }
        return data

    def overlap_map(self, path, *, force: bool = False) -> tuple[int, int]:
        """Write every output cell's contributions as the overlap view's heatmap (.png, .gif,
        .webp); returns its size in pixels. Refused, before any work, beyond a picture's
        budget."""
        from math import prod
        from pathlib import Path

        from .errors import NoAnswer
        from .picture import DEFAULT_CELL, MAX_FRAME_PIXELS, MIN_CELL, Picture, PictureOptions
        from .scene import build_map

        cells = prod(self.output)
        if cells * MIN_CELL**2 > MAX_FRAME_PIXELS:
            raise NoAnswer(
                f"the overlap map of {'×'.join(map(str, self.output))} cells is "
                f"too large to draw: at the smallest cell ({MIN_CELL} px) it would "
                f"take {cells * MIN_CELL**2:,} px, more than the "
                f"{MAX_FRAME_PIXELS:,} px a picture may have; --overlap without "
                "-o gives its numbers"
            )
        path = Path(path)
        counts = network.overlap_counts(self.input, self.layers)
        size = "x".join  # the pictures' font has no × or →
        low, high = (prod(int(f(v)) for v in counts) for f in (min, max))  # a cell: a product
        count = len(self.steps)
        caption = (
            f"{counted(count, 'layer')}, {size(map(str, self.input))} to "
            f"{size(map(str, self.output))}: {low} to {high} input contributions per "
            "output cell"
        )
        # cells as large as the default, smaller for a large map: some 2,000 px across
        cell = max(MIN_CELL, min(DEFAULT_CELL, 2000 // max(len(v) for v in counts)))
        return Picture(build_map(counts, caption)).write(
            path, PictureOptions(view="overlap", output=path, cell=cell), force=force
        )


def chain(
    layers: Layers,
    input_size: Sizes,
    *,
    in_channels: int | None = None,
    batch: int | None = None,
    overlap: bool = False,
) -> Chain:
    """The sizes after every layer of a stack written as in a model's source, e.g.
    `chain(["nn.Conv2d(3, 8, 3)", "nn.MaxPool2d(2)"], (64, 64))`, or `chain(str(model), …)`.

    NoAnswer at the first layer that fails (its `steps` are the layers before it); with
    `in_channels`, the channels are followed and a layer that expects others fails."""
    sizes = _sizes("input", input_size)
    in_channels = _optional_count("in_channels", in_channels)
    batch = _optional_count("batch", batch)
    specs = layers_of(layers)
    if not specs:
        raise ParameterError("layers", "", 'no layers: give constructors like "nn.Conv2d(3, 8, 3)"')
    steps = network.chain(sizes, specs, in_channels)
    spread = network.overlap(sizes, specs) if overlap else None
    texts = [layers] if isinstance(layers, str) else layers
    unread = list(dict.fromkeys(kind for text in texts for kind in network.printed.skipped(text)))
    notes: tuple[str, ...] = ()
    if unread:
        one = len(unread) == 1
        notes = (
            f"{', '.join(unread)} {'is' if one else 'are'} not read (not a layer tconv reads): "
            f"the sizes assume {'it keeps' if one else 'they keep'} the spatial size",
        )
    return Chain(sizes, tuple(steps), tuple(specs), in_channels, batch, spread, notes)


# ---------------------------------------------------------------------------------------------
# unet


@dataclass(frozen=True)
class UNet(_Answer):
    """A U-Net's levels, its decoder steps (bottleneck first), the nearest inputs per axis
    that run with the layers as written (`below`, `above`), and `valid` sizes when asked."""

    input: tuple[int, ...]
    net: network.UNet
    notes: tuple[str, ...] = ()

    @property
    def levels(self):
        return self.net.levels

    @property
    def decoder(self):
        return self.net.decoder

    @property
    def below(self):
        return self.net.below

    @property
    def above(self):
        return self.net.above

    @property
    def valid(self):
        return self.net.valid

    @property
    def runs(self) -> bool:
        """The layers as written run at this input: every decoder step equals its skip."""
        return self.net.runs

    def report(self) -> str:
        from .render.network import unet_report

        return "\n".join(unet_report(self.input, self.net) + _note_lines(self.notes))

    def as_json(self) -> dict:
        def step(s: network.Decoder) -> dict:
            ops = None if s.output_padding is None else list(s.output_padding)
            return {
                "input": list(s.input),
                "skip": list(s.skip),
                "output_padding": ops,
                "output": list(s.output),
                "matches": s.matches,
                "output_size": s.output_size_ok,
                "crop_or_pad": list(s.difference),
                "as_written": {
                    "output_padding": None if s.written is None else list(s.written),
                    "output": None if s.given is None else list(s.given),
                    "runs": s.runs,
                },
            }

        data = {
            "input": list(self.input),
            "levels": [list(v) for v in self.levels],
            "decoder": [step(s) for s in self.decoder],
            "nearest_exact": {"below": list(self.below), "above": list(self.above)},
        } | _notes(self.notes)
        if self.valid is not None:
            data["valid"] = [list(axis) for axis in self.valid]
        return data


def unet(
    input_size: Sizes,
    depth: int = 4,
    down: str | None = None,
    up: str | None = None,
    valid: tuple[int, int] | Sequence[tuple[int, int]] | None = None,
) -> UNet:
    """Sizes at every level of a U-Net of `depth` downs (`down`, default MaxPool2d(2)) and as
    many ups (`up`, default ConvTranspose2d(kernel_size=2, stride=2)), every argument as
    written; `valid=(A, B)` (or one pair per axis) lists the sizes in A..B that need no
    change."""
    sizes = _sizes("input", input_size)
    specs = []
    for name, text in (("down", down), ("up", up)):
        if text is not None and not isinstance(text, str):
            raise ParameterError("layers", repr(text)[:60], f"{name} must be a layer's text")
        specs.append(None if text is None else network.parse_layer(text, f"--{name}"))
    if valid is not None:
        if not isinstance(valid, (tuple, list)):
            raise ParameterError("valid", repr(valid)[:60], "must be a pair (A, B) or one per axis")
        pairs = [valid] if len(valid) == 2 and all(type(v) is int for v in valid) else valid
        if not all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(type(v) is int for v in p)
            for p in pairs
        ):
            raise ParameterError("valid", repr(valid)[:60], "must be a pair (A, B) or one per axis")
        valid = [tuple(p) for p in pairs]
    return UNet(sizes, network.unet(sizes, depth, *specs, valid))


# ---------------------------------------------------------------------------------------------
# design


@dataclass(frozen=True)
class Design(_Answer):
    """`tconv design`'s answer: `mode` is factor, hop, stacks or check; `candidates` the exact
    layers (factor), `stacks` (hop, stacks: each stage one Candidate per axis), `checked`
    (check); `data` is the JSON."""

    mode: str
    data: dict
    convention: str = "torch"
    candidates: tuple = ()
    stacks: tuple = ()
    checked: Any = None
    head: str = ""
    arguments: tuple = ()
    notes: tuple[str, ...] = ()

    def report(self, style: Any = None) -> str:
        from .render import design as render
        from .render.text import TextStyle

        style = TextStyle(False) if style is None else style
        a = dict(self.arguments)
        if self.mode == "check":
            text = render.check_report(a["check"], self.checked, self.convention, style)
        elif self.mode == "factor":
            text = render.factor_report(
                a["factor"], self.candidates, a["dims"], self.convention, a["causal"], style
            )
        else:
            text = render.stacks_report(self.head, self.stacks, self.convention, style)
        return "\n".join([text] + _note_lines(self.notes))

    def as_json(self) -> dict:
        return self.data | _notes(self.notes)


def design(
    factor: int | None = None,
    *,
    kernel_size: int | None = None,
    max_kernel: int | None = None,
    dilation: int = 1,
    dims: int = 1,
    causal: bool = False,
    start: Sizes | None = None,
    to: Sizes | None = None,
    hop: int | None = None,
    stages: int | None = None,
    check: str | None = None,
    convention: str = "torch",
) -> Design:
    """Exact upsamplers: every ×`factor` layer; stacks from `start` to `to`; a `hop` split
    into `stages`; or `check` one ConvTranspose's text. One question at a time."""
    from . import upsamplers as u
    from .choices import Convention

    asked = {"factor": factor, "start": start, "hop": hop, "check": check}
    modes = [name for name, value in asked.items() if value is not None]
    if not modes:
        raise ParameterError(
            "factor",
            "",
            "F, --from A --to B, --hop H --stages N or "
            "--check LAYER: give one (tconv design --help)",
        )
    if len(modes) > 1:
        raise ParameterError(modes[1], "", f"and {modes[0]} ask different things: give one")

    def integer(name: str, value: Any, optional: bool = True) -> int | None:
        return None if value is None and optional else g._integer(name, plain(value))

    factor, kernel_size = integer("factor", factor), integer("kernel_size", kernel_size)
    max_kernel, hop = integer("max_kernel", max_kernel), integer("hop", hop)
    stages = integer("stages", stages)
    dilation, dims = integer("dilation", dilation, False), integer("dims", dims, False)
    if not 1 <= dims <= 3:
        raise ParameterError("dims", dims, "must be 1, 2 or 3")
    try:
        conv = Convention(convention).value
    except ValueError:
        raise ParameterError(
            "convention", convention, f"must be one of {', '.join(c.value for c in Convention)}"
        ) from None
    notes = []
    ignored = [
        f"--{name.replace('_', '-')}"
        for name, value, default in (
            ("kernel_size", kernel_size, None),
            ("max_kernel", max_kernel, None),
            ("dilation", dilation, 1),
        )
        if value != default
    ]
    if ignored and factor is None:
        notes.append(
            f"{' and '.join(ignored)} appl{'ies' if len(ignored) == 1 else 'y'} to "
            "--factor only: ignored here"
        )
    if check is not None:
        if not isinstance(check, str):
            raise ParameterError("check", repr(check)[:60], "must be a layer's text")
        layer, channels = u.read_constructor(check)
        result = u.check(layer, channels)
        data = {
            "exact": result.exact,
            "output": ", ".join(result.formulas),
            "failing": list(result.failing),
            "family": (result.meant or [None])[0],
            "fixes": [u.record(f, conv, channels) for f in result.fixes],
        }
        return Design(
            "check", data, conv, checked=result, arguments=(("check", check),), notes=tuple(notes)
        )
    if factor is not None:
        found = u.exact_layers(
            factor,
            kernel_size=kernel_size,
            max_kernel=max_kernel,
            dilation=dilation,
            trims=True,
            causal=causal,
        )
        data = {"factor": factor, "candidates": [u.record((c,) * dims, conv) for c in found]}
        return Design(
            "factor",
            data,
            conv,
            candidates=found,
            arguments=(("factor", factor), ("dims", dims), ("causal", causal)),
            notes=tuple(notes),
        )
    if hop is not None:
        if stages is None:
            raise ParameterError("stages", "", "is needed with --hop: e.g. --stages 3")
        split = u.hop_stacks(hop, stages)
        built = tuple(tuple((u.best(f, causal=causal),) * dims for f in fs) for fs in split)
        data = {"hop": hop, "stages": stages, "stacks": _stacks_json(built, conv)}
        head = f"Hop {hop} in {stages} stages: {len(split)} ways, most balanced first"
        return Design("hop", data, conv, stacks=built, head=head, notes=tuple(notes))
    if to is None:
        raise ParameterError("to", "", "is needed with --from: e.g. --from 7 --to 28")
    found = u.stacks(_sizes("start", start), _sizes("to", to), causal=causal)
    data = {
        "from": list(found.start),
        "to": list(found.end),
        "ratio": list(found.ratio),
        "crop": [max(x, 0) for x in found.adjust],
        "pad": [max(-x, 0) for x in found.adjust],
        "stacks": _stacks_json(found.stacks, conv),
    }
    return Design(
        "stacks", data, conv, stacks=found.stacks, head=_stacks_head(found), notes=tuple(notes)
    )


def _stacks_json(stacks, convention: str) -> list:
    from . import upsamplers as u

    return [
        [
            {"factor": u._one([c.stride for c in stage]), **u.record(stage, convention)}
            for stage in stack
        ]
        for stack in stacks
    ]


def _stacks_head(found) -> str:
    from .render.text import dims

    made = [a * r for a, r in zip(found.start, found.ratio)]
    head = f"{dims(found.start)} → {dims(found.end)}: ×{dims(found.ratio)}"
    if any(found.adjust):
        crop, pad = [max(x, 0) for x in found.adjust], [max(-x, 0) for x in found.adjust]
        steps = [
            f"{word} {dims(amounts)} at the end"
            for word, amounts in (("crop", crop), ("pad", pad))
            if any(amounts)
        ]
        head += f" gives {dims(made)}, then {', '.join(steps)} (not an integer ratio)"
    return head + f": {counted(len(found.stacks), 'stack')}"


# ---------------------------------------------------------------------------------------------
# inspect


@dataclass(frozen=True)
class Inspected(_Answer):
    """A model inspected (`tconv_cli.models.Inspection` as `inspection`): its layers, and the
    first join that cannot run with the fix and the inputs that need none (`error`)."""

    inspection: Any
    notes: tuple[str, ...] = field(default=())

    @property
    def layers(self):
        return self.inspection.layers

    @property
    def error(self):
        return self.inspection.error

    def report(self) -> str:
        from .render.models import report

        return "\n".join(report(self.inspection))

    def as_json(self) -> dict:
        return self.inspection.as_json()


def inspect(
    source: Any, input_shape: Sequence[int] | None = None, args: dict | None = None
) -> Inspected:
    """A model's every conv-like layer and join at `input_shape` (batch and channels first):
    `source` is `model.onnx`, `file.py:Name` / `package.module:Name` (built with `args`), or
    an `nn.Module` already built (a notebook's; it is not changed)."""
    from . import models

    if isinstance(source, str):
        return Inspected(models.inspect(source, input_shape=input_shape, args=args))
    if args is not None:
        raise ParameterError(
            "args",
            repr(args)[:60],
            "are a class's or function's keyword arguments: a module object is already built",
        )
    from .models import torch as torch_models

    return Inspected(torch_models.inspect_module(source, input_shape))
