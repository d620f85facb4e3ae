"""OpenVINO: `ConvolutionBackpropData` (`GroupConvolutionBackpropData` with groups), read from an
ONNX file by `openvino.convert_model`. Every rule here was run on this CPU (tests/test_targets.py
builds each layer there and compares its values with PyTorch's)."""

from __future__ import annotations

from ..geometry import Layer
from .base import (
    NATIVE,
    REWRITTEN,
    RUN,
    Fact,
    NodeFact,
    Plan,
    Step,
    Target,
    fit,
    onnx_code,
    onnx_layer,
    onnx_record,
)

VERSION = "OpenVINO 2026.4.1 (ONNX frontend, CPU plugin)"

RANK = Fact("1-d to 3-d only: a 4-d ConvTranspose is reported as an unconverted op", RUN, VERSION)
EXPLICIT = Fact(
    "explicit pads_begin/pads_end, asymmetric included, output_padding, dilations "
    "and groups: native, values equal to PyTorch's",
    RUN,
    VERSION,
)
BEYOND = Fact(
    "output_padding ≥ strides (legal in PyTorch when dilation > stride): native, "
    "though ONNX Runtime refuses such a node",
    RUN,
    VERSION,
)
NEGATIVE = Fact(
    "negative pads (zeros added to the output): refused; pads 0 and a Pad node run", RUN, VERSION
)
SAME_SWAP = Fact(
    "auto_pad SAME_UPPER with output_shape: the odd padding element goes at the "
    "begin (as SAME_LOWER), unlike the onnx reference implementation",
    RUN,
    VERSION,
)
SAME_NEGATIVE = Fact(
    "auto_pad SAME with a negative total padding (kernel < stride): clamped "
    "at 0, so the output lacks the zeros the spec adds",
    RUN,
    VERSION,
)


class OpenVino(Target):
    name = "openvino"
    title = VERSION
    path = 'ov.convert_model("model.onnx")'
    facts = (EXPLICIT, BEYOND, NEGATIVE, RANK, SAME_SWAP, SAME_NEGATIVE)
    node_facts = (
        NodeFact(
            lambda given, layer: (
                given.get("auto_pad") == "SAME_UPPER"
                and "output_shape" in given
                and any(a.pad_lo != a.pad_hi for a in layer)
            ),
            "OpenVINO puts the odd padding element of SAME_UPPER with output_shape at the "
            "begin, not the end: other values (explicit pads are portable)",
        ),
        NodeFact(
            lambda given, layer: (
                str(given.get("auto_pad", "")).startswith("SAME")
                and any(min(a.pad_lo, a.pad_hi) < 0 for a in layer)
            ),
            "OpenVINO clamps this node's negative total padding at 0: its output lacks the "
            "zeros the spec adds (explicit pads and a Pad node are portable)",
        ),
    )

    def plan(self, layer: Layer, groups: int) -> Plan:
        if len(layer) > 3:
            return self.refused(
                layer,
                f"OpenVINO's ConvolutionBackpropData takes 1-d to 3-d inputs, not {len(layer)}-d",
                (RANK,),
            )
        exact = onnx_layer(layer, groups)
        pads = tuple((max(a.pad_lo, 0), max(a.pad_hi, 0)) for a in layer)
        ops = tuple(a.output_padding + max(-a.pad_hi, 0) for a in layer)
        nonnegative = onnx_layer(layer, groups, pads, ops)
        candidates = (
            [nonnegative] if pads != tuple((a.pad_lo, a.pad_hi) for a in layer) else [exact]
        )
        fl, have, crop = fit(layer, ((c, onnx_record(c)) for c in candidates))
        rewritten = any(lo or hi for lo, hi in crop)
        facts = [EXPLICIT] + ([NEGATIVE] if rewritten else [])
        notes = []
        if any(a.output_padding >= a.stride for a in have):
            facts.append(BEYOND)
            notes.append(
                "output_padding ≥ strides: OpenVINO runs this ONNX node, ONNX Runtime refuses it"
            )
        op = "GroupConvolutionBackpropData" if groups > 1 else "ConvolutionBackpropData"
        attributes = {
            "strides": [a.stride for a in have],
            "dilations": [a.dilation for a in have],
            "pads_begin": [a.pad_lo for a in have],
            "pads_end": [a.pad_hi for a in have],
            "auto_pad": "explicit",
            "output_padding": [a.output_padding for a in have],
        }
        k = ", ".join(str(a.kernel) for a in have)
        weights = (
            f"({groups}, C_in/{groups}, C_out/{groups}, {k})"
            if groups > 1
            else f"(C_in, C_out, {k})"
        )
        steps = onnx_code(fl, crop)
        steps.append(Step("convert", f"model = {self.path}"))
        ops_ = (op,) + (("Pad",) if rewritten else ())
        return Plan(
            self.name,
            REWRITTEN if rewritten else NATIVE,
            layer,
            op,
            attributes,
            None,
            weights,
            ops_,
            tuple(steps),
            self.path,
            notes=tuple(notes),
            facts=tuple(facts),
            native=fl,
            crop=crop,
        )


TARGET = OpenVino()
