"""PyTorch modules for `tconv inspect`: a source (`file.py:Name`, `package.module:Name`) or an
`nn.Module` already built, run once at an input shape, every conv-like layer listed in call
order; when forward fails, the first join that cannot run, the fix and the inputs that need none.

- `source`: finding the file or module and building `Name(**args)` (a missing file or name is
  answered before torch is imported);
- `trace`: forward with hooks, on the meta device (or on the CPU on zeros when the meta device
  cannot run it), each tensor's provenance;
- `joins`: which join failed, and the layers upstream of each side;
- `repair`: the change to the responsible layer (or a pad/crop), checked by running again;
- `nearest`: the nearest inputs below and above that need no change;
- `diagnose`: all of it as `Inspection.error` (keys in `tconv_cli.models.Inspection`, and
  ``steps``: per up layer tconv repaired, ``{"layer", "op", "input", "output", "target",
  "output_padding", "output_size"}``). ``upstream`` lists per side the layers since the two
  sides parted, then the last layer they share; ``join["axis"]`` is the concat axis of the
  whole shape (None for a sum, a product, a stack or a matrix product).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ...errors import ParameterError, TconvError
from ..record import Inspection, check_input_shape, error_record
from . import source as _source
from .diagnose import diagnose
from .source import EXTRA, STOPS, meta_only, torch_or_extra, user_code
from .trace import Runner, light_dynamo

__all__ = ["EXTRA", "inspect", "inspect_module"]

#: Most bytes of a float32 input PyTorch can describe (its sizes are 64-bit).
MAX_BYTES = (1 << 63) - 1


def inspect(
    source: str, *, input_shape: Optional[Sequence[int]] = None, args: Optional[dict] = None
) -> Inspection:
    """The conv-like layers `source`'s forward calls on an input of `input_shape`; when it
    fails, what failed and the fix (see `Inspection`)."""
    shape = _check_shape(input_shape)
    with user_code():
        where = _source.find(source)  # before torch: a missing file or name is quick to say
        torch = torch_or_extra()
        target = _source.load(where)
        model, notes = _source.build(torch, target, where.name, source, args or {})
        name = type(model).__name__
        return _inspect(torch, model, name, source, shape, notes)


def inspect_module(
    module: Any, input_shape: Sequence[int], *, source: Optional[str] = None
) -> Inspection:
    """The same for an `nn.Module` already built (in a notebook): its weights are not moved nor
    changed (forward runs on meta copies of them), its training flags are restored."""
    shape = _check_shape(input_shape)
    torch = torch_or_extra()
    if not isinstance(module, torch.nn.Module):
        raise ParameterError("source", type(module).__name__, "must be an nn.Module")
    name = type(module).__name__
    with user_code():
        return _inspect(torch, module, name, source or name, shape, [])


def _check_shape(input_shape: Optional[Sequence[int]]) -> tuple[int, ...]:
    if input_shape is None:
        raise ParameterError(
            "input_shape",
            "",
            "is needed for a PyTorch module: its whole input "
            "shape, batch and channels first, e.g. 1,3,101,75",
        )
    shape = check_input_shape(input_shape)
    elements = 4
    for size in shape:
        elements *= size
    if elements > MAX_BYTES:
        raise ParameterError(
            "input_shape",
            ",".join(map(str, shape)),
            "is too large for PyTorch: a float32 tensor of it has more than 2**63 bytes",
        )
    return shape


def _inspect(
    torch, model, name: str, source: str, shape: tuple[int, ...], notes: list[str]
) -> Inspection:
    runner = Runner(torch, model, name)
    try:
        with light_dynamo(torch) as real_dynamo:
            first = runner.run(shape, complete=True)
            if first.failure is not None and "_dynamo" in first.failure.error:
                real_dynamo()
                first = runner.run(shape, complete=True)
            notes = list(notes)
            if first.failure is not None and _not_of_sizes(first):
                first = _on_cpu(runner, shape, first, notes)
            layers = [record.layer for record in first.records]
            if first.failure is None:
                return Inspection(source, layers, notes=notes)
            return Inspection(source, layers, _diagnosed(runner, shape, first, notes), notes=notes)
    finally:
        runner.close()


def _diagnosed(runner: Runner, shape, first, notes: list[str]) -> dict:
    """`diagnose`, or, should tconv's own analysis fail on an unforeseen model, the failure as
    PyTorch said it and a note (never a traceback)."""
    try:
        return diagnose(runner, shape, first, notes)
    except TconvError:
        raise
    except Exception as error:  # tconv's own analysis, on a model it did not foresee
        notes.append(f"tconv could not work out a fix: {_source.one_line(error)}")
        failure = first.failure
        return error_record(
            f"{failure.function} fails in {failure.container}: {failure.error}",
            layers=[failure.container] if failure.open else [],
        )


def _not_of_sizes(run) -> bool:
    """Whether a failure is neither a join nor a listed layer's (which the CPU would repeat)."""
    from . import joins  # noqa: PLC0415

    if joins.find(run) is not None:
        return False
    failed = next(
        (r for r in reversed(run.records) if r.end is None and r.module is not None), None
    )
    return (
        failed is None
        or failed.layer.name not in run.failure.open
        or meta_only(run.failure.exception)
    )


def _on_cpu(runner: Runner, shape, first, notes: list[str]):
    """The same forward on the CPU on zeros, when the meta device could not run it; the run
    to report (the CPU's when it got further or failed otherwise)."""
    why = first.failure.error
    exception = first.failure.exception
    if isinstance(exception, STOPS):
        return first
    refused = runner.to_cpu(shape)
    if refused is not None:
        if meta_only(exception):
            notes.append(f"the meta device cannot run forward ({why}), and {refused}")
        return first
    cpu = runner.run(shape, complete=True)
    if cpu.failure is not None and cpu.failure.error == why:
        return cpu
    notes.append(f"the meta device cannot run forward ({why}): ran on the CPU on zeros")
    return cpu
