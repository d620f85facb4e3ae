"""TensorFlow's `tf.nn.convNd_transpose`: padding "SAME"/"VALID" and the required output_shape,
which picks what is cropped (half, rounded down, at the start)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..choices import Convention
from ..errors import NoAnswer, ParameterError
from ..geometry import Axis, Layer
from .base import (
    ChannelsLast,
    Deviation,
    FrameworkWords,
    Pairs,
    Raw,
    axes,
    axis,
    candidate,
    check_choice,
    collapse,
    from_crops,
    given,
    pad_then_crop,
    py,
    sizes,
    slice_line,
)


class TensorFlow(ChannelsLast):
    convention = Convention.tf
    api = "tf.nn.convNd_transpose"
    takes = "padding SAME|VALID, output_shape, dilations"
    options = ("padding_name", "output_shape")
    deviations = (
        Deviation(
            "TensorFlow's CPU kernels",
            lambda fl, layer: max(fl.dilation) > 1,
            'reject dilations > 1 ("Current CPU implementations do not yet support dilation '
            'rates larger than 1")',
        ),
    )
    keywords = {
        "kernel_size": "kernel_size",
        "strides": "stride",
        "padding": "padding",
        "output_shape": "output_shape",
        "dilations": "dilation",
    }
    call = "tf.nn.conv{n}d_transpose(x, filters, {args})"
    default_padding_name = "SAME"

    def translate(self, fl: FrameworkWords) -> Layer:
        name = self.padding_name(fl)
        check_choice("padding", name, ("SAME", "VALID"))
        if fl.output_shape is None:
            rule = (
                f"is required by tf.nn.conv{fl.rank}d_transpose: the size it restores "
                "(tconv inverse finds it)"
            )
            raise ParameterError("output_shape", None, rule)
        layer = []
        for index, ((i, k, s, d), o) in enumerate(zip(axes(fl), fl.output_shape)):
            bare = Axis(i, k, s, dilation=d)
            lowest, highest = (
                (bare.zero_inserted, i * s) if name == "SAME" else (bare.full, bare.full + s - 1)
            )
            if not lowest <= o <= highest:
                rule = (
                    f'must be {lowest}…{highest} with padding="{name}": TensorFlow checks '
                    f"that the direct convolution of output_shape gives back the input size "
                    f'{i} ("Size of out_backprop doesn\'t match computed")'
                )
                raise ParameterError("output_shape", o, rule, axis(fl, index))
            lo = max(0, bare.full - o) // 2 if name == "SAME" else 0
            layer.append(from_crops(i, k, s, d, lo, bare.full - o - lo))
        return tuple(layer)

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        same = tuple(min(max(a.output, a.zero_inserted), a.size * a.stride) for a in layer)
        yield candidate(self.convention, layer, padding_name="SAME", output_shape=same)
        valid = tuple(min(max(a.pad_lo + a.output, a.full), a.full + a.stride - 1) for a in layer)
        yield candidate(self.convention, layer, padding_name="VALID", output_shape=valid)

    def step(self, crop: Pairs) -> list[str]:
        return pad_then_crop(
            lambda pads: f"y = tf.pad(y, {py([[0, 0], *map(list, pads), [0, 0]])})",
            lambda cuts: slice_line(cuts, channels_last=True),
            crop,
        )

    def solve_start(self, fl: FrameworkWords, target: tuple[int, ...]) -> FrameworkWords:
        """Without an output_shape, the target is it (TensorFlow's input is the target)."""
        if fl.output_shape is not None:
            return fl
        check_choice("padding", self.padding_name(fl), ("SAME", "VALID"))
        fl = replace(fl, output_shape=target)
        try:  # only output_shape's rule is left to fail: the target is out of reach
            self.translate(fl)
        except ParameterError as error:
            raise NoAnswer(
                f"{self.api} with these parameters cannot give {sizes(target)}: {error}"
            ) from None
        return fl

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        return [replace(fl, output_shape=target)]

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        def ints(value: int | tuple[int, ...] | None) -> int | list[int] | None:
            return list(value) if isinstance(value, tuple) else value  # TensorFlow takes lists

        return given(
            output_shape=[Raw("N"), *(fl.output_shape or ()), Raw(out_channels)],
            strides=ints(collapse(fl.stride)),
            padding=self.padding_name(fl),
            dilations=ints(collapse(fl.dilation, 1)),
        )


FRAMEWORK = TensorFlow()
