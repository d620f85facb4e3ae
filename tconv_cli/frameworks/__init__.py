"""Frameworks: a transposed convolution in each framework's own words, the canonical record it
means, and the same computation in another framework.

One module per framework (torch, keras, tf, onnx, jax, caffe) holds all it knows: its words into
`geometry`'s record, its rules, its layers for a record (`port`), its code lines, its output
option (`solve`) and its notes. `FRAMEWORKS` below is the only place that lists them; the
functions here ask a framework, never test its name. Nothing past this package sees a framework
option. Pure Python at import: numpy only where weights are.

>>> same = layer_from("keras", size=(3,), kernel_size=(3,), stride=(2,), padding_name="same")
>>> to_layer(same)
(Axis(size=3, kernel=3, stride=2, pad_lo=0, pad_hi=1, dilation=1, output_padding=0),)
>>> print(port(same, "torch").code())
nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2)
y = y[..., :-1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..choices import Convention
from ..errors import NoAnswer, ParameterError
from ..geometry import (
    MAX_VALUE,
    Axis,
    Layer,
    broadcast,
    check_output,
    check_target,
)
from ..words import counted
from . import caffe, jax, keras, onnx, tf, torch
from .base import (
    OPTIONS,
    SIZES,
    ChannelsLast,
    Framework,
    FrameworkWords,
    Pairs,
    Summary,
    axis,
    check_choice,
    shown,
    sizes,
    slice_line,
)
from .onnx import onnx_pads

__all__ = [
    "FRAMEWORKS",
    "Framework",
    "FrameworkWords",
    "Port",
    "arguments",
    "code",
    "convert_weight",
    "crop_words",
    "framework",
    "layer_from",
    "notes",
    "onnx_pads",
    "port",
    "solve",
    "to_layer",
    "torch_kernel",
]

#: Every convention's framework: the one list.
FRAMEWORKS: dict[Convention, Framework] = {
    module.FRAMEWORK.convention: module.FRAMEWORK for module in (torch, keras, tf, onnx, jax, caffe)
}


def framework(convention: str, param: str = "convention") -> Framework:
    """The framework of a convention's name, or ParameterError naming `param`."""
    check_choice(param, convention, [str(c) for c in FRAMEWORKS])
    return FRAMEWORKS[Convention(convention)]


def summary(
    fl: FrameworkWords, in_channels: int | str = "C_in", out_channels: int | str = "C_out"
) -> Summary:
    """`fl`'s code line, the PyTorch code that computes the same, and the notes of porting it."""
    ported = port(fl, Convention.torch)
    return Summary(
        code(fl, in_channels, out_channels), ported.code(in_channels, out_channels), ported.notes
    )


def from_keywords(
    convention: str, arguments: Mapping[str, Any], size: Sequence[int] | None
) -> FrameworkWords | None:
    """A layer from its framework's own argument names and values (Keras's `strides=2,
    padding="same"`, ONNX's `kernel_shape=[3, 3]`…) at an input size; with `size` None, only
    the names and values are checked (the Python API's `ConvTranspose.from_framework`)."""
    fw = framework(convention)
    for name in arguments:
        if name not in fw.keywords:
            raise ParameterError(
                name,
                shown(arguments[name]),
                f"is not a parameter of {fw.api} (it takes {', '.join(fw.keywords)})",
            )
    values = {fw.keywords[name]: value for name, value in arguments.items()}
    said = {fw.keywords[name]: name for name in arguments}  # its own word, for messages
    if values.get("kernel_size") is None:
        kernel = next(k for k, v in fw.keywords.items() if v == "kernel_size")
        raise ParameterError(kernel, "", f"is needed: {fw.api} has no default kernel size")
    padding = values.pop("padding", None)
    if isinstance(padding, str):
        values["padding_name"] = padding
    elif padding is not None:
        values["padding"] = tuple(
            p if isinstance(p, tuple) else (p, p)
            for p in _typed(said["padding"], padding, pairs=True)
        )
    for name in ("stride", "dilation", "groups"):  # None is a default only where one says so
        if name in values and values[name] is None:
            raise ParameterError(said[name], "None", "must be an int, or a tuple of ints per axis")
    for name in ("kernel_size", "stride", "dilation", "output_padding", "output_shape", "pads"):
        if name in values and values[name] is not None:
            values[name] = _typed(said[name], values[name])
    if values.get("groups") is not None:
        values["groups"] = _typed(said["groups"], values["groups"])[0]
    for name in ("padding_name", "auto_pad"):
        if values.get(name) is not None and not isinstance(values[name], str):
            raise ParameterError(
                said.get(name, name),
                shown(values[name]),
                "must be a name such as 'same' or 'valid'",
            )
    layer = layer_from(convention, size=tuple(size or (1,)), **values)
    return None if size is None else layer


def _per_axis(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _typed(name: str, value: Any, pairs: bool = False) -> tuple[Any, ...]:
    """A framework argument as ints per axis (`(lo, hi)` pairs where `pairs`), NumPy values
    taken as their Python ints; anything else is ParameterError naming the argument."""
    whole = value
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # a NumPy array or scalar
    items = value if isinstance(value, (tuple, list)) else (value,)
    if not items:
        raise ParameterError(name, shown(whole), "is empty: give an int, or one per axis")
    found: list[Any] = []
    for item in items:
        if pairs and isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise ParameterError(
                    name, shown(whole), "must be an int or a (lo, hi) pair per axis"
                )
            found.append((_one_int(name, whole, item[0]), _one_int(name, whole, item[1])))
        else:
            found.append(_one_int(name, whole, item))
    return tuple(found)


def _one_int(name: str, whole: Any, item: Any) -> int:
    if hasattr(item, "tolist") and not isinstance(item, (str, bytes)):
        item = item.tolist()
    if isinstance(item, bool) or not hasattr(item, "__index__"):
        raise ParameterError(name, shown(whole), "must be an int, or a tuple of ints per axis")
    return int(item.__index__())


def layer_from(
    convention: str,
    *,
    size: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int] = (1,),
    dilation: Sequence[int] = (1,),
    padding: Pairs | None = None,
    padding_name: str | None = None,
    pads: Sequence[int] | None = None,
    auto_pad: str | None = None,
    output_padding: Sequence[int] | None = None,
    output_shape: Sequence[int] | None = None,
    groups: int = 1,
    transpose_kernel: bool = True,
    default_padding: Pairs | None = None,
) -> FrameworkWords:
    """A layer in `convention`'s words from typed values, as a user gives them: `padding` as
    `(lo, hi)` pairs or by `padding_name` (same, VALID…), or ONNX's `pads` (begins, then ends)
    and `auto_pad`, each said once. `default_padding` is PyTorch's padding when none is given
    (tconv's command line draws the classic `padding=1`); frameworks with their own default
    ignore it. ParameterError names the library parameter."""
    fw = framework(convention)
    for alias, value in (("pads", pads), ("auto_pad", auto_pad)):
        if value is not None and alias not in fw.aliases:
            raise ParameterError(alias, shown(value), _not_a_parameter(fw))
    if pads is not None:
        if padding is not None:
            raise ParameterError("pads", shown(pads), "and padding say the same thing: give one")
        padding = onnx_pads(pads)
    if auto_pad is not None:
        if padding_name is not None:
            raise ParameterError(
                "auto_pad", auto_pad, f"and padding {padding_name} say the same thing: give one"
            )
        padding_name = auto_pad
    return FrameworkWords(
        fw.convention,
        tuple(size),
        tuple(kernel_size),
        tuple(stride),
        tuple(dilation),
        fw.fill(padding, padding_name, default_padding),
        padding_name,
        None if output_padding is None else tuple(output_padding),
        None if output_shape is None else tuple(output_shape),
        groups,
        transpose_kernel,
    )


# ---------------------------------------------------------------------------------------------
# Into the canonical record, and a framework's own output option.


def to_layer(fl: FrameworkWords) -> Layer:
    """The canonical record of `fl`, or ParameterError naming the framework's own rule."""
    fw = _checked(fl)
    layer = fw.translate(fl)
    for index, a in enumerate(layer):
        check_output(a, axis(fl, index))
    return layer


def _checked(fl: FrameworkWords) -> Framework:
    """`fl`'s framework, after the rules every framework shares: only its own options, sizes."""
    fw = FRAMEWORKS[Convention(fl.convention)]
    for name, default in OPTIONS.items():
        value = getattr(fl, name)
        if name not in fw.options and value != default:
            raise ParameterError(name.removesuffix("_name"), shown(value), _not_a_parameter(fw))
    if fl.groups < 1:
        raise ParameterError("groups", fl.groups, "must be at least 1")
    for param, name in SIZES:
        for index, value in enumerate(getattr(fl, name)):
            if not 1 <= value <= MAX_VALUE:
                raise ParameterError(param, value, f"must be 1…{MAX_VALUE}", axis(fl, index))
    return fw


def _not_a_parameter(fw: Framework) -> str:
    return f"is not a parameter of {fw.api} (it takes {fw.takes})"


def solve(fl: FrameworkWords, target: Sequence[int]) -> FrameworkWords:
    """`fl` with its own output option set so that its output is `target`: output_padding for
    PyTorch, Keras (its None first) and ONNX with pads, output_shape for TensorFlow and ONNX's
    SAME_UPPER/SAME_LOWER, the high pad of JAX's pairs. Caffe and JAX's 'SAME'/'VALID' have no
    such option. NoAnswer when no value of it gives `target`, with the framework's own rule."""
    if len(target) not in (1, fl.rank):
        raise ParameterError("target", shown(target), f"needs one value or {fl.rank}")
    target = broadcast(tuple(target), fl.rank)
    fw = _checked(fl)
    fl = fw.solve_start(fl, target)
    _checked(fl)
    layer = fw.translate(fl)  # may be empty until its output option is set
    check_target(layer, target)
    why = f"it gives {sizes([a.output for a in layer])}"
    for candidate in fw.solve_candidates(fl, layer, target):
        try:
            if tuple(a.output for a in to_layer(candidate)) == target:
                return candidate
        except ParameterError as error:  # the value it would need breaks the framework's rule
            why = str(error)
    raise NoAnswer(f"{fw.api} with these parameters cannot give {sizes(target)}: {why}")


# ---------------------------------------------------------------------------------------------
# Out of the canonical record: the same computation in another framework.


@dataclass(frozen=True)
class Port:
    """`layer`, in the target framework, then `crop`: per axis, the elements to remove from the
    start and the end of its output, negative for zeros to add. One exact layer when `exact`."""

    source: FrameworkWords
    layer: FrameworkWords
    crop: Pairs
    notes: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not any(lo or hi for lo, hi in self.crop)

    def code(self, in_channels: int | str = "C_in", out_channels: int | str = "C_out") -> str:
        """The layer's code line, then the lines of the crop or zero-padding step, if any."""
        lines = [code(self.layer, in_channels, out_channels)]
        if not self.exact:
            lines += FRAMEWORKS[Convention(self.layer.convention)].step(self.crop)
        return "\n".join(lines)

    def weight(self, weight: Any) -> Any:
        """The source layer's weight in the target layer's layout (numpy)."""
        return convert_weight(weight, self.source, self.layer)


def port(source: FrameworkWords, target: str) -> Port:
    """The computation of `source` in the `target` convention: its exact layer when it has one,
    else its layer that needs the smallest crop or zero-padding step after it.

    Raises ParameterError for an invalid source, NoAnswer when the target has no such layer.
    """
    fw = framework(target, "to")
    layer = to_layer(source)
    if source.groups > 1 and "groups" not in fw.options:
        raise NoAnswer(
            f"{fw.api} has no groups: run one layer per group on its slice of the "
            f"channels and concatenate the {source.groups} outputs"
        )
    best: tuple[int, FrameworkWords, Pairs] | None = None
    refusal = None
    for candidate in fw.candidates(layer, source.groups):
        try:
            have = to_layer(candidate)
        except ParameterError as error:
            refusal = error
            continue
        each = [_step(want, got) for want, got in zip(layer, have)]
        steps = [step for step in each if step is not None]
        if len(steps) < len(each):
            continue
        # a layer a runtime refuses costs more than any step: one that runs everywhere wins
        cost = sum(abs(lo) + abs(hi) for lo, hi in steps)
        cost += 10**9 * len(fw.refusals(candidate, have))
        if best is None or cost < best[0]:
            best = cost, candidate, tuple(steps)
        if cost == 0:
            break
    if best is None:
        raise NoAnswer(f"no {fw.api} layer computes this: {refusal}")
    cost, found, crop = best
    told = (
        ()
        if not any(lo or hi for lo, hi in crop)
        else (f"no single {fw.api} layer is exact: after it, {crop_words(crop)}",)
    )
    return Port(source, found, crop, tuple(dict.fromkeys((*told, *notes(source), *notes(found)))))


def _step(want: Axis, have: Axis) -> tuple[int, int] | None:
    """Elements to crop from `have`'s output at each end (negative: zeros to add) to get `want`'s;
    None when `have` drops elements `want` keeps that are not zeros."""
    lo = want.pad_lo - have.pad_lo
    hi = have.pad_lo + have.output - (want.pad_lo + want.output)
    if (lo < 0 < have.pad_lo) or (hi < 0 and have.pad_lo + have.output < have.full):
        return None
    return lo, hi


def crop_words(crop: Pairs) -> str:
    """The crop in words: `crop 1 at the start of axis 0, add 1 zero at the end`."""
    parts = []
    for index, ends in enumerate(crop):
        where = f" of axis {index}" if len(crop) > 1 else ""
        for amount, end in zip(ends, ("start", "end")):
            if amount > 0:
                parts.append(f"crop {amount} at the {end}{where}")
            elif amount < 0:
                parts.append(f"add {counted(-amount, 'zero')} at the {end}{where}")
    return ", ".join(parts)


def refusals(fl: FrameworkWords) -> tuple[str, ...]:
    """What `fl`'s runtimes refuse or do differently (its framework's deviations that apply)."""
    return tuple(d.note() for d in framework(fl.convention).refusals(fl, to_layer(fl)))


def notes(fl: FrameworkWords) -> tuple[str, ...]:
    """What a user of `fl` should know: where it is legal, where runtimes disagree."""
    layer = to_layer(fl)
    fw = FRAMEWORKS[Convention(fl.convention)]
    return tuple(fw.notes(fl, layer) + [d.note() for d in fw.refusals(fl, layer)])


# ---------------------------------------------------------------------------------------------
# Code to paste, and weights.


def source_code(
    fl: FrameworkWords, in_channels: int | str = "C_in", out_channels: int | str = "C_out"
) -> str:
    """`fl`'s code: its layer line, or, where its words are tconv's record beyond what one
    layer of its framework says (PyTorch's `padding=lo:hi`), that framework's exact layer and
    the step after it."""
    try:
        return code(fl, in_channels, out_channels)
    except ParameterError:
        return port(fl, fl.convention).code(in_channels, out_channels)


def code(
    fl: FrameworkWords, in_channels: int | str = "C_in", out_channels: int | str = "C_out"
) -> str:
    """The code line that makes `fl` in its framework (`C_in`, `C_out`: channel placeholders)."""
    to_layer(fl)
    fw = FRAMEWORKS[Convention(fl.convention)]
    if fw.max_rank is not None and fl.rank > fw.max_rank:
        raise ParameterError(
            "rank", fl.rank, f"is above {fw.max_rank}: {fw.api} has 1-d to {fw.max_rank}-d layers"
        )
    listed = fw.listed(fw.arguments(fl, out_channels))
    return fw.call.format(n=fl.rank, cin=in_channels, cout=out_channels, args=listed)


def stack_code(
    kernel_size: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    output_padding: Sequence[int],
    dilation: Sequence[int],
    trim: Sequence[tuple[int, int] | None],
    convention: str = "torch",
    channels: tuple[int | str, int | str] = ("C_in", "C_out"),
) -> str:
    """The code line(s) of a PyTorch layer given per axis, written in `convention` (its exact
    layer, or the nearest and a step after it), then the slice that removes `trim` (elements at
    (start, end) per axis; None: none) from its output."""
    fl = layer_from(
        "torch",
        size=(8,) * len(kernel_size),
        kernel_size=kernel_size,
        stride=stride,
        padding=tuple((p, p) for p in padding),
        output_padding=output_padding,
        dilation=dilation,
    )
    line = code(fl, *channels) if convention == "torch" else port(fl, convention).code(*channels)
    if all(t is None or t == (0, 0) for t in trim):
        return line
    last = isinstance(FRAMEWORKS[Convention(convention)], ChannelsLast)
    return line + "\n" + slice_line(tuple(t or (0, 0) for t in trim), last)


def arguments(fl: FrameworkWords, out_channels: int | str = "C_out") -> dict[str, Any]:
    """The keyword arguments of `fl`'s call in its framework, as `code` writes them (Caffe: the
    `convolution_param` fields, each a list of its repeated values)."""
    return FRAMEWORKS[Convention(fl.convention)].arguments(fl, out_channels)


def convert_weight(weight: Any, source: FrameworkWords | str, target: FrameworkWords | str) -> Any:
    """`weight` in `source`'s layout, in `target`'s (a numpy array); a convention's name stands
    for its layers with default options. PyTorch, ONNX, Caffe and JAX with `transpose_kernel=True`
    (dimension numbers "OI…") hold `(C_in, C_out/groups, *k)`; Keras and TensorFlow
    `(*k, C_out, C_in)`; JAX with `transpose_kernel=False` `(C_out, C_in, *k)`, kernel flipped."""
    import numpy as np  # noqa: PLC0415 - numpy only where weights are

    def layout(fl: FrameworkWords | str) -> tuple[Framework, bool]:
        if isinstance(fl, FrameworkWords):
            return FRAMEWORKS[Convention(fl.convention)], fl.transpose_kernel
        return framework(fl), True

    (source_fw, source_tk), (target_fw, target_tk) = layout(source), layout(target)
    torch_layout = source_fw.weight_to_torch(np.asarray(weight), source_tk)
    return np.ascontiguousarray(target_fw.weight_from_torch(torch_layout, target_tk))


def torch_kernel(
    convention: str, kernel: Any, *, transpose_kernel: bool = True, rank: int | None = None
) -> Any:
    """A kernel (numpy) as given in `convention`, oriented as PyTorch slides it: JAX without
    transpose_kernel slides it unflipped. `rank`: only the last `rank` axes are spatial (a
    weight in PyTorch's layout); by default every axis is."""
    if framework(convention).flips_kernel(transpose_kernel):
        spatial = kernel.ndim if rank is None else rank
        return kernel[(slice(None),) * (kernel.ndim - spatial) + (slice(None, None, -1),) * spatial]
    return kernel
