"""Reading an ONNX file: the ModelProto, its nodes' attributes, its constants and the shape of
the input a question is asked at."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ...errors import NoAnswer, ParameterError
from ...words import counted
from ..record import check_input_shape

Shape = Optional[list]  # a tensor's dims (None for an unknown dim), None for an unknown rank
FOLD_LIMIT = 100_000  # elements: larger constants are not read as values
#: Attributes that hold sizes: a list of integers, whatever a file puts there.
SIZES = ("kernel_shape", "strides", "dilations", "pads", "output_padding", "output_shape")


def onnx():
    try:
        import onnx as module  # noqa: PLC0415 - the optional extra, only where ONNX files are read
    except ImportError:
        raise NoAnswer(
            "reading ONNX files needs the onnx package: pip install 'tconv[onnx]'"
        ) from None
    return module


def load(source: str):
    """The ModelProto in `source`; ParameterError("source", …) saying what is wrong with it."""
    module = onnx()
    path = Path(source)
    if not path.exists():
        raise ParameterError("source", source, "does not exist")
    if path.is_dir():
        raise ParameterError("source", source, "is a directory, not an ONNX file")
    if not path.is_file():
        raise ParameterError("source", source, "is not a regular file (a FIFO or a device?)")
    if path.stat().st_size >= 2**31:
        raise ParameterError(
            "source",
            source,
            "is 2 GB or more: ONNX keeps such weights in "
            "external data files; give the .onnx beside them",
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParameterError("source", source, f"cannot be read ({error.strerror})") from None
    if not data:
        raise ParameterError("source", source, "is empty, not an ONNX model")
    try:
        model = module.load_model_from_string(data)
    except Exception as error:  # protobuf's DecodeError, or whatever a damaged file raises
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ParameterError(
            "source", source, f"is not an ONNX model (truncated or another format: {reason[:120]})"
        ) from None
    if not model.HasField("graph") or not model.graph.node:
        raise ParameterError(
            "source",
            source,
            "is not an ONNX model (it holds no graph: truncated or another format)",
        )
    if not model.ir_version or not model.opset_import:
        raise ParameterError(
            "source",
            source,
            "is not an ONNX model (no IR version or opset: truncated or another format)",
        )
    return model


def attributes(node) -> dict[str, Any]:
    """A node's attributes as Python values; a size attribute that is not a list of integers
    (strings, floats, a tensor) is kept as it is written, for `malformed` to name."""
    helper = onnx().helper
    values = {}
    for attribute in node.attribute:
        try:
            value = helper.get_attribute_value(attribute)
        except Exception:  # an attribute of no known type
            continue
        values[attribute.name] = (
            value.decode(errors="replace") if isinstance(value, bytes) else value
        )
    return values


def malformed_type(attrs: dict) -> Optional[str]:
    """The first size attribute that is not a list of integers, said as a warning."""
    for name in SIZES:
        values = attrs.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(type(v) is int for v in values):
            shown = [
                v.decode(errors="replace") if isinstance(v, bytes) else v
                for v in (values if isinstance(values, list) else [values])
            ]
            return f"{name}={shown} must be a list of integers: its output is unknown"
    return None


def opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)


def declared(value_info) -> Shape:
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]


def dim_names(value_info) -> str:
    return "×".join(
        d.dim_param or "?" if not d.HasField("dim_value") else str(d.dim_value)
        for d in value_info.type.tensor_type.shape.dim
    )


def first_input(model):
    """The graph input a shape is given for: the first that is not an initializer."""
    initialized = {t.name for t in model.graph.initializer}
    return next((v for v in model.graph.input if v.name not in initialized), None)


def input_shape(model, source: str, given: Optional[Sequence[int]]) -> Optional[list[int]]:
    """The whole shape of the graph's first input: `given`, checked against the declared one,
    or the declared one when it is static."""
    first = first_input(model)
    if first is None:
        if given is not None:
            raise ParameterError(
                "input_shape",
                ",".join(map(str, given)),
                f"has nothing to "
                f"apply to: {source} has no graph input (its tensors are all "
                "constants)",
            )
        return None
    shape = declared(first)
    if given is None:
        if shape is None or None in shape[1:]:
            shown = "unknown" if shape is None else dim_names(first)
            raise ParameterError(
                "input_shape",
                "",
                f"is needed: the input '{first.name}' of {source} has "
                f"dynamic dimensions ({shown}); give its whole shape, e.g. 1,3,224,224",
            )
        return [1 if v is None else v for v in shape]
    given = list(check_input_shape(given))
    text = ",".join(map(str, given))
    if shape is not None and len(given) != len(shape):
        raise ParameterError(
            "input_shape",
            text,
            f"has {counted(len(given), 'dimension')} but the input "
            f"'{first.name}' of {source} has {len(shape)} "
            f"({dim_names(first)})",
        )
    if len(given) < 3:
        raise ParameterError(
            "input_shape",
            text,
            "needs batch, channels and at least one spatial size, e.g. 1,3,224,224",
        )
    # other sizes than the declared ones are a question worth asking (what if the input were
    # 101×75?); other channels are not: the weights fix them
    if shape is not None and shape[1] is not None and shape[1] != given[1]:
        raise ParameterError(
            "input_shape",
            text,
            f"gives {given[1]} channels, but the model's "
            f"weights take {shape[1]} ({dim_names(first)})",
        )
    return given


def constants(model) -> dict[str, Any]:
    """The values of the graph's small constants (initializers and Constant nodes), as numpy
    arrays: what Resize's scales and sizes are read from."""
    from onnx import numpy_helper  # noqa: PLC0415

    values = {}
    tensors = [(t.name, t) for t in model.graph.initializer]
    tensors += [
        (node.output[0], a.t)
        for node in model.graph.node
        if node.op_type == "Constant" and node.output
        for a in node.attribute
        if a.name == "value" and a.HasField("t")
    ]
    for name, tensor in tensors:
        if tensor.data_location == tensor.EXTERNAL or count(tensor.dims) > FOLD_LIMIT:
            continue
        try:
            values[name] = numpy_helper.to_array(tensor)
        except Exception:  # a tensor its own file cannot decode: its value stays unknown
            pass
    return values


def count(dims) -> int:
    return math.prod(dims) if dims else 1
