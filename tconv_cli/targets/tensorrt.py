"""TensorRT: `IDeconvolutionLayer` (`INetworkDefinition.add_deconvolution_nd`), read from an ONNX
file by TensorRT's ONNX parser (trtexec --onnx, or torch2trt's converter). TensorRT needs an
NVIDIA GPU, which this machine does not have: every rule here is *from the target's
documentation and source*, cited, never run here."""

from __future__ import annotations

from ..geometry import Layer
from .base import (
    DOCUMENTED,
    NATIVE,
    REWRITTEN,
    Fact,
    Plan,
    Step,
    Target,
    fit,
    onnx_code,
    onnx_layer,
    onnx_record,
)

PARSER = "onnx/onnx-tensorrt onnxOpImporters.cpp, ConvTranspose importer (TensorRT 10)"

RANK = Fact(
    "2-d and 3-d deconvolution; a 1-d one is unsqueezed to 2-d; 4-d and up refused "
    '("Deconvolution input must be at least 3D and at most 5D")',
    DOCUMENTED,
    PARSER,
)
OUTPUT_PADDING = Fact(
    "no output_padding: post_padding = pads_end − output_padding when that "
    "is ≥ 0 (as torch2trt does: pre_padding = p, post_padding = p − op); "
    "else post_padding 0 and an ISliceLayer in FILL mode adds the zeros "
    "(the bias then added by an elementwise layer)",
    DOCUMENTED,
    PARSER,
)
NEGATIVE = Fact(
    'negative pre-padding refused ("TensorRT does not support negative '
    "pre-padding in the ConvTranspose operator!\"); ONNX's pads are ≥ 0 anyway, so "
    "tconv writes pads 0 and a Pad node",
    DOCUMENTED,
    PARSER,
)
ASYMMETRIC_3D = Fact(
    '3-d with pre_padding ≠ post_padding: refused before TensorRT 8.4 ("TensorRT '
    'does not support asymmetrical padding for 3D deconvolutions!", '
    'NVIDIA/TensorRT#1744) and on GPUs older than Volta ("3D asymmetric padding '
    'is not supported on pre-sm70 GPUs", NVIDIA/TensorRT#2095)',
    DOCUMENTED,
    "NVIDIA/TensorRT issues #1744, #2095, #415",
)
GROUPS = Fact(
    "groups (setNbGroups) and dilation (setDilationNd): native; kernel weights "
    "(C_in, C_out/groups, *k)",
    DOCUMENTED,
    PARSER,
)


class TensorRt(Target):
    name = "tensorrt"
    title = "TensorRT 10 (ONNX parser)"
    path = "trtexec --onnx=model.onnx"
    facts = (OUTPUT_PADDING, NEGATIVE, ASYMMETRIC_3D, GROUPS, RANK)

    def plan(self, layer: Layer, groups: int) -> Plan:
        rank = len(layer)
        if rank > 3:
            return self.refused(
                layer,
                f"TensorRT's ONNX parser takes 1-d to 3-d "
                f'ConvTranspose, not {rank}-d ("Deconvolution input must be '
                'at least 3D and at most 5D")',
                (RANK,),
            )
        pads = tuple((max(a.pad_lo, 0), max(a.pad_hi, 0)) for a in layer)
        ops = tuple(a.output_padding + max(-a.pad_hi, 0) for a in layer)
        fl = onnx_layer(layer, groups, pads, ops)
        fl, have, crop = fit(layer, [(fl, onnx_record(fl))])
        padded = any(lo or hi for lo, hi in crop)
        post = [a.pad_hi - a.output_padding for a in have]
        fill = [max(-p, 0) for p in post]
        facts, notes = [GROUPS, OUTPUT_PADDING], []
        if padded:
            facts.append(NEGATIVE)
        pre = [a.pad_lo for a in have]
        post = [max(p, 0) for p in post]
        if rank == 3 and pre != post:
            facts.append(ASYMMETRIC_3D)
            notes.append(
                "3-d with pre_padding ≠ post_padding: TensorRT 8.4 or later on a Volta "
                "or newer GPU (refused before, NVIDIA/TensorRT#1744, #2095)"
            )
        attributes = {
            "kernel_size": [a.kernel for a in have],
            "stride_nd": [a.stride for a in have],
            "pre_padding": pre,
            "post_padding": post,
            "dilation_nd": [a.dilation for a in have],
            "num_groups": groups,
        }
        if rank == 1:
            for key in ("kernel_size", "stride_nd", "pre_padding", "post_padding", "dilation_nd"):
                attributes[key] = attributes[key] + [1 if "padding" not in key else 0]
            notes.append("1-d: the parser unsqueezes to 2-d (a trailing axis of 1)")
        steps = onnx_code(fl, crop)
        ops = ["IDeconvolutionLayer"]
        if any(fill):
            ops.append("ISliceLayer")
            steps.append(
                Step(
                    "the parser adds the zeros of output_padding beyond pads_end",
                    f"# ISliceLayer (mode FILL) adds {fill} at the end of each axis",
                )
            )
        if padded:
            ops.append("IPaddingLayer")
        steps.append(Step("build (on a machine with an NVIDIA GPU)", self.path))
        k = ", ".join(str(a.kernel) for a in have)
        return Plan(
            self.name,
            REWRITTEN if padded or any(fill) else NATIVE,
            layer,
            "IDeconvolutionLayer",
            attributes,
            None,
            f"(C_in, C_out/groups, {k})",
            tuple(ops),
            tuple(steps),
            self.path,
            notes=tuple(notes),
            facts=tuple(facts),
            native=fl,
            crop=crop,
        )


TARGET = TensorRt()
