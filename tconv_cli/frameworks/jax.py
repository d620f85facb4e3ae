"""JAX's `lax.conv_transpose`: padding "SAME"/"VALID" or `(lo, hi)` pairs on the zero-inserted
input (negative: crops it), so any window of the output is one layer and a port needs no step;
`transpose_kernel=False` slides the kernel unflipped, stored as `(C_out, C_in, *k)`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..choices import Convention
from ..errors import ParameterError
from ..geometry import Axis, Layer
from .base import (
    Framework,
    FrameworkWords,
    Pairs,
    axes,
    candidate,
    check_choice,
    from_pads,
    given,
    shown,
)


class Jax(Framework):
    convention = Convention.jax
    api = "lax.conv_transpose"
    takes = (
        "padding 'SAME'|'VALID' or (lo, hi) pairs on the zero-inserted input, rhs_dilation, "
        "transpose_kernel"
    )
    options = ("padding", "padding_name", "transpose_kernel")
    keywords = {
        "kernel_size": "kernel_size",
        "strides": "stride",
        "padding": "padding",
        "rhs_dilation": "dilation",
        "transpose_kernel": "transpose_kernel",
    }
    call = "lax.conv_transpose(x, w, {args})"

    def translate(self, fl: FrameworkWords) -> Layer:
        if fl.padding is None and fl.padding_name is None:
            raise ParameterError(
                "padding",
                "",
                "is required by lax.conv_transpose: 'SAME', 'VALID' or (lo, hi) pairs",
            )
        if fl.padding is not None and fl.padding_name is not None:
            rule = "must be given once to lax.conv_transpose: 'SAME', 'VALID' or (lo, hi) pairs"
            raise ParameterError("padding", shown(fl.padding_name), rule)
        if fl.padding_name is not None:
            check_choice("padding", fl.padding_name, ("SAME", "VALID"))
        pads = fl.padding or [None] * fl.rank
        return tuple(
            from_pads(
                i, k, s, d, pair or _pads(Axis(i, k, s, dilation=d).extent, s, fl.padding_name)
            )
            for (i, k, s, d), pair in zip(axes(fl), pads)
        )

    def candidates(self, layer: Layer, groups: int) -> Iterator[FrameworkWords]:
        for name in ("SAME", "VALID"):
            yield candidate(self.convention, layer, padding_name=name)
        pairs = tuple(
            (a.extent - 1 - a.pad_lo, a.extent - 1 - a.full + a.pad_lo + a.output) for a in layer
        )
        yield candidate(self.convention, layer, padding=pairs)

    def step(self, crop: Pairs) -> list[str]:
        """Never needed: padding pairs on the zero-inserted input keep any window."""
        return []

    def solve_candidates(
        self, fl: FrameworkWords, layer: Layer, target: tuple[int, ...]
    ) -> list[FrameworkWords]:
        """The high pad of the pairs; 'SAME' and 'VALID' have no output option."""
        if not fl.padding:
            return [fl]
        pads = tuple((lo, hi + t - a.output) for (lo, hi), a, t in zip(fl.padding, layer, target))
        return [replace(fl, padding=pads)]

    def arguments(self, fl: FrameworkWords, out_channels: Any) -> dict[str, Any]:
        spatial = ("H", "HW", "DHW")[fl.rank - 1]
        return given(
            strides=fl.stride,
            padding=fl.padding_name or fl.padding,
            rhs_dilation=fl.dilation if max(fl.dilation) > 1 else None,
            dimension_numbers=("NC" + spatial, "OI" + spatial, "NC" + spatial),
            transpose_kernel=fl.transpose_kernel,
        )

    def notes(self, fl: FrameworkWords, layer: Layer) -> list[str]:
        if fl.transpose_kernel:
            return []
        return [
            "transpose_kernel=False: lax.conv_transpose uses the kernel unflipped, "
            "as (C_out, C_in, *kernel_size) (convert_weight flips it)"
        ]

    def flips_kernel(self, transpose_kernel: bool) -> bool:
        return not transpose_kernel

    def weight_to_torch(self, weight: Any, transpose_kernel: bool = True) -> Any:
        """Unflipped `(C_out, C_in, *k)`: swap and flip (its own inverse)."""
        if transpose_kernel:
            return weight
        import numpy as np  # noqa: PLC0415 - numpy only where weights are

        return np.flip(np.swapaxes(weight, 0, 1), tuple(range(2, weight.ndim)))

    weight_from_torch = weight_to_torch


def _pads(extent: int, stride: int, name: str | None) -> tuple[int, int]:
    """lax.conv_transpose's padding of the zero-inserted input for 'SAME' and 'VALID'."""
    if name == "SAME":
        total = extent + stride - 2
        left = extent - 1 if stride > extent - 1 else -(-total // 2)
    else:
        total = extent + stride - 2 + max(extent - stride, 0)
        left = extent - 1
    return left, total - left


FRAMEWORK = Jax()
