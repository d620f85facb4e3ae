"""Layer constructors read from their text (parsed with `ast`, never run): one Spec per call.

PyTorch's `Conv*d`, `ConvTranspose*d`, `MaxPool*d`/`AvgPool*d`, `Upsample`, shape-preserving
layers, and Keras's `Conv*D[Transpose]`, `MaxPooling*D`, `UpSampling*D`. Pure Python.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import geometry as g
from ..errors import ParameterError

#: Layers that keep the spatial size (and, except normalisations, the channels).
PASS_THROUGH = (
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "GroupNorm",
    "LayerNorm",
    "LocalResponseNorm",
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Tanh",
    "Sigmoid",
    "Hardtanh",
    "Hardswish",
    "Hardsigmoid",
    "Softplus",
    "Softmax",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "AlphaDropout",
    "Identity",
    "BatchNormalization",
    "LayerNormalization",
    "Activation",
    "Dropout",
    "LeakyReLU",
    "SpatialDropout2D",
)
_TORCH = re.compile(r"(ConvTranspose|Conv|MaxPool|AvgPool)([123])d")
_KERAS = re.compile(r"(Conv|MaxPooling|AveragePooling|UpSampling)([123])D(Transpose)?")
_UPSAMPLE = ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d")
ACCEPTED = (
    "Conv1d/2d/3d, ConvTranspose1d/2d/3d, MaxPool1d/2d/3d, AvgPool1d/2d/3d, Upsample, "
    "shape-preserving layers (BatchNorm*, ReLU, Dropout, Identity…), Keras Conv1D/2D/3D, "
    "Conv1D/2D/3DTranspose, MaxPooling*D, AveragePooling*D, UpSampling*D"
)
_NAME = re.compile(
    r"\b(?:[A-Za-z_]\w*\.)*("
    + "|".join(
        [
            r"ConvTranspose[123]d",
            r"Conv[123]d",
            r"MaxPool[123]d",
            r"AvgPool[123]d",
            r"Conv[123]D(?:Transpose)?",
            r"MaxPooling[123]D",
            r"AveragePooling[123]D",
            r"UpSampling[123]D",
            *_UPSAMPLE,
            *sorted(set(PASS_THROUGH), key=len, reverse=True),
        ]
    )
    + r")\s*\("
)

_SIGNATURES = {
    "ConvTranspose": (
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "output_padding",
        "groups",
        "bias",
        "dilation",
        "padding_mode",
    ),
    "Conv": (
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "bias",
        "padding_mode",
    ),
    "MaxPool": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool": (
        "kernel_size",
        "stride",
        "padding",
        "ceil_mode",
        "count_include_pad",
        "divisor_override",
    ),
    "Upsample": ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
    "KerasConv": ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate"),
    "KerasConvTranspose": (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "output_padding",
        "data_format",
        "dilation_rate",
    ),
    "KerasPool": ("pool_size", "strides", "padding"),
    "KerasUp": ("size",),
}
_KERAS_IGNORED = {
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "name",
    "groups",
    "kernel_regularizer",
    "bias_regularizer",
    "data_format",
    "interpolation",
    "dtype",
    "trainable",
    "input_shape",
}


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


# ---------------------------------------------------------------------------------------------
# Reading constructors.


def unreadable(text: str, position: str, why: str) -> ParameterError:
    shown = text if len(text) <= 60 else text[:59] + "…"
    return ParameterError("layers", shown, f"{position} {shown!r} {why}")


def parse_layer(text: str, position: str = "layer 1", line: int | None = None) -> Spec:
    """One constructor call as written in a model's source → Spec; ParameterError otherwise."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise unreadable(
            text, position, f"is not a constructor call; tconv reads {ACCEPTED}"
        ) from None
    if not isinstance(tree, ast.Call):
        raise unreadable(text, position, f"is not a constructor call; tconv reads {ACCEPTED}")
    name = _callee(tree.func)
    if name is None:
        raise unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")
    if any(isinstance(a, ast.Starred) for a in tree.args) or any(
        k.arg is None for k in tree.keywords
    ):
        raise unreadable(text, position, "uses *args or **kwargs, which tconv cannot read")
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
        kind = {
            "ConvTranspose": "transposed",
            "Conv": "conv",
            "MaxPool": "maxpool",
            "AvgPool": "avgpool",
        }[family]
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
            raise unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")
        values = _arguments(call, _SIGNATURES[signature], text, position, _KERAS_IGNORED)
        return _keras_spec(kind, rank, values, text, position, line)
    if name in _UPSAMPLE:
        values = _arguments(call, _SIGNATURES["Upsample"], text, position, set())
        return _upsample_spec(values, text, position, line, name)
    if name in PASS_THROUGH:
        if re.fullmatch(r"BatchNorm[123]d|GroupNorm", name):
            return _norm_spec(name, call, text, line)
        return Spec(text, "pass", line=line)
    raise unreadable(text, position, f"is not a layer tconv reads; it reads {ACCEPTED}")


def _norm_spec(name: str, call: ast.Call, text: str, line: int | None) -> Spec:
    """BatchNormNd (N spatial axes, `num_features` channels) and GroupNorm (`num_channels`):
    what PyTorch checks of their input. Other arguments are not read."""
    slot, keyword = (1, "num_channels") if name == "GroupNorm" else (0, "num_features")
    nodes = list(call.args) + [k.value for k in call.keywords if k.arg == keyword]
    node = (
        nodes[slot]
        if len(call.args) > slot
        else (nodes[-1] if len(nodes) > len(call.args) else None)
    )
    try:
        channels = _channel(ast.literal_eval(node)) if node is not None else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        channels = None
    rank = int(name[-2]) if name.startswith("BatchNorm") else None
    return Spec(text, "pass", rank, (), channels, channels, line)


def _arguments(
    call: ast.Call, signature: Sequence[str], text: str, position: str, ignored: set[str]
) -> dict:
    """Positional and keyword arguments by name; values are literals, or None when a channel
    count or an ignored argument is an expression (a variable in a model's code)."""
    if len(call.args) > len(signature):
        raise unreadable(
            text,
            position,
            f"has {len(call.args)} positional arguments; it takes "
            f"at most {len(signature)} ({', '.join(signature)})",
        )
    nodes = dict(zip(signature, call.args))
    for keyword in call.keywords:
        if keyword.arg in nodes:
            raise unreadable(text, position, f"gives {keyword.arg} twice")
        if keyword.arg not in signature and keyword.arg not in ignored:
            raise unreadable(
                text,
                position,
                f"{keyword.arg} is not one of its arguments ({', '.join(signature)})",
            )
        nodes[keyword.arg] = keyword.value
    values = {}
    for key, node in nodes.items():
        try:
            values[key] = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            if key in (
                "in_channels",
                "out_channels",
                "filters",
                "bias",
                "groups",
                "mode",
                "padding_mode",
                "align_corners",
                *ignored,
            ):
                values[key] = None  # does not change the spatial size
            else:
                raise unreadable(
                    text,
                    position,
                    f"{key} is not a literal; tconv reads numbers and tuples, not expressions",
                ) from None
    return values


def _ints(
    name: str, value: object, rank: int, text: str, position: str, low: int = 0
) -> tuple[int, ...]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    if (
        len(items) not in (1, rank)
        or not all(type(v) is int and v >= low for v in items)
        or any(v > g.MAX_VALUE for v in items)
    ):
        raise unreadable(
            text, position, f"{name}={value!r} must be an int ≥ {low} or a tuple of {rank}"
        )
    return tuple(items) * rank if len(items) == 1 else tuple(items)


def _channel(value: object) -> int | None:
    return value if type(value) is int and value > 0 else None


def _torch_spec(kind: str, rank: int, v: dict, text: str, position: str, line: int | None) -> Spec:
    if "kernel_size" not in v:
        raise unreadable(text, position, "has no kernel_size")

    def ints(name, default, low=0):
        return _ints(name, v.get(name, default), rank, text, position, low)

    kernel = ints("kernel_size", None, 1)
    stride = (
        kernel
        if kind in ("maxpool", "avgpool") and v.get("stride") is None
        else ints("stride", 1, 1)
    )
    dilation = ints("dilation", 1, 1)
    padding = v.get("padding", 0)
    if isinstance(padding, str) and kind == "conv":
        if padding not in ("same", "valid"):
            raise unreadable(text, position, "padding must be 'same', 'valid' or numbers")
        if padding == "same" and max(stride) > 1:
            raise unreadable(
                text, position, "padding='same' is not supported for strided convolutions (PyTorch)"
            )
        total = [
            g.same_padding(g.Axis(1, k, 1, dilation=d)) if padding == "same" else 0
            for k, d in zip(kernel, dilation)
        ]
        pads = tuple(g.split_padding(t) for t in total)
    else:
        pads = tuple((p, p) for p in _ints("padding", padding, rank, text, position))
    args = {"kernel": kernel, "stride": stride, "dilation": dilation, "pads": pads}
    if kind == "transposed":
        args["output_padding"] = ints("output_padding", 0)
        for s, d, op in zip(stride, dilation, args["output_padding"]):
            limit = g.output_padding_limit(s, d)
            if op >= limit:
                raise unreadable(
                    text,
                    position,
                    f"output_padding must be smaller than stride "
                    f"or dilation (max({s}, {d}) = {limit})",
                )
    if kind in ("maxpool", "avgpool"):
        args["ceil_mode"] = bool(v.get("ceil_mode", False))
        for k, (p, _) in zip(kernel, pads):
            if p > k // 2:
                raise unreadable(
                    text,
                    position,
                    f"padding={p} must be at most half of kernel_size ({k}) (PyTorch)",
                )
    groups = v.get("groups", 1)
    channels = _channel(v.get("in_channels")), _channel(v.get("out_channels"))
    if (
        type(groups) is int
        and groups > 1
        and None not in channels
        and any(c % groups for c in channels)
    ):
        raise unreadable(
            text, position, f"in_channels and out_channels must be divisible by groups ({groups})"
        )
    return Spec(text, kind, rank, tuple(sorted(args.items())), *channels, line=line)


def _keras_spec(kind: str, rank: int, v: dict, text: str, position: str, line: int | None) -> Spec:
    if kind == "upsample":
        size = _ints("size", v.get("size", 2), rank, text, position, 1)
        return Spec(text, "upsample", rank, (("scale", size),), line=line)
    key = "pool_size" if kind == "keras_pool" else "kernel_size"
    if key not in v and kind != "keras_pool":
        raise unreadable(text, position, "has no kernel_size")
    kernel = _ints(key, v.get(key, 2), rank, text, position, 1)
    strides = v.get("strides")
    stride = (
        kernel
        if kind == "keras_pool" and strides is None
        else _ints("strides", 1 if strides is None else strides, rank, text, position, 1)
    )
    padding = v.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
        raise unreadable(text, position, "padding must be 'same' or 'valid' in Keras")
    args = {
        "kernel": kernel,
        "stride": stride,
        "same": padding.lower() == "same",
        "dilation": _ints("dilation_rate", v.get("dilation_rate", 1), rank, text, position, 1),
    }
    if kind == "keras_transposed":
        op = v.get("output_padding")
        args["output_padding"] = (
            None if op is None else _ints("output_padding", op, rank, text, position)
        )
        args["padding"] = padding
    return Spec(
        text,
        "keras_conv" if kind == "keras_pool" else kind,
        rank,
        tuple(sorted(args.items())),
        None,
        _channel(v.get("filters")),
        line,
    )


#: Upsample's modes and the spatial ranks PyTorch's interpolate takes each on.
UPSAMPLE_RANKS = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "area": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
}


def _upsample_spec(
    v: dict, text: str, position: str, line: int | None, name: str = "Upsample"
) -> Spec:
    size, scale = v.get("size"), v.get("scale_factor")
    if (size is None) == (scale is None):
        raise unreadable(text, position, "needs one of size or scale_factor")
    mode = "bilinear" if name == "UpsamplingBilinear2d" else v.get("mode", "nearest")
    if isinstance(mode, str) and mode not in UPSAMPLE_RANKS:
        raise unreadable(
            text, position, f"mode={mode!r} is not one of PyTorch's ({', '.join(UPSAMPLE_RANKS)})"
        )
    if (
        v.get("align_corners") is not None
        and isinstance(mode, str)
        and mode in ("nearest", "nearest-exact", "area")
    ):
        raise unreadable(
            text,
            position,
            "align_corners can only be set with the interpolating "
            "modes linear, bilinear, bicubic and trilinear (PyTorch)",
        )
    rank = 2 if name == "UpsamplingBilinear2d" else None
    common = (
        ("mode", mode if isinstance(mode, str) else None),
        ("scalar", not isinstance(size if scale is None else scale, (tuple, list))),
    )
    if size is not None:
        count = len(size) or 1 if isinstance(size, (tuple, list)) else 1
        return Spec(
            text,
            "upsample",
            rank,
            (("size", _ints("size", size, count, text, position, 1)), *common),
            line=line,
        )
    items = scale if isinstance(scale, (tuple, list)) else (scale,)
    if not items or not all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and 0 < f < 1e6 for f in items
    ):
        raise unreadable(text, position, "scale_factor must be a positive number or a tuple")
    return Spec(text, "upsample", rank, (("scale", tuple(items)), *common), line=line)


#: Most layers read from one text, and most characters of it.
MAX_LAYERS = 10_000
MAX_TEXT = 1_000_000
#: Longest constructor call read (a longer one is not a layer's).
_LONGEST_CALL = 10_000


def from_text(text: str) -> list[Spec]:
    """Every layer constructor call in a file (a model's .py, a notes file), in order, with its
    line number; calls of other names are skipped. Python source is read with `ast` (comments
    and strings are not code); other text is scanned for the layers' names."""
    check_length(text)
    names = _NAME.finditer(text)
    for _ in range(MAX_LAYERS + 1):  # counted before a parse that takes memory by the text
        if next(names, None) is None:
            break
    else:
        _most([None] * (MAX_LAYERS + 1))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        tree = None
    found = []
    if tree is not None:
        starts = [0]  # each line's offset: one pass, not get_source_segment's per call
        for line in text.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))

        def segment(node: ast.AST) -> str:
            return text[
                starts[node.lineno - 1] + _col(text, starts, node.lineno, node.col_offset) : starts[
                    node.end_lineno - 1
                ]
                + _col(text, starts, node.end_lineno, node.end_col_offset)
            ]

        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _NAME.fullmatch(segment(node.func) + "("):
                found.append((node.lineno, node.col_offset, segment(node)))
                _most(found)
        found = [(line, call) for line, _, call in sorted(found)]
    else:
        line, last = 1, 0
        matches = list(_NAME.finditer(text))
        for match, after in zip(matches, matches[1:] + [None]):
            line += text.count("\n", last, match.start())
            last = match.start()  # a layer's arguments hold no layer: stop at the next one
            end = _closing(text, match.end() - 1, None if after is None else after.start())
            call = text[match.start() : end] if end else text[match.start() : match.end()]
            found.append((line, call))
            _most(found)
    return [
        parse_layer(call, f"layer {index + 1} (line {line})", line)
        for index, (line, call) in enumerate(found)
    ]


def check_length(text: str) -> None:
    """A text longer than MAX_TEXT is refused before it is parsed."""
    if len(text) > MAX_TEXT:
        raise ParameterError(
            "layers",
            f"{len(text)} characters",
            f"the text holds {len(text):,} characters; tconv reads at most {MAX_TEXT:,}",
        )


def check_count(count: int) -> None:
    """More than MAX_LAYERS layers in one text are refused."""
    if count > MAX_LAYERS:
        raise ParameterError(
            "layers",
            f"{count} layers",
            f"the text holds more than {MAX_LAYERS:,} layers; tconv reads at most {MAX_LAYERS:,}",
        )


def _col(text: str, starts: list[int], lineno: int, offset: int) -> int:
    """ast's column (UTF-8 bytes) as a character offset in that line."""
    line = text[starts[lineno - 1] : starts[lineno]] if lineno < len(starts) else ""
    return (
        offset if line.isascii() else len(line.encode("utf-8")[:offset].decode("utf-8", "replace"))
    )


def _most(found: list) -> None:
    check_count(len(found))


def _closing(text: str, start: int, stop: int | None = None) -> int | None:
    """The index after the parenthesis that closes the one at `start` (strings skipped), if
    it comes before `stop` and within _LONGEST_CALL characters."""
    depth, quote, index = 0, None, start
    while index < min(len(text), start + _LONGEST_CALL, len(text) if stop is None else stop):
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
