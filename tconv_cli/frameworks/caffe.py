"""Caffe's `Deconvolution` layer: one pad per axis for both ends, no output_padding; its code is
a prototxt layer and it has no padding layer of its own for a port's step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import Axis, Layer, check_transposed
from .base import (
    Framework,
    FrameworkWords,
    Pairs,
    axes,
    axis,
    candidate,
    collapse,
    given,
    pad_then_crop,
    py,
    slice_line,
    symmetric,
)


class Caffe(Framework):
    convention = Convention.caffe
    api = "Caffe's Deconvolution"
    takes = "pad (both ends alike), dilation, group"
    options = ("padding", "groups")
    keywords = {
        "kernel_size": "kernel_size",
        "stride": "stride",
        "pad": "padding",
        "dilation": "dilation",
        "group": "groups",
    }
    call = (
        'layer {{ type: "Deconvolution" bottom: "x" top: "y" '
        "convolution_param {{ num_output: {cout} {args} }} }}"
    )
    max_rank = None

    def translate(self, fl: FrameworkWords) -> Layer:
        pads = fl.padding or ((0, 0),) * fl.rank
        for index, (lo, hi) in enumerate(pads):
            if lo != hi:
                rule = "must be one number per axis: Caffe's Deconvolution pads both ends alike"
                raise ParameterError("padding", f"{lo}:{hi}", rule, axis(fl, index))
        layer = tuple(Axis(i, k, s, p, p, d) for (i, k, s, d), (p, _) in zip(axes(fl), pads))
        check_transposed(layer)
        return layer

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        padding = tuple((p, p) for p, _ in (symmetric(a, 1) for a in layer))
        yield candidate(self.convention, layer, padding=padding, groups=groups)

    def step(self, crop: Pairs) -> list[str]:
        return pad_then_crop(
            lambda pads: (
                f"y = np.pad(y, {py(((0, 0), (0, 0), *pads))})  # in Python: Caffe "
                "has no padding layer"
            ),
            lambda cuts: f"{slice_line(cuts)}  # in Python, or a Crop layer",
            crop,
        )

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        """The `convolution_param` fields, each a list of its repeated values."""
        return given(
            kernel_size=_repeated(fl.kernel),
            stride=_repeated(fl.stride, 1),
            pad=_repeated(tuple(p for p, _ in fl.padding or ((0, 0),)), 0),
            dilation=_repeated(fl.dilation, 1),
            group=[fl.groups] if fl.groups > 1 else None,
        )

    def listed(self, args: dict[str, Any]) -> str:
        """prototxt: `key: value`, repeated per value."""
        return " ".join(f"{key}: {value}" for key, values in args.items() for value in values)


def _repeated(values: tuple[int, ...], default: int | None = None) -> list[int] | None:
    """Caffe's repeated field: one value for all axes, or one per axis; None when `default`."""
    value = collapse(values, default)
    return None if value is None else list(value) if isinstance(value, tuple) else [value]


FRAMEWORK = Caffe()
