"""Core ML: MIL's `conv_transpose`, from a traced PyTorch module by `coremltools.convert`.
coremltools converts on Linux, but Core ML runs only on Apple systems: every rule here was
*converted only* (tests/test_targets.py converts each printed form and checks the MIL program's
ops and shapes), the values are PyTorch's by construction of the form, not by a run.

How coremltools 9.0 lowers `output_padding` (its torch frontend, `_construct_conv_transpose`):
the pads become 0 and a crop follows (`crop` in 2-d, `slice_by_index` in 1-d) of `p` at the
start and `p − output_padding` at the end; where `p < output_padding` it pads the *input* by
the difference instead, which gives another size; it refuses output_padding with all pads 0,
and in 3-d.
"""

from __future__ import annotations

from ..choices import Convention
from ..frameworks import FRAMEWORKS, code
from ..frameworks.base import candidate
from ..geometry import Axis, Layer
from .base import (
    CONVERTED,
    NATIVE,
    REWRITTEN,
    Fact,
    Plan,
    Step,
    Target,
    crop_words,
    fit,
)

VERSION = "coremltools 9.0 (PyTorch frontend, torch.jit.trace), mlprogram"

NATIVE_FACT = Fact(
    "padding, dilation, groups, 1-d to 3-d without output_padding: one "
    "conv_transpose (pad_type custom, or valid for padding 0)",
    CONVERTED,
    VERSION,
)
LOWERED = Fact(
    "output_padding ≤ padding in 1-d and 2-d: conv_transpose with pad 0 and the "
    "output_shape of the full output, then crop (2-d) or slice_by_index (1-d)",
    CONVERTED,
    VERSION,
)
REFUSES = Fact(
    'output_padding in 3-d, or with all pads 0: the converter refuses ("output_'
    'padding is supported only for ConvTranspose1D or ConvTranspose2D!", '
    '"padding=0 and output_padding > 0 not supported!")',
    CONVERTED,
    VERSION,
)
WRONG = Fact(
    "output_padding > padding on an axis: the converter pads the input instead, "
    "and the MIL output size differs from PyTorch's (e.g. k=3, s=3, p=0 on one axis)",
    CONVERTED,
    VERSION,
)
REWRITE = Fact(
    "where the converter fails: output_padding 0, then nn.functional.pad and a "
    "slice, which convert to conv_transpose, pad and slice_by_index",
    CONVERTED,
    VERSION,
)
RANK = Fact("1-d to 3-d only", CONVERTED, "coremltools 9.0 MIL conv_transpose")

CONVERT = "mlmodel = ct.convert(torch.jit.trace(module, x), inputs=[ct.TensorType(shape=x.shape)])"


def lowering(layer: Layer) -> tuple[list[tuple[str, list[int] | None]], str]:
    """What coremltools does with `nn.ConvTransposeNd` of `layer` (symmetric pads): the MIL ops
    (after the input's cast) with each one's output spatial sizes, or, when it refuses, no ops
    and the reason."""
    ops = [a.output_padding for a in layer]
    pads = [a.pad_lo for a in layer]
    if not any(ops):
        return [("conv_transpose", [a.output for a in layer])], ""
    if len(layer) == 3:
        return [], "output_padding is supported only for ConvTranspose1D or ConvTranspose2D!"
    if not any(pads):
        return [], "ConvTranspose configuration of padding=0 and output_padding > 0 not supported!"
    steps, sizes, conv, final = [], [], [], []
    for a in layer:
        pre = max(a.output_padding - a.pad_lo, 0)
        post = (a.pad_lo, a.pad_lo - a.output_padding if not pre else a.pad_lo)
        sizes.append(a.size + pre)
        full = Axis(a.size + pre, a.kernel, a.stride, dilation=a.dilation).full - pre
        conv.append(full)
        final.append(full - sum(post))
    if sizes != [a.size for a in layer]:
        steps.append(("pad", sizes))
    steps.append(("conv_transpose", conv))
    if conv != final:
        steps.append(("slice_by_index" if len(layer) == 1 else "crop", final))
    return steps, ""


class CoreMl(Target):
    name = "coreml"
    title = VERSION
    path = "coremltools.convert"
    facts = (NATIVE_FACT, LOWERED, REFUSES, WRONG, REWRITE, RANK)

    def plan(self, layer: Layer, groups: int) -> Plan:
        rank = len(layer)
        if rank > 3:
            return self.refused(
                layer, f"Core ML's conv_transpose takes 1-d to 3-d inputs, not {rank}-d", (RANK,)
            )
        torch_ = FRAMEWORKS[Convention.torch]
        symmetric = all(a.pad_lo == a.pad_hi and a.pad_lo >= 0 for a in layer)
        mil, refusal = lowering(layer) if symmetric else ([], "")
        ok = bool(mil) and mil[-1][1] == [a.output for a in layer]
        facts = [NATIVE_FACT]
        if ok:
            fl = candidate(
                Convention.torch,
                layer,
                padding=tuple((a.pad_lo, a.pad_hi) for a in layer),
                output_padding=tuple(a.output_padding for a in layer),
                groups=groups,
            )
            crop = ((0, 0),) * rank
            if len(mil) > 1:
                facts.append(LOWERED)
        else:
            if symmetric and any(a.output_padding for a in layer):
                facts.append(REFUSES if refusal else WRONG)
            facts.append(REWRITE)
            chosen = []
            for a in layer:  # the widest symmetric crop inside what the layer keeps
                q = max(min(a.pad_lo, a.pad_hi - a.output_padding), 0)
                chosen.append(q)
            fl = candidate(
                Convention.torch,
                layer,
                padding=tuple((q, q) for q in chosen),
                output_padding=(0,) * rank,
                groups=groups,
            )
            have = tuple(
                Axis(a.size, a.kernel, a.stride, q, q, a.dilation) for a, q in zip(layer, chosen)
            )
            fl, have, crop = fit(layer, [(fl, have)])
            mil, _ = lowering(have)
            pads = any(lo < 0 or hi < 0 for lo, hi in crop)
            if pads:
                mil.append(("pad", None))
            # one slice_by_index per axis cropped (the trace slices axis by axis)
            mil += [("slice_by_index", None)] * sum(lo > 0 or hi > 0 for lo, hi in crop)
            mil[-1] = (mil[-1][0], [a.output for a in layer])
        verdict = NATIVE if len(mil) == 1 else REWRITTEN
        conv = next(i for i, (op, _) in enumerate(mil) if op == "conv_transpose")
        record = _record(fl)
        pad_zero = len(mil) > 1 and ok
        attributes = {
            "pad_type": "custom" if any(a.pad_lo or a.pad_hi for a in record) else "valid",
            "pad": [p for a in record for p in ((0, 0) if pad_zero else (a.pad_lo, a.pad_hi))],
            "strides": [a.stride for a in record],
            "dilations": [a.dilation for a in record],
            "groups": groups,
        }
        output_shape = [1, "C_out", *mil[conv][1]]
        k = ", ".join(str(a.kernel) for a in record)
        steps = [Step(f"nn.ConvTranspose{rank}d", f"module = {code(fl)}\ny = module(x)")]
        if any(lo or hi for lo, hi in crop):
            steps.append(Step(crop_words(crop), "\n".join(torch_.step(crop))))
        if ok and len(mil) > 1:
            steps.append(
                Step(
                    "coremltools lowers output_padding itself",
                    "# MIL: " + ", ".join(op for op, _ in mil),
                )
            )
        steps.append(Step("convert (x: an example input)", CONVERT))
        return Plan(
            self.name,
            verdict,
            layer,
            "conv_transpose",
            attributes,
            output_shape,
            f"(C_in, C_out/groups, {k})",
            tuple(op for op, _ in mil),
            tuple(steps),
            self.path,
            notes=("Core ML does not run on Linux: converted here, not run",),
            facts=tuple(facts),
            native=fl,
            crop=crop,
        )


def _record(fl) -> Layer:
    return tuple(
        Axis(i, k, s, lo, hi, d, op)
        for i, k, s, d, (lo, hi), op in zip(
            fl.size, fl.kernel, fl.stride, fl.dilation, fl.padding, fl.output_padding
        )
    )


TARGET = CoreMl()
