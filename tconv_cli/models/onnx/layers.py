"""The conv-like nodes (Conv, ConvTranspose, the pools, Resize) in tconv's record: attributes
resolved to explicit begin/end pads per axis (from `auto_pad` and `output_shape` as the current
ONNX spec says), the output tconv's arithmetic gives from an input shape, and warnings where
runtimes are known to differ or refuse (ConvTranspose through `frameworks.onnx`, the one place
that knows ONNX's ConvTranspose rules)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ...errors import ParameterError
from ...frameworks import FrameworkWords, layer_from, notes, to_layer
from ...frameworks.base import Deviation
from ...frameworks.onnx import FRAMEWORK, SAME
from ...geometry import Axis, Layer, pool_output, same_padding
from ..record import ModelLayer
from .read import Shape, malformed_type

#: The nodes a report lists: what tconv explains.
LISTED = ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "Resize", "Upsample")
#: The listed nodes that make a tensor larger: the usual cause of a join that cannot run.
UP = ("ConvTranspose", "Resize", "Upsample")


def sizes(values) -> str:
    return "×".join(map(str, values))


# ---------------------------------------------------------------------------------------------
# What runtimes do with a ConvTranspose, beyond what frameworks.onnx says (importers, shape
# inference, TensorRT): one record each, with the sizes they give.


def _dropped(fl: FrameworkWords, layer: Layer) -> str:
    return sizes(a.full + a.output_padding for a in layer)


def _inferred(fl: FrameworkWords, layer: Layer) -> str:
    """onnx's shape inference: the total padding without output_padding, clamped at 0."""
    return sizes(a.full + a.output_padding - max(a.full - a.size * a.stride, 0) for a in layer)


def _same(fl: FrameworkWords) -> bool:
    return FRAMEWORK.padding_name(fl) in SAME and fl.output_shape is None


#: The deviation of onnx's own shape inference, said with its cause (the pass sees it happen).
SHAPE_INFERENCE = Deviation(
    "onnx's own shape inference",
    lambda fl, layer: _same(fl) and _inferred(fl, layer) != sizes(a.output for a in layer),
    "gives {other} here (it leaves output_padding out of the total padding and clamps that "
    "at 0, onnx/onnx#4299); the spec and the reference implementation give {spec}",
)

#: (deviation, the sizes it gives): its text takes `spec` (the spec's sizes) and `other`.
IMPORTERS: tuple[tuple[Deviation, Callable[[FrameworkWords, Layer], str]], ...] = (
    (
        Deviation(
            "TVM's Relax ONNX importer (before apache/tvm#19450) and OpenVINO's (before "
            "openvinotoolkit/openvino#32608)",
            lambda fl, layer: _same(fl) and any(a.pad_lo or a.pad_hi for a in layer),
            "dropped auto_pad on ConvTranspose and padded nothing: {other} instead of {spec}",
        ),
        _dropped,
    ),
    (SHAPE_INFERENCE, _inferred),
    (
        Deviation(  # frameworks.onnx's deviation says so for SAME_*; ONNX Runtime 1.31 for NOTSET
            "ONNX Runtime",
            lambda fl, layer: (
                fl.output_shape is not None
                and FRAMEWORK.padding_name(fl) == "NOTSET"
                and any(min(a.pad_lo, a.pad_hi) < 0 for a in layer)
            ),
            "refuses an output_shape beyond the full output, {other} (a negative total padding, "
            "which the spec fills with zeros): explicit pads, with a Pad node after, are portable",
        ),
        _dropped,
    ),
    (
        Deviation(
            "TVM's ONNX importer",
            lambda fl, layer: fl.output_shape is not None,
            "computed output_shape's padding wrongly before apache/tvm#11076; explicit pads and "
            "output_padding say the same everywhere",
        ),
        _dropped,
    ),
    (
        Deviation(
            "TensorRT",
            lambda fl, layer: len(layer) == 3 and any(a.pad_lo != a.pad_hi for a in layer),
            "refuses asymmetric padding in a 3-d ConvTranspose before 8.4 and on GPUs older than "
            "Volta (NVIDIA/TensorRT#1744, #2095)",
        ),
        _dropped,
    ),
)


def _warnings(fl: FrameworkWords, layer: Layer) -> list[str]:
    """frameworks.onnx's notes and deviations, then the importers'."""
    told = list(notes(fl))
    spec = sizes(a.output for a in layer)
    for deviation, other in IMPORTERS:
        if deviation.applies(fl, layer):
            told.append(deviation.note().format(spec=spec, other=other(fl, layer)))
    return told


# ---------------------------------------------------------------------------------------------
# One node.


@dataclass
class Listed:
    """A listed node at one input shape: its layer, tconv's output (None where tconv cannot
    tell), and for a ConvTranspose what `--fix` needs."""

    index: int
    layer: ModelLayer
    output: Shape
    source: Optional[FrameworkWords] = None  # a ConvTranspose's record, when it is valid
    flagged: bool = False  # a ConvTranspose whose auto_pad/output_shape runtimes read apart
    explains_inference: bool = False  # a warning already says what onnx's inference gives
    refused: Optional[str] = None  # why no runtime can run it (a rule of the op broken)


def listed(
    index: int,
    node,
    name: str,
    attrs: dict,
    x: Shape,
    weight: Shape,
    values: dict[str, Any],
    opset: int,
) -> Listed:
    """The layer of a listed node whose input has shape `x` (`weight`: its weight's shape)."""
    op = node.op_type
    if op == "ConvTranspose":
        return _conv_transpose(index, name, attrs, x, weight)
    if op in ("Resize", "Upsample"):
        return _resize(index, node, name, attrs, x, values, opset)
    return _window(index, op, name, attrs, x, weight)


def _common(attrs: dict, weight: Shape, rank: int):
    """Kernel (from kernel_shape or the weight's shape), strides and dilations."""
    kernel = list(
        attrs.get("kernel_shape") or (weight[2:] if weight and None not in weight[2:] else [])
    )
    stride = list(attrs.get("strides") or [1] * rank)
    dilation = list(attrs.get("dilations") or [1] * rank)
    return kernel, stride, dilation


def _conv_transpose(index, name, attrs, x: Shape, weight: Shape) -> Listed:
    rank = _rank(x, weight, attrs)
    group = attrs.get("group", 1) if type(attrs.get("group", 1)) is int else 1
    channels = None if weight is None or weight[1] is None else weight[1] * group
    wrong = malformed_type(attrs)
    if wrong:
        layer = ModelLayer(name, "ConvTranspose", input=x, warnings=[wrong])
        return Listed(index, layer, _whole(x, channels, None))
    kernel, stride, dilation = _common(attrs, weight, rank)
    layer = ModelLayer(
        name,
        "ConvTranspose",
        input=x,
        kernel_size=kernel or None,
        stride=stride,
        dilation=dilation,
        groups=group,
        output_padding=list(attrs.get("output_padding") or [0] * rank),
    )
    wrong = _malformed(attrs, kernel or None, stride, dilation, rank)
    if wrong:
        layer.warnings.append(wrong)
        return Listed(index, layer, _whole(x, channels, None))
    auto = attrs.get("auto_pad", "NOTSET")
    pads = attrs.get("pads")
    flagged = auto != "NOTSET" or "output_shape" in attrs
    if auto == "NOTSET" and "output_shape" not in attrs:
        layer.padding = [list(p) for p in _pairs(pads, rank)]
    else:
        layer.resolved_from = {
            key: attrs[key] for key in ("auto_pad", "output_shape") if key in attrs
        }
    spatial = None if x is None else x[2:]
    if not kernel or spatial is None or None in spatial or len(spatial) != rank:
        if layer.resolved_from:
            given = ", ".join(f"{key} {value}" for key, value in layer.resolved_from.items())
            layer.warnings.append(
                f"{given}: the pads depend on the input size, which is unknown here"
            )
        return Listed(index, layer, _whole(x, channels, None), None, flagged)
    try:
        fl = layer_from(
            "onnx",
            size=spatial,
            kernel_size=kernel,
            stride=stride,
            dilation=dilation,
            pads=pads,
            auto_pad=auto,
            output_padding=attrs.get("output_padding"),
            output_shape=attrs.get("output_shape"),
            groups=group,
        )
        record = to_layer(fl)
    except ParameterError as error:
        fl, record = _refused(error, spatial, kernel, stride, dilation, pads, attrs, auto, layer)
        flagged = True
        explained = False
        refused = str(error)
    else:
        layer.warnings += _warnings(fl, record)
        flagged = flagged or bool(layer.warnings)
        explained = SHAPE_INFERENCE.applies(fl, record)
        refused = None
    if record is None:
        return Listed(index, layer, _whole(x, channels, None), fl, flagged, refused=refused)
    layer.padding = [[a.pad_lo, a.pad_hi] for a in record]
    layer.output_padding = [a.output_padding for a in record]
    layer.output = _whole(x, channels, [a.output for a in record])
    return Listed(index, layer, layer.output, fl, flagged, explained, refused)


def _refused(error, spatial, kernel, stride, dilation, pads, attrs, auto, layer):
    """A ConvTranspose frameworks.onnx refuses: its rule as the warning, and, for explicit
    pads, the layer PyTorch's rules allow (output_padding below max(stride, dilation))."""
    layer.warnings.append(f"{error}")
    if error.param != "output_padding" or auto != "NOTSET" or "output_shape" in attrs:
        return None, None
    try:
        fl = layer_from(
            "torch",
            size=spatial,
            kernel_size=kernel,
            stride=stride,
            dilation=dilation,
            padding=_pairs(pads, len(spatial)),
            output_padding=attrs.get("output_padding"),
            groups=attrs.get("group", 1),
        )
        return fl, to_layer(fl)
    except ParameterError as again:
        layer.warnings.append(f"PyTorch: {again}")
        return None, None


def _window(index, op, name, attrs, x: Shape, weight: Shape) -> Listed:
    """Conv and the pools: the direct convolution's output size per axis."""
    rank = _rank(x, weight, attrs)
    if op == "Conv":
        channels = None if weight is None else weight[0]
    else:
        channels = None if x is None else x[1]
    wrong = malformed_type(attrs)
    if wrong:
        layer = ModelLayer(name, op, input=x, warnings=[wrong])
        return Listed(index, layer, _whole(x, channels, None))
    kernel, stride, dilation = _common(attrs, weight, rank)
    layer = ModelLayer(
        name,
        op,
        input=x,
        kernel_size=kernel or None,
        stride=stride,
        dilation=dilation,
        groups=attrs.get("group", 1) if op == "Conv" else None,
    )
    spatial = None if x is None else x[2:]
    wrong = _malformed(attrs, kernel or None, stride, dilation, rank)
    if wrong:
        layer.warnings.append(wrong)
        return Listed(index, layer, _whole(x, channels, None))
    auto = attrs.get("auto_pad", "NOTSET")
    if auto != "NOTSET":
        layer.resolved_from = {"auto_pad": auto}
    if auto in ("NOTSET", "VALID"):
        pairs = _pairs(attrs.get("pads") if auto == "NOTSET" else None, rank)
        layer.padding = [list(p) for p in pairs]
    if not kernel or spatial is None or None in spatial or len(spatial) != rank:
        return Listed(index, layer, _whole(x, channels, None))
    pool, ceil = op != "Conv", bool(attrs.get("ceil_mode"))
    out, pads = [], []
    for i, k, s, d, pair in zip(spatial, kernel, stride, dilation, _pairs(attrs.get("pads"), rank)):
        if auto in SAME:  # output ⌈i/s⌉: the padding that gives it, the odd one as named
            pair = _split(max(same_padding(Axis(i, k, s, dilation=d)), 0), auto)
        elif auto == "VALID":
            pair = (0, 0)
        out.append(pool_output(Axis(i, k, s, *pair, d), ceil and pool))
        pads.append(list(pair))
    layer.padding = pads
    layer.output = _whole(x, channels, [v if v >= 1 else None for v in out])
    if any(v < 1 for v in out):
        layer.warnings.append(
            f"the output would be empty ({sizes(out)}): the kernel does not fit the padded input"
        )
    if auto in SAME:
        layer.warnings += _same_warnings(op, auto, spatial, kernel, stride, dilation, out)
    return Listed(index, layer, layer.output)


def _same_warnings(op, auto, spatial, kernel, stride, dilation, out) -> list[str]:
    pool = op != "Conv"
    if any(d > 1 for d in dilation) and not pool:
        return [
            "ONNX Runtime refuses dilations with auto_pad " + auto + ' ("Dilation not '
            'supported for AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER"): explicit '
            "pads are portable"
        ]
    if any(d > 1 for d in dilation):
        return [
            f"ONNX Runtime pads a dilated {op} with auto_pad {auto} as if it were not "
            f"dilated: its output can differ from the spec's ⌈input / stride⌉, "
            f"{sizes(out)}; explicit pads are portable"
        ]
    if pool and any(same_padding(Axis(i, k, s)) < 0 for i, s, k in zip(spatial, stride, kernel)):
        return [
            f"ONNX Runtime refuses this {op}: with auto_pad {auto} and a kernel smaller "
            'than the stride its padding comes out negative ("padding values must be '
            f"non-negative\"); the spec's output is ⌈input / stride⌉, {sizes(out)}"
        ]
    return []


def _resize(index, node, name, attrs, x: Shape, values: dict[str, Any], opset: int) -> Listed:
    """Resize and Upsample with constant scales or sizes; computed ones are left to onnx's
    inference (the output is None here)."""
    layer = ModelLayer(name, node.op_type, input=x)
    if x is None:
        return Listed(index, layer, None)
    rank = len(x)

    def value(position: int):
        if position < len(node.input) and node.input[position]:
            return values.get(node.input[position])
        return None

    if node.op_type == "Upsample" or opset < 11:
        scales = attrs.get("scales")
        if scales is None:
            scales = value(1)
        given = None
    else:
        scales, given = value(2), value(3)
    axes = attrs.get("axes") or list(range(rank))
    if given is not None and len(given):
        if attrs.get("keep_aspect_ratio_policy", "stretch") != "stretch":
            layer.warnings.append(
                f"keep_aspect_ratio_policy {attrs['keep_aspect_ratio_policy']}: not resolved here"
            )
            return Listed(index, layer, None)
        out = list(x)
        for axis, size in zip(axes, given):
            out[int(axis)] = int(size)
    elif scales is not None and len(scales):
        full = [1.0] * rank
        for axis, scale in zip(axes, scales):
            full[int(axis)] = float(scale)
        if any(not s > 0 or math.isinf(s) for s in full):
            layer.warnings.append(
                f"scales {[float(s) for s in scales]} must be positive and "
                "finite: ONNX Runtime refuses this Resize (onnx's shape "
                "inference would give a negative size)"
            )
            layer.scale = full[2:]
            return Listed(index, layer, _whole(x, x[1], None))
        if attrs.get("coordinate_transformation_mode") == "tf_crop_and_resize":
            layer.warnings.append("tf_crop_and_resize: the sizes depend on roi, not resolved here")
            return Listed(index, layer, None)
        out = [None if i is None else math.floor(i * s) for i, s in zip(x, full)]
    else:  # computed at run time: onnx's inference knows them
        return Listed(index, layer, None)
    layer.output = out
    return Listed(index, layer, out)


def finish_resize(layer: ModelLayer, x: Shape, out: Shape) -> None:
    """A Resize's output and scale from the shapes (when tconv did not compute them)."""
    layer.output = out
    if x is not None and out is not None and len(x) == len(out):
        layer.scale = [
            None if i is None or o is None or i == 0 else o / i for i, o in zip(x[2:], out[2:])
        ]


# ---------------------------------------------------------------------------------------------
# Arithmetic.


def _split(total: int, auto: str) -> tuple[int, int]:
    """SAME_UPPER puts the odd element at the end, SAME_LOWER at the begin."""
    small = total // 2
    return (small, total - small) if auto == "SAME_UPPER" else (total - small, small)


def _rank(x: Shape, weight: Shape, attrs: dict) -> int:
    if x is not None:
        return len(x) - 2
    if weight is not None:
        return len(weight) - 2
    kernel = attrs.get("kernel_shape")
    return len(kernel) if isinstance(kernel, list) and kernel else 2


def _malformed(attrs: dict, kernel, stride, dilation, rank: int) -> Optional[str]:
    """What is wrong with a node's window attributes (lengths against the input's rank, sizes
    at least 1, pads at least 0), or None: such a node has no output tconv can tell."""
    for name, values, length in (
        ("kernel_shape", kernel, rank),
        ("strides", stride, rank),
        ("dilations", dilation, rank),
        ("pads", attrs.get("pads"), 2 * rank),
        ("output_padding", attrs.get("output_padding"), rank),
    ):
        if values is None or (name in ("pads", "output_padding") and not values):
            continue
        if len(values) != length:
            return (
                f"{name}={list(values)} has {len(values)} values; a {rank}-d node needs "
                f"{length}: its output is unknown"
            )
        low = 0 if name in ("pads", "output_padding") else 1
        if any(v < low for v in values):
            return f"{name}={list(values)} must be at least {low}: its output is unknown"
    return None


def _pairs(pads: Optional[Sequence[int]], rank: int) -> list[tuple[int, int]]:
    """ONNX's pads `[begins…, ends…]` as (begin, end) per axis; none: zeros."""
    if not pads:
        return [(0, 0)] * rank
    half = len(pads) // 2
    return list(zip(pads[:half], pads[half:]))


def _whole(x: Shape, channels, spatial) -> Shape:
    """A whole output shape: batch from `x`, `channels`, and `spatial` (None: unknown)."""
    if x is None:
        return None
    rank = len(x) - 2
    return [x[0], channels, *(spatial if spatial is not None else [None] * rank)]
