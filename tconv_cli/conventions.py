"""Framework conventions: a transposed convolution in each framework's own words, the canonical
record it means, and the same computation in another framework.

A `FrameworkLayer` states a layer as one framework does (Keras `padding="same"`, ONNX `auto_pad`
or `pads`, TensorFlow's `output_shape`, JAX's padding of the zero-inserted input, …). `to_layer`
translates it into `geometry`'s canonical record under that framework's own rules and wording;
nothing past this module sees a framework option. `port` finds the same computation in another
framework: one layer when one is exact, else the closest layer and an explicit crop or zero-padding
step, never an approximation. `code` prints a layer as a line to paste; `convert_weight` moves a
weight between the frameworks' layouts.

PyTorch's and ONNX's records are their own padding and output_padding. The other records hold
what each end crops from the full output `(i−1)·s + d·(k−1) + 1`: zeros added at the end are
output_padding, zeros added at the start a negative pad_lo.

Pure Python at import: numpy is imported inside `convert_weight` only.

>>> same = FrameworkLayer("keras", size=(3,), kernel=(3,), stride=(2,), padding_name="same")
>>> to_layer(same)
(Axis(size=3, kernel=3, stride=2, pad_lo=0, pad_hi=1, dilation=1, output_padding=0),)
>>> print(port(same, "torch").code())
nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2)
y = y[..., :-1]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import NoAnswer, ParameterError
from .geometry import (
    MAX_VALUE,
    Axis,
    Layer,
    broadcast,
    broadcast_rank,
    check_target,
    check_transposed,
    transposed_formula,
)

CONVENTIONS = ("torch", "keras", "tf", "onnx", "jax", "caffe")

Pairs = tuple[tuple[int, int], ...]

ONNX_AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


@dataclass(frozen=True)
class FrameworkLayer:
    """A transposed convolution as one framework states it. Per-axis values are tuples; a tuple
    of one value applies to every axis.

    - `padding`: numbers, `(lo, hi)` per axis: PyTorch's and Caffe's `padding=p` is `(p, p)`,
      ONNX's `pads` (see `onnx_pads`), JAX's pairs on the zero-inserted input.
    - `padding_name`: padding by name: Keras "same"/"valid", TensorFlow and JAX "SAME"/"VALID",
      ONNX's `auto_pad`.
    - `output_padding`: PyTorch, Keras (None: Keras's own default) and ONNX.
    - `output_shape`: the spatial output sizes: TensorFlow (required) and ONNX.
    - `groups`: PyTorch, ONNX and Caffe. `transpose_kernel`: JAX.
    """

    convention: str
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...] = (1,)
    dilation: tuple[int, ...] = (1,)
    padding: Pairs | None = None
    padding_name: str | None = None
    output_padding: tuple[int, ...] | None = None
    output_shape: tuple[int, ...] | None = None
    groups: int = 1
    transpose_kernel: bool = True

    def __post_init__(self) -> None:
        _check_choice("convention", self.convention, CONVENTIONS)
        lists = {param: getattr(self, name) for param, name in _PER_AXIS}
        lists = {param: values for param, values in lists.items() if values is not None}
        rank = broadcast_rank(lists)
        if rank == 0:
            raise ParameterError("input", "()", "needs at least one spatial axis")
        for param, name in _PER_AXIS:
            if param in lists:
                values = tuple(tuple(v) if name == "padding" else v for v in lists[param])
                object.__setattr__(self, name, broadcast(values, rank))

    @property
    def rank(self) -> int:
        return len(self.size)


# Per-axis fields, by the names errors use for them.
_SIZES = (("input", "size"), ("kernel_size", "kernel"), ("stride", "stride"),
          ("dilation", "dilation"))
_PER_AXIS = (*_SIZES, ("padding", "padding"), ("output_padding", "output_padding"),
             ("output_shape", "output_shape"))
# Optional fields, not every convention has them, and their defaults.
_OPTIONS = {
    f.name: f.default for f in fields(FrameworkLayer)
    if f.name in ("padding", "padding_name", "output_padding", "output_shape", "groups",
                  "transpose_kernel")
}


def onnx_pads(pads: Sequence[int]) -> Pairs:
    """ONNX's `pads` `[x1_begin, x2_begin, …, x1_end, x2_end, …]` as `(begin, end)` per axis."""
    if len(pads) % 2:
        raise ParameterError("pads", _shown(pads), "must have a begin and an end for every axis")
    half = len(pads) // 2
    return tuple(zip(pads[:half], pads[half:]))


# ---------------------------------------------------------------------------------------------
# Into the canonical record.


def to_layer(fl: FrameworkLayer) -> Layer:
    """The canonical record of `fl`, or ParameterError naming the framework's own rule."""
    convention = _CONVENTIONS[fl.convention]
    for name, default in _OPTIONS.items():
        value = getattr(fl, name)
        if name not in convention.options and value != default:
            rule = f"is not a parameter of {convention.api} (it takes {convention.takes})"
            raise ParameterError(name.removesuffix("_name"), _shown(value), rule)
    if fl.groups < 1:
        raise ParameterError("groups", fl.groups, "must be at least 1")
    for param, name in _SIZES:
        for index, value in enumerate(getattr(fl, name)):
            if not 1 <= value <= MAX_VALUE:
                raise ParameterError(param, value, f"must be 1…{MAX_VALUE}", _axis(fl, index))
    layer = convention.translate(fl)
    for index, a in enumerate(layer):
        if a.output < 1:
            rule = f"would have size {transposed_formula(a)} = {a.output}; it must be at least 1"
            raise ParameterError(None, a.output, rule, _axis(fl, index))
    return layer


def _torch(fl: FrameworkLayer) -> Layer:
    if fl.padding_name is not None:
        raise ParameterError(
            "padding", fl.padding_name,
            f"is accepted by nn.ConvTranspose{fl.rank}d's constructor, but its forward fails "
            f"(\"conv_transpose{fl.rank}d(): argument 'padding' must be tuple of ints, but found "
            "element of type str\"): give numbers ('valid' is 0; for a Keras 'same' layer, see "
            "tconv port --from keras --to torch)",
        )
    pads = fl.padding or ((0, 0),) * fl.rank
    ops = fl.output_padding or (0,) * fl.rank
    layer = tuple(
        Axis(i, k, s, lo, hi, d, op) for (i, k, s, d), (lo, hi), op in zip(_axes(fl), pads, ops)
    )
    check_transposed(layer)
    return layer


def _caffe(fl: FrameworkLayer) -> Layer:
    pads = fl.padding or ((0, 0),) * fl.rank
    for index, (lo, hi) in enumerate(pads):
        if lo != hi:
            rule = "must be one number per axis: Caffe's Deconvolution pads both ends alike"
            raise ParameterError("padding", f"{lo}:{hi}", rule, _axis(fl, index))
    layer = tuple(Axis(i, k, s, p, p, d) for (i, k, s, d), (p, _) in zip(_axes(fl), pads))
    check_transposed(layer)
    return layer


def _keras(fl: FrameworkLayer) -> Layer:
    name = _padding_name(fl)
    if name not in ("same", "valid"):
        raise ParameterError("padding", fl.padding_name, "must be 'same' or 'valid' in Keras")
    for index, (op, s) in enumerate(zip(fl.output_padding or (), fl.stride)):
        if not 0 <= op < s:
            rule = (f"must be at least 0 and strictly less than strides ({s}): Keras says "
                    "\"`output_padding` must be strictly less than `strides` for all dimensions\"")
            raise ParameterError("output_padding", op, rule, _axis(fl, index))
    if max(fl.stride) > 1 and max(fl.dilation) > 1:
        raise ParameterError(
            "dilation", _shown(fl.dilation),
            f"must be 1 on every axis when a stride is above 1 (strides {_shown(fl.stride)}): "
            "Keras says \"`strides > 1` not supported in conjunction with `dilation_rate > 1`\", "
            "whichever axes they are on",
        )
    ops = fl.output_padding or (None,) * fl.rank
    return tuple(
        _from_pads(i, k, s, d, _keras_pads(d * (k - 1) + 1, s, name == "same", op))
        for (i, k, s, d), op in zip(_axes(fl), ops)
    )


def _keras_pads(extent: int, stride: int, same: bool, op: int | None) -> tuple[int, int]:
    """Keras's padding of the zero-inserted input, as its JAX backend passes it to
    lax.conv_transpose (its TensorFlow backend's `output_shape` crops the same elements)."""
    if not same:
        default = max(extent, stride) - extent  # Keras's output_padding when it is None
        return extent - 1, extent - 1 + (default if op is None else op)
    total = stride + extent - 2 if op is None else extent + extent % 2 - 2 + op
    left = min(-(-total // 2), extent - 1)
    return left, total - left


def _tf(fl: FrameworkLayer) -> Layer:
    name = _padding_name(fl)
    _check_choice("padding", name, ("SAME", "VALID"))
    if fl.output_shape is None:
        rule = (f"is required by tf.nn.conv{fl.rank}d_transpose: the size it restores "
                "(tconv inverse finds it)")
        raise ParameterError("output_shape", None, rule)
    layer = []
    for index, ((i, k, s, d), o) in enumerate(zip(_axes(fl), fl.output_shape)):
        full = (i - 1) * s + d * (k - 1) + 1
        lowest, highest = ((i - 1) * s + 1, i * s) if name == "SAME" else (full, full + s - 1)
        if not lowest <= o <= highest:
            rule = (f"must be {lowest}…{highest} with padding=\"{name}\": TensorFlow checks that "
                    f"the direct convolution of output_shape gives back the input size {i} "
                    "(\"Size of out_backprop doesn't match computed\")")
            raise ParameterError("output_shape", o, rule, _axis(fl, index))
        lo = max(0, full - o) // 2 if name == "SAME" else 0
        layer.append(_from_crops(i, k, s, d, lo, full - o - lo))
    return tuple(layer)


def _onnx(fl: FrameworkLayer) -> Layer:
    auto = _padding_name(fl)
    _check_choice("auto_pad", auto, ONNX_AUTO_PADS)
    same = auto in ("SAME_UPPER", "SAME_LOWER")
    if fl.padding is not None and auto != "NOTSET":
        rule = ("cannot be used together with pads (ONNX: \"This attribute cannot be used "
                "simultaneously with auto_pad attribute\")")
        raise ParameterError("auto_pad", auto, rule)
    if fl.output_shape is not None and not same:
        rule = (f"needs auto_pad SAME_UPPER or SAME_LOWER: with {auto}, the ONNX spec splits the "
                "total padding like SAME_LOWER while the reference implementation keeps pads (0 "
                "by default); give pads and output_padding instead")
        raise ParameterError("output_shape", _shown(fl.output_shape), rule)
    for index, pair in enumerate(fl.padding or ()):
        if min(pair) < 0:
            rule = "must be at least 0 (ONNX: \"it can take any value greater than or equal to 0\")"
            raise ParameterError("pads", "{}:{}".format(*pair), rule, _axis(fl, index))
    ops = fl.output_padding or (0,) * fl.rank
    for index, (op, s) in enumerate(zip(ops, fl.stride)):
        if not 0 <= op < s:
            rule = (f"must be at least 0 and less than strides ({s}): ONNX Runtime and the onnx "
                    "reference implementation reject output_padding ≥ stride (PyTorch allows it "
                    "up to max(stride, dilation) − 1)")
            raise ParameterError("output_padding", op, rule, _axis(fl, index))
    pads = fl.padding or ((0, 0),) * fl.rank
    targets = fl.output_shape or tuple(i * s for i, s in zip(fl.size, fl.stride))
    layer = []
    for (i, k, s, d), op, pair, target in zip(_axes(fl), ops, pads, targets):
        if same:  # the spec's formula, with the reference implementation's floor division
            total = s * (i - 1) + op + d * (k - 1) + 1 - target
            small = total // 2
            pair = (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
        layer.append(Axis(i, k, s, *pair, d, op))
    return tuple(layer)


def _jax(fl: FrameworkLayer) -> Layer:
    if (fl.padding is None) == (fl.padding_name is None):
        rule = "must be given once to lax.conv_transpose: 'SAME', 'VALID' or (lo, hi) pairs"
        raise ParameterError("padding", _shown(fl.padding or fl.padding_name), rule)
    if fl.padding_name is not None:
        _check_choice("padding", fl.padding_name, ("SAME", "VALID"))
    pads = fl.padding or [None] * fl.rank
    return tuple(
        _from_pads(i, k, s, d, pair or _jax_pads(d * (k - 1) + 1, s, fl.padding_name))
        for (i, k, s, d), pair in zip(_axes(fl), pads)
    )


def _jax_pads(extent: int, stride: int, name: str) -> tuple[int, int]:
    """lax.conv_transpose's padding of the zero-inserted input for 'SAME' and 'VALID'."""
    if name == "SAME":
        total = extent + stride - 2
        left = extent - 1 if stride > extent - 1 else -(-total // 2)
    else:
        total = extent + stride - 2 + max(extent - stride, 0)
        left = extent - 1
    return left, total - left


def _from_pads(i: int, k: int, s: int, d: int, pads: tuple[int, int]) -> Axis:
    """The axis that pads the zero-inserted input with `pads` zeros (negative: crops it)."""
    extent = d * (k - 1) + 1
    return _from_crops(i, k, s, d, extent - 1 - pads[0], extent - 1 - pads[1])


def _from_crops(i: int, k: int, s: int, d: int, lo: int, hi: int) -> Axis:
    """The axis whose output crops `lo` and `hi` elements from the ends of the full output
    (negative: adds zeros); zeros added at the end are output_padding."""
    return Axis(i, k, s, lo, max(hi, 0), d, max(-hi, 0))


def solve(fl: FrameworkLayer, target: Sequence[int]) -> FrameworkLayer:
    """`fl` with its own output option set so that its output is `target`: output_padding for
    PyTorch, Keras (its None first) and ONNX with pads, output_shape for TensorFlow and ONNX's
    SAME_UPPER/SAME_LOWER, the high pad of JAX's pairs. Caffe and JAX's 'SAME'/'VALID' have no
    such option. NoAnswer when no value of it gives `target`, with the framework's own rule."""
    if len(target) not in (1, fl.rank):
        raise ParameterError("target", _shown(target), f"needs one value or {fl.rank}")
    target = broadcast(tuple(target), fl.rank)
    if fl.convention == "tf" and fl.output_shape is None:  # the target is TensorFlow's input
        fl = replace(fl, output_shape=target)
        try:
            to_layer(fl)
        except ParameterError as error:
            raise NoAnswer(f"{_CONVENTIONS['tf'].api} with these parameters cannot give "
                           f"{_shown(target)}: {error}") from None
    layer = to_layer(fl)
    check_target(layer, target)
    name = _padding_name(fl)
    if fl.convention == "tf" or name in ("SAME_UPPER", "SAME_LOWER"):
        candidates = [replace(fl, output_shape=target)]
    elif fl.convention == "jax" and fl.padding:
        pads = tuple((lo, hi + t - a.output) for (lo, hi), a, t in zip(fl.padding, layer, target))
        candidates = [replace(fl, padding=pads)]
    elif fl.convention == "keras":
        ops = tuple(_keras_op(a, name, t) for a, t in zip(layer, target))
        candidates = [replace(fl, output_padding=None), replace(fl, output_padding=ops)]
    elif fl.convention in ("torch", "onnx"):  # their records hold their own output_padding
        ops = tuple(t - a.output + a.output_padding for a, t in zip(layer, target))
        candidates = [replace(fl, output_padding=ops)]
    else:
        candidates = [fl]
    why = f"it gives {_shown([a.output for a in layer])}"
    for candidate in candidates:
        try:
            if tuple(a.output for a in to_layer(candidate)) == target:
                return candidate
        except ParameterError as error:
            why = str(error)
    raise NoAnswer(f"{_CONVENTIONS[fl.convention].api} with these parameters cannot give "
                   f"{_shown(target)}: {why}")


# ---------------------------------------------------------------------------------------------
# Out of the canonical record: the same computation in another framework.


@dataclass(frozen=True)
class Port:
    """`layer`, in the target framework, then `crop`: per axis, the elements to remove from the
    start and the end of its output, negative for zeros to add. One exact layer when `exact`."""

    source: FrameworkLayer
    layer: FrameworkLayer
    crop: Pairs
    notes: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not any(lo or hi for lo, hi in self.crop)

    def code(self, in_channels: int | str = "C_in", out_channels: int | str = "C_out") -> str:
        """The layer's code line, then the lines of the crop or zero-padding step, if any."""
        lines = [code(self.layer, in_channels, out_channels)]
        if not self.exact:
            lines += _CONVENTIONS[self.layer.convention].step(self.crop)
        return "\n".join(lines)

    def weight(self, weight: Any) -> Any:
        """The source layer's weight in the target layer's layout (numpy)."""
        return convert_weight(weight, self.source, self.layer)


def port(source: FrameworkLayer, target: str) -> Port:
    """The computation of `source` in the `target` convention: its exact layer when it has one,
    else its layer that needs the smallest crop or zero-padding step after it.

    Raises ParameterError for an invalid source, NoAnswer when the target has no such layer.
    """
    _check_choice("to", target, CONVENTIONS)
    layer = to_layer(source)
    convention = _CONVENTIONS[target]
    if source.groups > 1 and "groups" not in convention.options:
        raise NoAnswer(
            f"{convention.api} has no groups: run one layer per group on its slice of the "
            f"channels and concatenate the {source.groups} outputs"
        )
    best, refusal = None, None
    for candidate in convention.candidates(layer, source.groups):
        try:
            steps = [_step(want, have) for want, have in zip(layer, to_layer(candidate))]
        except ParameterError as error:
            refusal = error
            continue
        if None in steps:
            continue
        cost = sum(abs(lo) + abs(hi) for lo, hi in steps)
        if best is None or cost < best[0]:
            best = cost, candidate, tuple(steps)
        if cost == 0:
            break
    if best is None:
        raise NoAnswer(f"no {convention.api} layer computes this: {refusal}")
    cost, found, crop = best
    told = () if not cost else (
        f"no single {convention.api} layer is exact: after it, {_describe(crop)}",
    )
    return Port(source, found, crop, tuple(dict.fromkeys((*told, *notes(source), *notes(found)))))


def _step(want: Axis, have: Axis) -> tuple[int, int] | None:
    """Elements to crop from `have`'s output at each end (negative: zeros to add) to get `want`'s;
    None when `have` drops elements `want` keeps that are not zeros."""
    lo = want.pad_lo - have.pad_lo
    hi = have.pad_lo + have.output - (want.pad_lo + want.output)
    if (lo < 0 < have.pad_lo) or (hi < 0 and have.pad_lo + have.output < _full(have)):
        return None
    return lo, hi


def _describe(crop: Pairs) -> str:
    parts = []
    for index, ends in enumerate(crop):
        where = f" of axis {index}" if len(crop) > 1 else ""
        for amount, end in zip(ends, ("start", "end")):
            if amount > 0:
                parts.append(f"crop {amount} at the {end}{where}")
            elif amount < 0:
                parts.append(f"add {-amount} zero{'s' if amount < -1 else ''} at the {end}{where}")
    return ", ".join(parts)


def notes(fl: FrameworkLayer) -> tuple[str, ...]:
    """What a user of `fl` should know: where it is legal, where runtimes disagree."""
    layer = to_layer(fl)
    told = []
    if fl.convention == "torch" and any(a.output_padding >= a.stride for a in layer):
        told.append("output_padding ≥ stride is legal in PyTorch only: Keras and ONNX reject it")
    odd = any(a.pad_lo != a.pad_hi - a.output_padding for a in layer)
    if fl.convention in ("keras", "tf") and _padding_name(fl) in ("same", "SAME") and odd:
        told.append("'same' crops the odd element at the end (Keras, TensorFlow, ONNX "
                    "SAME_UPPER); PyTorch's padding crops both ends alike")
    if fl.convention in ("keras", "tf"):
        told.append("channels last: input (N, *sizes, C_in), kernel (*kernel_size, C_out, C_in)")
    if fl.convention == "tf" and max(fl.dilation) > 1:
        told.append("TensorFlow's CPU kernels reject dilations > 1 (\"Current CPU implementations "
                    "do not yet support dilation rates larger than 1\")")
    if fl.convention == "onnx" and fl.padding_name in ("SAME_UPPER", "SAME_LOWER"):
        told.append("ONNX Runtime before 1.13 swapped SAME_UPPER and SAME_LOWER in ConvTranspose "
                    "(microsoft/onnxruntime#12537): explicit pads are portable")
        if any(min(a.pad_lo, a.pad_hi) < 0 for a in layer):
            told.append("the total padding is negative, so the output gets zeros: tconv follows "
                        "the onnx reference implementation (⌊total/2⌋ at the begin for "
                        "SAME_UPPER); runtimes differ here")
    if fl.convention == "jax" and not fl.transpose_kernel:
        told.append("transpose_kernel=False: lax.conv_transpose uses the kernel unflipped, "
                    "as (C_out, C_in, *kernel_size) (convert_weight flips it)")
    return tuple(told)


def _symmetric(a: Axis, choices: int) -> tuple[int, int]:
    """`(p, output_padding)` of a layer that crops `p` at both ends (`0 ≤ op < choices`), keeps
    every element of `a`'s output that is not a zero and little else, and has an output."""
    start, stop, full = a.pad_lo, a.pad_lo + a.output, _full(a)
    p = max(start, 0)
    op = min(max(stop - full + p, 0), choices - 1)
    p -= max(min(stop, full) - (full - p + op), 0)  # crop at the start what the end would miss
    return min(p, (full + op - 1) // 2), op  # an output of at least 1


def _torch_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    chosen = [_symmetric(a, max(a.stride, a.dilation)) for a in layer]
    yield _candidate("torch", layer, padding=tuple((p, p) for p, _ in chosen),
                     output_padding=tuple(op for _, op in chosen), groups=groups)


def _caffe_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    padding = tuple((p, p) for p, _ in (_symmetric(a, 1) for a in layer))
    yield _candidate("caffe", layer, padding=padding, groups=groups)


def _onnx_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    ops = tuple(a.output_padding for a in layer)
    yield _candidate("onnx", layer, padding=tuple((a.pad_lo, a.pad_hi) for a in layer),
                     output_padding=ops, groups=groups)
    pads, ops = [], []
    for a in layer:  # keep [start, stop) of the full output, or the nearest nonempty window
        stop, full = a.pad_lo + a.output, _full(a)
        start = min(max(a.pad_lo, 0), full - 1)
        op = min(max(stop - full, 0), a.stride - 1)
        pads.append((start, min(max(full - stop, 0), full + op - start - 1)))
        ops.append(op)
    yield _candidate("onnx", layer, padding=tuple(pads), output_padding=tuple(ops), groups=groups)


def _jax_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    for name in ("SAME", "VALID"):
        yield _candidate("jax", layer, padding_name=name)
    pairs = tuple(
        (a.extent - 1 - a.pad_lo, a.extent - 1 - _full(a) + a.pad_lo + a.output) for a in layer
    )
    yield _candidate("jax", layer, padding=pairs)


def _keras_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    for given in (False, True):  # output_padding is None or numbers on every axis
        for name in ("same", "valid"):
            sizes = (a.output if name == "same" else a.pad_lo + a.output for a in layer)
            ops = tuple(min(max(_keras_op(a, name, n), 0), a.stride - 1)
                        for a, n in zip(layer, sizes))
            yield _candidate("keras", layer, padding_name=name,
                             output_padding=ops if given else None)


def _keras_op(a: Axis, name: str, size: int) -> int:
    """The output_padding with which Keras's layer of `a`'s input, kernel, stride and dilation
    has output `size`."""
    if name == "same":
        return size - (a.size - 1) * a.stride - a.extent % 2
    return size - _full(a)


def _tf_candidates(layer: Layer, groups: int) -> Iterator[FrameworkLayer]:
    same = tuple(min(max(a.output, (a.size - 1) * a.stride + 1), a.size * a.stride) for a in layer)
    yield _candidate("tf", layer, padding_name="SAME", output_shape=same)
    valid = tuple(
        min(max(a.pad_lo + a.output, _full(a)), _full(a) + a.stride - 1) for a in layer
    )
    yield _candidate("tf", layer, padding_name="VALID", output_shape=valid)


def _candidate(convention: str, layer: Layer, **options: Any) -> FrameworkLayer:
    return FrameworkLayer(
        convention,
        size=tuple(a.size for a in layer),
        kernel=tuple(a.kernel for a in layer),
        stride=tuple(a.stride for a in layer),
        dilation=tuple(a.dilation for a in layer),
        **options,
    )


# ---------------------------------------------------------------------------------------------
# Code to paste, and weights.


class _Raw(str):
    """Code written as it is (a placeholder such as C_in), not as a string literal."""


def code(fl: FrameworkLayer, in_channels: int | str = "C_in", out_channels: int | str = "C_out"
         ) -> str:
    """The code line that makes `fl` in its framework (`C_in`, `C_out`: channel placeholders)."""
    to_layer(fl)
    convention = _CONVENTIONS[fl.convention]
    if fl.rank > 3 and fl.convention not in ("onnx", "caffe"):
        raise ParameterError("rank", fl.rank, f"is above 3: {convention.api} has 1-d to 3-d layers")
    args = arguments(fl, out_channels)
    if fl.convention == "caffe":  # prototxt: `key: value`, repeated per value
        listed = " ".join(f"{key}: {value}" for key, values in args.items() for value in values)
    else:
        listed = ", ".join(f"{key}={_py(value)}" for key, value in args.items())
    return convention.call.format(n=fl.rank, cin=in_channels, cout=out_channels, args=listed)


def arguments(fl: FrameworkLayer, out_channels: int | str = "C_out") -> dict[str, Any]:
    """The keyword arguments of `fl`'s call in its framework, as `code` writes them (Caffe: the
    `convolution_param` fields, each a list of its repeated values)."""
    return _CONVENTIONS[fl.convention].arguments(fl, out_channels)


def _torch_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    pads = fl.padding or ((0, 0),) * fl.rank
    for index, (lo, hi) in enumerate(pads):
        if lo != hi:
            rule = (f"is asymmetric: nn.ConvTranspose{fl.rank}d pads both ends alike (tconv port "
                    "--to torch gives a layer and a crop)")
            raise ParameterError("padding", f"{lo}:{hi}", rule, _axis(fl, index))
    return _given(
        kernel_size=_collapse(fl.kernel), stride=_collapse(fl.stride, 1),
        padding=_collapse(tuple(p for p, _ in pads), 0),
        output_padding=_collapse(fl.output_padding or (0,), 0),
        groups=fl.groups if fl.groups > 1 else None, dilation=_collapse(fl.dilation, 1),
    )


def _keras_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    return _given(
        kernel_size=_collapse(fl.kernel), strides=_collapse(fl.stride, 1),
        padding=_padding_name(fl),
        output_padding=fl.output_padding and _collapse(fl.output_padding),
        dilation_rate=_collapse(fl.dilation, 1),
    )


def _tf_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    def ints(value: int | tuple[int, ...] | None) -> int | list[int] | None:
        return list(value) if isinstance(value, tuple) else value  # TensorFlow takes lists

    return _given(
        output_shape=[_Raw("N"), *fl.output_shape, _Raw(out_channels)],
        strides=ints(_collapse(fl.stride)), padding=_padding_name(fl),
        dilations=ints(_collapse(fl.dilation, 1)),
    )


def _onnx_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    pads = [p for ends in zip(*fl.padding) for p in ends] if fl.padding else None
    return _given(
        kernel_shape=list(fl.kernel), strides=list(fl.stride),
        dilations=list(fl.dilation) if max(fl.dilation) > 1 else None,
        auto_pad=None if _padding_name(fl) == "NOTSET" else fl.padding_name,
        pads=pads if pads and any(pads) else None,
        output_padding=list(fl.output_padding) if any(fl.output_padding or ()) else None,
        output_shape=fl.output_shape and list(fl.output_shape),
        group=fl.groups if fl.groups > 1 else None,
    )


def _jax_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    spatial = ("H", "HW", "DHW")[fl.rank - 1]
    return _given(
        strides=fl.stride, padding=fl.padding_name or fl.padding,
        rhs_dilation=fl.dilation if max(fl.dilation) > 1 else None,
        dimension_numbers=("NC" + spatial, "OI" + spatial, "NC" + spatial),
        transpose_kernel=fl.transpose_kernel,
    )


def _caffe_arguments(fl: FrameworkLayer, out_channels: Any) -> dict[str, Any]:
    return _given(
        kernel_size=_repeated(fl.kernel), stride=_repeated(fl.stride, 1),
        pad=_repeated(tuple(p for p, _ in fl.padding or ((0, 0),)), 0),
        dilation=_repeated(fl.dilation, 1), group=[fl.groups] if fl.groups > 1 else None,
    )


def convert_weight(
    weight: Any, source: FrameworkLayer | str, target: FrameworkLayer | str
) -> Any:
    """`weight` in `source`'s layout, in `target`'s (a numpy array); a convention's name stands
    for its layers with default options. PyTorch, ONNX, Caffe and JAX with `transpose_kernel=True`
    (dimension numbers "OI…") hold `(C_in, C_out/groups, *k)`; Keras and TensorFlow
    `(*k, C_out, C_in)`; JAX with `transpose_kernel=False` `(C_out, C_in, *k)`, kernel flipped."""
    import numpy as np  # noqa: PLC0415 - numpy only where weights are

    def layout(fl: FrameworkLayer | str) -> str:
        if isinstance(fl, str):
            return fl
        unflipped = fl.convention == "jax" and not fl.transpose_kernel
        return "jax-unflipped" if unflipped else fl.convention

    def to_torch(w: np.ndarray, convention: str) -> np.ndarray:
        if convention in ("keras", "tf"):
            return np.moveaxis(w, (-1, -2), (0, 1))
        if convention == "jax-unflipped":
            return np.flip(np.swapaxes(w, 0, 1), tuple(range(2, w.ndim)))
        return w

    def from_torch(w: np.ndarray, convention: str) -> np.ndarray:
        if convention in ("keras", "tf"):
            return np.moveaxis(w, (0, 1), (-1, -2))
        return to_torch(w, convention)  # JAX's swap and flip is its own inverse

    torch_layout = to_torch(np.asarray(weight), layout(source))
    return np.ascontiguousarray(from_torch(torch_layout, layout(target)))


# ---------------------------------------------------------------------------------------------
# The step after a layer: `crop` per axis, elements to remove at (start, end), negative for zeros
# to add. Each framework writes it as a list of code lines.


def _slice(crop: Pairs, channels_last: bool = False) -> str:
    cuts = ", ".join(f"{lo or ''}:{-hi if hi else ''}" for lo, hi in crop)
    return f"y = y[:, {cuts}, :]" if channels_last else f"y = y[..., {cuts}]"


def _pad_then_crop(
    pad: Callable[[Pairs], str], cut: Callable[[Pairs], str]
) -> Callable[[Pairs], list[str]]:
    """The step as code: the zeros to add, then the elements to remove, each if any."""
    def step(crop: Pairs) -> list[str]:
        pads = tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in crop)
        cuts = tuple((max(lo, 0), max(hi, 0)) for lo, hi in crop)
        return [line(amounts) for line, amounts in ((pad, pads), (cut, cuts))
                if any(map(any, amounts))]
    return step


def _torch_pad(pads: Pairs) -> str:
    return f"y = nn.functional.pad(y, {_py(tuple(p for pair in reversed(pads) for p in pair))})"


def _keras_layer(name: str) -> Callable[[Pairs], str]:
    def line(amounts: Pairs) -> str:
        n = len(amounts)
        return f"y = keras.layers.{name}{n}D({_py(amounts[0] if n == 1 else amounts)})(y)"
    return line


def _onnx_step(crop: Pairs) -> list[str]:
    """Nodes after the ConvTranspose node: a Pad for the zeros to add, a Slice for the elements
    to remove (ends past the axis mean its end, as in ONNX)."""
    def constant(name: str, values: list[int]) -> str:
        return f'onnx.helper.make_node("Constant", [], ["{name}"], value_ints={values})'

    lines, data = [], "y"
    pads = [max(-lo, 0) for lo, _ in crop] + [max(-hi, 0) for _, hi in crop]
    if any(pads):
        lines += [constant("pads", [0, 0, *pads[:len(crop)], 0, 0, *pads[len(crop):]]),
                  'onnx.helper.make_node("Pad", ["y", "pads"], ["y_padded"])']
        data = "y_padded"
    cut = [(axis + 2, lo, hi) for axis, (lo, hi) in enumerate(crop) if lo > 0 or hi > 0]
    if cut:
        lines += [constant("starts", [max(lo, 0) for _, lo, _ in cut]),
                  constant("ends", [-hi if hi > 0 else 2**63 - 1 for _, _, hi in cut]),
                  constant("axes", [axis for axis, _, _ in cut]),
                  (f'onnx.helper.make_node("Slice", ["{data}", "starts", "ends", "axes"], '
                   '["y_cropped"])')]
    return lines


# ---------------------------------------------------------------------------------------------
# The conventions.


@dataclass(frozen=True)
class _Convention:
    api: str  # the layer's name in messages
    takes: str  # its parameters, for a message about one it does not have
    options: tuple[str, ...]  # the optional FrameworkLayer fields it has
    translate: Callable[[FrameworkLayer], Layer]
    candidates: Callable[[Layer, int], Iterator[FrameworkLayer]]
    arguments: Callable[[FrameworkLayer, Any], dict[str, Any]]
    call: str  # the code line, with {n} (rank), {cin}, {cout} and {args}
    # The code lines of a crop or zero-padding step; None where every layer ports exactly.
    step: Callable[[Pairs], list[str]] | None


_CONVENTIONS = {
    "torch": _Convention(
        "nn.ConvTransposeNd", "padding, output_padding, dilation, groups",
        ("padding", "padding_name", "output_padding", "groups"),
        _torch, _torch_candidates, _torch_arguments, "nn.ConvTranspose{n}d({cin}, {cout}, {args})",
        _pad_then_crop(_torch_pad, _slice),
    ),
    "keras": _Convention(
        "keras.layers.ConvNDTranspose",
        "padding 'same'|'valid', output_padding (default None), dilation_rate",
        ("padding_name", "output_padding"),
        _keras, _keras_candidates, _keras_arguments,
        "keras.layers.Conv{n}DTranspose({cout}, {args})",
        _pad_then_crop(_keras_layer("ZeroPadding"), _keras_layer("Cropping")),
    ),
    "tf": _Convention(
        "tf.nn.convNd_transpose", "padding SAME|VALID, output_shape, dilations",
        ("padding_name", "output_shape"),
        _tf, _tf_candidates, _tf_arguments, "tf.nn.conv{n}d_transpose(x, filters, {args})",
        _pad_then_crop(lambda pads: f"y = tf.pad(y, {_py([[0, 0], *map(list, pads), [0, 0]])})",
                       lambda cuts: _slice(cuts, channels_last=True)),
    ),
    "onnx": _Convention(
        "ONNX ConvTranspose", "pads or auto_pad, output_padding, output_shape, dilations, group",
        ("padding", "padding_name", "output_padding", "output_shape", "groups"),
        _onnx, _onnx_candidates, _onnx_arguments,
        'onnx.helper.make_node("ConvTranspose", ["x", "w"], ["y"], {args})',
        _onnx_step,
    ),
    "jax": _Convention(
        "lax.conv_transpose",
        "padding 'SAME'|'VALID' or (lo, hi) pairs on the zero-inserted input, rhs_dilation, "
        "transpose_kernel",
        ("padding", "padding_name", "transpose_kernel"),
        _jax, _jax_candidates, _jax_arguments, "lax.conv_transpose(x, w, {args})",
        None,  # padding pairs on the zero-inserted input can keep any window of the output
    ),
    "caffe": _Convention(
        "Caffe's Deconvolution", "pad (both ends alike), dilation, group",
        ("padding", "groups"),
        _caffe, _caffe_candidates, _caffe_arguments,
        'layer {{ type: "Deconvolution" bottom: "x" top: "y" '
        "convolution_param {{ num_output: {cout} {args} }} }}",
        _pad_then_crop(
            lambda pads: f"y = np.pad(y, {_py(((0, 0), (0, 0), *pads))})  # in Python: Caffe "
                         "has no padding layer",
            lambda cuts: f"{_slice(cuts)}  # in Python, or a Crop layer",
        ),
    ),
}


# ---------------------------------------------------------------------------------------------
# Small pieces.


def _padding_name(fl: FrameworkLayer) -> str | None:
    """The padding name in effect: the given one, or the framework's default (Keras: lower case,
    as Keras reads it)."""
    name = fl.padding_name or {"keras": "valid", "tf": "SAME", "onnx": "NOTSET"}.get(fl.convention)
    return name.lower() if fl.convention == "keras" and name else name


def _axes(fl: FrameworkLayer) -> Iterator[tuple[int, int, int, int]]:
    return zip(fl.size, fl.kernel, fl.stride, fl.dilation)


def _axis(fl: FrameworkLayer, index: int) -> int | None:
    return index if fl.rank > 1 else None


def _full(a: Axis) -> int:
    """Length of the uncropped output, `(i−1)·s + d·(k−1) + 1`."""
    return (a.size - 1) * a.stride + a.extent


def _check_choice(param: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ParameterError(param, value, f"must be one of {', '.join(choices)}")


def _shown(value: Any) -> str:
    """A value as the command line writes it: `1,2` per axis, `lo:hi` for a pair."""
    if isinstance(value, (tuple, list)):
        return ",".join(":".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value)
    return str(value)


def _collapse(values: Sequence[int], default: int | None = None) -> int | tuple[int, ...] | None:
    """One number when every axis has it, else the tuple; None when that is `default`."""
    value = values[0] if len(set(values)) == 1 else tuple(values)
    return None if value == default else value


def _repeated(values: Sequence[int], default: int | None = None) -> list[int] | None:
    """Caffe's repeated field: one value for all axes, or one per axis; None when `default`."""
    value = _collapse(values, default)
    return None if value is None else list(value) if isinstance(value, tuple) else [value]


def _given(**arguments: Any) -> dict[str, Any]:
    return {key: value for key, value in arguments.items() if value is not None}


def _py(value: Any) -> str:
    """`value` as Python source: strings in double quotes, placeholders bare."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(map(_py, value)) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(map(_py, value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return str(value)
