"""Plain-text reports of `tconv design`: exact upsamplers, stacks, and a checked layer.

Every number comes from `tconv_cli.upsamplers`; this module only lays text out (80 columns).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import upsamplers as d
from ..words import plural
from .text import INDENT, TextStyle, _wrap, dims, table

#: Candidates or stacks shown as text (JSON lists all).
SHOWN = 12
STACKS_SHOWN = 5


def _taps(c: d.Candidate) -> str:
    low, high = c.overlap
    return str(low) if low == high else f"{low}-{high} uneven"


def _trim(c: d.Candidate) -> str:
    return "-" if c.trim is None else f"{c.trim[0]}+{c.trim[1]}"


def _code_lines(
    layer, convention: str, style: TextStyle, indent: str = INDENT * 3, channels=("C_in", "C_out")
) -> list[str]:
    lines = d.code(layer, convention, channels).splitlines()
    return [style.dim(part) for line in lines for part in _wrap(indent + line, 80, indent + "  ")]


def factor_report(
    factor: int,
    found: Sequence[d.Candidate],
    rank: int,
    convention: str,
    causal: bool,
    style: TextStyle,
) -> str:
    """The exact ×factor layers as a table, each row with its code line under it."""
    kernels = sorted({c.kernel for c in found})
    head = (
        f"×{factor} for every input length L (output {factor}L): {len(found)} exact "
        f"{plural('layer', len(found))}, kernel {kernels[0]}"
        + (f" to {kernels[-1]}" if len(kernels) > 1 else "")
    )
    shown = found[:SHOWN]
    header = ["k", "padding", "output_padding", "trim", "taps", "family"]
    rows = [
        [c.kernel, c.padding, c.output_padding, _trim(c), _taps(c), ", ".join(c.families) or "-"]
        for c in shown
    ]
    if causal:
        header.insert(4, "delay")
        for row, c in zip(rows, shown):
            row.insert(4, c.delay)
    lines = table(header, rows)
    out = [*(style.bold(line) for line in _wrap(head, 80, "  ")), lines[0]]
    for line, c in zip(lines[1:], shown):
        out += [line, *_code_lines((c,) * rank, convention, style)]
    notes = []
    if len(found) > SHOWN:
        notes.append(
            f"Showing {SHOWN} of {len(found)}: --kernel-size K for one kernel, --json for all."
        )
    if any(c.trim for c in shown):
        notes.append(
            "trim: samples cut from the start+end of the padding=0 layer's output"
            + (
                " (all at the end: kept samples depend on no future input); delay: "
                "samples the output lags the centred trim."
                if causal
                else "."
            )
        )
    for note in notes:
        out += _wrap(note, 80, "")
    return "\n".join(out)


def _stage_lines(stack, convention: str, style: TextStyle) -> list[str]:
    out = []
    for stage in stack:
        factor = "×" + dims([c.stride for c in stage])
        family = ", ".join(stage[0].families)
        out.append(
            f"{INDENT}{factor}  k={dims([c.kernel for c in stage])} "
            f"p={dims([c.padding for c in stage])} "
            f"op={dims([c.output_padding for c in stage])}" + (f"  ({family})" if family else "")
        )
        out += _code_lines(stage, convention, style, INDENT * 2)
    return out


def stacks_report(head: str, stacks, convention: str, style: TextStyle, after: str = "") -> str:
    """Stacks of exact stages: each its factors, then each stage's layer and code."""
    out = [style.bold(line) for line in _wrap(head, 80, "  ")]
    for stack in stacks[:STACKS_SHOWN]:
        factors = " · ".join("×" + dims([c.stride for c in stage]) for stage in stack)
        out.append(f"{factors}{after}")
        out += _stage_lines(stack, convention, style)
    if len(stacks) > STACKS_SHOWN:
        out.append(f"Showing {STACKS_SHOWN} of {len(stacks)}: --json for all.")
    return "\n".join(out)


def check_report(text: str, result: d.Check, convention: str, style: TextStyle) -> str:
    """Is the layer exact; if not its formula, where it fails, what it meant, verified fixes."""
    wanted = ", ".join(f"{c.stride}L" if c.stride > 1 else "L" for c in result.layer)
    got = ", ".join(result.formulas)
    out = [style.bold(text.strip())]
    if result.exact:
        out.append(f"Exact: the output is {got} for every input length L ≥ 1.")
        families = [f for f in d.FAMILIES if all(f in c.families for c in result.layer)]
        if families:
            out.append(f"Family: {', '.join(families)}.")
        return "\n".join(out)
    first = result.failing[0]
    sizes = [c.output(first) for c in result.layer]
    out += _wrap(
        f"Not exact: the output is {got}, not {wanted}: every length differs "
        f"(L = {first} gives {dims(sizes)}).",
        80,
        "",
    )
    if result.meant:
        out += _wrap(
            "Probably meant: "
            + "; ".join(f"{name} ({d.RULES[name]})" for name in result.meant)
            + ".",
            80,
            "  ",
        )
    if not result.fixes:
        out.append("No fix with this kernel and stride: see tconv design --factor.")
        return "\n".join(out)
    out.append(f"Fixes, each exact for L = 1…{d.VERIFIED[-1]}:")
    for fix in result.fixes:
        out.append(INDENT + _fix_text(result.layer, fix))
        out += _code_lines(fix, convention, style, INDENT * 2, result.channels)
    return "\n".join(out)


def _fix_text(layer, fix) -> str:
    """What a fix changes: padding / output_padding, or the trim."""
    if any(c.trim for c in fix):
        cut = [sum(c.trim or (0, 0)) for c in fix]
        return f"keep the layer, cut {dims(cut)} at the end"
    parts = []
    for name in ("padding", "output_padding"):
        old, new = [getattr(c, name) for c in layer], [getattr(c, name) for c in fix]
        if old != new:
            parts.append(f"{name}={dims(new)}")
    families = [f for f in d.FAMILIES if all(f in c.families for c in fix)]
    return ", ".join(parts) + (f"  ({', '.join(families)})" if families else "")
