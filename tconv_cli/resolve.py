"""The one resolve step: a layer as a user gives it (options in PyTorch's or another
framework's words, some left out, a target size, arrays of values) → the checked canonical
layer. The command line parses its texts into these options (`cli.options.Geometry`) and every
command asks them for the layer; the translation of other frameworks' words is the registry's
(`frameworks.layer_from`, `to_layer`), the rules are geometry's.

Messages name an option as the command line spells it (`--dims`, `--target`) and quote what
was typed (`raw`). Pure Python: the frameworks load only for another framework's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import geometry as g
from .choices import Convention
from .errors import ParameterError
from .geometry import Layer, broadcast, broadcast_rank, make_layer

if TYPE_CHECKING:  # the frameworks load only for another framework's words
    from .frameworks import FrameworkWords

Check = Callable[[Layer], None]  # a rule that raises ParameterError (geometry.check_*)

#: What an option left out means: the classic ConvTranspose2d(3, stride=2, padding=1) figure.
DEFAULTS: dict[str, tuple[Any, ...]] = {
    "size": (3,),
    "kernel_size": (3,),
    "stride": (2,),
    "padding": ((1, 1),),
    "dilation": (1,),
    "output_padding": (0,),
}
#: The rank when every option is a single value (PyTorch's ConvTranspose2d, the figures).
DEFAULT_RANK = 2
LISTS = ("size", "kernel_size", "stride", "padding", "dilation", "output_padding")


@dataclass(frozen=True)
class LayerOptions:
    """A layer as a user gives it: ints per axis (None: left out) in `convention`'s words, and
    the layer they mean. `raw` keeps what the user typed, by flag, for error messages only."""

    size: tuple[int, ...] | None = None
    kernel_size: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[tuple[int, int], ...] | None = None
    padding_name: str | None = None
    dilation: tuple[int, ...] | None = None
    output_padding: tuple[int, ...] | None = None
    convention: Convention = Convention.torch
    pads: tuple[int, ...] | None = None
    auto_pad: str | None = None
    output_shape: tuple[int, ...] | None = None
    transpose_kernel: bool = True
    dims: int | None = None
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def foreign(self) -> bool:
        """Given in another framework's words than PyTorch's, which the canonical record speaks
        (the one place that asks): such a layer is translated, titled in its own words and
        told what its runtimes refuse."""
        return self.convention is not Convention.torch

    def own_words(self, groups: int = 1, layer: Layer | None = None) -> FrameworkWords | None:
        """The layer in its framework's own words (a `frameworks.FrameworkWords`), at `layer`'s
        sizes when given; None for PyTorch's, which the canonical record already speaks."""
        if not self.foreign:
            return None
        sized = (
            self
            if layer is None
            else replace(
                self,
                size=tuple(a.size for a in layer),
                kernel_size=tuple(a.kernel for a in layer),
                dims=len(layer),
            )
        )
        return sized.framework_layer(groups)

    def rank(self, **extra: tuple[int, ...] | None) -> int:
        """--dims, else the longest list given (with `extra` per-axis lists), else two."""
        lists = {option_flag(name): getattr(self, name) for name in LISTS}
        lists |= {option_flag(name): values for name, values in extra.items()}
        lists = {flag: values for flag, values in lists.items() if values is not None}
        if self.dims is not None:  # the option is 1, 2 or 3 (cli.options); arrays may say more
            return broadcast_rank(lists, self.dims) if lists else self.dims
        longest = broadcast_rank(lists) if lists else 1
        return DEFAULT_RANK if longest == 1 else longest

    def filled(self, name: str, rank: int) -> tuple[Any, ...]:
        value = getattr(self, name)
        return broadcast(DEFAULTS[name] if value is None else value, rank)

    def layer(
        self, check: Check = g.check_transposed, target: tuple[int, ...] | None = None
    ) -> tuple[Layer, tuple[int, ...] | None]:
        """The canonical layer, checked by `check` (PyTorch's rules), and the target per axis;
        with another convention, translated from its own words under its own rules."""
        if self.foreign or self.padding_name is not None:
            if check is g.check_conv:
                raise ParameterError(
                    "--convention",
                    self.convention.value,
                    "does not go with --conv, which is PyTorch's direct convolution",
                )
            from .frameworks import to_layer

            layer = to_layer(self.framework_layer())
            if target is not None:
                broadcast_rank({"target": target}, len(layer))
                target = broadcast(target, len(layer))
            return layer, target
        for flag, given in (
            ("--pads", self.pads),
            ("--auto-pad", self.auto_pad),
            ("--output-shape", self.output_shape),
        ):
            if given is not None:
                raise ParameterError(
                    flag,
                    self.raw.get(flag, given),
                    "is not PyTorch's: give --convention onnx (or tf for --output-shape)",
                )
        if not self.transpose_kernel:
            raise ParameterError("--no-transpose-kernel", "", "is JAX's: give --convention jax")
        rank = self.rank(target=target)
        layer = make_layer(*(self.filled(name, rank) for name in LISTS), rank=rank)
        check(layer)
        return layer, None if target is None else broadcast(target, rank)

    def torch_kernel(self, kernel: Any, rank: int | None = None) -> Any:
        """A kernel as given in this convention, oriented as PyTorch uses it (`rank`: its last
        `rank` axes are spatial; else all)."""
        from .frameworks import torch_kernel

        return torch_kernel(
            self.convention, kernel, transpose_kernel=self.transpose_kernel, rank=rank
        )

    def framework_layer(self, groups: int = 1) -> FrameworkWords:
        """The layer in its convention's own words (frameworks.FrameworkWords)."""
        from .frameworks import layer_from

        rank = self.rank()
        return layer_from(
            self.convention,
            size=self.filled("size", rank),
            kernel_size=self.filled("kernel_size", rank),
            stride=self.filled("stride", rank),
            dilation=self.filled("dilation", rank),
            padding=self.padding,
            padding_name=self.padding_name,
            pads=self.pads,
            auto_pad=self.auto_pad,
            output_padding=self.output_padding,
            output_shape=self.output_shape,
            groups=groups,
            transpose_kernel=self.transpose_kernel,
            default_padding=DEFAULTS["padding"],
        )

    def layer_for_arrays(
        self,
        sizes: tuple[int, ...],
        kernel: tuple[int, ...],
        target: tuple[int, ...] | None = None,
        check: Check = g.check_transposed,
    ) -> Layer:
        """The layer whose input and kernel sizes are the arrays'; `target` picks output_padding.

        An --in or --kernel-size given too must agree with the arrays.
        """
        rank = len(sizes)
        if self.dims is not None and self.dims != rank:
            raise ParameterError(
                "--dims",
                self.dims,
                f"contradicts the arrays, which have {rank} "
                "spatial axes; leave --dims out, the arrays decide",
            )
        for wanted, flag, actual, source in (
            (self.size, "--in", sizes, "--input"),
            (self.kernel_size, "--kernel-size", kernel, "--weight"),
        ):
            if wanted is not None and (
                len(wanted) not in (1, rank) or broadcast(wanted, rank) != actual
            ):
                size = "×".join(map(str, actual))
                raise ParameterError(
                    flag,
                    self.raw[flag],
                    f"contradicts {source}, whose size "
                    f"is {size}; leave {flag} out, the array decides",
                )
        lists = {name: getattr(self, name) for name in LISTS[2:]} | {"target": target}
        for name, values in lists.items():
            if values is not None and len(values) not in (1, rank):
                flag = option_flag(name)
                raise ParameterError(
                    flag,
                    self.raw.get(flag, ""),
                    f"has {len(values)} values but the arrays have {rank} spatial axes",
                )
        if target is not None and self.foreign:
            raise ParameterError(
                "--target",
                listed(target),
                "picks PyTorch's "
                f"output_padding; with --convention {self.convention.value}, "
                "give its own --output-padding or --output-shape",
            )
        if target is not None and self.output_padding is not None:
            raise ParameterError(
                "--target",
                listed(target),
                "picks output_padding itself; give --target or --output-padding, not both",
            )
        arrays = replace(self, size=sizes, kernel_size=kernel, dims=rank)
        if target is None:
            return arrays.layer(check)[0]
        template, _ = arrays.layer(check=lambda layer: None, target=target)
        solved = g.solve(template, broadcast(target, rank), given_input=True)
        for a in solved:  # as PyTorch's forward(x, output_size=…), which ignores dilation
            accepted = g.torch_output_size_range(a)
            if a.output not in accepted:
                span = (
                    f"{accepted[0]} to {accepted[-1]}"
                    if len(accepted) > 1
                    else f"only {accepted[0]}"
                )
                raise ParameterError(
                    "--target",
                    listed(target),
                    f"PyTorch's forward(x, output_size=…) refuses "
                    f"it: it accepts {span} here (it ignores dilation); give --output-padding "
                    f"{listed(tuple(b.output_padding for b in solved))} instead",
                )
        return solved


def listed(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def option_flag(name: str) -> str:
    """The flag of a command's parameter: `in_` (or `size`) is --in, `kernel_size`
    --kernel-size."""
    return "--in" if name == "size" else "--" + name.rstrip("_").replace("_", "-")
