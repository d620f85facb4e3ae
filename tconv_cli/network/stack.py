"""Sizes through a stack of layers, as PyTorch (and Keras) compute them; the first failure stops it.

>>> from tconv_cli.network.layers import parse_layer
>>> [step.output for step in chain((7, 7), [parse_layer("ConvTranspose2d(8, 4, 4, 2, 1)")])]
[(14, 14)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import floor

from .. import geometry as g
from ..errors import NoAnswer, ParameterError
from .layers import UPSAMPLE_RANKS, Spec, unreadable


class TooLarge(NoAnswer):
    """A layer's output beyond geometry.MAX_VALUE (a NoAnswer: searches tell it from a size too
    small)."""


@dataclass(frozen=True)
class Step:
    """One layer applied: sizes in and out per axis, channels when known."""

    layer: str
    input: tuple[int, ...]
    output: tuple[int, ...]
    channels: int | None = None
    line: int | None = None


def axes(spec: Spec, sizes: Sequence[int]) -> tuple[g.Axis, ...]:
    """A conv or transposed layer's canonical axes at these input sizes."""
    p = spec.params
    if spec.kind in ("keras_conv", "keras_transposed"):
        return tuple(_keras_axis(spec, p, i, index) for index, i in enumerate(sizes))
    return tuple(
        g.Axis(i, k, s, lo, hi, d, op)
        for i, k, s, (lo, hi), d, op in zip(
            sizes,
            p["kernel"],
            p["stride"],
            p["pads"],
            p["dilation"],
            p.get("output_padding", (0,) * len(sizes)),
        )
    )


def _keras_axis(spec: Spec, p: dict, i: int, index: int) -> g.Axis:
    k, s, d = p["kernel"][index], p["stride"][index], p["dilation"][index]
    if spec.kind == "keras_transposed":
        try:
            return _keras_transposed(p, i, index, k, s, d)
        except ParameterError as error:
            raise unreadable(spec.text, "layer", str(error)) from None
    valid = g.Axis(i, k, s, 0, 0, d)
    if not p["same"]:
        return valid
    total = max(g.same_padding(valid), 0)
    return g.Axis(i, k, s, *g.split_padding(total), d)


def _keras_transposed(p: dict, i: int, index: int, k: int, s: int, d: int) -> g.Axis:
    from ..frameworks import from_keywords, to_layer

    arguments = {"kernel_size": k, "strides": s, "padding": p["padding"], "dilation_rate": d}
    if p["output_padding"] is not None:
        arguments["output_padding"] = p["output_padding"][index]
    return to_layer(from_keywords("keras", arguments, (i,)))[0]


def output_sizes(spec: Spec, sizes: Sequence[int], position: str) -> tuple[int, ...]:
    """PyTorch's (Keras's) output sizes of one layer, or NoAnswer naming it and the rule."""
    rank = len(sizes)
    if spec.rank is not None and spec.rank != rank:
        raise ParameterError(
            "layers",
            spec.text,
            f"{position} {spec.text!r} is {spec.rank}-d but its input has {rank} spatial axes",
        )
    p = spec.params
    if spec.kind == "pass":
        return tuple(sizes)
    if spec.kind == "upsample":
        out = _upsample(spec, p, sizes, position)
    elif spec.kind in ("maxpool", "avgpool"):
        if spec.kind == "avgpool" and rank == 3 and any(i < k for i, k in zip(sizes, p["kernel"])):
            raise NoAnswer(
                f"{position} {spec.text!r} fails: AvgPool3d needs an input at least "
                f"as large as its kernel (input {'×'.join(map(str, sizes))}, PyTorch: "
                '"input image smaller than kernel size")'
            )
        out = tuple(_pool(a, p["ceil_mode"], spec.text, position) for a in axes(spec, sizes))
    else:
        out = _convolution(spec, sizes, position)
    if max(out) > g.MAX_VALUE:
        raise TooLarge(
            f"{position} {spec.text!r} gives {'×'.join(map(str, out))}: sizes above "
            f"{g.MAX_VALUE} are beyond what tconv (and an index of PyTorch's) takes"
        )
    return out


def _upsample(spec: Spec, p: dict, sizes: Sequence[int], position: str) -> tuple[int, ...]:
    """F.interpolate's sizes: a mode's ranks, one value for every axis or one per axis, and no
    axis below 1."""
    rank, mode = len(sizes), p.get("mode")
    if mode is not None and rank not in UPSAMPLE_RANKS[mode]:
        ranks = "/".join(map(str, UPSAMPLE_RANKS[mode]))
        raise ParameterError(
            "layers",
            spec.text,
            f"{position} {spec.text!r}: mode {mode!r} "
            f"takes {ranks}-d inputs (PyTorch) but its input has {rank} "
            "spatial axes",
        )
    if rank > 3:
        raise ParameterError(
            "layers",
            spec.text,
            f"{position} {spec.text!r}: PyTorch "
            f"interpolates 1-d to 3-d inputs; this one has {rank} spatial axes",
        )
    key = "size" if "size" in p else "scale"
    values = p[key] * rank if p.get("scalar", len(p[key]) == 1) else p[key]
    if len(values) != rank:
        raise ParameterError(
            "layers",
            spec.text,
            f"{position} {spec.text!r} gives "
            f"{len(values)} {'sizes' if key == 'size' else 'scale factors'} "
            f"for {rank} axes (PyTorch: one number for all, or one per axis)",
        )
    out = tuple(values) if key == "size" else tuple(floor(i * f) for i, f in zip(sizes, values))
    if min(out) < 1:
        raise NoAnswer(
            f"{position} {spec.text!r} fails: it makes {'×'.join(map(str, out))} "
            f'from {"×".join(map(str, sizes))} (PyTorch: "Input and output sizes '
            'should be greater than 0")'
        )
    return out


def _convolution(spec: Spec, sizes: Sequence[int], position: str) -> tuple[int, ...]:
    """A conv or transposed layer's sizes, or NoAnswer where PyTorch refuses them."""
    layer = axes(spec, sizes)
    if spec.kind in ("conv", "keras_conv"):
        for a in layer:
            padded = a.size + a.pad_lo + a.pad_hi
            if padded < a.extent:
                raise NoAnswer(
                    f"{position} {spec.text!r} fails: the padded input ({padded}) is "
                    f"smaller than the kernel's extent d×(k−1)+1 = {a.extent} "
                    f"(input {'×'.join(map(str, sizes))})"
                )
        return tuple(a.conv_output for a in layer)
    for a in layer:
        if a.output < 1:
            raise NoAnswer(
                f"{position} {spec.text!r} fails: its output would have size "
                f"{g.transposed_formula(a)} = {a.output}; it must be at least 1"
            )
    return tuple(a.output for a in layer)


def _pool(a: g.Axis, ceil_mode: bool, text: str, position: str) -> int:
    """PyTorch's pooling_output_shape (geometry's, with ceil_mode's last-window rule)."""
    out = g.pool_output(a, ceil_mode)
    if out < 1:
        raise NoAnswer(
            f"{position} {text!r} fails: its output would have size {out} from "
            f'input {a.size}; it must be at least 1 (PyTorch: "Output size is too '
            'small")'
        )
    return out


def chain(sizes: Sequence[int], layers: Sequence[Spec], channels: int | None = None) -> list[Step]:
    """Every layer's sizes in → out; NoAnswer at the first layer that fails. With `channels`
    (the input's), they are tracked, and a layer expecting others fails, as in PyTorch."""
    if not sizes:
        raise ParameterError("input", "", "is needed: the input size per axis")
    for index, i in enumerate(sizes):
        if not 1 <= i <= g.MAX_VALUE:
            raise ParameterError(
                "input",
                i,
                f"must be between 1 and {g.MAX_VALUE}",
                index if len(sizes) > 1 else None,
            )
    steps: list[Step] = []
    current = tuple(sizes)
    for index, spec in enumerate(layers):
        position = spec.where(index)
        try:
            if channels is not None and spec.in_channels not in (None, channels):
                raise NoAnswer(
                    f"{position} {spec.text!r} fails: it expects {spec.in_channels} "
                    f"input channels but gets {channels}"
                )
            out = output_sizes(spec, current, position)
        except NoAnswer as error:
            error.steps = steps  # the layers that worked, for a report up to the failure
            raise
        if channels is not None and spec.kind not in ("pass", "upsample", "maxpool", "avgpool"):
            channels = spec.out_channels
        steps.append(Step(spec.text, current, out, channels, spec.line))
        current = out
    return steps
