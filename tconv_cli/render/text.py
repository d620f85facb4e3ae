"""Human-readable reports of `shape` and `inverse`: plain text, so those commands stay instant.

Rich would cost more start-up time than all of Typer, so these reports format their own small
table. Every number comes from `geometry`; this module only lays text out.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import geometry as g
from ..geometry import Axis, Layer, Tensors, constructor, pad_text, per_axis
from ..words import counted

if TYPE_CHECKING:  # importing frameworks would load every framework on `tconv shape`
    from ..frameworks.base import Summary

INDENT = "  "
LABEL = 12  # width of the label column
WIDTH = 80  # notes wrap here


class TextStyle:
    """Bold and dim, or nothing (not a terminal, NO_COLOR)."""

    def __init__(self, color: bool):
        self.color = color

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text


def dims(values: Sequence[int]) -> str:
    """`(32, 24)` → `32×24`."""
    return "×".join(map(str, values))


def is_asymmetric(layer: Layer) -> bool:
    return any(a.pad_lo != a.pad_hi for a in layer)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Right-aligned columns, two spaces apart."""
    cells = [list(header)] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [INDENT + "  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]


_TUPLE_SPACE = re.compile(r"(?<=\d), (?=[\d-])")  # inside "(4, 3)": not a place to break


def _wrap(text: str, width: int, indent: str) -> list[str]:
    """textwrap.wrap that keeps per-axis tuples like `(4, 3)` on one line."""
    kept = _TUPLE_SPACE.sub(",\0", text)
    lines = textwrap.wrap(kept, width, subsequent_indent=indent) or [""]
    return [line.replace("\0", " ") for line in lines]


def _labelled(label: str, lines: Sequence[str]) -> list[str]:
    """The first line behind the label, the others aligned under it; long lines wrap."""
    pad = INDENT + " " * LABEL
    wrapped = [part for line in lines for part in _wrap(line, WIDTH - len(pad), "  ")]
    return [INDENT + label.ljust(LABEL) + wrapped[0]] + [pad + line for line in wrapped[1:]]


def headline(layer: Layer, out_sizes: Sequence[int], transposed: bool = True) -> list[str]:
    """`ConvTranspose1d(…): 3 → 5`, wrapped under the constructor's parenthesis if long."""
    text = f"{constructor(layer, transposed)}: {dims([a.size for a in layer])} → {dims(out_sizes)}"
    return _wrap(text, WIDTH, " " * (text.index("(") + 1))


def _bold_lines(lines: Sequence[str], style: TextStyle) -> str:
    return "\n".join(style.bold(line) for line in lines)


def _alike(layer: Layer) -> bool:
    """Every axis the same: the report says each fact once."""
    return len(set(layer)) == 1


def _axis_lines(layer: Layer, texts: Sequence[str]) -> list[str]:
    if _alike(layer):
        return [texts[0]]
    return [f"axis {i}: {t}" for i, t in enumerate(texts)]


def _sizes_list(values: Sequence[int]) -> str:
    return ", ".join(map(str, values)) if len(values) <= 6 else f"{values[0]} to {values[-1]}"


def _reachable_text(a: Axis) -> str:
    span = g.reachable(a)
    if not span:
        return "no output for any output_padding"
    if len(span) > 4:
        op0, op1 = span[0] - a.min_output, span[-1] - a.min_output
        return f"{span[0]} to {span[-1]} (output_padding {op0} to {op1})"
    items = [(n - a.min_output, n) for n in span]
    marked = [f"{n} (op {op}{'*' if op >= a.stride else ''})" for op, n in items]
    return ", ".join(marked)


def _encoder_text(a: Axis) -> str:
    sizes = g.conv_inputs(a)
    if not sizes:
        return f"no input size gives {a.size}"
    return f"{_sizes_list(sizes)} → {a.size}"


def _encoder_lines(layer: Layer) -> list[str]:
    """The direct convolution this layer undoes, and which of its inputs collapse together."""
    head = f"{constructor(_as_conv(layer), transposed=False)} maps"
    texts = [_encoder_text(a) for a in layer]
    if _alike(layer) and len(INDENT) + LABEL + len(head) + len(texts[0]) < WIDTH:
        return _labelled("encoder", [f"{head} {texts[0]}"])
    return _labelled("encoder", [head] + _axis_lines(layer, texts))


def notes_lines(notes: Sequence[str], style: TextStyle) -> list[str]:
    lines = [""] if notes else []
    for note in notes:
        wrapped = _wrap(note, WIDTH - len(INDENT) - 6, "")
        lines += [style.dim(INDENT + "note: " + wrapped[0])]
        lines += [style.dim(INDENT + "      " + w) for w in wrapped[1:]]
    return lines


def _overlap_text(a: Axis) -> list[str]:
    o = g.overlap(a)
    if not o.uneven:
        lines = [f"even: {o.interior_max} kernel taps per output cell"]
    elif o.interior_min == 0:
        lines = [
            f"uneven: 0 to {o.interior_max} kernel taps per output cell; stride {a.stride} and",
            f"dilation {a.dilation} leave some cells with no tap (bias only)",
        ]
    else:
        lines = [
            f"uneven: {o.interior_min} or {o.interior_max} kernel taps per output cell "
            "(checkerboard);",
            f"stride {a.stride} does not divide kernel_size {a.kernel}",
        ]
    if o.min is not None and (o.min, o.max) != (o.interior_min, o.interior_max):
        lines.append(f"this output: {o.min} to {o.max} taps per cell (fewer at the borders)")
    return lines


def _formula_lines(layer: Layer, transposed: bool) -> list[str]:
    if transposed:
        general = "out = (i−1)×s − p_lo − p_hi + d×(k−1) + op + 1"
        filled = [f"{g.transposed_formula(a)} = {a.output}" for a in layer]
    else:
        general = "out = ⌊(i + p_lo + p_hi − d×(k−1) − 1) / s⌋ + 1"
        filled = [f"{g.conv_formula(a)} = {a.conv_output}" for a in layer]
    if _alike(layer):
        return [INDENT + general, INDENT + "    = " + filled[0]]
    return [INDENT + general] + [INDENT + line for line in _axis_lines(layer, filled)]


def _tensor_lines(t: Tensors) -> list[str]:
    bias = f" + bias {t.bias}" if t.bias else ""
    return (
        _labelled("input", [str(t.input)])
        + _labelled("weight", [f"{t.weight}{bias}: {t.parameters:,} parameters"])
        + _labelled("output", [str(t.output)])
    )


def _notes(layer: Layer) -> list[str]:
    notes = []
    if any(a.output_padding >= a.stride for a in layer):
        notes.append(g.OUTPUT_PADDING_BEYOND_STRIDE)
    if is_asymmetric(layer):
        notes.append(
            "PyTorch has no asymmetric padding: use padding=0 and crop lo and hi from the output"
        )
    return notes


def shape_report(
    layer: Layer,
    transposed: bool,
    tensors: Tensors | None,
    style: TextStyle,
    framework: Summary | None = None,
) -> str:
    """The `tconv shape` report: headline, per-axis table, formula, and what the sizes mean.

    With another framework's layer, its own code line heads the report, and the PyTorch code
    that computes the same replaces PyTorch's reachable sizes and encoder.
    """
    out_sizes = [a.output if transposed else a.conv_output for a in layer]
    if framework is None:
        lines = [_bold_lines(headline(layer, out_sizes, transposed), style), ""]
    else:
        sizes = f"{dims([a.size for a in layer])} → {dims(out_sizes)}"
        lines = [
            _bold_lines(framework.code.splitlines(), style),
            style.bold(sizes),
            "",
            INDENT + "the same layer in tconv's terms (PyTorch's words):",
        ]
    header = ["axis", "in", "kernel", "stride", "padding", "dilation"]
    rows = [[i, a.size, a.kernel, a.stride, pad_text(a), a.dilation] for i, a in enumerate(layer)]
    if transposed:
        header.append("output_padding")
        for row, a in zip(rows, layer):
            row.append(a.output_padding)
    header.append("out")
    for row, n in zip(rows, out_sizes):
        row.append(n)
    lines += table(header, rows) + [""] + _formula_lines(layer, transposed) + [""]

    if framework is not None:
        lines += _labelled("in PyTorch", framework.torch.splitlines())
    elif transposed:
        lines += _labelled("reachable", _axis_lines(layer, [_reachable_text(a) for a in layer]))
        if any(a.max_output_padding >= a.stride for a in layer):
            lines += _labelled("", ["* output_padding ≥ stride: PyTorch only, not Keras or ONNX"])
        lines += _encoder_lines(layer)
    if transposed:
        overlap = []
        for i, a in enumerate(layer):
            texts = _overlap_text(a)
            if not _alike(layer):  # continuation lines align after "axis i: "
                texts = [f"axis {i}: {texts[0]}"] + [" " * 8 + t for t in texts[1:]]
            overlap += texts
            if _alike(layer):
                break
        lines += _labelled("overlap", overlap)
    else:
        lines += _labelled("collapses", _axis_lines(layer, [_collapse_text(a) for a in layer]))
        lines += _labelled(
            "restored by",
            [f"{constructor(_as_transposed(layer))} with"]
            + _axis_lines(layer, [_restore_text(a) for a in layer]),
        )
    if tensors is not None:
        lines += [""] + _tensor_lines(tensors)
    return "\n".join(lines + notes_lines(shape_notes(layer, framework), style))


def shape_notes(layer: Layer, framework: Summary | None = None) -> list[str]:
    """The notes `tconv shape` prints (its --json carries the same)."""
    return _notes(layer) if framework is None else list(framework.notes)


def _as_conv(layer: Layer) -> Layer:
    return tuple(Axis(a.size, a.kernel, a.stride, a.pad_lo, a.pad_hi, a.dilation) for a in layer)


def _as_transposed(layer: Layer) -> Layer:
    """The transposed layer that undoes a direct one: its input is the conv's output."""
    return tuple(
        Axis(a.conv_output, a.kernel, a.stride, a.pad_lo, a.pad_hi, a.dilation) for a in layer
    )


def _collapse_text(a: Axis) -> str:
    """For a direct conv: the input sizes that give the same output (the floor)."""
    sizes = g.conv_inputs(_as_transposed((a,))[0])
    alone = " (no other size does)" if len(sizes) == 1 else ""
    return f"{_sizes_list(sizes)} → {a.conv_output}{alone}"


def _restore_text(a: Axis) -> str:
    back = _as_transposed((a,))[0]
    sizes = g.conv_inputs(back)
    ops = range(sizes.start - back.min_output, sizes.stop - back.min_output)
    return f"output_padding {_sizes_list(ops)} → {_sizes_list(sizes)}"


def inverse_report(layer: Layer, target: Sequence[int], style: TextStyle) -> str:
    """The `tconv inverse` report: the layer that gives `target`, and why."""
    ops = [a.output_padding for a in layer]
    lines = [_bold_lines(headline(layer, target), style), ""]
    lines += _labelled("answer", [style.bold(f"output_padding={per_axis(ops)}")])
    lines += _encoder_lines(layer)
    restores = []
    for a in layer:
        sizes = g.conv_inputs(a)
        restores.append(
            ", ".join(f"{n} with output_padding {n - a.min_output}" for n in sizes)
            if 1 < len(sizes) <= 6
            else f"{a.output} with output_padding {a.output_padding}"
        )
    lines += _labelled("restores", _axis_lines(layer, restores))
    return "\n".join(lines + notes_lines(inverse_notes(layer, target), style))


def inverse_notes(layer: Layer, target: Sequence[int]) -> list[str]:
    """The notes `tconv inverse` prints (its --json carries the same)."""
    ops = [a.output_padding for a in layer]
    notes = _notes(layer)
    if any(a.output not in g.torch_output_size_range(a) for a in layer):
        accepted = [g.torch_output_size_range(a) for a in layer]
        accepted = accepted[:1] if _alike(layer) else accepted
        span = ", ".join(f"{r[0]} to {r[-1]}" if len(r) > 1 else str(r[0]) for r in accepted)
        notes.append(
            f"PyTorch's forward(x, output_size={per_axis(list(target))}) refuses this: it "
            f"accepts {span} (it ignores dilation); pass output_padding="
            f"{per_axis(ops)} to the constructor instead"
        )
    return notes


def _pad_step(a: Axis) -> str:
    def side(amount: int, formula: str, where: str) -> str:
        if amount < 0:
            return f"{formula} = {amount}: crop {-amount} {where}"
        return f"{formula} = {amount} {where}"

    k = f"{a.dilation}×({a.kernel}−1)"
    before = side(a.frame_lo, f"{k} − {g.term(a.pad_lo)}", "before")
    after = side(a.frame_hi, f"{k} − {g.term(a.pad_hi)} + {a.output_padding}", "after")
    return f"{before}, {after}: {a.grid_length}"


def explain_steps(layer: Layer) -> list[str]:
    """The four steps of DESIGN.md §1 with this layer's numbers, and the equivalent conv."""
    inserts = [
        f"{counted(a.stride - 1, 'zero')} between input elements: "
        f"({a.size}−1)×{a.stride} + 1 = {a.zero_inserted}"
        if a.stride > 1
        else f"stride 1: nothing to insert, {a.size}"
        for a in layer
    ]
    flips = [
        f"taps {a.dilation} apart, footprint {a.dilation}×({a.kernel}−1) + 1 = {a.extent}"
        if a.dilation > 1
        else f"footprint {a.kernel}"
        for a in layer
    ]
    slides = [
        f"stride 1 over {a.grid_length}: {a.grid_length} − {a.extent} + 1 = {a.output}"
        for a in layer
    ]
    equivalent = g.equivalent_conv(layer)
    crop = any(a.frame_lo < 0 or a.frame_hi < 0 for a in layer)
    lines = (
        _labelled("1. insert", _axis_lines(layer, inserts))
        + _labelled("2. pad", _axis_lines(layer, [_pad_step(a) for a in layer]))
        + _labelled(
            "3. flip",
            [f"reverse the kernel{' along every axis' * (len(layer) > 1)}; {flips[0]}"]
            if _alike(layer)
            else ["reverse the kernel along every axis"] + _axis_lines(layer, flips),
        )
        + _labelled("4. slide", _axis_lines(layer, slides))
    )
    same = (
        f"{constructor(equivalent, transposed=False)} with the flipped kernel, on the "
        "zero-inserted input" + (" (negative padding: crop)" if crop else "")
    )
    return lines + [""] + _labelled("same as", [same])
