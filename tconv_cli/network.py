"""Whole networks: a stack of layers read from their constructors' text, and a U-Net's skips.

Layers are parsed with `ast` (never executed or imported): PyTorch's `Conv*d`, `ConvTranspose*d`,
`MaxPool*d`/`AvgPool*d`, `Upsample`, shape-preserving layers, and Keras's `Conv*D[Transpose]`,
`MaxPooling*D`, `UpSampling*D`. Pure Python; `overlap` imports numpy when called.

>>> [step.output for step in chain((7, 7), parse_layers(["ConvTranspose2d(8, 4, 4, 2, 1)"]))]
[(14, 14)]
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import floor

from . import geometry as g
from .errors import NoAnswer, ParameterError

#: Layers that keep the spatial size (and, except normalisations, the channels).
PASS_THROUGH = (
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
    "InstanceNorm3d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "ReLU", "ReLU6",
    "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softmax", "Dropout", "Dropout1d",
    "Dropout2d", "Dropout3d", "AlphaDropout", "Identity", "BatchNormalization",
    "LayerNormalization", "Activation", "Dropout", "LeakyReLU", "SpatialDropout2D",
)
_TORCH = re.compile(r"(ConvTranspose|Conv|MaxPool|AvgPool)([123])d")
_KERAS = re.compile(r"(Conv|MaxPooling|AveragePooling|UpSampling)([123])D(Transpose)?")
_UPSAMPLE = ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d")
ACCEPTED = ("Conv1d/2d/3d, ConvTranspose1d/2d/3d, MaxPool1d/2d/3d, AvgPool1d/2d/3d, Upsample, "
            "shape-preserving layers (BatchNorm*, ReLU, Dropout, Identity…), Keras Conv1D/2D/3D, "
            "Conv1D/2D/3DTranspose, MaxPooling*D, AveragePooling*D, UpSampling*D")
_NAME = re.compile(r"\b(?:[A-Za-z_]\w*\.)*(" + "|".join(
    [r"ConvTranspose[123]d", r"Conv[123]d", r"MaxPool[123]d", r"AvgPool[123]d",
     r"Conv[123]D(?:Transpose)?", r"MaxPooling[123]D", r"AveragePooling[123]D",
     r"UpSampling[123]D", *_UPSAMPLE, *sorted(set(PASS_THROUGH), key=len, reverse=True)])
    + r")\s*\(")

_SIGNATURES = {
    "ConvTranspose": ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                      "output_padding", "groups", "bias", "dilation", "padding_mode"),
    "Conv": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
             "groups", "bias", "padding_mode"),
    "MaxPool": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                "divisor_override"),
    "Upsample": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
    "KerasConv": ("filters", "kernel_size", "strides", "padding", "data_format",
                  "dilation_rate"),
    "KerasConvTranspose": ("filters", "kernel_size", "strides", "padding", "output_padding",
                           "data_format", "dilation_rate"),
    "KerasPool": ("pool_size", "strides", "padding"),
    "KerasUp": ("size",),
}
_KERAS_IGNORED = {"activation", "use_bias", "kernel_initializer", "bias_initializer", "name",
                  "groups", "kernel_regularizer", "bias_regularizer", "data_format",
                  "interpolation", "dtype", "trainable", "input_shape"}


@dataclass(frozen=True)
class Spec:
    """One layer as read: its text, kind, the per-axis parameters of its size rule.

    `kind` is conv, transposed, maxpool, avgpool, upsample, keras_conv, keras_transposed or
    pass; `rank` None for layers of any rank.
    """

    text: str
    kind: str
    rank: int | None = None
    args: tuple = ()  # sorted (name, value) pairs
    in_channels: int | None = None
    out_channels: int | None = None
    line: int | None = None

    @property
    def params(self) -> dict:
        return dict(self.args)

    def where(self, index: int) -> str:
        line = f" (line {self.line})" if self.line is not None else ""
        return f"layer {index + 1}{line}"


@dataclass(frozen=True)
class Step:
    """One layer applied: sizes in and out per axis, channels when known."""

    layer: str
    input: tuple[int, ...]
    output: tuple[int, ...]
    channels: int | None = None
    line: int | None = None


# ---------------------------------------------------------------------------------------------
# Reading constructors.


def _unreadable(text: str, position: str, why: str) -> ParameterError:
    shown = text if len(text) <= 60 else text[:59] + "…"
    return ParameterError("layers", shown, f"{position} {shown!r} {why}")


def parse_layer(text: str, position: str = "layer 1", line: int | None = None) -> Spec:
    """One constructor call as written in a model's source → Spec; ParameterError otherwise."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise _unreadable(text, position, f"is not a constructor call; tconv reads {ACCEPTED}"
                          ) from None
    if not isinstance(tree, ast.Call):
        raise _unreadable(text, position, f"is not a constructor call; tconv reads {ACCEPTED}")
    name = _callee(tree.func)
    if name is None:
        raise _unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")
    if any(isinstance(a, ast.Starred) for a in tree.args) or any(
            k.arg is None for k in tree.keywords):
        raise _unreadable(text, position, "uses *args or **kwargs, which tconv cannot read")
    return _spec(name, tree, text.strip(), position, line)


def _callee(func: ast.expr) -> str | None:
    """`nn.Conv2d`, `torch.nn.Conv2d`, `layers.Conv2D`, `Conv2d` → the class name."""
    if isinstance(func, ast.Attribute):
        return func.attr if _dotted(func.value) else None
    return func.id if isinstance(func, ast.Name) else None


def _dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _spec(name: str, call: ast.Call, text: str, position: str, line: int | None) -> Spec:
    torch = _TORCH.fullmatch(name)
    keras = _KERAS.fullmatch(name)
    if torch:
        family, rank = torch.group(1), int(torch.group(2))
        kind = {"ConvTranspose": "transposed", "Conv": "conv", "MaxPool": "maxpool",
                "AvgPool": "avgpool"}[family]
        values = _arguments(call, _SIGNATURES[family], text, position, {"device", "dtype"})
        return _torch_spec(kind, rank, values, text, position, line)
    if keras:
        family, rank, transposed = keras.group(1), int(keras.group(2)), keras.group(3)
        if family == "UpSampling" and transposed is None:
            kind, signature = "upsample", "KerasUp"
        elif family in ("MaxPooling", "AveragePooling") and transposed is None:
            kind, signature = "keras_pool", "KerasPool"
        elif family == "Conv":
            kind = "keras_transposed" if transposed else "keras_conv"
            signature = "KerasConvTranspose" if transposed else "KerasConv"
        else:
            raise _unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")
        values = _arguments(call, _SIGNATURES[signature], text, position, _KERAS_IGNORED)
        return _keras_spec(kind, rank, values, text, position, line)
    if name in _UPSAMPLE:
        values = _arguments(call, _SIGNATURES["Upsample"], text, position, set())
        return _upsample_spec(values, text, position, line)
    if name in PASS_THROUGH:
        return Spec(text, "pass", line=line)
    raise _unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")


def _arguments(call: ast.Call, signature: Sequence[str], text: str, position: str,
               ignored: set[str]) -> dict:
    """Positional and keyword arguments by name; values are literals, or None when a channel
    count or an ignored argument is an expression (a variable in a model's code)."""
    if len(call.args) > len(signature):
        raise _unreadable(text, position, f"has {len(call.args)} positional arguments; it takes "
                          f"at most {len(signature)} ({', '.join(signature)})")
    nodes = dict(zip(signature, call.args))
    for keyword in call.keywords:
        if keyword.arg in nodes:
            raise _unreadable(text, position, f"gives {keyword.arg} twice")
        if keyword.arg not in signature and keyword.arg not in ignored:
            raise _unreadable(text, position, f"{keyword.arg} is not one of its arguments "
                              f"({', '.join(signature)})")
        nodes[keyword.arg] = keyword.value
    values = {}
    for key, node in nodes.items():
        try:
            values[key] = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            if key in ("in_channels", "out_channels", "filters", "bias", "groups", "mode",
                       "padding_mode", "align_corners", *ignored):
                values[key] = None  # does not change the spatial size
            else:
                raise _unreadable(text, position, f"{key} is not a literal; tconv reads numbers "
                                  "and tuples, not expressions") from None
    return values


def _ints(name: str, value: object, rank: int, text: str, position: str,
          low: int = 0) -> tuple[int, ...]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    if (len(items) not in (1, rank) or not all(type(v) is int and v >= low for v in items)
            or any(v > g.MAX_VALUE for v in items)):
        raise _unreadable(text, position, f"{name}={value!r} must be an int ≥ {low} or a tuple "
                          f"of {rank}")
    return tuple(items) * rank if len(items) == 1 else tuple(items)


def _channel(value: object) -> int | None:
    return value if type(value) is int and value > 0 else None


def _torch_spec(kind: str, rank: int, v: dict, text: str, position: str,
                line: int | None) -> Spec:
    if "kernel_size" not in v:
        raise _unreadable(text, position, "has no kernel_size")

    def ints(name, default, low=0):
        return _ints(name, v.get(name, default), rank, text, position, low)

    kernel = ints("kernel_size", None, 1)
    stride = kernel if kind in ("maxpool", "avgpool") and v.get("stride") is None else ints(
        "stride", 1, 1)
    dilation = ints("dilation", 1, 1)
    padding = v.get("padding", 0)
    if isinstance(padding, str) and kind == "conv":
        if padding not in ("same", "valid"):
            raise _unreadable(text, position, "padding must be 'same', 'valid' or numbers")
        if padding == "same" and max(stride) > 1:
            raise _unreadable(text, position, "padding='same' is not supported for strided "
                              "convolutions (PyTorch)")
        total = [d * (k - 1) if padding == "same" else 0 for k, d in zip(kernel, dilation)]
        pads = tuple((t // 2, t - t // 2) for t in total)
    else:
        pads = tuple((p, p) for p in _ints("padding", padding, rank, text, position))
    args = {"kernel": kernel, "stride": stride, "dilation": dilation, "pads": pads}
    if kind == "transposed":
        args["output_padding"] = ints("output_padding", 0)
        for s, d, op in zip(stride, dilation, args["output_padding"]):
            if op >= g.output_padding_limit(s, d):
                raise _unreadable(text, position, f"output_padding must be smaller than stride "
                                  f"or dilation (max({s}, {d}) = {max(s, d)})")
    if kind in ("maxpool", "avgpool"):
        args["ceil_mode"] = bool(v.get("ceil_mode", False))
        for k, (p, _) in zip(kernel, pads):
            if p > k // 2:
                raise _unreadable(text, position, f"padding={p} must be at most half of "
                                  f"kernel_size ({k}) (PyTorch)")
    groups = v.get("groups", 1)
    channels = _channel(v.get("in_channels")), _channel(v.get("out_channels"))
    if type(groups) is int and groups > 1 and None not in channels and any(
            c % groups for c in channels):
        raise _unreadable(text, position, f"in_channels and out_channels must be divisible by "
                          f"groups ({groups})")
    return Spec(text, kind, rank, tuple(sorted(args.items())), *channels, line=line)


def _keras_spec(kind: str, rank: int, v: dict, text: str, position: str,
                line: int | None) -> Spec:
    if kind == "upsample":
        size = _ints("size", v.get("size", 2), rank, text, position, 1)
        return Spec(text, "upsample", rank, (("scale", size),), line=line)
    key = "pool_size" if kind == "keras_pool" else "kernel_size"
    if key not in v and kind != "keras_pool":
        raise _unreadable(text, position, "has no kernel_size")
    kernel = _ints(key, v.get(key, 2), rank, text, position, 1)
    strides = v.get("strides")
    stride = kernel if kind == "keras_pool" and strides is None else _ints(
        "strides", 1 if strides is None else strides, rank, text, position, 1)
    padding = v.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise _unreadable(text, position, "padding must be 'same' or 'valid' in Keras")
    args = {"kernel": kernel, "stride": stride, "same": padding.lower() == "same",
            "dilation": _ints("dilation_rate", v.get("dilation_rate", 1), rank, text, position, 1)}
    if kind == "keras_transposed":
        op = v.get("output_padding")
        args["output_padding"] = None if op is None else _ints("output_padding", op, rank, text,
                                                                position)
        args["padding"] = padding
    return Spec(text, "keras_conv" if kind == "keras_pool" else kind, rank,
                tuple(sorted(args.items())), None, _channel(v.get("filters")), line)


def _upsample_spec(v: dict, text: str, position: str, line: int | None) -> Spec:
    size, scale = v.get("size"), v.get("scale_factor")
    if (size is None) == (scale is None):
        raise _unreadable(text, position, "needs one of size or scale_factor")
    if size is not None:
        return Spec(text, "upsample", None, (("size", _ints("size", size, 1 if isinstance(
            size, int) else len(size) or 1, text, position, 1)),), line=line)
    items = scale if isinstance(scale, (tuple, list)) else (scale,)
    if not items or not all(isinstance(f, (int, float)) and not isinstance(f, bool) and 0 < f
                            < 1e6 for f in items):
        raise _unreadable(text, position, "scale_factor must be a positive number or a tuple")
    return Spec(text, "upsample", None, (("scale", tuple(items)),), line=line)


def parse_layers(texts: Sequence[str]) -> list[Spec]:
    """Constructors given one by one (the command line's arguments)."""
    return [parse_layer(text, f"layer {index + 1}") for index, text in enumerate(texts)]


def from_text(text: str) -> list[Spec]:
    """Every layer constructor call in a file (a model's .py, a notes file), in order, with its
    line number; calls of other names are skipped. Python source is read with `ast` (comments
    and strings are not code); other text is scanned for the layers' names."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        tree = None
    if tree is not None:
        calls = sorted((node.lineno, node.col_offset, ast.get_source_segment(text, node))
                       for node in ast.walk(tree) if isinstance(node, ast.Call)
                       and _NAME.fullmatch(ast.get_source_segment(text, node.func) + "("))
        found = [(line, call) for line, _, call in calls]
    else:
        found = []
        for match in _NAME.finditer(text):
            end = _closing(text, match.end() - 1)
            call = text[match.start():end] if end else text[match.start():match.end()]
            found.append((text.count("\n", 0, match.start()) + 1, call))
    return [parse_layer(call, f"layer {index + 1} (line {line})", line)
            for index, (line, call) in enumerate(found)]


def _closing(text: str, start: int) -> int | None:
    """The index after the parenthesis that closes the one at `start` (strings skipped)."""
    depth, quote, index = 0, None, start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


# ---------------------------------------------------------------------------------------------
# Sizes through a stack.


def axes(spec: Spec, sizes: Sequence[int]) -> tuple[g.Axis, ...]:
    """A conv or transposed layer's canonical axes at these input sizes."""
    p = spec.params
    if spec.kind in ("keras_conv", "keras_transposed"):
        return tuple(_keras_axis(spec, p, i, index) for index, i in enumerate(sizes))
    return tuple(g.Axis(i, k, s, lo, hi, d, op) for i, k, s, (lo, hi), d, op in zip(
        sizes, p["kernel"], p["stride"], p["pads"], p["dilation"],
        p.get("output_padding", (0,) * len(sizes))))


def _keras_axis(spec: Spec, p: dict, i: int, index: int) -> g.Axis:
    k, s, d = p["kernel"][index], p["stride"][index], p["dilation"][index]
    e = d * (k - 1) + 1
    if spec.kind == "keras_transposed":
        try:
            return _keras_transposed(p, i, index, k, s, d)
        except ParameterError as error:
            raise _unreadable(spec.text, "layer", str(error)) from None
    if not p["same"]:
        return g.Axis(i, k, s, 0, 0, d)
    total = max((-(-i // s) - 1) * s + e - i, 0)
    return g.Axis(i, k, s, total // 2, total - total // 2, d)


def _keras_transposed(p: dict, i: int, index: int, k: int, s: int, d: int) -> g.Axis:
    from .frameworks import from_keywords, to_layer

    arguments = {"kernel_size": k, "strides": s, "padding": p["padding"], "dilation_rate": d}
    if p["output_padding"] is not None:
        arguments["output_padding"] = p["output_padding"][index]
    return to_layer(from_keywords("keras", arguments, (i,)))[0]


def output_sizes(spec: Spec, sizes: Sequence[int], position: str) -> tuple[int, ...]:
    """PyTorch's (Keras's) output sizes of one layer, or NoAnswer naming it and the rule."""
    rank = len(sizes)
    if spec.rank is not None and spec.rank != rank:
        raise ParameterError("layers", spec.text, f"{position} {spec.text!r} is {spec.rank}-d "
                             f"but its input has {rank} spatial axes")
    p = spec.params
    if spec.kind == "pass":
        return tuple(sizes)
    if spec.kind == "upsample":
        if "size" in p:
            values = p["size"] * rank if len(p["size"]) == 1 else p["size"]
            if len(values) != rank:
                raise ParameterError("layers", spec.text, f"{position} {spec.text!r} gives "
                                     f"{len(values)} sizes for {rank} axes")
            return tuple(values)
        scale = p["scale"] * rank if len(p["scale"]) == 1 else p["scale"]
        if len(scale) != rank:
            raise ParameterError("layers", spec.text, f"{position} {spec.text!r} gives "
                                 f"{len(scale)} scale factors for {rank} axes")
        return tuple(floor(i * f) for i, f in zip(sizes, scale))
    if spec.kind in ("maxpool", "avgpool"):
        if spec.kind == "avgpool" and rank == 3 and any(i < k for i, k in zip(sizes, p["kernel"])):
            raise NoAnswer(f"{position} {spec.text!r} fails: AvgPool3d needs an input at least "
                           f"as large as its kernel (input {'×'.join(map(str, sizes))}, PyTorch: "
                           "\"input image smaller than kernel size\")")
        return tuple(_pool(i, k, s, lo, d, p["ceil_mode"], spec.text, position)
                     for i, k, s, (lo, _), d in zip(sizes, p["kernel"], p["stride"], p["pads"],
                                                    p["dilation"]))
    layer = axes(spec, sizes)
    if spec.kind in ("conv", "keras_conv"):
        for a in layer:
            padded = a.size + a.pad_lo + a.pad_hi
            if padded < a.extent:
                raise NoAnswer(f"{position} {spec.text!r} fails: the padded input ({padded}) is "
                               f"smaller than the kernel's extent d×(k−1)+1 = {a.extent} "
                               f"(input {'×'.join(map(str, sizes))})")
        return tuple(a.conv_output for a in layer)
    for a in layer:
        if a.output < 1:
            raise NoAnswer(f"{position} {spec.text!r} fails: its output would have size "
                           f"{g.transposed_formula(a)} = {a.output}; it must be at least 1")
    return tuple(a.output for a in layer)


def _pool(i: int, k: int, s: int, p: int, d: int, ceil_mode: bool, text: str,
          position: str) -> int:
    """PyTorch's pooling_output_shape, with ceil_mode's last-window rule."""
    out = (i + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= i + p:
        out -= 1
    if out < 1:
        raise NoAnswer(f"{position} {text!r} fails: its output would have size {out} from "
                       f"input {i}; it must be at least 1 (PyTorch: \"Output size is too "
                       "small\")")
    return out


def chain(sizes: Sequence[int], layers: Sequence[Spec],
          channels: int | None = None) -> list[Step]:
    """Every layer's sizes in → out; NoAnswer at the first layer that fails. With `channels`
    (the input's), they are tracked, and a layer expecting others fails, as in PyTorch."""
    if not sizes:
        raise ParameterError("input", "", "is needed: the input size per axis")
    for index, i in enumerate(sizes):
        if not 1 <= i <= g.MAX_VALUE:
            raise ParameterError("input", i, f"must be between 1 and {g.MAX_VALUE}",
                                 index if len(sizes) > 1 else None)
    steps: list[Step] = []
    current = tuple(sizes)
    for index, spec in enumerate(layers):
        position = spec.where(index)
        if channels is not None and spec.in_channels is not None and spec.in_channels != (
                channels):
            raise NoAnswer(f"{position} {spec.text!r} fails: it expects {spec.in_channels} "
                           f"input channels but gets {channels}")
        try:
            out = output_sizes(spec, current, position)
        except NoAnswer as error:
            error.steps = steps  # the layers that worked, for a report up to the failure
            raise
        if channels is not None and spec.kind not in ("pass", "upsample", "maxpool",
                                                       "avgpool"):
            channels = spec.out_channels
        steps.append(Step(spec.text, current, out, channels, spec.line))
        current = out
    return steps


# ---------------------------------------------------------------------------------------------
# Overlap: contributions per output cell through the stack.


@dataclass(frozen=True)
class StackOverlap:
    """Per axis, the fewest and most input contributions (paths through every kernel tap) an
    output cell gets; ratio is most/fewest (None when some cell gets none)."""

    min: tuple[int, ...]
    max: tuple[int, ...]

    @property
    def ratio(self) -> tuple[float | None, ...]:
        return tuple(None if lo == 0 else hi / lo for lo, hi in zip(self.min, self.max))


#: Largest cell count per axis that overlap computes.
OVERLAP_BUDGET = 1_000_000


def overlap(sizes: Sequence[int], layers: Sequence[Spec]) -> StackOverlap:
    """The fewest and most contributions per output cell, per axis (`overlap_counts`)."""
    per_axis = overlap_counts(sizes, layers)
    return StackOverlap(tuple(int(v.min()) for v in per_axis),
                        tuple(int(v.max()) for v in per_axis))


def overlap_counts(sizes: Sequence[int], layers: Sequence[Spec]) -> list:
    """Per axis, the input contributions each output cell gets (numpy arrays of Python ints):
    ones through the stack with all-ones kernels, one axis at a time (layers are separable,
    so a cell of an N-d output gets the product of its axes' counts): conv and pooling
    windows sum, transposed layers scatter, Upsample copies (nearest)."""
    import numpy as np

    steps = chain(sizes, layers)
    per_axis = []
    for axis in range(len(sizes)):
        if max([sizes[axis]] + [s.output[axis] for s in steps]) > OVERLAP_BUDGET:
            raise NoAnswer(f"--overlap is computed for up to {OVERLAP_BUDGET} cells per axis")
        v = np.ones(sizes[axis], dtype=object)
        for spec, step in zip(layers, steps):
            v = _counts(np, spec, step, axis, v)
        per_axis.append(v)
    return per_axis


def _counts(np, spec: Spec, step: Step, axis: int, v):
    out = step.output[axis]
    if spec.kind == "pass":
        return v
    if spec.kind == "upsample":
        i = len(v)
        scale = spec.params.get("scale")
        if scale is not None:
            f = scale[0] if len(scale) == 1 else scale[axis]
            source = [min(floor(o / f), i - 1) for o in range(out)]
        else:
            source = [min(o * i // out, i - 1) for o in range(out)]
        return v[source]
    p = spec.params
    if spec.kind in ("maxpool", "avgpool"):
        k, s = p["kernel"][axis], p["stride"][axis]
        lo, d = p["pads"][axis][0], p["dilation"][axis]
        a = g.Axis(len(v), k, s, lo, lo, d)
    else:
        a = axes(spec, step.input)[axis]
        a = replace(a, size=len(v))
    if spec.kind in ("transposed", "keras_transposed"):
        full = np.zeros(max(a.full, a.pad_lo + out) + max(0, -a.pad_lo), dtype=object)
        shift = max(0, -a.pad_lo)
        for t in range(a.kernel):
            start = shift + t * a.dilation
            full[start:start + (a.size - 1) * a.stride + 1:a.stride] += v
        return full[shift + a.pad_lo:shift + a.pad_lo + out]
    right = max(0, (out - 1) * a.stride + a.extent - a.size - a.pad_lo)
    padded = np.concatenate([np.zeros(a.pad_lo, dtype=object), v,
                             np.zeros(right, dtype=object)])
    total = np.zeros(out, dtype=object)
    for t in range(a.kernel):
        start = t * a.dilation
        total += padded[start:start + (out - 1) * a.stride + 1:a.stride]
    return total


# ---------------------------------------------------------------------------------------------
# U-Net: an encoder of `depth` downs, a decoder of as many ups, each concatenated with its skip.


@dataclass(frozen=True)
class Decoder:
    """One decoder step: the up layer's input, its skip, the output_padding that makes them
    equal (None: none is legal), the output, and the crop (negative) or pad per axis that
    would match otherwise."""

    input: tuple[int, ...]
    skip: tuple[int, ...]
    output_padding: tuple[int, ...] | None
    output: tuple[int, ...]
    matches: bool
    output_size_ok: bool
    difference: tuple[int, ...]


@dataclass(frozen=True)
class UNet:
    levels: tuple[tuple[int, ...], ...]
    decoder: tuple[Decoder, ...]
    below: tuple[int | None, ...]
    above: tuple[int | None, ...]
    valid: tuple[tuple[int, ...], ...] | None = None


DEFAULT_DOWN = "MaxPool2d(2)"
DEFAULT_UP = "ConvTranspose2d(kernel_size=2, stride=2)"
#: Most sizes scanned each way for the nearest exact input, and the widest --valid range.
SCAN_LIMIT = 100_000


def _with_rank(spec: Spec, rank: int) -> Spec:
    """`--down`/`--up` written for 2-d, applied to the rank of `--in` (the defaults)."""
    if spec.rank in (None, rank):
        return spec
    args = tuple((k, v[:1] * rank if isinstance(v, tuple) and len(set(v)) == 1 else v)
                 for k, v in spec.args)
    return replace(spec, rank=rank, args=args)


def levels_of(sizes: Sequence[int], depth: int, down: Spec) -> list[tuple[int, ...]]:
    levels = [tuple(sizes)]
    for level in range(depth):
        levels.append(output_sizes(down, levels[-1], f"down {level + 1}"))
    return levels


def decoder_step(up: Spec, x: tuple[int, ...], skip: tuple[int, ...], position: str) -> Decoder:
    """The up layer at `x`, made to match `skip` when an output_padding can."""
    out = output_sizes(up if up.kind != "transposed" else _no_op(up), x, position)
    if up.kind == "transposed":
        layer = axes(_no_op(up), x)
        # forward(x, output_size=…) ignores dilation: it takes only sizes below a stride more
        fits = all(t in g.torch_output_size_range(a) for a, t in zip(layer, skip))
        try:
            solved = g.solve(layer, skip, given_input=True)
            ops = tuple(a.output_padding for a in solved)
            return Decoder(x, skip, ops, tuple(skip), True, fits, (0,) * len(x))
        except (NoAnswer, ParameterError):
            return Decoder(x, skip, None, out, False, fits,
                           tuple(t - o for t, o in zip(skip, out)))
    return Decoder(x, skip, None, out, out == tuple(skip), False,
                   tuple(t - o for t, o in zip(skip, out)))


def _no_op(up: Spec) -> Spec:
    args = tuple((k, (0,) * len(v) if k == "output_padding" else v) for k, v in up.args)
    return replace(up, args=args)


def exact(size: int, axis_down: Spec, axis_up: Spec, depth: int) -> bool:
    """One axis: every decoder step equals its skip with output_padding 0 (and every down
    works)."""
    try:
        levels = levels_of((size,), depth, axis_down)
        for level in range(depth, 0, -1):
            out = output_sizes(_no_op(axis_up), levels[level], "up")
            if out != levels[level - 1]:
                return False
    except (NoAnswer, ParameterError):
        return False
    return True


def _axis_spec(spec: Spec, axis: int) -> Spec:
    args = tuple((k, v[axis:axis + 1] if isinstance(v, tuple) and len(v) > 1 else v)
                 for k, v in spec.args)
    return replace(spec, rank=None if spec.rank is None else 1, args=args)


def unet(sizes: Sequence[int], depth: int, down: Spec, up: Spec,
         valid: Sequence[tuple[int, int]] | None = None) -> UNet:
    """Levels, decoder steps (bottleneck first), the nearest exact sizes, and the exact sizes
    in each `valid` range per axis."""
    rank = len(sizes)
    if not 1 <= depth <= 64:
        raise ParameterError("depth", depth, "must be between 1 and 64")
    chain(sizes, [])  # checks the sizes
    down, up = _with_rank(down, rank), _with_rank(up, rank)
    levels = levels_of(sizes, depth, down)
    decoder = tuple(decoder_step(up, levels[n], levels[n - 1], f"up {depth - n + 1}")
                    for n in range(depth, 0, -1))
    below, above = [], []
    for axis in range(rank):
        d, u = _axis_spec(down, axis), _axis_spec(up, axis)
        below.append(_scan(sizes[axis], -1, d, u, depth))
        above.append(_scan(sizes[axis], 1, d, u, depth))
    ranges = None
    if valid is not None:
        ranges = g.broadcast(valid, rank)
        for lo, hi in ranges:
            if not 1 <= lo <= hi or hi - lo > SCAN_LIMIT:
                raise ParameterError("valid", f"{lo}:{hi}", f"must be a range A:B with 1 ≤ A ≤ B "
                                     f"and at most {SCAN_LIMIT} sizes")
        ranges = tuple(tuple(i for i in range(lo, hi + 1)
                             if exact(i, _axis_spec(down, axis), _axis_spec(up, axis), depth))
                       for axis, (lo, hi) in enumerate(ranges))
    return UNet(tuple(levels), decoder, tuple(below), tuple(above), ranges)


def _scan(start: int, step: int, down: Spec, up: Spec, depth: int) -> int | None:
    """The nearest exact size from `start` in direction `step`, scanning a bounded range."""
    stride = max(down.params.get("stride", (1,)) + down.params.get("scale", (1,)))
    size = start
    for _ in range(min(SCAN_LIMIT, 2 * int(stride) ** depth + 16)):
        if size < 1:
            return None
        if exact(size, down, up, depth):
            return size
        size += step
    return None
