"""LiteRT (TFLite): `TRANSPOSE_CONV` (2-d; 1-d as 2-d between two RESHAPEs) and
`CONV_3D_TRANSPOSE`, written with `tf.nn.convNd_transpose` and converted by
`tf.lite.TFLiteConverter`. Every rule here was run on this CPU (tests/test_targets.py converts
each printed form and runs it in LiteRT's interpreter against PyTorch)."""

from __future__ import annotations

from ..choices import Convention
from ..errors import ParameterError
from ..frameworks import FRAMEWORKS, code, to_layer
from ..geometry import Layer
from .base import (
    NATIVE,
    REWRITTEN,
    RUN,
    Fact,
    Plan,
    Step,
    Target,
    crop_words,
    dilate_kernel_code,
    fit,
    materialised,
)

VERSION = "tensorflow-cpu 2.21.0 TFLiteConverter, ai-edge-litert 2.3.0 interpreter"

PADDING = Fact(
    "padding SAME or VALID only, with the output_shape input; the interpreter "
    "crops exactly as tf.nn.convNd_transpose does (every SAME and VALID "
    "output_shape of 2-d and 3-d layers up to kernel 5, stride 3 checked)",
    RUN,
    VERSION,
)
CROP = Fact(
    "explicit or asymmetric padding and output_padding: a VALID (or SAME) op, then "
    "a STRIDED_SLICE and/or a PAD; values equal to PyTorch's",
    RUN,
    VERSION,
)
DILATION = Fact(
    "dilation > 1: the converter refuses (\"'tf.Conv2DBackpropInput' op is "
    'neither a custom op nor a flex op"); the kernel written out with zeros runs',
    RUN,
    VERSION,
)
GROUPS = Fact(
    "groups: no grouped TRANSPOSE_CONV; SPLIT, one op per group and CONCATENATION run", RUN, VERSION
)
RANK = Fact("1-d (as 2-d), 2-d and 3-d (CONV_3D_TRANSPOSE) only", RUN, VERSION)

CONVERT = (
    "converter = tf.lite.TFLiteConverter.from_concrete_functions("
    "[tf.function(f).get_concrete_function(x_spec)])\ntflite_model = converter.convert()"
)


class TfLite(Target):
    name = "tflite"
    title = VERSION
    path = "tf.lite.TFLiteConverter"
    facts = (PADDING, CROP, DILATION, GROUPS, RANK)

    def plan(self, layer: Layer, groups: int) -> Plan:
        rank = len(layer)
        if rank > 3:
            return self.refused(
                layer,
                f"LiteRT has TRANSPOSE_CONV (1-d, 2-d) and "
                f"CONV_3D_TRANSPOSE, no {rank}-d transposed convolution",
                (RANK,),
            )
        dilated = any(a.dilation > 1 for a in layer)
        record = materialised(layer) if dilated else layer
        tf_ = FRAMEWORKS[Convention.tf]
        fl, have, crop = fit(record, _candidates(tf_.candidates(record, 1)))
        cropped = any(lo or hi for lo, hi in crop)
        facts = [PADDING] + [CROP] * cropped + [DILATION] * dilated + [GROUPS] * (groups > 1)
        op = "CONV_3D_TRANSPOSE" if rank == 3 else "TRANSPOSE_CONV"
        strides = ["stride_d", "stride_h", "stride_w"][3 - max(rank, 2) :]
        values = [a.stride for a in have]
        attributes = {
            "padding": fl.padding_name,
            **dict(zip(strides, values if rank > 1 else [1, *values])),
        }
        out = list(fl.output_shape)
        output_shape = [
            "N",
            *(out if rank > 1 else [1, *out]),
            "C_out" if groups == 1 else f"C_out/{groups}",
        ]
        k = [str(a.kernel) for a in have]
        cin, cout = ("C_in", "C_out") if groups == 1 else (f"C_in/{groups}", f"C_out/{groups}")
        weights = (
            f"({', '.join(k)}, {cout}, {cin})"
            if rank == 3
            else f"({cout}, {', '.join(k if rank > 1 else ['1', *k])}, {cin})"
        )
        if groups > 1:
            weights += f" for each of the {groups} groups"

        steps = []
        if dilated:
            steps.append(
                Step("the dilated kernel written out with zeros", dilate_kernel_code(layer))
            )
        source = "w_full" if dilated else "w"
        steps.append(
            Step(
                "the weight in TensorFlow's layout",
                f"filters = np.moveaxis({source}, (0, 1), (-1, -2))  "
                f"# (*kernel_size, C_out/groups, C_in)",
            )
        )
        line = code(fl, "C_in", "C_out" if groups == 1 else f"C_out // {groups}")
        if groups > 1:
            line = line.replace("(x, filters,", "(xg, fg,")
            line = (
                f"y = tf.concat([{line} for xg, fg in zip(tf.split(x, {groups}, axis=-1), "
                f"tf.split(filters, {groups}, axis=-1))], axis=-1)"
            )
            what = f"{groups} {op}s, one per group"
        else:
            line = f"y = {line}"
            what = f"one {op}"
        steps.append(Step(what, line))
        if cropped:
            steps.append(Step(crop_words(crop), "\n".join(tf_.step(crop))))
        steps.append(Step("convert (f: x ↦ y above, x_spec: the input's tf.TensorSpec)", CONVERT))
        core = (op,) if groups == 1 else ("SPLIT", *(op,) * groups, "CONCATENATION")
        pads = any(lo < 0 or hi < 0 for lo, hi in crop)
        slices = any(lo > 0 or hi > 0 for lo, hi in crop)
        ops = core + ("PAD",) * pads + ("STRIDED_SLICE",) * slices
        notes = ["channels last: input (N, *sizes, C_in)"]
        return Plan(
            self.name,
            REWRITTEN if (cropped or dilated or groups > 1) else NATIVE,
            layer,
            op,
            attributes,
            output_shape,
            weights,
            ops,
            tuple(steps),
            self.path,
            notes=tuple(notes),
            facts=tuple(facts),
            native=fl,
            crop=crop,
            split_groups=groups,
            materialise_dilation=dilated,
        )


def _candidates(layers):
    for fl in layers:
        try:
            yield fl, to_layer(fl)
        except ParameterError:
            continue


TARGET = TfLite()
