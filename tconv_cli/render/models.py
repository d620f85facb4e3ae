"""The plain-text report of `tconv inspect` (an `Inspection` of an ONNX file or a PyTorch module):
one row per layer in order (name, op, input → output shape), its attributes in tconv's record on
the next line, its warnings under it; when the model fails, the message, the layers involved and
the fix. Readable at 80 columns."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ..words import counted

WIDTH = 80
NAME = 16  # characters of a layer's name, at least, when names are cut to fit the width


def shape(values: Sequence | None) -> str:
    """A whole tensor shape `1×64×7×7`, `?` for an unknown dimension or rank."""
    if values is None:
        return "?"
    return "×".join("?" if v is None else str(v) for v in values)


def _per_axis(values: Sequence | None) -> str:
    """`3` when every axis has it, else `3,5`."""
    values = list(values or [])
    if not values:
        return "?"
    return str(values[0]) if len(set(values)) == 1 else ",".join(map(str, values))


def _pads(pairs: Sequence[Sequence[int]]) -> str:
    """`1` (both ends of every axis), else `begin:end` per axis."""
    flat = {v for pair in pairs for v in pair}
    if len(flat) == 1:
        return str(flat.pop())
    return ",".join(f"{lo}:{hi}" for lo, hi in pairs)


def _scale(values: Sequence) -> str:
    return _per_axis(["?" if v is None else f"{v:g}" for v in values])


def attributes(layer) -> str:
    """The record on one line: `kernel 3  stride 2  padding 0:1  output_padding 1`."""
    parts = []
    if layer.kernel_size:
        parts.append(f"kernel {_per_axis(layer.kernel_size)}")
    if layer.stride and layer.kernel_size:
        parts.append(f"stride {_per_axis(layer.stride)}")
    if layer.padding:
        given = " ".join(
            f"{key} {_per_axis(value) if isinstance(value, list) else value}"
            for key, value in (layer.resolved_from or {}).items()
        )
        parts.append(f"padding {_pads(layer.padding)}" + (f" ({given})" if given else ""))
    if layer.dilation and any(d != 1 for d in layer.dilation):
        parts.append(f"dilation {_per_axis(layer.dilation)}")
    if layer.output_padding and any(layer.output_padding):
        parts.append(f"output_padding {_per_axis(layer.output_padding)}")
    if layer.groups and layer.groups > 1:
        parts.append(f"groups {layer.groups}")
    if layer.scale:
        parts.append(f"scale {_scale(layer.scale)}")
    return "  ".join(parts)


def _cut(name: str, width: int) -> str:
    """The end of a long name (a module's path ends with what it is): `…maxpool_conv.0`."""
    return name if len(name) <= width else "…" + name[-(width - 1) :]


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    )


def report(inspection) -> list[str]:
    """The lines of the report."""
    layers = inspection.layers
    count = len(layers)
    warned = sum(1 for layer in layers if layer.warnings)
    head = f"{inspection.source}: {counted(count, 'layer')}"
    if warned:
        head += f", {warned} with warnings"
    lines = [head]
    if layers:
        number = len(str(count))
        ops = max(len(layer.op) for layer in layers)
        inputs = max(len(shape(layer.input)) for layer in layers)
        outputs = max(len(shape(layer.output)) for layer in layers)
        room = WIDTH - (number + 2) - (ops + 2) - (inputs + 3 + outputs) - 2
        width = max(NAME, room)
        names = max(len(_cut(layer.name, width)) for layer in layers)
        indent = " " * (number + 2)
        for index, layer in enumerate(layers, 1):
            name = _cut(layer.name, width)
            row = (
                f"{str(index).rjust(number)}  {name.ljust(names)}  "
                f"{layer.op.ljust(ops)}  {shape(layer.input).rjust(inputs)} → "
                f"{shape(layer.output)}"
            )
            if len(row) > WIDTH:  # the shapes on a line of their own
                lines.append(f"{str(index).rjust(number)}  {name}  {layer.op}")
                lines.append(f"{indent}{shape(layer.input)} → {shape(layer.output)}")
            else:
                lines.append(row)
            told = attributes(layer)
            if told:
                lines += _wrapped(told, indent, indent + "  ")
            for warning in layer.warnings:
                lines += _wrapped(warning, f"{indent}warning: ", indent + "  ")
    for note in getattr(inspection, "notes", ()):
        lines += _wrapped(note, "note: ", "  ")
    error = inspection.error
    if error:
        lines += _wrapped(str(error.get("message", "")), "error: ", "  ")
        join = error.get("join") or {}
        sources = error.get("sources") or []
        for number, (sizes, names) in enumerate(
            zip(join.get("shapes") or [], error.get("upstream") or []), 1
        ):
            made = (
                ", ".join(map(str, names))
                if names
                else "a weight or constant, not the input"
                if number <= len(sources) and sources[number - 1] == "constant"
                else "the input (no layer resized it)"
            )
            lines += _wrapped(f"{shape(sizes)} from {made}", f"  input {number}: ", "    ")
        involved = error.get("layers") or []
        if involved:
            lines += _wrapped(", ".join(map(str, involved)), "  layers: ", "    ")
        for fix in error.get("fix") or []:
            lines += _wrapped(str(fix), "  fix: ", "    ")
    return lines


def fixed(output: str, rewritten: Sequence[str], skipped: Sequence[str]) -> list[str]:
    """What `--fix` wrote."""
    if rewritten:
        lines = [f"wrote {output}: {counted(len(rewritten), 'node')} rewritten"]
        lines += _wrapped(", ".join(rewritten), "  ", "  ")
    else:
        lines = [f"wrote {output}: no node needed rewriting (an unchanged copy)"]
    for why in skipped:
        lines += _wrapped(why, "  not rewritten: ", "    ")
    return lines
