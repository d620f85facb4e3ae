"""Keras 3's `keras.layers.ConvNDTranspose`: padding "same"/"valid" (any case), output_padding
None (its own default) or numbers below the stride, and no stride together with dilation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import Axis, Layer
from .base import (
    ChannelsLast,
    Deviation,
    FrameworkWords,
    Pairs,
    axes,
    axis,
    candidate,
    collapse,
    from_pads,
    given,
    pad_then_crop,
    py,
    shown,
)


class Keras(ChannelsLast):
    convention = Convention.keras
    api = "keras.layers.ConvNDTranspose"
    takes = "padding 'same'|'valid', output_padding (default None), dilation_rate"
    options = ("padding_name", "output_padding")
    keywords = {
        "kernel_size": "kernel_size",
        "strides": "stride",
        "padding": "padding",
        "output_padding": "output_padding",
        "dilation_rate": "dilation",
    }
    call = "keras.layers.Conv{n}DTranspose({cout}, {args})"
    default_padding_name = "valid"
    deviations = (
        Deviation(
            "Keras on TensorFlow (and tf_keras)",
            lambda fl, layer: (
                FRAMEWORK.padding_name(fl) == "same"
                and any(
                    op == 0 and a.extent % 2 == 0
                    for op, a in zip(fl.output_padding or (None,) * fl.rank, layer)
                )
            ),
            "raises \"Size of out_backprop doesn't match computed\" for 'same' with an even "
            "kernel extent and output_padding 0: 'valid' and a Cropping layer run everywhere",
        ),
        Deviation(
            "TensorFlow's CPU kernels",
            lambda fl, layer: max(fl.dilation) > 1,
            'refuse dilation > 1 in Conv*DTranspose ("Current CPU implementations do not yet '
            'support dilation rates larger than 1"); the JAX backend runs it',
        ),
    )

    def padding_name(self, fl: FrameworkWords) -> str:
        """Lower case, as Keras reads it."""
        return (super().padding_name(fl) or "").lower()

    def translate(self, fl: FrameworkWords) -> Layer:
        name = self.padding_name(fl)
        if name not in ("same", "valid"):
            raise ParameterError("padding", fl.padding_name, "must be 'same' or 'valid' in Keras")
        for index, (op, s) in enumerate(zip(fl.output_padding or (), fl.stride)):
            if not 0 <= op < s:
                rule = (
                    f"must be at least 0 and strictly less than strides ({s}): Keras says "
                    '"`output_padding` must be strictly less than `strides` for all '
                    'dimensions"'
                )
                raise ParameterError("output_padding", op, rule, axis(fl, index))
        if max(fl.stride) > 1 and max(fl.dilation) > 1:
            raise ParameterError(
                "dilation",
                shown(fl.dilation),
                f"must be 1 on every axis when a stride is above 1 (strides {shown(fl.stride)}): "
                'Keras says "`strides > 1` not supported in conjunction with `dilation_rate > '
                '1`", whichever axes they are on',
            )
        ops = fl.output_padding or (None,) * fl.rank
        return tuple(
            from_pads(i, k, s, d, _pads(Axis(i, k, s, dilation=d).extent, s, name == "same", op))
            for (i, k, s, d), op in zip(axes(fl), ops)
        )

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        for numbers in (False, True):  # output_padding is None or numbers on every axis
            for name in ("same", "valid"):
                sizes = (a.output if name == "same" else a.pad_lo + a.output for a in layer)
                ops = tuple(
                    min(max(_output_padding(a, name, n), 0), a.stride - 1)
                    for a, n in zip(layer, sizes)
                )
                yield candidate(
                    self.convention,
                    layer,
                    padding_name=name,
                    output_padding=ops if numbers else None,
                )

    def step(self, crop: Pairs) -> list[str]:
        return pad_then_crop(_layer_line("ZeroPadding"), _layer_line("Cropping"), crop)

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        """Keras's own None first, then numbers."""
        name = self.padding_name(fl)
        ops = tuple(_output_padding(a, name, t) for a, t in zip(layer, target))
        return [replace(fl, output_padding=None), replace(fl, output_padding=ops)]

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        return given(
            kernel_size=collapse(fl.kernel),
            strides=collapse(fl.stride, 1),
            padding=self.padding_name(fl),
            output_padding=fl.output_padding and collapse(fl.output_padding),
            dilation_rate=collapse(fl.dilation, 1),
        )


def _pads(extent: int, stride: int, same: bool, op: int | None) -> tuple[int, int]:
    """Keras's padding of the zero-inserted input, as its JAX backend passes it to
    lax.conv_transpose (its TensorFlow backend's `output_shape` crops the same elements)."""
    if not same:
        default = max(extent, stride) - extent  # Keras's output_padding when it is None
        return extent - 1, extent - 1 + (default if op is None else op)
    total = stride + extent - 2 if op is None else extent + extent % 2 - 2 + op
    left = min(-(-total // 2), extent - 1)
    return left, total - left


def _output_padding(a: Axis, name: str, size: int) -> int:
    """The output_padding with which Keras's layer of `a`'s input, kernel, stride and dilation
    has output `size`."""
    if name == "same":
        return size - (a.size - 1) * a.stride - a.extent % 2
    return size - a.full


def _layer_line(name: str) -> Callable[[Pairs], str]:
    """A step's line: keras.layers.ZeroPaddingND or CroppingND of the amounts."""

    def line(amounts: Pairs) -> str:
        n = len(amounts)
        return f"y = keras.layers.{name}{n}D({py(amounts[0] if n == 1 else amounts)})(y)"

    return line


FRAMEWORK: Keras = Keras()
