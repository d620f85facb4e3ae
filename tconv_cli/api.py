"""The Python API: layers named and defaulted as PyTorch's, answering shape questions.

>>> up = ConvTranspose(kernel_size=4, stride=2, padding=1)
>>> up.output_size((17, 17)), up.output_size(17)
((34, 34), 34)
>>> up.output_padding_for((17, 17), (35, 35))
(1, 1)
>>> up.reachable(17)
(34, 35)
>>> Conv(kernel_size=3, stride=2, padding=1).output_size(101)
51
>>> Conv(kernel_size=3, stride=2, padding=1).inputs_for(51)
(101, 102)

An int size gives an int answer, a tuple a tuple per axis; the rank is the size's. Invalid
arguments raise ParameterError when the layer is made, or at the call whose size reveals them.
Pure Python until values or pictures are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union, overload

from . import geometry as g
from .errors import ParameterError

if TYPE_CHECKING:
    from .picture import Picture

Ints = Union[int, tuple[int, ...]]
Padding = Union[int, str, tuple[Union[int, tuple[int, int]], ...]]


def plain(value: Any) -> Any:
    """NumPy values (an array, an int64) as Python's, so that every rule sees ints and tuples;
    anything else as it is."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        try:
            value = value.tolist()
        except (TypeError, ValueError):
            return value
    if isinstance(value, list):
        return tuple(plain(v) for v in value)
    return value


def _sizes(name: str, size: Ints) -> tuple[tuple[int, ...], bool]:
    """A size as a tuple per axis (each at least 1), and whether it was a bare int."""
    size = plain(size)
    values = g._values(name, size)
    for index, value in enumerate(values):
        g._check_range(name, value, 1, index if len(values) > 1 else None)
    return values, not isinstance(size, (tuple, list))


def _shaped(values: tuple, scalar: bool):
    """An int's answer as an int, a tuple's per axis."""
    return values[0] if scalar else tuple(values)


@dataclass(frozen=True)
class _Layer:
    """PyTorch's spatial arguments, shared by ConvTranspose and Conv, checked when made."""

    kernel_size: Ints
    stride: Ints = 1
    padding: Padding = 0
    dilation: Ints = 1
    groups: int = 1
    in_channels: int | None = None
    out_channels: int | None = None

    transposed = True

    def __post_init__(self) -> None:
        for name in (
            "kernel_size",
            "stride",
            "padding",
            "dilation",
            "output_padding",
            "groups",
            "in_channels",
            "out_channels",
        ):
            value = plain(getattr(self, name, None))  # frozen and hashable: lists are tuples
            if value is not getattr(self, name, None):
                object.__setattr__(self, name, value)
        if isinstance(self.padding, str):
            object.__setattr__(self, "padding", self._named_padding(self.padding))
        g.check_parameters(self._at(1), self.transposed)
        for name in ("groups", "in_channels", "out_channels"):
            value = getattr(self, name)
            if value is not None:
                g._check_range(name, g._integer(name, value), 1, None)

    def _named_padding(self, name: str) -> Padding:
        """'valid' is 0; 'same' is the direct convolution's, and refused by a transposed layer
        (PyTorch's constructor takes it, its forward fails)."""
        if name == "valid":
            return 0
        if not self.transposed and name != "same":
            raise ParameterError("padding", name, "must be 'same', 'valid' or numbers")
        if self.transposed:
            from .frameworks import layer_from, to_layer

            to_layer(layer_from("torch", size=(1,), kernel_size=(1,), padding_name=name))
            raise ParameterError("padding", name, "must be 'same', 'valid' or numbers")
        if any(s != 1 for s in g._values("stride", self.stride)):
            raise ParameterError("padding", name, "needs stride 1 (PyTorch's rule)")
        totals = [a.extent - 1 for a in g.make_layer(1, self.kernel_size, 1, 0, self.dilation)]
        return tuple(g.split_padding(t) for t in totals)

    def _output_padding(self) -> Ints:
        return 0

    def _at(self, size: Ints, output_padding: Ints | None = None) -> g.Layer:
        """The record at this size (unchecked); the rank is the size's when it is a tuple."""
        rank = len(size) if isinstance(size, tuple) else None
        op = self._output_padding() if output_padding is None else output_padding
        return g.make_layer(
            size, self.kernel_size, self.stride, self.padding, self.dilation, op, rank=rank
        )

    def layer(self, size: Ints) -> g.Layer:
        """The canonical per-axis record for this input size, checked by PyTorch's rules."""
        values, _ = _sizes("input", size)
        layer = self._at(values)
        (g.check_transposed if self.transposed else g.check_conv)(layer)
        return layer

    def constructor(self) -> str:
        """PyTorch's line, e.g. `ConvTranspose2d(kernel_size=4, stride=2, padding=1)` (the rank
        is the longest argument's, else 2)."""
        rank = len(self._at(1))
        return g.constructor(self._at((1,) * (2 if rank == 1 else rank)), self.transposed)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.describe())

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(self.describe())}</pre>"

    def describe(self, sizes: tuple[int, ...] = tuple(range(1, 9))) -> str:
        """The constructor and what small inputs give, per axis (a notebook's view of it)."""
        outputs = []
        for i in sizes:
            try:
                outputs.append(f"{i} → {self.output_size(i)}")
            except ParameterError:
                outputs.append(f"{i} → none")
        return f"{self.constructor()}\n  sizes per axis: " + ", ".join(outputs)

    @overload
    def output_size(self, size: int) -> int: ...
    @overload
    def output_size(self, size: Sequence[int]) -> tuple[int, ...]: ...
    def output_size(self, size: Ints) -> Ints:
        raise NotImplementedError


@dataclass(frozen=True)
class ConvTranspose(_Layer):
    """`nn.ConvTransposeNd`'s arithmetic: `ConvTranspose(kernel_size=4, stride=2, padding=1)`.

    PyTorch's names and defaults; an int applies to every axis, a tuple is per axis, and
    padding may be `(lo, hi)` pairs per axis (which PyTorch itself has not).
    """

    output_padding: Ints = 0

    def _output_padding(self) -> Ints:
        return self.output_padding

    @classmethod
    def from_framework(cls, framework: str, **arguments: Any) -> FrameworkLayer:
        """A layer in another framework's own words, e.g.
        `ConvTranspose.from_framework("keras", kernel_size=3, strides=2, padding="same")`.

        It answers the same questions; the framework's padding is resolved at each input size
        (Keras 'same' and ONNX `output_shape` depend on it).
        """
        from .frameworks import from_keywords

        from_keywords(framework, arguments, size=None)  # bad names fail now, not later
        return FrameworkLayer(framework, tuple(arguments.items()))

    @overload
    def output_size(self, size: int) -> int: ...
    @overload
    def output_size(self, size: Sequence[int]) -> tuple[int, ...]: ...
    def output_size(self, size: Ints) -> Ints:
        """Per axis, `(i−1)·s − p_lo − p_hi + d·(k−1) + op + 1`."""
        values, scalar = _sizes("input", size)
        return _shaped(tuple(a.output for a in self.layer(values)), scalar)

    @overload
    def reachable(self, size: int) -> tuple[int, ...]: ...
    @overload
    def reachable(self, size: Sequence[int]) -> tuple[tuple[int, ...], ...]: ...
    def reachable(self, size: Ints):
        """Per axis, the output sizes of output_padding 0, 1, … up to PyTorch's limit."""
        values, scalar = _sizes("input", size)
        return _shaped(tuple(tuple(g.reachable(a)) for a in self._at(values, 0)), scalar)

    @overload
    def output_padding_for(self, size: int, target: Ints) -> int: ...
    @overload
    def output_padding_for(self, size: Sequence[int], target: Ints) -> tuple[int, ...]: ...
    def output_padding_for(self, size: Ints, target: Ints) -> Ints:
        """The output_padding that makes this input give `target`; NoAnswer (with what is
        reachable and which input would reach it) when there is none."""
        values, scalar = _sizes("input", size)
        targets = g._values("target", plain(target))
        g.broadcast_rank({"input": values, "target": targets}, len(values))
        wanted = g.broadcast(targets, len(values))
        solved = g.solve(self._at(values, 0), wanted, given_input=True)
        return _shaped(tuple(a.output_padding for a in solved), scalar)

    @overload
    def conv_inputs(self, size: int) -> tuple[int, ...]: ...
    @overload
    def conv_inputs(self, size: Sequence[int]) -> tuple[tuple[int, ...], ...]: ...
    def conv_inputs(self, size: Ints):
        """Per axis, the input sizes that the direct convolution with these parameters maps to
        `size`; output_padding picks which one this layer restores."""
        values, scalar = _sizes("input", size)
        return _shaped(tuple(tuple(g.conv_inputs(a)) for a in self._at(values, 0)), scalar)

    def report(self, size: Ints) -> str:
        """The report `tconv shape` prints for this input size."""
        from .render.text import TextStyle, shape_report

        tensors = None
        if self.in_channels is not None and self.out_channels is not None:
            tensors = g.tensor_shapes(
                self.layer(size), self.in_channels, self.out_channels, self.groups
            )
        return shape_report(self.layer(size), True, tensors, TextStyle(False), None)

    def explain(self, size: Ints) -> str:
        """The four steps (insert zeros, pad, flip, slide) with this layer's numbers."""
        from .render.text import explain_steps

        return "\n".join(explain_steps(self.layer(size)))

    def compute(self, x, weight, bias=None, *, method: str = "gather"):
        """The values, as PyTorch's `conv_transpose{N}d`: x `(N, C_in, …)` or `(C_in, …)`,
        weight `(C_in, C_out/groups, …)`; NumPy arrays in and out."""
        import numpy as np

        from . import numeric

        x, weight = np.asarray(x), np.asarray(weight)
        if weight.ndim < 3:
            raise ParameterError(
                "weight",
                weight.shape,
                "must be (C_in, C_out/groups, *kernel_size)",
                attribute="shape",
            )
        rank = weight.ndim - 2
        layer = self.layer(tuple(x.shape[-rank:]))
        return numeric.conv_transpose(x, weight, layer, bias, self.groups, method)

    def scene(
        self,
        size: Ints = (3, 3),
        view: str = "gather",
        *,
        values: bool = False,
        seed: int = 0,
        max_frames: int = 1024,
    ) -> Picture:
        """The picture of this layer at this input size: frames that `.save("x.gif")` and show
        themselves in a notebook; `values` fills the cells with small random integers."""
        from .picture import picture

        return picture(self.layer(size), view, values=values, seed=seed, max_frames=max_frames)


@dataclass(frozen=True)
class Conv(_Layer):
    """`nn.ConvNd`'s arithmetic: `Conv(kernel_size=3, stride=2, padding=1)`."""

    transposed = False

    @overload
    def output_size(self, size: int) -> int: ...
    @overload
    def output_size(self, size: Sequence[int]) -> tuple[int, ...]: ...
    def output_size(self, size: Ints) -> Ints:
        """Per axis, `⌊(i + p_lo + p_hi − d·(k−1) − 1) / s⌋ + 1`."""
        values, scalar = _sizes("input", size)
        return _shaped(tuple(a.conv_output for a in self.layer(values)), scalar)

    @overload
    def inputs_for(self, size: int) -> tuple[int, ...]: ...
    @overload
    def inputs_for(self, size: Sequence[int]) -> tuple[tuple[int, ...], ...]: ...
    def inputs_for(self, size: Ints):
        """Per axis, the input sizes this convolution maps to `size` (its floor makes up to
        `stride` of them collapse)."""
        values, scalar = _sizes("output", size)
        return _shaped(tuple(tuple(g.conv_inputs(a)) for a in self._at(values)), scalar)

    def transpose(self, output_padding: Ints = 0) -> ConvTranspose:
        """The transposed layer with the same parameters: the decoder step of this encoder."""
        return ConvTranspose(
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            self.out_channels,
            self.in_channels,
            output_padding,
        )


@dataclass(frozen=True)
class FrameworkLayer:
    """A transposed layer in another framework's words (ConvTranspose.from_framework): sizes,
    its output option for a target, the report with PyTorch's equivalent, and pictures."""

    framework: str
    arguments: tuple[tuple[str, Any], ...] = ()

    def _own(self, values: tuple[int, ...]):
        from .frameworks import from_keywords

        return from_keywords(self.framework, dict(self.arguments), size=values)

    def layer(self, size: Ints) -> g.Layer:
        """The canonical per-axis record this layer is at this input size."""
        from .frameworks import to_layer

        return to_layer(self._own(_sizes("input", size)[0]))

    @overload
    def output_size(self, size: int) -> int: ...
    @overload
    def output_size(self, size: Sequence[int]) -> tuple[int, ...]: ...
    def output_size(self, size: Ints) -> Ints:
        values, scalar = _sizes("input", size)
        return _shaped(tuple(a.output for a in self.layer(values)), scalar)

    def solve(self, size: Ints, target: Ints) -> str:
        """The framework's own code line for the layer that gives `target` (its output_padding
        or output_shape); NoAnswer with the framework's rule when none does."""
        from .frameworks import code, solve

        values, _ = _sizes("input", size)
        targets = g._values("target", plain(target))
        g.broadcast_rank({"input": values, "target": targets}, len(values))
        return code(solve(self._own(values), g.broadcast(targets, len(values))))

    def report(self, size: Ints) -> str:
        """The report `tconv shape -c FRAMEWORK` prints: the layer in tconv's terms and the
        PyTorch code that computes the same."""
        from .frameworks import summary
        from .render.text import TextStyle, shape_report

        own = self._own(_sizes("input", size)[0])
        return shape_report(self.layer(size), True, None, TextStyle(False), summary(own))

    def scene(
        self,
        size: Ints = (3, 3),
        view: str = "gather",
        *,
        values: bool = False,
        seed: int = 0,
        max_frames: int = 1024,
    ) -> Picture:
        """The picture of the record this layer is at this input size."""
        from .picture import picture

        return picture(self.layer(size), view, values=values, seed=seed, max_frames=max_frames)
