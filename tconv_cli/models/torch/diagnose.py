"""What failed, as `Inspection.error`: the first join that cannot run (both shapes, the layers
upstream on each side), the fix and the nearest inputs that need none; or the layer that failed
and what tconv's geometry says of it; or, for anything else, PyTorch's words."""

from __future__ import annotations

from ... import network
from ...errors import NoAnswer, ParameterError
from ...words import counted
from ..record import error_record
from .joins import Join, Side
from .joins import find as find_join
from .layers import dims
from .nearest import BUDGET, nearest, periods
from .repair import decoder, describe, repair
from .trace import Run, Runner


def diagnose(runner: Runner, shape: tuple[int, ...], first: Run, notes: list[str]) -> dict:
    """The error of a run that failed (see `Inspection`); `notes` get what the report says
    besides (a search cut short)."""
    join = find_join(first)
    if join is None:
        return _other(runner, shape, first, notes)
    failure = join.failure
    a, b = join.sides
    side, up = decoder(join)
    if up is not None and join.spatial:
        other = b if side is a else a
        layer = up.layer
        message = (
            f"{failure.function} fails in {failure.container}: {layer.name} ({layer.op}) "
            f"gives {dims(layer.output)}"
        )
        if side.shape != layer.output:
            message += f", {dims(side.shape)} where they join"
        skip_from = other.producer
        skip = {None: "", "input": " (the model's input)"}.get(skip_from, f" from {skip_from}")
        message += f"; the skip{skip} is {dims(other.shape)}"
        names = [layer.name] + ([skip_from] if skip.startswith(" from") else [])
        sizes = {layer.name: layer.output}
        if skip_from:
            sizes[skip_from] = other.shape
    else:
        message = f"{failure.function} fails in {failure.container}: " + (
            f"{_said(a)} against {_said(b)}: inner sizes {a.shape[-1]} and "
            f"{b.shape[-1] if failure.short == 'linear' or len(b.shape) < 2 else b.shape[-2]}"
            if join.kind == "matmul"
            else f"{_said(a)} and {_said(b)} differ on axis {_axes(join, a)}"
        )
        names, sizes = [], {}
        for one in (a, b):
            name = one.upstream[0].layer.name if one.upstream else one.producer
            if name and name not in names:
                names.append(name)
                sizes[name] = one.shape
    fixed = repair(runner, shape, first)
    records = (
        fixed.run.records
        if fixed.run is not None and fixed.run.failure is None
        else (first.records)
    )
    # else channels or ranks, which no input size helps, unless the clash moves with the size
    # (tokens: H·W flattened against a learned position table)
    sized = join.spatial or join.kind == "matmul" or _moves_with_size(runner, shape, join, records)
    inputs, stopped = (
        _searched(runner, shape, records, notes) if sized else ({"below": None, "above": None}, 0)
    )
    fix = list(fixed.fix)
    shown = [dims(v) for v in (inputs["below"], inputs["above"]) if v is not None]
    if shown:
        fix.append(f"{'or a' if fix else 'a'}n input that needs no change: {' or '.join(shown)}")
    elif sized and not stopped:  # as the ONNX report says it
        fix.append("no input shape near this one runs as the model is")
    return error_record(
        message,
        join={
            "name": failure.container,
            "op": failure.function,
            "shapes": [a.shape, b.shape],
            "axis": None if join.axis is None else len(a.shape) + join.axis,
        },
        layers=names,
        upstream=[[r.layer.name for r in one.upstream] for one in (a, b)],
        sources=["constant" if one.node is None else "input" for one in (a, b)],
        sizes=sizes,
        fix=fix,
        changes=[c.data for c in fixed.changes],
        steps=fixed.steps,
        inputs=inputs,
    )


def _said(side: Side) -> str:
    source = side.producer
    return dims(side.shape) + (
        "" if source is None else " (the model's input)" if source == "input" else f" from {source}"
    )


def _axes(join: Join, side: Side) -> str:
    return ", ".join(str(len(side.shape) + axis) for axis in join.axes) or "rank"


def _moves_with_size(runner: Runner, shape: tuple[int, ...], join: Join, records) -> bool:
    """Whether the clash depends on the input's spatial sizes: one forward with every spatial
    axis one downsampling period longer, and either side's sizes on the clashing axes
    compared (a run that works, or fails elsewhere, says yes)."""
    rank = len(shape) - 2 if len(shape) >= 3 else 1
    longer = tuple(shape[:-rank]) + tuple(
        size + step for size, step in zip(shape[-rank:], periods(records, rank))
    )
    probe = find_join(runner.run(longer))
    if probe is None or probe.failure.container != join.failure.container:
        return True
    clash = [[side.shape[axis] for axis in join.axes] for side in join.sides]
    moved = [
        [side.shape[axis] if -len(side.shape) <= axis else None for axis in join.axes]
        for side in probe.sides
    ]
    return moved != clash


def _searched(runner: Runner, shape, records, notes: list[str]) -> tuple[dict, int]:
    """`nearest`, and the forwards run when its search was cut short (0 when not; a note
    says so)."""
    found = nearest(runner, shape, records)
    runs = found.pop("stopped", 0)
    if runs:
        notes.append(
            f"the search for inputs that need no change stopped after {runs} "
            f"forwards ({BUDGET:g} s at most): nearer ones may exist"
        )
    return found, runs


def _other(runner: Runner, shape: tuple[int, ...], run: Run, notes: list[str]) -> dict:
    """A failure that is not a join: the layer that failed (or the call), and what tconv's
    geometry says of it; an input the first layer cannot take is the input's fault (exit 2)."""
    failure = run.failure
    failed = next(
        (r for r in reversed(run.records) if r.end is None and r.module is not None), None
    )
    if failed is None or failed.layer.name not in failure.open:
        named = {
            node.producer: size
            for node, size, _ in failure.inputs
            if node is not None and node.producer
        }
        return error_record(
            describe(failure)
            if failure.function != "forward"
            else f"forward fails in {failure.container}: {failure.error}",
            layers=[failure.open[-1]] if failure.open else [],
            sizes=named,
        )
    layer = failed.layer
    message = f"{layer.name} ({layer.op}) fails on {dims(layer.input)}: {failure.error}"
    error = error_record(message, layers=[layer.name], sizes={layer.name: layer.input})
    if failed.spec is None or not layer.input:
        return error
    rank = failed.spec.rank or len(layer.input) - 2
    _check_input(shape, run, failed, rank)
    if len(layer.input) < rank + 1:
        error["fix"].append(
            f"{layer.op} takes (batch,) channels and {rank} sizes: the input "
            "shape is the whole shape, batch and channels first"
        )
        return error
    try:
        network.output_sizes(failed.spec, tuple(layer.input[-rank:]), layer.name)
        return error  # not its sizes (its channels, its dtype…): PyTorch's words say it
    except (NoAnswer, ParameterError) as why:
        error["fix"].append(str(why))
    inputs = (
        _searched(runner, shape, run.records, notes)[0]
        if rank < len(shape)
        else {"below": None, "above": None}
    )
    shown = [dims(v) for v in (inputs["below"], inputs["above"]) if v is not None]
    error["fix"].append(
        f"the nearest input that works: {' or '.join(shown)}"
        if shown
        else "give a larger input, or less downsampling before this layer"
    )
    error["inputs"] = inputs
    return error


def _check_input(shape, run: Run, failed, rank: int) -> None:
    """ParameterError when the first layer cannot take the given input: too few dimensions,
    or other channels than its weights take (as for an ONNX file)."""
    layer, module = failed.layer, failed.module
    if failed is not run.records[0] or layer.input[:-rank] != list(shape[:-rank]):
        return  # not the input's batch and channels that reach it
    text = ",".join(map(str, shape))
    if len(shape) < rank + 1:
        raise ParameterError(
            "input_shape",
            text,
            f"has {counted(len(shape), 'dimension')}, but "
            f"{layer.name} ({layer.op}) takes batch, channels and {rank} "
            "sizes, e.g. " + ",".join(["1", "3"] + ["32"] * rank),
        )
    channels = getattr(module, "in_channels", None)
    given = shape[-rank - 1]
    if isinstance(channels, int) and channels != given:
        raise ParameterError(
            "input_shape",
            text,
            f"gives {given} channels, but the model's "
            f"weights take {channels} ({layer.name}, {layer.op})",
        )
