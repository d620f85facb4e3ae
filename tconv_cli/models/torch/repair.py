"""The fix of a failing join: the change to the layer responsible (a ConvTranspose's
output_padding or padding, `output_size=`, an Upsample's or interpolate's `size=`, a conv's or
pool's padding, a Linear's in_features), or a pad/crop where no layer parameter can; each change
applied and forward run again, until the model runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ... import geometry as g
from ... import network
from .joins import Join, Side, is_up, own, spatial
from .joins import find as find_join
from .layers import constructor
from .layers import dims as shown_dims
from .trace import Failure, Record, Run, Runner

#: Most changes tconv tries before it gives up (one per join, in a model of many joins).
MAX_REPAIRS = 64


@dataclass
class Change:
    """One change: its line, its data (`Inspection.error["changes"]`), its decoder step (an up
    layer's), and how to make it for a run (module attributes, or a call's arguments)."""

    layer: str
    line: str
    data: dict
    step: Optional[dict] = None
    attributes: list = field(default_factory=list)  # (module, name, value)
    call: Optional[tuple[str, Callable]] = None
    key: Optional[str] = None  # what a second change of the same thing is known by

    def __post_init__(self):
        self.key = self.key or self.layer


@dataclass
class Stop:
    """No change: the line that says why."""

    layer: Optional[str]
    line: str
    step: Optional[dict] = None


@dataclass
class Repair:
    """What `repair` did: its changes, the lines a report shows, the up layers' steps, and the
    last run (with every change made)."""

    changes: list = field(default_factory=list)
    fix: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    run: Optional[Run] = None


def repair(runner: Runner, shape: tuple[int, ...], run: Run) -> Repair:
    """Change the layer (or the join) each failing join needs, and run again, until forward
    works or a join has no change; the model is restored after."""
    done = Repair()
    calls: dict[str, Callable] = {}
    saved: list = []
    try:
        for _ in range(MAX_REPAIRS):
            join = find_join(run)
            if join is None:
                break
            change = plan(runner.torch, join)
            if change is None:  # nothing tconv can change joins these (channels, ranks)
                break
            if isinstance(change, Change) and any(c.key == change.key for c in done.changes):
                change = _again(done, change)
            if isinstance(change, Stop):
                done.fix.append(change.line)
                if change.step is not None:
                    done.steps.append(change.step)
                break
            done.changes.append(change)
            done.fix.append(change.line)
            if change.step is not None:
                done.steps.append(change.step)
            for module, name, value in change.attributes:
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, value)
            if change.call is not None:
                calls[change.call[0]] = change.call[1]
            run = runner.run(shape, calls)
        done.run = run
        if done.changes and run.failure is not None and find_join(run) is None:
            done.fix.append(f"with these, {describe(run.failure)}")
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)
    return done


def _again(done: Repair, change: Change) -> Stop:
    """A layer changed once that still does not join: what reaches the join does not follow its
    attributes (forward gives it output_size=, or changes the size after it)."""
    for n in reversed(range(len(done.changes))):
        if done.changes[n].key == change.key:
            old = done.changes.pop(n)
            done.fix.remove(old.line)
            if old.step is not None:
                done.steps.remove(old.step)
    head = change.line.partition(":")[0] if change.step is None else _head(change.step)
    step = None if change.step is None else {**change.step, "output_padding": None}
    return Stop(
        change.layer,
        f"{head}, whatever its {_what(change)} (does forward give it "
        "output_size=, or change the size after it?)",
        step,
    )


def _what(change: Change) -> str:
    keys = list(change.data.get("set", {}))
    return " or ".join(keys) if keys else "attributes"


def _head(step: dict) -> str:
    rank = len(step["target"])
    return (
        f"{step['layer']} ({step['op']}) gives {shown_dims(step['output'][-rank:])} where the "
        f"skip needs {shown_dims(step['target'])}"
    )


def describe(failure: Failure) -> str:
    """`torch.cat fails in up1: RuntimeError: …`."""
    where = f" in {failure.open[-1]}" if failure.open else ""
    return f"{failure.function} fails{where}: {failure.error}"


def decoder(join: Join) -> tuple[Optional[Side], Optional[Record]]:
    """The side whose latest own up layer is the latest (the decoder side), and that layer."""
    best = (None, None)
    for side, other in (join.sides, join.sides[::-1]):
        up = next((r for r in own(side, other) if is_up(r)), None)
        if up is not None and (best[1] is None or up.start > best[1].start):
            best = (side, up)
    return best


def plan(torch, join: Join) -> Change | Stop | None:
    """The change that makes this join run, or a Stop that says why there is none."""
    if join.kind == "matmul":
        return _linear(torch, join)
    if not join.spatial:
        return None
    side, up = decoder(join)
    if up is not None:
        other = join.sides[1] if side is join.sides[0] else join.sides[0]
        target = _target(up, side, other, join)
        change = _up(torch, up, target)
        if isinstance(change, Change):
            return change
        if isinstance(change, Stop):  # no parameter of the up layer reaches the skip
            pad = _pad(torch, join, side)
            if pad is None:
                return replace(change, line=f"{change.line}, or use an input that needs none")
            pad.line, pad.step = f"{change.line}; {pad.line}", change.step
            return pad
    else:
        for record, side, other in _downs(join):
            change = _down(torch, record, _target(record, side, other, join))
            if change is not None:
                return change
        side = None
    return _pad(torch, join, side)


def _target(record: Record, side: Side, other: Side, join: Join) -> list:
    """The record's spatial output that makes `side` match `other` on the clashing axes."""
    out = spatial(record.layer.output)
    rank = len(out)
    target = list(out)
    for axis in join.axes:
        if -rank <= axis:
            target[axis] = out[axis] + other.shape[axis] - side.shape[axis]
    return target


def _up(torch, up: Record, target: list) -> Change | Stop | None:
    layer, module = up.layer, up.module
    step = {
        "layer": layer.name,
        "op": layer.op,
        "input": layer.input,
        "output": layer.output,
        "target": list(target),
        "output_padding": None,
        "output_size": None,
    }
    head = _head(step)
    if min(target) < 1:
        return None
    if up.spec is not None and up.spec.kind == "transposed" and module is not None:
        sizes = tuple(spatial(layer.input))
        found = network.decoder_step(up.spec, sizes, tuple(target), layer.name)
        if found.output_size_ok:
            step["output_size"] = list(target)
        if found.output_padding is not None:
            step["output_padding"] = list(found.output_padding)
            axes = tuple(
                replace(a, output_padding=op)
                for a, op in zip(network.axes(up.spec, sizes), found.output_padding)
            )
            line = f"{layer.name}: {g.constructor(axes)}" + (
                f", or call it with output_size={list(target)}" if found.output_size_ok else ""
            )
            return Change(
                layer.name,
                line,
                {
                    "layer": layer.name,
                    "op": layer.op,
                    "set": {"output_padding": list(found.output_padding)},
                },
                step,
                [(module, "output_padding", tuple(found.output_padding))],
            )
        padded = _transposed_padding(up.spec, sizes, target)
        if padded is not None and not isinstance(module.padding, str):
            pads, ops = padded
            text = constructor(torch, module, padding=tuple(pads), output_padding=tuple(ops))
            return Change(
                layer.name,
                f"{head}: no output_padding reaches it; {layer.name}: {text}",
                {
                    "layer": layer.name,
                    "op": layer.op,
                    "set": {"padding": list(pads), "output_padding": list(ops)},
                },
                step,
                [(module, "padding", tuple(pads)), (module, "output_padding", tuple(ops))],
            )
        return Stop(layer.name, _no_padding(layer, found, target), step)
    if up.spec is not None and up.spec.kind == "upsample" and module is not None:
        # this call of the module only (one Upsample may serve every level)
        return Change(
            layer.name,
            f"{head}: resize to the skip's size (F.interpolate(x, "
            "size=skip.shape[2:])), or use an input that needs none",
            {"layer": layer.name, "op": layer.op, "set": {"size": list(target)}},
            step,
            call=(f"{layer.name}:interpolate#{up.call}", _sized(target)),
            key=f"{layer.name}#{up.call}",
        )
    if layer.op in ("F.interpolate", "F.upsample") and up.site is not None:
        given = up.kwargs or {}
        was = next(
            (
                f"{key}={given[key]!r}"
                for key in ("scale_factor", "size")
                if given.get(key) is not None
            ),
            None,
        )
        instead = f" instead of {was}" if was else ""
        return Change(
            layer.name,
            f"{head}: call F.interpolate(x, size=skip.shape[2:]){instead}",
            {"layer": layer.name, "op": layer.op, "set": {"size": list(target)}},
            step,
            call=(up.site, _sized(target)),
        )
    return None


#: F.interpolate's arguments in order.
INTERPOLATE = (
    "input",
    "size",
    "scale_factor",
    "mode",
    "align_corners",
    "recompute_scale_factor",
    "antialias",
)


def _sized(target: list) -> Callable:
    """A call of F.interpolate changed to `size=target` (its other arguments kept)."""

    def sized(args, kwargs):
        given = {**dict(zip(INTERPOLATE, args)), **kwargs}
        given.update(size=tuple(target), scale_factor=None, recompute_scale_factor=None)
        return (given.pop("input"),), given

    return sized


def _transposed_padding(spec: network.Spec, sizes, target) -> Optional[tuple[list, list]]:
    """(padding, output_padding) per axis reaching `target` where output_padding alone cannot,
    padding nearest the layer's own (PyTorch pads both ends alike)."""
    pads, ops = [], []
    for a, t in zip(network.axes(network._no_op(spec), sizes), target):
        limit = max(a.stride, a.dilation)
        options = []
        for p in range(0, a.dilation * (a.kernel - 1) + limit + 1):
            op = t - ((a.size - 1) * a.stride - 2 * p + a.dilation * (a.kernel - 1) + 1)
            if 0 <= op < limit:
                options.append((abs(p - a.pad_lo), op, p))
        if not options:
            return None
        _, op, p = min(options)
        pads.append(p)
        ops.append(op)
    return pads, ops


def _no_padding(layer, found: network.Decoder, target) -> str:
    parts = [
        f"{'pad' if d > 0 else 'crop'} {abs(d)} on axis {axis}"
        for axis, d in enumerate(found.difference)
        if d
    ]
    return (
        f"{layer.name} ({layer.op}) gives {shown_dims(found.output)} with output_padding 0; "
        f"no legal output_padding nor padding reaches {shown_dims(target)} "
        f"({', '.join(parts)})"
    )


def _downs(join: Join):
    """The conv and pool layers (nearest first on each side, the latest side first) whose
    padding could make the sides join."""
    found = []
    for side, other in (join.sides, join.sides[::-1]):
        for record in own(side, other):
            if (
                record.module is not None
                and record.spec is not None
                and record.spec.kind in ("conv", "maxpool", "avgpool")
            ):
                found.append((record.start, record, side, other))
                break
    return [(r, s, o) for _, r, s, o in sorted(found, key=lambda f: -f[0])]


def _down(torch, record: Record, target: list) -> Optional[Change]:
    """The padding of a conv or pool that gives `target`, nearest its own."""
    layer, module, spec = record.layer, record.module, record.spec
    if isinstance(getattr(module, "padding", None), str):
        return None
    pads = []
    for a, t in zip(network.axes(spec, tuple(spatial(layer.input))), target):
        ek = a.dilation * (a.kernel - 1) + 1
        limit = (a.kernel // 2) if spec.kind in ("maxpool", "avgpool") else ek + a.stride
        options = [
            (abs(p - a.pad_lo), p)
            for p in range(0, limit + 1)
            if (a.size + 2 * p - ek) // a.stride + 1 == t and a.size + 2 * p >= ek
        ]
        if not options:
            return None
        pads.append(min(options)[1])
    text = constructor(torch, module, padding=tuple(pads))
    attributes = [
        (module, "padding", tuple(pads) if spec.kind != "avgpool" or len(pads) > 1 else pads[0])
    ]
    if hasattr(module, "_reversed_padding_repeated_twice"):
        attributes.append(
            (
                module,
                "_reversed_padding_repeated_twice",
                [p for p in reversed(pads) for _ in range(2)],
            )
        )
    return Change(
        layer.name,
        f"{layer.name}: {text}",
        {"layer": layer.name, "op": layer.op, "set": {"padding": list(pads)}},
        attributes=attributes,
    )


def _pad(torch, join: Join, side: Optional[Side]) -> Optional[Change]:
    """Pad or crop one input of the join to the other's sizes (no layer parameter can)."""
    failure = join.failure
    if failure.site is None:
        return None
    side = side or join.sides[1]
    other = join.sides[0] if side is join.sides[1] else join.sides[1]
    rank = len(side.shape) - 2
    amounts = [
        other.shape[axis] - side.shape[axis] if axis in join.axes else 0 for axis in range(-rank, 0)
    ]
    pads = []
    for amount in reversed(amounts):  # F.pad's order: the last axis first
        pads += [0, amount]
    what = (
        "pad"
        if all(v >= 0 for v in amounts)
        else "crop"
        if all(v <= 0 for v in amounts)
        else "pad/crop"
    )
    index = side.index

    def padded(args, kwargs, pads=tuple(pads)):
        counter = [0]

        def walk(value, depth=0):
            if isinstance(value, torch.Tensor):
                n = counter[0]
                counter[0] += 1
                return torch.nn.functional.pad(value, pads) if n == index else value
            if isinstance(value, (list, tuple)) and depth < 3:
                return type(value)(walk(v, depth + 1) for v in value)
            return value

        return walk(args), kwargs

    dims = f"{shown_dims(side.shape)} → {shown_dims(side.shape[:2] + spatial(other.shape))}"
    line = (
        f"{failure.function} in {failure.container}: no layer's parameter can join "
        f"{shown_dims(side.shape)} and {shown_dims(other.shape)}; {what} input {index + 1} "
        f"({dims}) with F.pad(x, {tuple(pads)})"
    )
    key = what if what != "pad/crop" else "pad"
    return Change(
        f"{failure.site}",
        line,
        {"layer": failure.container, "op": failure.function, "input": index, key: amounts},
        call=(failure.site, padded),
    )


def _linear(torch, join: Join) -> Optional[Change]:
    """A Linear whose in_features is not what reaches it: the in_features that is."""
    failure = join.failure
    a, w = (side.shape for side in join.sides)
    if failure.short != "linear" or failure.site is None or len(w) != 2:
        return None
    name = failure.container
    features, out = a[-1], w[0]

    def resized(args, kwargs):
        weight = args[1] if len(args) > 1 else kwargs["weight"]
        fresh = torch.empty(out, features, dtype=weight.dtype, device=weight.device)
        if len(args) > 1:
            return (args[0], fresh, *args[2:]), kwargs
        return args, {**kwargs, "weight": fresh}

    return Change(
        name,
        f"{name}: Linear(in_features={features}, out_features={out}), or an "
        "input whose flattened size it takes",
        {"layer": name, "op": "Linear", "set": {"in_features": features}},
        call=(failure.site, resized),
    )
