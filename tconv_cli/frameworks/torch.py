"""PyTorch's `nn.ConvTransposeNd`: its padding and output_padding are the canonical record's own.

`padding="same"`/`"valid"` is refused: the constructor takes it, but the forward fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import OUTPUT_PADDING_BEYOND_STRIDE, Axis, Layer, check_transposed
from .base import (
    Framework,
    FrameworkWords,
    Pairs,
    axes,
    axis,
    candidate,
    collapse,
    given,
    output_paddings,
    pad_then_crop,
    py,
    slice_line,
    symmetric,
)


class Torch(Framework):
    convention = Convention.torch
    api = "nn.ConvTransposeNd"
    takes = "padding, output_padding, dilation, groups"
    options = ("padding", "padding_name", "output_padding", "groups")
    keywords = {
        "kernel_size": "kernel_size",
        "stride": "stride",
        "padding": "padding",
        "output_padding": "output_padding",
        "dilation": "dilation",
        "groups": "groups",
    }
    call = "nn.ConvTranspose{n}d({cin}, {cout}, {args})"

    def translate(self, fl: FrameworkWords) -> Layer:
        if fl.padding_name is not None:
            raise ParameterError(
                "padding",
                fl.padding_name,
                f"is accepted by nn.ConvTranspose{fl.rank}d's constructor, but its forward fails "
                f"(\"conv_transpose{fl.rank}d(): argument 'padding' must be tuple of ints, but "
                "found element of type str\"): give numbers ('valid' is 0; for a Keras 'same' "
                "layer, see tconv port --from keras --to torch)",
            )
        pads = fl.padding or ((0, 0),) * fl.rank
        ops = fl.output_padding or (0,) * fl.rank
        layer = tuple(
            Axis(i, k, s, lo, hi, d, op) for (i, k, s, d), (lo, hi), op in zip(axes(fl), pads, ops)
        )
        check_transposed(layer)
        return layer

    def fill(
        self, padding: Pairs | None, padding_name: str | None, default_padding: Pairs | None
    ) -> Pairs | None:
        if padding is None and padding_name is None:
            return default_padding
        return padding

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        chosen = [symmetric(a, a.max_output_padding + 1) for a in layer]
        yield candidate(
            self.convention,
            layer,
            padding=tuple((p, p) for p, _ in chosen),
            output_padding=tuple(op for _, op in chosen),
            groups=groups,
        )

    def step(self, crop: Pairs) -> list[str]:
        def pad(pads: Pairs) -> str:
            flat = tuple(p for pair in reversed(pads) for p in pair)
            return f"y = nn.functional.pad(y, {py(flat)})"

        return pad_then_crop(pad, slice_line, crop)

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        return [replace(fl, output_padding=output_paddings(layer, target))]

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        pads = fl.padding or ((0, 0),) * fl.rank
        for index, (lo, hi) in enumerate(pads):
            if lo != hi:
                rule = (
                    f"is asymmetric: nn.ConvTranspose{fl.rank}d pads both ends alike (tconv "
                    "port --to torch gives a layer and a crop)"
                )
                raise ParameterError("padding", f"{lo}:{hi}", rule, axis(fl, index))
        return given(
            kernel_size=collapse(fl.kernel),
            stride=collapse(fl.stride, 1),
            padding=collapse(tuple(p for p, _ in pads), 0),
            output_padding=collapse(fl.output_padding or (0,), 0),
            groups=fl.groups if fl.groups > 1 else None,
            dilation=collapse(fl.dilation, 1),
        )

    def notes(self, fl: FrameworkWords, layer: Layer) -> list[str]:
        if any(a.output_padding >= a.stride for a in layer):
            return [OUTPUT_PADDING_BEYOND_STRIDE]
        return []


FRAMEWORK = Torch()
