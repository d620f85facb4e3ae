"""ONNX files: every Conv, ConvTranspose, pooling and resizing node in graph order, with its
attributes resolved to tconv's record (explicit begin/end pads per axis, from `auto_pad` and
`output_shape` as the current ONNX spec says), its input and output shapes, and warnings where
runtimes are known to differ or refuse. `fix` writes a copy whose flagged ConvTranspose nodes say
the same with explicit `pads` and `output_padding`.

Shapes are worked out here, node by node in graph order, with tconv's own geometry for the
convolution-like nodes (ConvTranspose through `frameworks.onnx`, the one place that knows ONNX's
ConvTranspose rules); other nodes pass shapes on where that is trivial, and a node whose inputs
are all constants is evaluated by the onnx reference implementation (Resize scales computed by
Shape, Gather, Concat…). What cannot be known is None, and the walk goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..errors import NoAnswer, ParameterError
from ..frameworks import FrameworkLayer, layer_from, notes, port, to_layer
from ..frameworks.base import Deviation
from ..frameworks.onnx import FRAMEWORK, SAME
from ..geometry import Axis, Layer
from . import Inspection, ModelLayer, check_input_shape

Shape = Optional[list]  # a tensor's dims (None for an unknown dim), None for an unknown rank

#: The nodes a report lists.
LISTED = ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "Resize", "Upsample")
#: Nodes whose first output has their first input's shape.
SAME_SHAPE = frozenset(
    "Relu LeakyRelu PRelu Elu Selu Celu Gelu Sigmoid HardSigmoid HardSwish Tanh Softplus "
    "Softsign Mish Swish Silu Clip Dropout BatchNormalization InstanceNormalization "
    "LayerNormalization GroupNormalization LpNormalization MeanVarianceNormalization LRN "
    "Identity Cast CastLike Neg Abs Exp Log Sqrt Reciprocal Floor Ceil Round Sign Erf Not "
    "Softmax LogSoftmax Hardmax Sin Cos ThresholdedRelu Shrink IsNaN IsInf".split())
#: Nodes that broadcast their inputs like numpy.
BROADCAST = frozenset("Add Sub Mul Div Pow Max Min Sum Mean Where Equal Less Greater "
                      "LessOrEqual GreaterOrEqual And Or Xor Mod BitShift".split())
_FOLD_LIMIT = 100_000  # elements: larger constants are not evaluated


def _onnx():
    try:
        import onnx  # noqa: PLC0415 - the optional extra, only where ONNX files are read
    except ImportError:
        raise NoAnswer("reading ONNX files needs the onnx package: pip install 'tconv[onnx]'"
                       ) from None
    return onnx


# ---------------------------------------------------------------------------------------------
# Reading a file.


def load(source: str):
    """The ModelProto in `source`; ParameterError("source", …) saying what is wrong with it."""
    onnx = _onnx()
    path = Path(source)
    if not path.exists():
        raise ParameterError("source", source, "does not exist")
    if path.is_dir():
        raise ParameterError("source", source, "is a directory, not an ONNX file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParameterError("source", source, f"cannot be read ({error.strerror})") from None
    if not data:
        raise ParameterError("source", source, "is empty, not an ONNX model")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as error:  # protobuf's DecodeError, or whatever a damaged file raises
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ParameterError("source", source, f"is not an ONNX model (truncated or another "
                                               f"format: {reason[:120]})") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ParameterError("source", source, "is not an ONNX model (it holds no graph: "
                                               "truncated or another format)")
    if not model.ir_version or not model.opset_import:
        raise ParameterError("source", source, "is not an ONNX model (no IR version or opset: "
                                               "truncated or another format)")
    return model


def inspect(source: str, *, input_shape: Optional[Sequence[int]] = None) -> Inspection:
    """Every listed node of the ONNX file `source`, its shapes from `input_shape` (the whole
    shape of the graph's first input) or the graph's declared input."""
    return _analyse(load(source), source, input_shape).inspection


# ---------------------------------------------------------------------------------------------
# What runtimes do with a ConvTranspose, beyond what frameworks.onnx says (importers, shape
# inference, TensorRT): one record each, with the sizes they give.


def _dropped(fl: FrameworkLayer, layer: Layer) -> str:
    return _sizes(a.full + a.output_padding for a in layer)


def _inferred(fl: FrameworkLayer, layer: Layer) -> str:
    """onnx's shape inference: the total padding without output_padding, clamped at 0."""
    return _sizes(a.full + a.output_padding - max(a.full - a.size * a.stride, 0) for a in layer)


def _same(fl: FrameworkLayer) -> bool:
    return FRAMEWORK.padding_name(fl) in SAME and fl.output_shape is None


#: (deviation, the sizes it gives): its text takes `spec` (the spec's sizes) and `other`.
IMPORTERS: tuple[tuple[Deviation, Callable[[FrameworkLayer, Layer], str]], ...] = (
    (Deviation(
        "TVM's Relax ONNX importer (before apache/tvm#19450) and OpenVINO's (before "
        "openvinotoolkit/openvino#32608)",
        lambda fl, layer: _same(fl) and any(a.pad_lo or a.pad_hi for a in layer),
        "dropped auto_pad on ConvTranspose and padded nothing: {other} instead of {spec}"),
     _dropped),
    (Deviation(
        "onnx's own shape inference",
        lambda fl, layer: _same(fl) and _inferred(fl, layer) != _sizes(a.output for a in layer),
        "gives {other} here (it leaves output_padding out of the total padding and clamps that "
        "at 0, onnx/onnx#4299); the spec and the reference implementation give {spec}"),
     _inferred),
    (Deviation(  # frameworks.onnx's deviation says so for SAME_*; ONNX Runtime 1.31 for NOTSET
        "ONNX Runtime",
        lambda fl, layer: (fl.output_shape is not None and FRAMEWORK.padding_name(fl) == "NOTSET"
                           and any(min(a.pad_lo, a.pad_hi) < 0 for a in layer)),
        "refuses an output_shape beyond the full output, {other} (a negative total padding, "
        "which the spec fills with zeros): explicit pads, with a Pad node after, are portable"),
     _dropped),
    (Deviation(
        "TVM's ONNX importer",
        lambda fl, layer: fl.output_shape is not None,
        "computed output_shape's padding wrongly before apache/tvm#11076; explicit pads and "
        "output_padding say the same everywhere"),
     _dropped),
    (Deviation(
        "TensorRT",
        lambda fl, layer: len(layer) == 3 and any(a.pad_lo != a.pad_hi for a in layer),
        "refuses asymmetric padding in a 3-d ConvTranspose before 8.4 and on GPUs older than "
        "Volta (NVIDIA/TensorRT#1744, #2095)"),
     _dropped),
)


def _sizes(values) -> str:
    return "×".join(map(str, values))


def _warnings(fl: FrameworkLayer, layer: Layer) -> list[str]:
    """frameworks.onnx's notes and deviations, then the importers'."""
    told = list(notes(fl))
    spec = _sizes(a.output for a in layer)
    for deviation, other in IMPORTERS:
        if deviation.applies(fl, layer):
            told.append(deviation.note().format(spec=spec, other=other(fl, layer)))
    return told


# ---------------------------------------------------------------------------------------------
# The walk through the graph.


@dataclass
class _Transposed:
    """A ConvTranspose node as `fix` needs it: its record and the layer to port."""

    index: int
    layer: ModelLayer
    source: Optional[FrameworkLayer]  # None when its input size is unknown or it is invalid
    flagged: bool


@dataclass
class _Analysis:
    inspection: Inspection
    transposed: list[_Transposed] = field(default_factory=list)


def _attributes(node) -> dict[str, Any]:
    onnx = _onnx()
    values = {}
    for attribute in node.attribute:
        value = onnx.helper.get_attribute_value(attribute)
        values[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return values


def _declared(value_info) -> Shape:
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]


def _dim_names(value_info) -> str:
    return "×".join(d.dim_param or "?" if not d.HasField("dim_value") else str(d.dim_value)
                    for d in value_info.type.tensor_type.shape.dim)


def _start(model, source: str, input_shape: Optional[Sequence[int]]) -> dict[str, Shape]:
    """The shapes of the graph's inputs: `input_shape` for the first, the declared ones else."""
    graph = model.graph
    initialized = {t.name for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in initialized]
    shapes = {v.name: _declared(v) for v in inputs}
    if not inputs:
        return shapes
    first = inputs[0]
    declared = shapes[first.name]
    if input_shape is None:
        if declared is None or None in declared[1:]:
            shown = "unknown" if declared is None else _dim_names(first)
            raise ParameterError(
                "input_shape", "", f"is needed: the input '{first.name}' of {source} has "
                f"dynamic dimensions ({shown}); give its whole shape, e.g. 1,3,224,224")
        return shapes
    given = list(check_input_shape(input_shape))
    text = ",".join(map(str, given))
    if declared is not None and len(given) != len(declared):
        raise ParameterError("input_shape", text, f"has {len(given)} dimensions but the input "
                             f"'{first.name}' of {source} has {len(declared)} "
                             f"({_dim_names(first)})")
    if len(given) < 3:
        raise ParameterError("input_shape", text, "needs batch, channels and at least one "
                             "spatial size, e.g. 1,3,224,224")
    # other sizes than the declared ones are a question worth asking (what if the input were
    # 101×75?); other channels are not: the weights fix them
    if declared is not None and declared[1] is not None and declared[1] != given[1]:
        raise ParameterError("input_shape", text, f"gives {given[1]} channels, but the model's "
                             f"weights take {declared[1]} ({_dim_names(first)})")
    shapes[first.name] = given
    return shapes


def _analyse(model, source: str, input_shape: Optional[Sequence[int]]) -> _Analysis:
    _onnx()
    from onnx import numpy_helper  # noqa: PLC0415

    graph = model.graph
    walk = _Walk(_opset(model), _start(model, source, input_shape))
    for tensor in graph.initializer:
        walk.shapes[tensor.name] = list(tensor.dims)
        external = tensor.data_location == tensor.EXTERNAL  # weights beside the file: unread
        if _count(tensor.dims) <= _FOLD_LIMIT and not external:
            try:
                walk.values[tensor.name] = numpy_helper.to_array(tensor)
            except Exception:  # a tensor its own file cannot decode: its value stays unknown
                pass
    analysis = _Analysis(Inspection(source, []))
    for index, node in enumerate(graph.node):
        name = node.name or f"{node.op_type}#{index}"
        layer = walk.node(node, name, analysis, index)
        if layer is not None:
            analysis.inspection.layers.append(layer)
    return analysis


def _opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)


def _count(dims) -> int:
    return math.prod(dims) if dims else 1


class _Walk:
    """Shapes (and small constant values) of the tensors seen so far."""

    def __init__(self, opset: int, shapes: dict[str, Shape]):
        self.opset = opset
        self.shapes: dict[str, Shape] = dict(shapes)
        self.values: dict[str, Any] = {}

    def shape(self, name: str) -> Shape:
        return self.shapes.get(name) if name else None

    def value(self, node, position: int) -> Any:
        if position < len(node.input) and node.input[position]:
            return self.values.get(node.input[position])
        return None

    def node(self, node, name: str, analysis: _Analysis, index: int) -> Optional[ModelLayer]:
        attrs = _attributes(node)
        op = node.op_type
        layer = None
        if node.domain not in ("", "ai.onnx"):
            outputs: list[Shape] = [None] * len(node.output)
        elif op == "ConvTranspose":
            layer, out = self.conv_transpose(node, name, attrs, analysis, index)
            outputs = [out]
        elif op in ("Conv", "MaxPool", "AveragePool", "LpPool"):
            layer, out = self.window(node, name, attrs)
            outputs = [out, out if op == "MaxPool" else None]
        elif op in ("Resize", "Upsample"):
            layer, out = self.resize(node, name, attrs)
            outputs = [out]
        else:
            outputs = self.other(node, attrs)
        for position, output in enumerate(node.output):
            if output and position < len(outputs):
                self.shapes[output] = outputs[position]
        return layer

    # -- the listed nodes ---------------------------------------------------------------------

    def _common(self, node, attrs, rank: int):
        """Kernel (from kernel_shape or the weight's shape), strides and dilations."""
        weight = self.shape(node.input[1]) if len(node.input) > 1 else None
        kernel = list(attrs.get("kernel_shape") or
                      (weight[2:] if weight and None not in weight[2:] else []))
        stride = list(attrs.get("strides") or [1] * rank)
        dilation = list(attrs.get("dilations") or [1] * rank)
        return kernel, stride, dilation

    def conv_transpose(self, node, name, attrs, analysis: _Analysis, index: int):
        x = self.shape(node.input[0])
        weight = self.shape(node.input[1]) if len(node.input) > 1 else None
        rank = _rank(x, weight, attrs)
        kernel, stride, dilation = self._common(node, attrs, rank)
        group = attrs.get("group", 1)
        layer = ModelLayer(name, "ConvTranspose", input=x, kernel_size=kernel or None,
                           stride=stride, dilation=dilation, groups=group,
                           output_padding=list(attrs.get("output_padding") or [0] * rank))
        wrong = _malformed(attrs, kernel or None, stride, dilation, rank)
        if wrong:
            layer.warnings.append(wrong)
            analysis.transposed.append(_Transposed(index, layer, None, False))
            channels = None if weight is None or weight[1] is None else weight[1] * group
            layer.output = _whole(x, channels, None)
            return layer, layer.output
        auto = attrs.get("auto_pad", "NOTSET")
        pads = attrs.get("pads")
        flagged = auto != "NOTSET" or "output_shape" in attrs
        if auto == "NOTSET" and "output_shape" not in attrs:
            layer.padding = [list(p) for p in _pairs(pads, rank)]
        else:
            layer.resolved_from = {key: attrs[key] for key in ("auto_pad", "output_shape")
                                   if key in attrs}
        channels = None if weight is None or weight[1] is None else weight[1] * group
        spatial = None if x is None else x[2:]
        if not kernel or spatial is None or None in spatial or len(spatial) != rank:
            if layer.resolved_from:
                given = ", ".join(f"{key} {value}" for key, value in layer.resolved_from.items())
                layer.warnings.append(f"{given}: the pads depend on the input size, which is "
                                      "unknown here")
            analysis.transposed.append(_Transposed(index, layer, None, flagged))
            return layer, _whole(x, channels, None)
        try:
            fl = layer_from("onnx", size=spatial, kernel_size=kernel, stride=stride,
                            dilation=dilation, pads=pads, auto_pad=auto,
                            output_padding=attrs.get("output_padding"),
                            output_shape=attrs.get("output_shape"), groups=group)
            record = to_layer(fl)
        except ParameterError as error:
            fl, record = self._refused(error, spatial, kernel, stride, dilation, pads, attrs,
                                       auto, layer)
            flagged = True
        else:
            layer.warnings += _warnings(fl, record)
            flagged = flagged or bool(layer.warnings)
        analysis.transposed.append(_Transposed(index, layer, fl, flagged))
        if record is None:
            return layer, _whole(x, channels, None)
        layer.padding = [[a.pad_lo, a.pad_hi] for a in record]
        layer.output_padding = [a.output_padding for a in record]
        layer.output = _whole(x, channels, [a.output for a in record])
        return layer, layer.output

    @staticmethod
    def _refused(error, spatial, kernel, stride, dilation, pads, attrs, auto, layer):
        """A ConvTranspose frameworks.onnx refuses: its rule as the warning, and, for explicit
        pads, the layer PyTorch's rules allow (output_padding below max(stride, dilation))."""
        layer.warnings.append(f"{error}")
        if error.param != "output_padding" or auto != "NOTSET" or "output_shape" in attrs:
            return None, None
        try:
            fl = layer_from("torch", size=spatial, kernel_size=kernel, stride=stride,
                            dilation=dilation, padding=_pairs(pads, len(spatial)),
                            output_padding=attrs.get("output_padding"),
                            groups=attrs.get("group", 1))
            return fl, to_layer(fl)
        except ParameterError as again:
            layer.warnings.append(f"PyTorch: {again}")
            return None, None

    def window(self, node, name, attrs):
        """Conv and the pools: the direct convolution's output size per axis."""
        x = self.shape(node.input[0])
        weight = self.shape(node.input[1]) if node.op_type == "Conv" else None
        rank = _rank(x, weight, attrs)
        kernel, stride, dilation = self._common(node, attrs, rank)
        if node.op_type == "Conv":
            channels = None if weight is None else weight[0]
        else:
            channels = None if x is None else x[1]
        layer = ModelLayer(name, node.op_type, input=x, kernel_size=kernel or None,
                           stride=stride, dilation=dilation,
                           groups=attrs.get("group", 1) if node.op_type == "Conv" else None)
        spatial = None if x is None else x[2:]
        wrong = _malformed(attrs, kernel or None, stride, dilation, rank)
        if wrong:
            layer.warnings.append(wrong)
            layer.output = _whole(x, channels, None)
            return layer, layer.output
        auto = attrs.get("auto_pad", "NOTSET")
        if auto != "NOTSET":
            layer.resolved_from = {"auto_pad": auto}
        if auto in ("NOTSET", "VALID"):
            pairs = _pairs(attrs.get("pads") if auto == "NOTSET" else None, rank)
            layer.padding = [list(p) for p in pairs]
        if not kernel or spatial is None or None in spatial or len(spatial) != rank:
            return layer, _whole(x, channels, None)
        pool, ceil = node.op_type != "Conv", bool(attrs.get("ceil_mode"))
        sizes, pads = [], []
        for i, k, s, d, pair in zip(spatial, kernel, stride, dilation,
                                    _pairs(attrs.get("pads"), rank)):
            if auto in SAME:  # output ⌈i/s⌉: the padding that gives it, the odd one as named
                pair = _split(max(_same_total(i, s, d * (k - 1) + 1), 0), auto)
            elif auto == "VALID":
                pair = (0, 0)
            sizes.append(_window(i, k, s, d, pair, ceil and pool))
            pads.append(list(pair))
        layer.padding = pads
        layer.output = _whole(x, channels, [v if v >= 1 else None for v in sizes])
        if any(v < 1 for v in sizes):
            layer.warnings.append(f"the output would be empty ({_sizes(sizes)}): the kernel "
                                  "does not fit the padded input")
        if auto not in SAME:
            return layer, layer.output
        dilated = any(d > 1 for d in dilation)
        if dilated and not pool:
            layer.warnings.append("ONNX Runtime refuses dilations with auto_pad " + auto +
                                  " (\"Dilation not supported for AutoPadType::SAME_UPPER or "
                                  "AutoPadType::SAME_LOWER\"): explicit pads are portable")
        elif dilated:
            layer.warnings.append(f"ONNX Runtime pads a dilated {node.op_type} with auto_pad "
                                  f"{auto} as if it were not dilated: its output can differ "
                                  f"from the spec's ⌈input / stride⌉, {_sizes(sizes)}; "
                                  "explicit pads are portable")
        elif pool and any(_same_total(i, s, k) < 0 for i, s, k in zip(spatial, stride, kernel)):
            layer.warnings.append(f"ONNX Runtime refuses this {node.op_type}: with auto_pad "
                                  f"{auto} and a kernel smaller than the stride its padding "
                                  "comes out negative (\"padding values must be non-negative\"); "
                                  f"the spec's output is ⌈input / stride⌉, {_sizes(sizes)}")
        return layer, layer.output

    def resize(self, node, name, attrs):
        x = self.shape(node.input[0])
        layer = ModelLayer(name, node.op_type, input=x)
        if x is None:
            return layer, None
        rank = len(x)
        if node.op_type == "Upsample" or self.opset < 11:
            scales = attrs.get("scales")
            if scales is None:
                scales = self.value(node, 1)
            sizes = None
        else:
            scales, sizes = self.value(node, 2), self.value(node, 3)
        axes = attrs.get("axes") or list(range(rank))
        out = list(x)
        if sizes is not None and len(sizes):
            if attrs.get("keep_aspect_ratio_policy", "stretch") != "stretch":
                layer.warnings.append("keep_aspect_ratio_policy "
                                      f"{attrs['keep_aspect_ratio_policy']}: not resolved here")
                return layer, [None] * rank
            for axis, size in zip(axes, sizes):
                out[axis] = int(size)
            layer.scale = [None if x[a] is None else out[a] / x[a] for a in range(2, rank)]
        elif scales is not None and len(scales):
            full = [1.0] * rank
            for axis, scale in zip(axes, scales):
                full[axis] = float(scale)
            if attrs.get("coordinate_transformation_mode") == "tf_crop_and_resize":
                layer.warnings.append("tf_crop_and_resize: the sizes depend on roi, not "
                                      "resolved here")
                return layer, [None] * rank
            out = [None if i is None else math.floor(i * s) for i, s in zip(x, full)]
            layer.scale = full[2:]
        else:
            layer.warnings.append("scales and sizes are computed at run time: output unknown")
            out = x[:2] + [None] * (rank - 2)
        layer.output = out
        return layer, out

    # -- everything else ----------------------------------------------------------------------

    def other(self, node, attrs) -> list[Shape]:
        ins = [self.shape(n) for n in node.input]
        if all(n == "" or n in self.values for n in node.input):  # Constant has no input
            folded = self._fold(node)
            if folded is not None:
                return folded
        op = node.op_type
        first = ins[0] if ins else None
        if op in SAME_SHAPE:
            return [first]
        if op in BROADCAST:
            return [_broadcast(ins)]
        if op == "Shape":
            if first is not None and None not in first:
                import numpy as np  # noqa: PLC0415

                start, end = attrs.get("start", 0), attrs.get("end")
                self.values[node.output[0]] = np.array(first[start:end], dtype=np.int64)
            return [None if first is None else [len(first[attrs.get("start", 0):attrs.get("end")])]]
        if op == "Concat" and all(s is not None for s in ins) and ins:
            axis = attrs.get("axis", 1) % len(ins[0])
            total = [s[axis] for s in ins]
            out = list(ins[0])
            out[axis] = None if None in total else sum(total)
            return [out]
        if op in ("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"):
            return [None if first is None else first[:2] + [1] * (len(first) - 2)]
        if op == "Pad":
            pads = attrs.get("pads") if self.opset < 11 else self.value(node, 1)
            axes = self.value(node, 3)
            if first is None or pads is None:
                return [None if first is None else [None] * len(first)]
            axes = list(range(len(first))) if axes is None else [int(a) % len(first) for a in axes]
            half = len(pads) // 2
            out = list(first)
            for position, axis in enumerate(axes):
                if out[axis] is not None:
                    out[axis] += int(pads[position]) + int(pads[half + position])
            return [out]
        if op == "Slice":
            return [self._slice(node, attrs, first)]
        if op == "Flatten" and first is not None:
            axis = attrs.get("axis", 1) % max(len(first), 1)
            return [[_product(first[:axis]), _product(first[axis:])]]
        if op == "Transpose" and first is not None:
            perm = attrs.get("perm") or list(reversed(range(len(first))))
            return [[first[p] for p in perm]]
        if op == "Reshape" and first is not None:
            return [self._reshape(node, first, attrs)]
        if op in ("Squeeze", "Unsqueeze") and first is not None:
            axes = attrs.get("axes") if self.opset < 13 else self.value(node, 1)
            return [_squeeze(op, first, axes)]
        if op == "Gemm" and len(ins) > 1 and first is not None and ins[1] is not None:
            m = first[1] if attrs.get("transA") else first[0]
            n = ins[1][0] if attrs.get("transB") else ins[1][1]
            return [[m, n]]
        return [None] * len(node.output)

    def _fold(self, node) -> Optional[list[Shape]]:
        """A node of constants, evaluated by the onnx reference implementation."""
        if any(self.values[n].size > _FOLD_LIMIT for n in node.input if n):
            return None
        try:
            from onnx.reference import ReferenceEvaluator  # noqa: PLC0415

            feeds = {n: self.values[n] for n in node.input if n}
            results = ReferenceEvaluator(node).run(None, feeds)
        except Exception:  # an op the reference cannot run alone (or a broken node)
            return None
        shapes = []
        for output, result in zip(node.output, results):
            shape = getattr(result, "shape", None)
            if shape is not None and getattr(result, "size", _FOLD_LIMIT + 1) <= _FOLD_LIMIT:
                self.values[output] = result
            shapes.append(None if shape is None else list(shape))
        return shapes

    def _slice(self, node, attrs, first: Shape) -> Shape:
        if first is None:
            return None
        if self.opset < 10:
            starts, ends, axes, steps = (attrs.get("starts"), attrs.get("ends"),
                                         attrs.get("axes"), None)
        else:
            starts, ends, axes, steps = (self.value(node, i) for i in (1, 2, 3, 4))
        if starts is None or ends is None:
            return [None] * len(first)
        axes = list(range(len(starts))) if axes is None else [int(a) % len(first) for a in axes]
        steps = [1] * len(axes) if steps is None else [int(s) for s in steps]
        out = list(first)
        for axis, start, end, step in zip(axes, starts, ends, steps):
            if out[axis] is not None:
                out[axis] = len(range(*slice(int(start), int(end), step).indices(out[axis])))
        return out

    def _reshape(self, node, first: list, attrs) -> Shape:
        target = attrs.get("shape") if self.opset < 5 else self.value(node, 1)
        if target is None:
            return None
        out = [first[i] if int(v) == 0 and not attrs.get("allowzero") else int(v)
               for i, v in enumerate(target)]
        if -1 in out:
            known = _product([v for v in out if v != -1])
            total = _product(first)
            fill = None if known is None or total is None or known == 0 else total // known
            out = [fill if v == -1 else v for v in out]
        return out


def _same_total(i: int, s: int, extent: int) -> int:
    """The total padding auto_pad SAME gives a direct window: output ⌈i/s⌉ (may be negative)."""
    return (-(-i // s) - 1) * s + extent - i


def _split(total: int, auto: str) -> tuple[int, int]:
    """SAME_UPPER puts the odd element at the end, SAME_LOWER at the begin."""
    small = total // 2
    return (small, total - small) if auto == "SAME_UPPER" else (total - small, small)


def _window(i: int, k: int, s: int, d: int, pair: tuple[int, int], ceil: bool) -> int:
    """A direct window's output size; `ceil`: a pool's ceil_mode, whose last window must start
    inside the input or its begin padding (as PyTorch and ONNX Runtime)."""
    a = Axis(i, k, s, *pair, d)
    if not ceil:
        return a.conv_output
    size = -(-(i + pair[0] + pair[1] - a.extent) // s) + 1
    return size - 1 if (size - 1) * s >= i + pair[0] else size


def _rank(x: Shape, weight: Shape, attrs: dict) -> int:
    if x is not None:
        return len(x) - 2
    if weight is not None:
        return len(weight) - 2
    return len(attrs.get("kernel_shape") or [0, 0])


def _malformed(attrs: dict, kernel, stride, dilation, rank: int) -> Optional[str]:
    """What is wrong with a node's window attributes (lengths against the input's rank, sizes
    at least 1, pads at least 0), or None: such a node has no output tconv can tell."""
    for name, values, length in (("kernel_shape", kernel, rank), ("strides", stride, rank),
                                 ("dilations", dilation, rank),
                                 ("pads", attrs.get("pads"), 2 * rank),
                                 ("output_padding", attrs.get("output_padding"), rank)):
        if values is None or (name in ("pads", "output_padding") and not values):
            continue
        if len(values) != length:
            return (f"{name}={list(values)} has {len(values)} values; a {rank}-d node needs "
                    f"{length}: its output is unknown")
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


def _broadcast(shapes: list[Shape]) -> Shape:
    if not shapes or any(s is None for s in shapes):
        return None
    rank = max(len(s) for s in shapes)
    out = []
    for axis in range(rank):
        dims = [s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) == 1 and None not in dims:
            out.append(known.pop())
        elif not known and None not in dims:
            out.append(1)
        else:
            out.append(known.pop() if len(known) == 1 else None)
    return out


def _product(values) -> Optional[int]:
    return None if None in values else math.prod(values)


def _squeeze(op: str, first: list, axes) -> Shape:
    if op == "Squeeze":
        if axes is None:
            return None if None in first else [d for d in first if d != 1]
        drop = {int(a) % len(first) for a in axes}
        return [d for i, d in enumerate(first) if i not in drop]
    if axes is None:
        return None
    rank = len(first) + len(axes)
    add = {int(a) % rank for a in axes}
    rest = iter(first)
    return [1 if i in add else next(rest) for i in range(rank)]


# ---------------------------------------------------------------------------------------------
# Fixing: explicit pads and output_padding where runtimes disagree.


@dataclass
class Fixed:
    inspection: Inspection
    rewritten: list[str]  # the nodes rewritten
    skipped: list[str]  # flagged nodes that could not be (with why)


def fix(source: str, output: str, *, input_shape: Optional[Sequence[int]] = None,
        force: bool = False) -> Fixed:
    """Write a copy of `source` to `output` in which every flagged ConvTranspose node has
    explicit `pads` and `output_padding` and no `auto_pad`/`output_shape`, computing what the
    spec defines (a Pad or Slice node after it where no single node can: zeros the spec adds)."""
    from ..files import check_writable, write_atomically

    target = Path(output)
    check_writable(target, force, "fix")
    model = load(source)
    analysis = _analyse(model, source, input_shape)
    graph = model.graph
    rewritten, skipped, after = [], [], {}
    for item in analysis.transposed:
        if not item.flagged:
            continue
        if item.source is None:
            skipped.append(f"{item.layer.name}: its input size is unknown or no runtime "
                           "computes it")
            continue
        ported = port(item.source, "onnx")
        node = graph.node[item.index]
        _rewrite(node, ported.layer)
        if not ported.exact:
            after[item.index] = _crop_nodes(node, ported.crop, _opset(model), graph)
        rewritten.append(item.layer.name)
    if after:
        nodes = []
        for index, node in enumerate(graph.node):
            nodes.append(node)
            nodes.extend(after.get(index, []))
        del graph.node[:]
        graph.node.extend(nodes)
    data = model.SerializeToString()
    write_atomically(target, lambda stream: stream.write(data))
    return Fixed(analysis.inspection, rewritten, skipped)


def _rewrite(node, fl: FrameworkLayer) -> None:
    """`node`'s geometry attributes replaced by `fl`'s, with pads and output_padding explicit."""
    onnx = _onnx()
    keep = [a for a in node.attribute if a.name not in (
        "auto_pad", "output_shape", "pads", "output_padding", "kernel_shape", "strides",
        "dilations", "group")]
    arguments = FRAMEWORK.arguments(fl, None)
    rank = fl.rank
    pairs = fl.padding or ((0, 0),) * rank
    arguments["pads"] = [p[0] for p in pairs] + [p[1] for p in pairs]
    arguments["output_padding"] = list(fl.output_padding or (0,) * rank)
    arguments.pop("auto_pad", None)
    arguments.pop("output_shape", None)
    del node.attribute[:]
    node.attribute.extend(keep)
    for key, value in arguments.items():
        node.attribute.append(onnx.helper.make_attribute(key, value))


def _crop_nodes(node, crop, opset: int, graph) -> list:
    """Nodes after `node` that add the zeros (Pad) and remove the elements (Slice) of `crop`,
    ending in `node`'s original output name."""
    onnx = _onnx()
    helper = onnx.helper
    final = node.output[0]
    data = f"{final}__tconv_full"
    node.output[0] = data
    begins = [max(-lo, 0) for lo, _ in crop]
    ends = [max(-hi, 0) for _, hi in crop]
    made = []

    def constant(name: str, values: list[int]) -> str:
        unique = f"{final}__tconv_{name}"
        graph.initializer.append(helper.make_tensor(unique, onnx.TensorProto.INT64,
                                                    [len(values)], values))
        return unique

    if any(begins) or any(ends):
        padded = f"{final}__tconv_padded"
        pads = [0, 0, *begins, 0, 0, *ends]
        if opset < 11:
            made.append(helper.make_node("Pad", [data], [padded], pads=pads))
        else:
            made.append(helper.make_node("Pad", [data, constant("pads", pads)], [padded]))
        data = padded
    cut = [(axis + 2, lo, hi) for axis, (lo, hi) in enumerate(crop) if lo > 0 or hi > 0]
    if cut:
        starts = [max(lo, 0) for _, lo, _ in cut]
        stops = [-hi if hi > 0 else 2**63 - 1 for _, _, hi in cut]
        axes = [axis for axis, _, _ in cut]
        if opset < 10:
            made.append(helper.make_node("Slice", [data], [final], starts=starts, ends=stops,
                                         axes=axes))
        else:
            made.append(helper.make_node("Slice", [data, constant("starts", starts),
                                                   constant("ends", stops),
                                                   constant("axes", axes)], [final]))
    else:
        made[-1].output[0] = final
    return made
