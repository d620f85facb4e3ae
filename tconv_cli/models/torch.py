"""PyTorch modules for `tconv inspect`: build `file.py:Name` or `package.module:Name` on the meta
device, run `forward` once, and list every Conv, ConvTranspose, pooling and Upsample module in
call order, with its shapes and its attributes in tconv's record.

Importing the file runs its code (as `python file.py` would, but not its `__main__` block); then
only `Name(**args)` and `forward` run, on the meta device (shapes without memory or weights).

When `forward` fails, the layers that ran are listed (the one that failed last, its `output`
None), and `Inspection.error` says why, as a dict:

- ``message``: one line, what failed (the function or layer, the shapes, PyTorch's words);
- ``layers``: the qualified names of the modules involved (for a skip that does not join: the
  decoder's up layer, then the module the skip comes from);
- ``sizes``: ``{name: whole shape}`` of the tensors involved;
- ``fix``: lines to show: the ``output_padding`` (or ``output_size=``) of each decoder step,
  or the nearest input shapes that need none, each checked by running ``forward`` again;
- ``steps``: per decoder step tconv repaired, ``{"layer", "op", "input", "output", "target",
  "output_padding", "output_size"}`` (``output_padding`` None: no legal value reaches the skip;
  ``output_size``: the spatial sizes ``forward(x, output_size=…)`` would take, or None);
- ``inputs``: ``{"below": shape | None, "above": shape | None}``, the nearest whole input
  shapes for which ``forward`` works with the model as written (None: not found).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect as pyinspect
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field, replace
from itertools import count
from pathlib import Path
from typing import Any, Optional, Sequence

from .. import geometry as g
from .. import network
from ..errors import NoAnswer, ParameterError
from . import Inspection, ModelLayer, check_input_shape

EXTRA = "pip install 'tconv[torch]'"
#: Most times tconv re-runs forward with a repaired decoder step.
MAX_REPAIRS = 64
_modules = count()
#: The calls that join a decoder's tensor with a skip: concatenations and elementwise sums.
JOINS = frozenset(("cat", "concat", "concatenate", "stack", "add", "add_", "sub", "mul",
                   "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__",
                   "__mul__", "__rmul__", "__imul__"))


def _torch():
    try:
        import torch  # noqa: PLC0415 - the optional extra, only where a module is inspected
    except ImportError:
        raise NoAnswer(f"inspecting a PyTorch module needs PyTorch: {EXTRA}") from None
    return torch


def inspect(source: str, *, input_shape: Optional[Sequence[int]] = None,
            args: Optional[dict] = None) -> Inspection:
    """The conv-like layers `source`'s forward calls on an input of `input_shape`, and when it
    fails, what failed and the fix (see the module's docstring)."""
    shape = _check_shape(input_shape)
    torch = _torch()
    target, name = resolve(source)
    model = build(target, name, source, args or {})
    first = _run(torch, model, shape)
    layers = [record.layer for record in first.records]
    if first.failure is None:
        return Inspection(source, layers)
    return Inspection(source, layers, _diagnose(torch, model, shape, first))


def _check_shape(input_shape: Optional[Sequence[int]]) -> tuple[int, ...]:
    if input_shape is None:
        raise ParameterError("input_shape", "", "is needed for a PyTorch module: its whole input "
                             "shape, batch and channels first, e.g. 1,3,101,75")
    return check_input_shape(input_shape)


# ---------------------------------------------------------------------------------------------
# Finding and building the module.


def resolve(source: str) -> tuple[Any, str]:
    """`file.py:Name` or `package.module:Name` → (the object Name, Name)."""
    where, colon, name = source.rpartition(":")
    if not colon or not where or not name:
        raise ParameterError("source", source, "names no class or function: write file.py:Name or "
                             "package.module:Name (a class or a function returning an nn.Module)")
    if where.endswith(".py") or "/" in where or os.sep in where:
        module = _import_file(source, Path(where))
    else:
        module = _import_module(source, where)
    target: Any = module
    for part in name.split("."):
        if not hasattr(target, part):
            found = _modules_in(module)
            hint = f" (nn.Module classes there: {', '.join(found)})" if found else ""
            raise ParameterError("source", source, f"{where} has no {name}{hint}")
        target = getattr(target, part)
    return target, name


@contextmanager
def _importing(source: str, what) -> Iterator[None]:
    """Run the user's import of `what`: whatever it raises (or an exit) is theirs to see, in
    one line naming `source`."""
    try:
        with _user_code():
            yield
    except Exception as error:  # the user's code: any exception is theirs to see, in one line
        raise ParameterError("source", source, f"importing {what} raised {_one_line(error)}"
                             ) from None
    except SystemExit as error:
        raise ParameterError("source", source, f"importing {what} called exit({error.code})"
                             ) from None


def _import_module(source: str, dotted: str):
    with _importing(source, dotted):
        return importlib.import_module(dotted)


def _import_file(source: str, path: Path):
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ParameterError("source", source, f"{path} {what}")
    folder = str(path.resolve().parent)
    stem = re.sub(r"\W", "_", path.stem)
    name = f"_tconv_inspect_{next(_modules)}_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ParameterError("source", source, f"{path} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.modules[name] = module
    sys.path.insert(0, folder)
    try:
        with _importing(source, path):
            spec.loader.exec_module(module)
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        sys.modules.pop(name, None)
        for other in set(sys.modules) - before:  # its sibling files and packages, so that
            top = other.partition(".")[0]  # another folder's of the same name load afresh
            found = getattr(sys.modules.get(other), "__file__", None)
            if found and top and (Path(folder, f"{top}.py").is_file() or Path(
                    folder, top).is_dir()) and Path(found).resolve().is_relative_to(folder):
                sys.modules.pop(other, None)
    return module


def _modules_in(module) -> list[str]:
    torch = _torch()
    found = [key for key, value in vars(module).items() if pyinspect.isclass(value)
             and issubclass(value, torch.nn.Module) and getattr(value, "__module__", None)
             == module.__name__]
    return found[:6]


@contextmanager
def _user_code():
    """Around the user's code: what it prints goes to stderr (stdout is tconv's report, or its
    JSON), and its warnings and PyTorch's notes on speed are not shown."""
    with redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def build(target: Any, name: str, source: str, args: dict):
    """`target(**args)` on the meta device: an nn.Module without memory or weights."""
    torch = _torch()
    if not isinstance(args, dict) or not all(isinstance(key, str) for key in args):
        raise ParameterError("args", repr(args), "must be keyword arguments (a JSON object)")
    if isinstance(target, torch.nn.Module):
        return target.to("meta").eval()
    if pyinspect.isclass(target) and not issubclass(target, torch.nn.Module):
        raise ParameterError("source", source, f"{name} is a class but not an nn.Module")
    if not callable(target):
        raise ParameterError("source", source, f"{name} is a value of type "
                             f"{type(target).__name__}, not an nn.Module class nor a function "
                             "returning one")
    _check_arguments(target, name, args)
    try:
        with torch.device("meta"), _user_code():
            model = target(**args)
    except TypeError as error:
        raise ParameterError("args", json.dumps(args), f"do not suit {name}: "
                             f"{_one_line(error)}") from None
    except Exception as error:  # the user's constructor: one line
        raise ParameterError("source", source, f"{name}(**args) raised {_one_line(error)}"
                             ) from None
    if not isinstance(model, torch.nn.Module):
        raise ParameterError("source", source, f"{name}() returned a value of type "
                             f"{type(model).__name__}, not an nn.Module")
    return model.eval()  # inference: no batch statistics (a 1×1 map with batch 1 is fine)


def _check_arguments(target: Any, name: str, args: dict) -> None:
    try:
        signature = pyinspect.signature(target)
    except (TypeError, ValueError):
        return  # no signature to check against: the call says
    try:
        signature.bind(**args)
    except TypeError as error:
        bad = [key for key in args if key not in signature.parameters]
        takes = [p.name for p in signature.parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if bad and not any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
            rule = (f"give {bad[0]!r}, which {name} does not take (it takes "
                    f"{', '.join(takes) or 'no arguments'})")
        else:
            rule = f"do not suit {name}: {error}"
        raise ParameterError("args", json.dumps(args), rule) from None


# ---------------------------------------------------------------------------------------------
# Running forward with hooks.


@dataclass
class _Record:
    """One hooked layer's call: its record, its module, its spec (None: tconv has no size rule
    for it, e.g. an adaptive pool), and when its forward ended (None: it failed)."""

    layer: ModelLayer
    module: Any
    spec: Optional[network.Spec]
    end: Optional[int] = None


@dataclass
class _Failure:
    function: str
    error: str
    tensors: list  # (order, producer name or None, shape) of the failing call's tensor inputs
    open: list  # names of the modules whose forward was running, outermost first
    exception: Optional[BaseException] = None


@dataclass
class _Run:
    records: list[_Record] = field(default_factory=list)
    failure: Optional[_Failure] = None


def _kinds(torch) -> tuple:
    nn = torch.nn
    return (nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd,
            nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd,
            nn.modules.pooling._AdaptiveMaxPoolNd, nn.Upsample)


def _run(torch, model, shape: tuple[int, ...]) -> _Run:
    """forward on a meta tensor of `shape`, recording hooked layers and the failing call."""
    run = _Run()
    clock = count()
    made: dict[int, tuple[int, Optional[str], Any]] = {}  # id → (order, producer, tensor)
    open_: list[str] = []
    listed = _kinds(torch)
    handles = []

    def tensors(value, depth=0):
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, (list, tuple)) and depth < 3:
            for item in value:
                yield from tensors(item, depth + 1)
        elif isinstance(value, dict) and depth < 3:
            for item in value.values():
                yield from tensors(item, depth + 1)

    def pre(name, module, inputs):
        open_.append(name)
        if isinstance(module, listed):
            x = next(tensors(inputs), None)
            layer = ModelLayer(name, type(module).__name__,
                               None if x is None else list(x.shape))
            run.records.append(_Record(layer, module, _spec(module, name)))

    def post(name, module, inputs, output):
        if open_ and open_[-1] == name:
            open_.pop()
        order = next(clock)
        for t in tensors(output):
            made[id(t)] = (order, name, t)
        if isinstance(module, listed):
            record = next((r for r in reversed(run.records) if r.module is module
                           and r.end is None), None)
            y = next(tensors(output), None)
            if record is not None and y is not None:
                record.layer.output = list(y.shape)
                record.end = order
                _complete(record)

    for name, module in model.named_modules():
        name = name or type(model).__name__
        handles.append(module.register_forward_pre_hook(
            lambda m, i, name=name: pre(name, m, i)))
        handles.append(module.register_forward_hook(
            lambda m, i, o, name=name: post(name, m, i, o)))

    class Watch(torch.overrides.TorchFunctionMode):
        """Orders every tensor made, and keeps the last call that failed."""

        def __torch_function__(self, func, types, args=(), kwargs=None):
            try:
                result = func(*args, **(kwargs or {}))
            except Exception as error:
                found = [(*made.get(id(t), (-1, None))[:2], list(t.shape))
                         for t in tensors((args, kwargs or {}))
                         if not isinstance(t, torch.nn.Parameter)]
                run.failure = _Failure(_function_name(torch, func), _one_line(error), found,
                                       list(open_), error)
                raise
            order = next(clock)
            for t in tensors(result):
                made.setdefault(id(t), (order, None, t))
            return result

    x = torch.empty(shape, device="meta")
    made[id(x)] = (-1, "input", x)
    try:
        with torch.no_grad(), torch.device("meta"), Watch(), _user_code():
            model(x)
        run.failure = None  # a failed call the model caught itself is no failure
    except Exception as error:  # the user's forward: reported, never raised
        if run.failure is None or not _caused_by(error, run.failure.exception):
            run.failure = _Failure("forward", _one_line(error), [], list(open_), error)
    finally:
        for handle in handles:
            handle.remove()
    return run


def _caused_by(error: BaseException, cause: Optional[BaseException]) -> bool:
    """Whether `error` is `cause`, or was raised while handling it."""
    seen = set()
    while error is not None and id(error) not in seen:
        if error is cause:
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _function_name(torch, func) -> str:
    name = getattr(func, "__name__", repr(func))
    if getattr(torch, name, None) is func:
        return f"torch.{name}"
    if getattr(torch.Tensor, name, None) is func:
        return f"Tensor.{name}"
    return name


def _spec(module, name: str) -> Optional[network.Spec]:
    """The module's constructor as tconv's network reader has it, or None."""
    text = _constructor(module)
    if text is None:
        return None
    try:
        return network.parse_layer(text, name)
    except ParameterError:
        return None


def _constructor(module) -> Optional[str]:
    torch = _torch()
    nn = torch.nn
    if isinstance(module, nn.modules.conv._ConvNd):
        rank = len(module.kernel_size)
        keywords = {"kernel_size": module.kernel_size, "stride": module.stride,
                    "padding": module.padding, "dilation": module.dilation}
        if module.transposed:
            keywords["output_padding"] = module.output_padding
        family = "ConvTranspose" if module.transposed else "Conv"
    elif isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        family = "MaxPool" if isinstance(module, nn.modules.pooling._MaxPoolNd) else "AvgPool"
        rank = next((n for n in (1, 2, 3) if isinstance(module, getattr(nn, f"{family}{n}d"))),
                    None)
        if rank is None:
            return None
        keywords = {"kernel_size": module.kernel_size, "stride": module.stride,
                    "padding": module.padding, "ceil_mode": module.ceil_mode}
        if family == "MaxPool":
            keywords["dilation"] = module.dilation
    elif isinstance(module, nn.Upsample):
        key = "size" if module.size is not None else "scale_factor"
        value = getattr(module, key)
        return f"Upsample({key}={_literal(value)})"
    else:
        return None
    pool = family in ("MaxPool", "AvgPool")
    defaults = {"stride": (keywords["kernel_size"] if pool else 1,), "padding": (0, "valid"),
                "dilation": (1,), "output_padding": (0,), "ceil_mode": (False,)}
    listed = ", ".join(f"{key}={_literal(v)}" for key, v in keywords.items()
                       if key == "kernel_size" or not _default(v, defaults[key]))
    return f"{family}{rank}d({listed})"


def _literal(value) -> str:
    """A constructor argument as tconv's reader takes it: `2`, `(2, 3)`, `'same'`."""
    if isinstance(value, (tuple, list)):
        value = tuple(value)
        if len(set(value)) == 1:
            value = value[0]
    return repr(value)


def _default(value, defaults: tuple) -> bool:
    values = set(value) if isinstance(value, (tuple, list)) else {value}
    return any(values == (set(d) if isinstance(d, (tuple, list)) else {d}) for d in defaults)


def _complete(record: _Record) -> None:
    """The record's attributes from its spec and its real shapes."""
    layer, spec, module = record.layer, record.spec, record.module
    if isinstance(getattr(module, "groups", None), int):
        layer.groups = module.groups
    if spec is None or layer.input is None or layer.output is None:
        if spec is None and layer.input and layer.output and hasattr(module, "scale_factor"):
            layer.scale = _scales(layer)
        return
    p = spec.params
    rank = len(layer.output) - 2 if spec.rank is None else spec.rank
    sizes = layer.input[-rank:]
    if spec.kind == "upsample":
        scale = p.get("scale")
        layer.scale = [float(f) for f in g.broadcast(scale, rank)] if scale else _scales(layer)
        return
    layer.kernel_size, layer.stride = list(p["kernel"]), list(p["stride"])
    layer.padding = [list(pair) for pair in p["pads"]]
    if isinstance(getattr(module, "padding", None), str):
        layer.resolved_from = {"padding": module.padding}
    layer.dilation = None if spec.kind == "avgpool" else list(p["dilation"])
    if spec.kind != "transposed":
        return
    axes = network.axes(network._no_op(spec), sizes)
    ops = [o - a.min_output for a, o in zip(axes, layer.output[-rank:])]
    layer.output_padding = ops
    if ops != list(p["output_padding"]):
        layer.warnings.append(f"forward(x, output_size=…) makes output_padding "
                              f"{_axes(ops)} (the module's is {_axes(p['output_padding'])})")
    layer.warnings += _framework_notes(axes, ops, layer.groups or 1)


def _scales(layer: ModelLayer) -> list[float]:
    return [o / i for i, o in zip(layer.input[2:], layer.output[2:])]


def _framework_notes(axes, ops, groups: int) -> list[str]:
    """What tconv's frameworks say of this PyTorch layer (output_padding ≥ stride…)."""
    from ..frameworks import layer_from, notes  # noqa: PLC0415

    try:
        fl = layer_from("torch", size=[a.size for a in axes], kernel_size=[a.kernel for a in axes],
                        stride=[a.stride for a in axes], dilation=[a.dilation for a in axes],
                        padding=tuple((a.pad_lo, a.pad_hi) for a in axes), output_padding=ops,
                        groups=groups)
        return list(notes(fl))
    except (ParameterError, NoAnswer):
        return []


def _axes(values: Sequence) -> str:
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def _dims(values: Sequence) -> str:
    return "×".join(map(str, values))


# ---------------------------------------------------------------------------------------------
# What failed, and the fix.


@dataclass
class _Join:
    """A call joining tensors (torch.cat, +) whose sizes differ: the decoder's last up layer,
    the tensor it led to, and the skip."""

    function: str
    container: str
    up: _Record
    joined: list  # the decoder side's whole shape at the join
    skip: list
    skip_from: Optional[str]


def _join(run: _Run) -> Optional[_Join]:
    failure = run.failure
    if (failure is None or len(failure.tensors) < 2
            or failure.function.rpartition(".")[2] not in JOINS):
        return None
    ups = [r for r in run.records if r.end is not None and r.spec is not None
           and r.spec.kind in ("transposed", "upsample")]
    if not ups:
        return None
    up = ups[-1]
    rank = up.spec.rank or len(up.layer.output) - 2
    decoder = max(failure.tensors, key=lambda t: t[0])
    others = [t for t in failure.tensors if t is not decoder and len(t[2]) == len(decoder[2])
              and t[2][-rank:] != decoder[2][-rank:]]
    if not others or decoder[0] < up.end or others[0][0] > up.end:
        return None
    skip = others[0]
    container = failure.open[-1] if failure.open else "forward"
    return _Join(failure.function, container, up, decoder[2], skip[2], skip[1])


def _diagnose(torch, model, shape: tuple[int, ...], first: _Run) -> dict:
    join = _join(first)
    if join is None:
        return _other(torch, model, shape, first)
    up = join.up
    message = (f"{join.function} fails in {join.container}: {up.layer.name} ({up.layer.op}) "
               f"gives {_dims(up.layer.output)}")
    if join.joined != up.layer.output:
        message += f", {_dims(join.joined)} where they join"
    skip = {None: "", "input": " (the model's input)"}.get(join.skip_from,
                                                          f" from {join.skip_from}")
    message += f"; the skip{skip} is {_dims(join.skip)}"
    names = [up.layer.name] + ([join.skip_from] if skip.startswith(" from") else [])
    sizes = {up.layer.name: up.layer.output}
    if join.skip_from:
        sizes[join.skip_from] = join.skip
    steps, fix, last = _repair(torch, model, shape, join)
    worked = last is not None and last.failure is None
    inputs = _nearest(torch, model, shape, last.records if worked else first.records)
    shown = [_dims(v) for v in (inputs["below"], inputs["above"]) if v is not None]
    if shown:
        fix.append(f"or an input of {' or '.join(shown)}, which needs no output_padding")
    return {"message": message, "layers": names, "sizes": sizes, "fix": fix,
            "steps": steps, "inputs": inputs}


def _repair(torch, model, shape, join: _Join) -> tuple[list[dict], list[str], Optional[_Run]]:
    """Set each failing decoder step's output_padding on the meta model and run again, until
    forward works or a step has no legal output_padding; the model is restored after."""
    steps, fix, changed = [], [], {}
    run = None
    try:
        while join is not None and len(steps) < MAX_REPAIRS:
            up, layer = join.up, join.up.layer
            rank = up.spec.rank or len(layer.output) - 2
            target = tuple(o + s - j for o, s, j in zip(
                layer.output[-rank:], join.skip[-rank:], join.joined[-rank:]))
            step = {"layer": layer.name, "op": layer.op, "input": layer.input,
                    "output": layer.output, "target": list(target), "output_padding": None,
                    "output_size": None}
            steps.append(step)
            head = (f"{layer.name} ({layer.op}) gives {_dims(layer.output[-rank:])} where the "
                    f"skip needs {_dims(target)}")
            if up.module in changed:  # its output_padding did not change what reaches the join
                tried = next(n for n, other in enumerate(steps[:-1])
                             if other["layer"] == layer.name)
                del steps[tried], fix[tried]  # one fix line per step until here
                fix.append(f"{head}, whatever its output_padding (does forward give it "
                           "output_size=, or change the size after it?)")
                break
            if up.spec.kind != "transposed":
                fix.append(f"{head}: resize to the skip's size (F.interpolate(x, "
                           "size=skip.shape[2:])), or use an input that needs none")
                break
            sizes = tuple(layer.input[-rank:])
            decoder = network.decoder_step(up.spec, sizes, target, layer.name)
            sized = decoder.output_size_ok  # forward(x, output_size=…) ignores dilation
            if sized:
                step["output_size"] = list(target)
            if decoder.output_padding is None:
                fix.append(_no_padding(layer, decoder, target))
                break
            step["output_padding"] = list(decoder.output_padding)
            axes = tuple(replace(a, output_padding=op) for a, op in zip(
                network.axes(up.spec, tuple(layer.input[-rank:])), decoder.output_padding))
            fix.append(f"{layer.name}: {g.constructor(axes)}" + (
                f", or call it with output_size={list(target)}" if sized else ""))
            changed[up.module] = up.module.output_padding
            up.module.output_padding = tuple(decoder.output_padding)
            run = _run(torch, model, shape)
            join = _join(run)
        if run is not None and run.failure is not None and join is None:
            fix.append(f"with these, {_describe(run.failure)}")
    finally:
        for module, ops in changed.items():
            module.output_padding = ops
    return steps, fix, run


def _no_padding(layer: ModelLayer, decoder: network.Decoder, target) -> str:
    parts = [f"{'pad' if d > 0 else 'crop'} {abs(d)} on axis {axis}"
             for axis, d in enumerate(decoder.difference) if d]
    return (f"{layer.name} ({layer.op}) gives {_dims(decoder.output)} with output_padding 0; "
            f"no legal output_padding reaches {_dims(target)}: {', '.join(parts)}, or use an "
            "input size that needs none")


def _describe(failure: _Failure) -> str:
    """`torch.cat fails in up1: RuntimeError: …`."""
    where = f" in {failure.open[-1]}" if failure.open else ""
    return f"{failure.function} fails{where}: {failure.error}"


def _other(torch, model, shape: tuple[int, ...], run: _Run) -> dict:
    """A failure that is not a decoder's join: the layer that failed (or the call), and what
    tconv's geometry says of it."""
    failure = run.failure
    failed = next((r for r in reversed(run.records) if r.end is None), None)
    if failed is not None and failed.layer.name in failure.open:
        layer = failed.layer
        message = (f"{layer.name} ({layer.op}) fails on {_dims(layer.input)}: "
                   f"{failure.error}")
        error = {"message": message, "layers": [layer.name], "sizes": {layer.name: layer.input},
                 "fix": []}
        if failed.spec is None or not layer.input:
            return error
        rank = failed.spec.rank or len(layer.input) - 2
        if len(layer.input) < rank + 1:
            error["fix"].append(f"{layer.op} takes (batch,) channels and {rank} sizes: the input "
                                "shape is the whole shape, batch and channels first")
            return error
        try:
            network.output_sizes(failed.spec, tuple(layer.input[-rank:]), layer.name)
            return error  # not its sizes (its channels, its dtype…): PyTorch's words say it
        except (NoAnswer, ParameterError) as why:
            error["fix"].append(str(why))
        probe = _probe(torch, model, shape, rank) if rank < len(shape) else None
        inputs = _nearest(torch, model, shape, probe.records) if probe else {
            "below": None, "above": None}
        shown = [_dims(v) for v in (inputs["below"], inputs["above"]) if v is not None]
        if shown:
            error["fix"].append(f"the nearest input that works: {' or '.join(shown)}")
        else:
            error["fix"].append("give a larger input, or less downsampling before this layer")
        error["inputs"] = inputs
        return error
    named = [(name, shape) for _, name, shape in failure.tensors if name]
    return {"message": _describe(failure),
            "layers": [failure.open[-1]] if failure.open else [],
            "sizes": dict(named), "fix": []}


def _nearest(torch, model, shape: tuple[int, ...], records: list[_Record]) -> dict:
    """The nearest input shapes below and above `shape` for which forward works with the model
    as written: `tconv unet`'s scan per axis over the model's down and up layers (when every
    level has the same), each checked by a forward."""
    found = {"below": None, "above": None}
    first_up = next((n for n, r in enumerate(records)
                     if r.spec is not None and r.spec.kind in ("transposed", "upsample")), None)
    if first_up is None:
        return found
    rank = records[first_up].spec.rank or len(shape) - 2
    if not 1 <= rank <= len(shape):
        return found

    def changes(r):
        return r.layer.output is not None and r.layer.input[-rank:] != r.layer.output[-rank:]

    downs = [r for r in records[:first_up] if changes(r)]
    ups = [r for r in records[first_up:] if changes(r)]
    if (not downs or any(r.spec is None for r in downs + ups)
            or any(r.spec.kind not in ("transposed", "upsample") for r in ups)
            or len(ups) > len(downs)):
        return found
    down_kinds = {(r.spec.kind, r.spec.args) for r in downs}
    up_kinds = {(r.spec.kind, network._no_op(r.spec).args) for r in ups}
    if len(down_kinds) != 1 or len(up_kinds) != 1:
        return found
    down, up = downs[0].spec, network._no_op(ups[0].spec)
    for key, step in (("below", -1), ("above", 1)):
        sizes = [network._scan(size, step, network._axis_spec(down, axis),
                               network._axis_spec(up, axis), len(downs))
                 for axis, size in enumerate(shape[-rank:])]
        if None not in sizes:
            candidate = tuple(shape[:-rank]) + tuple(sizes)
            if _run(torch, model, candidate).failure is None:
                found[key] = list(candidate)
    return found


def _probe(torch, model, shape: tuple[int, ...], rank: int) -> Optional[_Run]:
    """A run that reaches the end, to see the model's levels when `shape` is too small: at
    `shape`'s `rank` sizes times 2, 4, … 1024, repaired where a decoder step needs it."""
    for power in range(1, 11):
        probe = tuple(shape[:-rank]) + tuple(size << power for size in shape[-rank:])
        run = _run(torch, model, probe)
        join = _join(run)
        if join is not None:
            run = _repair(torch, model, probe, join)[2]
        if run is not None and run.failure is None:
            return run
    return None


# ---------------------------------------------------------------------------------------------
# A module object already built (a notebook's). Written in the networks branch for
# `tconv_cli.inspect(module, input_shape=…)`: the torchi branch may own a fuller version.


def inspect_module(module: Any, input_shape: Optional[Sequence[int]]) -> Inspection:
    """`inspect` of an nn.Module object: forward on the meta device, on a copy whose
    parameters and buffers are meta tensors (the module itself, and its weights, are left as
    they are)."""
    import copy

    shape = _check_shape(input_shape)
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise ParameterError("source", type(module).__name__, "must be an nn.Module object, "
                             "model.onnx, file.py:Name or package.module:Name")
    memo: dict = {}
    for tensor in [*module.parameters(), *module.buffers()]:
        meta = torch.empty_like(tensor, device="meta")
        memo[id(tensor)] = (torch.nn.Parameter(meta, tensor.requires_grad)
                            if isinstance(tensor, torch.nn.Parameter) else meta)
    model = copy.deepcopy(module, memo).eval()
    first = _run(torch, model, shape)
    layers = [record.layer for record in first.records]
    name = type(module).__name__
    if first.failure is None:
        return Inspection(name, layers)
    return Inspection(name, layers, _diagnose(torch, model, shape, first))
