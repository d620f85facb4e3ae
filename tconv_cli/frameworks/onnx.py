"""ONNX's `ConvTranspose`: `pads` (begins, then ends) or `auto_pad`, output_padding below the
stride, and output_shape with SAME_UPPER/SAME_LOWER, as the onnx reference implementation
computes them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import Axis, Layer, split_padding
from .base import (
    Deviation,
    Framework,
    FrameworkWords,
    Pairs,
    axes,
    axis,
    candidate,
    check_choice,
    given,
    output_paddings,
    shown,
)

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
SAME = ("SAME_UPPER", "SAME_LOWER")


def onnx_pads(pads: Sequence[int]) -> Pairs:
    """ONNX's `pads` `[x1_begin, x2_begin, …, x1_end, x2_end, …]` as `(begin, end)` per axis."""
    if len(pads) % 2:
        raise ParameterError("pads", shown(pads), "must have a begin and an end for every axis")
    half = len(pads) // 2
    return tuple(zip(pads[:half], pads[half:]))


class Onnx(Framework):
    convention = Convention.onnx
    api = "ONNX ConvTranspose"
    takes = "pads or auto_pad, output_padding, output_shape, dilations, group"
    options = ("padding", "padding_name", "output_padding", "output_shape", "groups")
    keywords = {
        "kernel_shape": "kernel_size",
        "strides": "stride",
        "pads": "pads",
        "auto_pad": "auto_pad",
        "output_padding": "output_padding",
        "output_shape": "output_shape",
        "dilations": "dilation",
        "group": "groups",
    }
    aliases = ("pads", "auto_pad")
    call = 'onnx.helper.make_node("ConvTranspose", ["x", "w"], ["y"], {args})'
    max_rank = None
    default_padding_name = "NOTSET"
    deviations = (
        Deviation(
            "ONNX Runtime",
            lambda fl, layer: (
                FRAMEWORK.padding_name(fl) in SAME
                and any(min(a.pad_lo, a.pad_hi) < 0 for a in layer)
            ),
            "clamps a negative total padding at 0 (no zeros are added) and refuses such an "
            "output_shape: explicit pads and output_padding are portable",
        ),
    )

    def translate(self, fl: FrameworkWords) -> Layer:
        auto = self.padding_name(fl)
        check_choice("auto_pad", auto, AUTO_PADS)
        if fl.padding is not None and auto != "NOTSET":
            rule = (
                'cannot be used together with pads (ONNX: "This attribute cannot be used '
                'simultaneously with auto_pad attribute")'
            )
            raise ParameterError("auto_pad", auto, rule)
        if fl.output_shape is not None and auto == "VALID":
            rule = (
                "does not go with auto_pad VALID, which pads nothing: give SAME_UPPER, "
                "SAME_LOWER or NOTSET"
            )
            raise ParameterError("output_shape", shown(fl.output_shape), rule)
        if fl.output_shape is not None and fl.padding is not None:
            rule = (
                "and pads say the same thing: with output_shape, ONNX computes the pads "
                "itself; give one"
            )
            raise ParameterError("output_shape", shown(fl.output_shape), rule)
        for index, pair in enumerate(fl.padding or ()):
            if min(pair) < 0:
                rule = (
                    'must be at least 0 (ONNX: "it can take any value greater than or equal to 0")'
                )
                raise ParameterError("pads", "{}:{}".format(*pair), rule, axis(fl, index))
        ops = fl.output_padding or (0,) * fl.rank
        for index, (op, s) in enumerate(zip(ops, fl.stride)):
            if not 0 <= op < s:
                rule = (
                    f"must be at least 0 and less than strides ({s}): ONNX Runtime and the "
                    "onnx reference implementation reject output_padding ≥ stride (PyTorch "
                    "allows it up to max(stride, dilation) − 1)"
                )
                raise ParameterError("output_padding", op, rule, axis(fl, index))
        pads = fl.padding or ((0, 0),) * fl.rank
        targets = fl.output_shape or tuple(i * s for i, s in zip(fl.size, fl.stride))
        layer = []
        for (i, k, s, d), op, pair, target in zip(axes(fl), ops, pads, targets):
            if auto in SAME or fl.output_shape is not None:
                # the spec's formula, with the reference implementation's floor; NOTSET with an
                # output_shape splits as SAME_LOWER (the spec's "else", as ONNX Runtime runs it)
                total = Axis(i, k, s, dilation=d).full + op - target
                pair = split_padding(total)
                pair = pair if auto == "SAME_UPPER" else pair[::-1]
            layer.append(Axis(i, k, s, *pair, d, op))
        return tuple(layer)

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        ops = tuple(a.output_padding for a in layer)
        yield candidate(
            self.convention,
            layer,
            padding=tuple((a.pad_lo, a.pad_hi) for a in layer),
            output_padding=ops,
            groups=groups,
        )
        pads: list[tuple[int, int]] = []
        extra: list[int] = []
        for a in layer:  # keep [start, stop) of the full output, or the nearest nonempty window
            stop, length = a.pad_lo + a.output, a.full
            start = min(max(a.pad_lo, 0), length - 1)
            op = min(max(stop - length, 0), a.stride - 1)
            pads.append((start, min(max(length - stop, 0), length + op - start - 1)))
            extra.append(op)
        yield candidate(
            self.convention, layer, padding=tuple(pads), output_padding=tuple(extra), groups=groups
        )

    def step(self, crop: Pairs) -> list[str]:
        """Nodes after the ConvTranspose node: a Pad for the zeros to add, a Slice for the
        elements to remove (ends past the axis mean its end, as in ONNX)."""

        def constant(name: str, values: list[int]) -> str:
            return f'onnx.helper.make_node("Constant", [], ["{name}"], value_ints={values})'

        lines, data = [], "y"
        pads = [max(-lo, 0) for lo, _ in crop] + [max(-hi, 0) for _, hi in crop]
        if any(pads):
            lines += [
                constant("pads", [0, 0, *pads[: len(crop)], 0, 0, *pads[len(crop) :]]),
                'onnx.helper.make_node("Pad", ["y", "pads"], ["y_padded"])',
            ]
            data = "y_padded"
        cut = [(index + 2, lo, hi) for index, (lo, hi) in enumerate(crop) if lo > 0 or hi > 0]
        if cut:
            lines += [
                constant("starts", [max(lo, 0) for _, lo, _ in cut]),
                constant("ends", [-hi if hi > 0 else 2**63 - 1 for _, _, hi in cut]),
                constant("axes", [index for index, _, _ in cut]),
                (
                    f'onnx.helper.make_node("Slice", ["{data}", "starts", "ends", "axes"], '
                    '["y_cropped"])'
                ),
            ]
        return lines

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        """output_shape with SAME_UPPER/SAME_LOWER, else output_padding."""
        if self.padding_name(fl) in SAME:
            return [replace(fl, output_shape=target)]
        return [replace(fl, output_padding=output_paddings(layer, target))]

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        pads = [p for ends in zip(*fl.padding) for p in ends] if fl.padding else None
        return given(
            kernel_shape=list(fl.kernel),
            strides=list(fl.stride),
            dilations=list(fl.dilation) if max(fl.dilation) > 1 else None,
            auto_pad=None if self.padding_name(fl) == "NOTSET" else fl.padding_name,
            pads=pads if pads and any(pads) else None,
            output_padding=list(fl.output_padding or ()) if any(fl.output_padding or ()) else None,
            output_shape=list(fl.output_shape) if fl.output_shape else fl.output_shape,
            group=fl.groups if fl.groups > 1 else None,
        )

    def notes(self, fl: FrameworkWords, layer: Layer) -> list[str]:
        told = []
        if fl.output_shape is not None and self.padding_name(fl) == "NOTSET":
            told.append(
                "output_shape with auto_pad NOTSET: the spec and ONNX Runtime split the "
                "padding as SAME_LOWER (done here); the onnx reference implementation "
                "does not (in 1-d it keeps pads at 0, in 2-d and up it refuses the "
                "model): explicit pads and output_padding are portable"
            )
        if fl.padding_name not in SAME:
            return told
        if any(a.pad_lo != a.pad_hi for a in layer):  # the swap shows only when they differ
            told.append(
                "ONNX Runtime before 1.13 swapped SAME_UPPER and SAME_LOWER in "
                "ConvTranspose (microsoft/onnxruntime#12537): explicit pads are portable"
            )
        if any(min(a.pad_lo, a.pad_hi) < 0 for a in layer):
            told.append(
                "the total padding is negative, so the output gets zeros: tconv follows "
                "the spec and the onnx reference implementation (⌊total/2⌋ at the begin "
                "for SAME_UPPER)"
            )
        return told


FRAMEWORK: Onnx = Onnx()
