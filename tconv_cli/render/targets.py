"""A deploy target's plan as plain text (`tconv port --to openvino|tflite|coreml|tensorrt`,
`tconv inspect --target`). Lays text out; every word comes from `targets`."""

from __future__ import annotations

from .text import TextStyle, notes_lines


def words(plan) -> list[str]:
    """The target's own words for its layer: op and attributes, the output-shape input, the
    weight layout and the ops the printed form becomes."""
    attributes = " ".join(f"{key}={_value(value)}" for key, value in plan.attributes.items())
    lines = [f"{plan.op} {attributes}".rstrip()]
    if plan.output_shape is not None:
        lines.append(f"  output_shape input: {_value(plan.output_shape)}")
    lines.append(f"  weights: {plan.weights}")
    lines.append(f"  ops: {', '.join(plan.ops)}")
    return lines


def plan_lines(plan, title: str, style: TextStyle) -> list[str]:
    """The plan: verdict, the target's words, the printed form step by step, notes and the
    facts it rests on."""
    lines = [style.bold(f"# {plan.target}: {plan.verdict}") + style.dim(f" ({title})")]
    if plan.verdict == "refused":
        lines.append(plan.why)
    else:
        lines += words(plan)
        lines += ["", style.dim(f"# the printed form, for {plan.converter}")]
        for step in plan.steps:
            lines.append(style.dim(f"# {step.what}"))
            lines += step.code.splitlines()
    lines += notes_lines(plan.notes, style)
    facts = notes_lines([f"{f.rule} [{f.how}: {f.where}]" for f in plan.facts], style)
    return lines + [line.replace("note: ", "fact: ", 1) for line in facts]


def _value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def inspection_lines(name: str, title: str, planned) -> list[str]:
    """`tconv inspect --target`: every ConvTranspose's verdict on the target, what the target
    changes in the node as written, and the rewrite where it is not native."""
    lines = ["", f"on {name} ({title}):"]
    if not planned:
        lines.append("  no ConvTranspose")
    for ml, plan, told in planned:
        verdict = "unknown" if plan is None else plan.verdict
        lines.append(f"  {ml.name}: {verdict}")
        if plan is not None and plan.verdict == "refused":
            lines.append(f"    {plan.why}")
        elif plan is not None and plan.verdict == "rewritten":
            lines += [f"    {line}" for line in plan.code().splitlines()]
        lines += [f"    changed: {t}" for t in told]
    return lines


def planned_json(planned) -> list[dict]:
    return [
        {"layer": ml.name, "plan": None if plan is None else plan.as_json(), "changes": list(told)}
        for ml, plan, told in planned
    ]
