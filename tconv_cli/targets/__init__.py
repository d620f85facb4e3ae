"""Deploy targets: will a transposed convolution survive OpenVINO, LiteRT (TFLite), Core ML and
TensorRT, and if not, what runs instead.

One module per target (openvino, tflite, coreml, tensorrt) holds its rules as facts, each marked
with how it is known (run here, converted only, from the target's documentation and source),
and works out a `Plan` for a layer: the verdict (native, rewritten, refused), the target's own
words, and the printed form for its usual converter path. `TARGETS` below is the only place
that lists them; nothing else asks a target's name. Built on `frameworks`: a layer in any
framework's words is translated into tconv's record first. Pure Python at import.

>>> from tconv_cli.frameworks import layer_from
>>> p = plan(layer_from("torch", size=(17,), kernel_size=(3,), stride=(2,), padding=((1, 1),),
...                     output_padding=(1,)), "tflite")
>>> p.verdict, p.op, p.attributes["padding"], p.crop
('rewritten', 'TRANSPOSE_CONV', 'VALID', ((1, 0),))
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..choices import Target as TargetName
from ..errors import ParameterError
from ..frameworks import FrameworkWords, framework, to_layer
from ..frameworks.onnx import FRAMEWORK as ONNX
from ..geometry import Axis, Layer
from . import coreml, openvino, tensorrt, tflite
from .base import (
    CONVERTED,
    DOCUMENTED,
    NATIVE,
    REFUSED,
    REWRITTEN,
    RUN,
    Fact,
    Plan,
    Step,
    Target,
    fit,
    onnx_layer,
    onnx_record,
)

__all__ = [
    "CONVERTED",
    "DOCUMENTED",
    "NATIVE",
    "REFUSED",
    "REWRITTEN",
    "RUN",
    "TARGETS",
    "Fact",
    "Plan",
    "Step",
    "Target",
    "node_plans",
    "onnx_form",
    "plan",
    "plan_record",
    "portable",
    "table",
    "target",
]

#: Every deploy target: the one list.
TARGETS: dict[TargetName, Target] = {
    module.TARGET.name: module.TARGET for module in (openvino, tflite, coreml, tensorrt)
}


def target(name: str, param: str = "to") -> Target:
    """The target of a name, or ParameterError naming `param`."""
    if name not in TargetName.names():
        raise ParameterError(param, name, f"must be one of {', '.join(TargetName.names())}")
    return TARGETS[TargetName(name)]


def plan(source: FrameworkWords, name: str) -> Plan:
    """`source` (in any framework's words) on the target `name`."""
    return plan_record(to_layer(source), source.groups, name)


def plan_record(layer: Layer, groups: int, name: str) -> Plan:
    """The layer of tconv's record `layer` with `groups` on the target `name`."""
    return target(name).plan(layer, groups)


def onnx_form(p: Plan) -> tuple[FrameworkWords, tuple[tuple[int, int], ...]]:
    """The portable ONNX form of a plan: a ConvTranspose with explicit pads (≥ 0) and
    output_padding, no auto_pad or output_shape, and the crop after it (negative: zeros to add)
    that gives the layer's output. For OpenVINO and TensorRT it is the plan's own; for LiteRT the
    VALID layer and its slice (what ONNX-to-TFLite converters emit); for Core ML the symmetric
    layer of its PyTorch form."""
    layer = p.layer
    groups = p.split_groups if p.split_groups > 1 else p.native.groups
    if p.native is not None and framework(p.native.convention) is ONNX:
        return p.native, p.crop
    if p.native is not None and p.native.padding_name is None:  # explicit pads (PyTorch's)
        pads = p.native.padding or ((0, 0),) * len(layer)
        return onnx_layer(layer, groups, pads, p.native.output_padding), p.crop
    ops = [min(max(a.pad_lo + a.output - a.full, 0), a.stride - 1) for a in layer]
    fl = onnx_layer(layer, groups, ((0, 0),) * len(layer), ops)
    _, _, crop = fit(layer, [(fl, onnx_record(fl))])
    return fl, crop


# ---------------------------------------------------------------------------------------------
# ONNX models: what `tconv inspect model.onnx --target X` reports and `--fix` writes.


def node_plans(layers: list[Any], name: str) -> Iterator[tuple[Any, Plan | None, list[str]]]:
    """For each ConvTranspose of an inspection (`models.ModelLayer`s), its plan on the target and
    what the target changes in the node as written (auto_pad, output_shape), in words; the plan
    is None where the layer's sizes are unknown."""
    chosen = target(name, "target")
    for ml in layers:
        if not ml.op.startswith("ConvTranspose"):  # ONNX's ConvTranspose, PyTorch's ConvTransposeNd
            continue
        record = model_record(ml)
        if record is None:
            yield ml, None, ["its sizes are unknown here: no verdict"]
            continue
        yield ml, chosen.plan(record, ml.groups or 1), changes(ml, record, chosen)


def model_record(ml: Any) -> Layer | None:
    """tconv's record of an inspected ConvTranspose (`models.ModelLayer`), or None."""
    if not ml.input or ml.padding is None or ml.kernel_size is None:
        return None
    spatial = ml.input[2:]
    if None in spatial or len(spatial) != len(ml.kernel_size):
        return None
    return tuple(
        Axis(i, k, s, lo, hi, d, op)
        for i, k, s, (lo, hi), d, op in zip(
            spatial, ml.kernel_size, ml.stride, ml.padding, ml.dilation, ml.output_padding
        )
    )


def changes(ml: Any, record: Layer, chosen: Target) -> list[str]:
    """What `chosen` computes differently from the ONNX spec for the node as written."""
    given = ml.resolved_from or {}
    return [fact.says for fact in chosen.node_facts if fact.applies(given, record)]


def portable(model: Any, layers: list[Any], name: str) -> list[str]:
    """Rewrite `model` (an onnx ModelProto, in place) into the portable form for the target:
    every ConvTranspose whose record is known gets explicit pads and output_padding, no
    auto_pad or output_shape, and the Pad/Slice nodes after it that the target needs; the
    values equal the original's. `layers` are the inspection's, in graph order. Returns the
    names of the nodes rewritten."""
    from .onnx_nodes import rewrite

    return rewrite(model, [(ml, p) for ml, p, _ in node_plans(layers, name)])


def table() -> list[tuple[str, Fact]]:
    """Every target's facts, as the README's table lists them."""
    return [(t.name, fact) for t in TARGETS.values() for fact in t.facts]
