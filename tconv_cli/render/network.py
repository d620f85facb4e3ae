"""Plain-text reports of `tconv chain` and `tconv unet` (network.Step, network.UNet)."""

from __future__ import annotations

from textwrap import wrap

from .text import dims

MIN_LAYER = 24  # the layer column's narrowest, however narrow the terminal


def _shape(channels, batch, sizes) -> str:
    if channels is None:
        return ""
    lead = [] if batch is None else [batch]
    return "(" + ", ".join(map(str, [*lead, channels, *sizes])) + ")"


def _fix(step) -> str:
    """What makes an unmatched step's output equal its skip."""
    parts = []
    for axis, diff in enumerate(step.difference):
        if diff:
            verb = "pad" if diff > 0 else "crop"
            parts.append(f"{verb} {abs(diff)} on axis {axis}")
    return ", ".join(parts) or "nothing"


def _written(step) -> str:
    """What the up layer as written gives, when its own output_padding is not 0 (else the
    step's output_padding says the whole change)."""
    if step.given is None:
        return " (as written it fails)"
    if not any(step.written or ()):
        return ""
    return f" (its output_padding={','.join(map(str, step.written))} gives {dims(step.given)})"


def chain_report(sizes, steps, in_channels, batch, spread, width: int = 80) -> list[str]:
    """tconv chain's table: one row per layer, tensor shapes when channels are known, and
    the overlap per axis. A layer's text is never cut: wrapped within `width` columns."""
    head = "#:line" if any(s.line is not None for s in steps) else "#"
    rows = [
        (head, "layer", "", "", ""),
        ("", "input", "", dims(sizes), _shape(in_channels, batch, sizes)),
    ]
    for index, s in enumerate(steps):
        where = f"{index + 1}" if s.line is None else f"{index + 1}:{s.line}"
        rows.append(
            (
                where,
                " ".join(s.layer.split()),
                dims(s.input) + " →",
                dims(s.output),
                _shape(s.channels, batch, s.output),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    room = width - (widths[0] + widths[2] + widths[3] + widths[4] + 7)
    widths[1] = min(widths[1], max(room, MIN_LAYER))
    lines = []
    for a, b, c, d, e in rows:
        parts = wrap(b, widths[1], break_long_words=True, break_on_hyphens=False) or [""]
        lines.append(
            f"{a.rjust(widths[0])}  {parts[0].ljust(widths[1])}  {c.rjust(widths[2])} "
            f"{d.ljust(widths[3])}  {e}".rstrip()
        )
        lines += [f"{'':{widths[0]}}    {part}".rstrip() for part in parts[1:]]
    lines.append(f"output {dims(steps[-1].output)}")
    if spread is not None:
        for axis, (lo, hi, ratio) in enumerate(zip(spread.min, spread.max, spread.ratio)):
            times = "∞ (some cells get none)" if ratio is None else f"{ratio:g}×"
            lines.append(f"overlap axis {axis}: {lo} to {hi} contributions per cell, {times}")
    return lines


def unet_report(sizes, net) -> list[str]:
    """tconv unet's report: the levels, each decoder step, and the sizes that need nothing."""
    lines = ["levels  " + " → ".join(dims(level) for level in net.levels), "decoder"]
    for n, step in enumerate(net.decoder, 1):
        if step.runs:
            lines.append(
                f"  up {n}  {dims(step.input)} → {dims(step.given)}  skip "
                f"{dims(step.skip)}  matches"
            )
            continue
        head = f"  up {n}  {dims(step.input)} → {dims(step.output)}  skip {dims(step.skip)}"
        if step.output_padding is not None:
            ops = ",".join(map(str, step.output_padding))
            lines.append(f"{head}  output_padding={ops}{_written(step)}")
            if step.output_size_ok:
                shown = ", ".join(map(str, step.skip))
                lines.append(f"          or forward(x, output_size=[{shown}])")
        elif step.transposed:
            lines.append(f"{head}  no legal output_padding: {_fix(step)}")
        else:
            lines.append(f"{head}  does not match: {_fix(step)}")
    below = dims(["none" if v is None else v for v in net.below])
    above = dims(["none" if v is None else v for v in net.above])
    cost = ",".join("?" if a is None else str(a - i) for a, i in zip(net.above, sizes))
    lines.append(
        f"inputs that need no change: {below} (below), {above} (above: pad the input by {cost})"
    )
    if net.valid is not None:
        for axis, found in enumerate(net.valid):
            shown = ", ".join(map(str, found[:12])) + (", …" if len(found) > 12 else "")
            lines.append(f"  valid on axis {axis} ({len(found)}): {shown or 'none'}")
    return lines
