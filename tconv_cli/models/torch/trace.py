"""Running forward once on an input shape: every conv-like layer's shapes in call order, every
tensor's provenance (the layers upstream that made its size), and the call that failed.

Forward runs on the meta device (shapes without memory or weights); a model the meta device
cannot run (`.item()`, data-dependent code) runs on the CPU on zeros instead (`Runner.to_cpu`).
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Callable, Optional

from ... import network
from ..record import ModelLayer
from .layers import complete as complete_layer
from .layers import constructor, kinds
from .layers import spec as layer_spec
from .source import STOPS, one_line, user_code

#: Functions listed as layers when the model calls them itself (not inside a listed module).
FUNCTIONAL = frozenset(
    (
        "interpolate",
        "upsample",
        "upsample_nearest",
        "upsample_bilinear",
        "pad",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "max_pool1d",
        "max_pool2d",
        "max_pool3d",
        "avg_pool1d",
        "avg_pool2d",
        "avg_pool3d",
        "pixel_shuffle",
        "pixel_unshuffle",
    )
)
#: The calls that join tensors (`joins` checks them): concatenations, stacks, broadcasting
#: elementwise operations, matrix products.
CONCAT = frozenset(("cat", "concat", "concatenate", "hstack", "vstack"))
STACK = frozenset(("stack",))
BROADCAST = frozenset(
    (
        "add",
        "add_",
        "sub",
        "sub_",
        "mul",
        "mul_",
        "div",
        "div_",
        "true_divide",
        "where",
        "maximum",
        "minimum",
        "__add__",
        "__radd__",
        "__iadd__",
        "__sub__",
        "__rsub__",
        "__isub__",
        "__mul__",
        "__rmul__",
        "__imul__",
        "__truediv__",
        "__rtruediv__",
        "__itruediv__",
    )
)
MATMUL = frozenset(("matmul", "mm", "bmm", "__matmul__", "__rmatmul__", "linear"))
#: Functions whose calls are numbered (`site`), so that a later run can change one of them.
SITES = FUNCTIONAL | CONCAT | STACK | BROADCAST | MATMUL
#: Most elements of an input the CPU fallback allocates (float32: 256 MB).
CPU_LIMIT = 1 << 26


@contextmanager
def light_dynamo(torch) -> Iterator[Callable[[], None]]:
    """Without importing torch._dynamo (2 to 5 s) for one question.

    PyTorch's meta kernels written in Python (relu, mul, cat on meta) are wrapped in
    `torch._compile._disable_dynamo`, whose first call imports torch._dynamo only to ask it for
    `disable(fn)`. While tconv runs forward, a stand-in module answers that (`fn` itself); any
    other use of it imports the real one (and what it yields drops the stand-in, for code that
    imports a module of torch._dynamo's). After, the functions it answered forget the answer
    and the stand-in goes, so a later torch.compile imports and asks the real torch._dynamo."""
    if "torch._dynamo" in sys.modules:
        yield lambda: None
        return
    answered: list = []
    stand_in = types.ModuleType("torch._dynamo")

    def disable(fn=None, recursive=True, wrapping=True, **_):
        answered.append(fn)
        return fn

    def real(name):
        _remove(torch, stand_in)
        return getattr(importlib.import_module("torch._dynamo"), name)

    stand_in.disable = disable
    stand_in.__getattr__ = real
    sys.modules["torch._dynamo"] = stand_in
    torch._dynamo = stand_in
    try:
        yield lambda: _remove(torch, stand_in)  # the real one from now on
    finally:
        _remove(torch, stand_in)
        for fn in answered:
            if vars(fn).get("__dynamo_disable") is fn:
                del fn.__dynamo_disable


def _remove(torch, stand_in) -> None:
    if sys.modules.get("torch._dynamo") is stand_in:
        del sys.modules["torch._dynamo"]
    if vars(torch).get("_dynamo") is stand_in:
        del torch._dynamo


class Node:
    """Where a tensor came from: when it was made, the module that returned it, the listed layer
    whose output it is (None: another call), and the tensors it was made from."""

    __slots__ = ("order", "parents", "producer", "record")

    def __init__(self, order: int, producer: Optional[str], record, parents: tuple):
        self.order, self.producer, self.record, self.parents = order, producer, record, parents


@dataclass
class Record:
    """One listed layer's call: its record, its module (None: a function the model called), its
    spec (None: tconv has no size rule for it), its site (functions), and when it ended (None:
    it failed)."""

    layer: ModelLayer
    module: Any
    spec: Optional[network.Spec]
    start: int
    end: Optional[int] = None
    site: Optional[str] = None
    kwargs: Optional[dict] = None
    call: int = 1  # the how-manieth call of its module in the run (a module may be shared)


@dataclass
class Failure:
    """The call that failed: its function, PyTorch's words, its tensor inputs
    `(node, shape, is_parameter)`, the modules open, its site and its dimension argument."""

    function: str
    error: str
    inputs: list
    open: list
    exception: Optional[BaseException] = None
    site: Optional[str] = None
    dim: Optional[int] = None

    @property
    def short(self) -> str:
        return self.function.rpartition(".")[2]

    @property
    def container(self) -> str:
        return self.open[-1] if self.open else "forward"


@dataclass
class Run:
    records: list[Record] = field(default_factory=list)
    failure: Optional[Failure] = None
    device: str = "meta"


def _check_channels(module, x) -> None:
    """The meta device does not check a ConvTranspose's input channels: as the CPU would."""
    channels, kernel = getattr(module, "in_channels", None), getattr(module, "kernel_size", None)
    rank = len(kernel) if isinstance(kernel, tuple) else 0
    if (
        isinstance(channels, int)
        and rank
        and len(x.shape) in (rank + 1, rank + 2)
        and (x.shape[-rank - 1] != channels)
    ):
        raise RuntimeError(
            f"expected input{list(x.shape)} to have {channels} channels, but "
            f"got {x.shape[-rank - 1]} channels instead"
        )


def tensors(torch, value, depth=0):
    """The tensors in a call's arguments or result (lists, tuples and dicts, 3 deep)."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)) and depth < 3:
        for item in value:
            yield from tensors(torch, item, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for item in value.values():
            yield from tensors(torch, item, depth + 1)


def caused_by(error: BaseException, cause: Optional[BaseException]) -> bool:
    """Whether `error` is `cause`, or was raised while handling it."""
    seen = set()
    while error is not None and id(error) not in seen:
        if error is cause:
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def function_name(torch, func) -> str:
    name = getattr(func, "__name__", None) or repr(func)
    if getattr(torch, name, None) is func:
        return f"torch.{name}"
    if getattr(torch.Tensor, name, None) is func:
        return f"Tensor.{name}"
    if getattr(torch.nn.functional, name, None) is func:
        return f"F.{name}"
    return name


class Runner:
    """Runs one model's forward at any input shape: on the meta device, or after `to_cpu` on
    the CPU on zeros. A module with real weights is run without moving it (its weights are
    swapped for meta ones during the call), and its training flags are restored by `close`."""

    def __init__(self, torch, model, name: str):
        self.torch, self.model, self.name = torch, model, name
        self.device = "meta"
        self.specs: dict = {}
        self.listed = kinds(torch)
        self.training = [(m, m.training) for m in model.modules()]
        model.eval()  # inference: no batch statistics (a 1×1 map with batch 1 is fine)
        named = list(model.named_parameters()) + list(model.named_buffers())
        self.on_meta = all(t.device.type == "meta" for _, t in named)
        self.state = (
            None if self.on_meta else {key: torch.empty_like(t, device="meta") for key, t in named}
        )

    def close(self) -> None:
        for module, training in self.training:
            module.training = training

    def to_cpu(self, shape) -> Optional[str]:
        """Run on the CPU from now on; or why not (None: done)."""
        elements = 1
        for size in shape:
            elements *= size
        if elements > CPU_LIMIT:
            return f"the input has {elements:,} elements, more than the CPU run takes"
        torch = self.torch
        if self.on_meta:
            named = list(self.model.named_parameters()) + list(self.model.named_buffers())
            self.state = {
                key: (
                    torch.full(t.shape, 0.01, dtype=t.dtype)
                    if t.is_floating_point()
                    else torch.zeros(t.shape, dtype=t.dtype)
                )
                for key, t in named
            }
            self.device = "cpu"
        else:
            self.state = None
            self.device = next((t.device for t in self.model.parameters()), torch.device("cpu"))
        return None

    def spec(self, module, name: str):
        key = (id(module), constructor(self.torch, module))
        if key not in self.specs:
            self.specs[key] = layer_spec(self.torch, module, name)
        return self.specs[key]

    def works(self, shape: tuple[int, ...]) -> bool:
        """Whether forward runs at `shape`, with the model as written: no hooks, no records
        (a search runs it hundreds of times)."""
        torch, device = self.torch, self.device
        try:
            x = (
                torch.zeros(shape, device=device)
                if device != "meta"
                else torch.empty(shape, device="meta")
            )
            with torch.no_grad(), torch.device(device), user_code():
                if self.state is not None:
                    torch.func.functional_call(self.model, self.state, (x,), strict=False)
                else:
                    self.model(x)
        except Exception:  # the user's forward: any failure is a no
            return False
        except STOPS:
            return False
        return True

    def run(
        self,
        shape: tuple[int, ...],
        calls: Optional[dict[str, Callable]] = None,
        complete: bool = False,
    ) -> Run:
        """forward on a tensor of `shape` (meta, or zeros), recording listed layers, every
        tensor's node and the failing call; `calls` change the call at a site before it runs."""
        torch, model, calls = self.torch, self.model, calls or {}
        run = Run(device="meta" if self.device == "meta" else "cpu")
        clock = count()
        nodes: dict[int, tuple[Any, Node]] = {}
        open_: list[str] = []
        depth = [0]  # listed modules open
        sites: dict[tuple[str, str], int] = {}
        handles = []
        root = self.name

        def node_of(t) -> Optional[Node]:
            entry = nodes.get(id(t))
            return entry[1] if entry is not None and entry[0]() is t else None

        def keep(t, node: Node) -> None:
            try:
                ref = weakref.ref(t)
            except TypeError:  # not weakly referable: held, and called as a ref is
                ref = functools.partial(_same, t)
            nodes[id(t)] = (ref, node)

        def pre(name, module, inputs):
            open_.append(name)
            if isinstance(module, self.listed):
                depth[0] += 1
                x = next(tensors(torch, inputs), None)
                layer = ModelLayer(
                    name, type(module).__name__, None if x is None else list(x.shape)
                )
                calls_before = sum(1 for r in run.records if r.module is module)
                run.records.append(
                    Record(
                        layer, module, self.spec(module, name), next(clock), call=calls_before + 1
                    )
                )
                if x is not None and self.device == "meta":
                    _check_channels(module, x)

        def post(name, module, inputs, output):
            if open_ and open_[-1] == name:
                open_.pop()
            order = next(clock)
            listed = isinstance(module, self.listed)
            record = None
            if listed:
                depth[0] -= 1
                record = next(
                    (r for r in reversed(run.records) if r.module is module and r.end is None), None
                )
                y = next(tensors(torch, output), None)
                if record is not None and y is not None:
                    record.layer.output = list(y.shape)
                    record.end = order
                    if complete:
                        complete_layer(record.layer, record.spec, module)
            for t in tensors(torch, output):
                old = node_of(t)
                if record is not None:
                    keep(t, Node(order, name, record, (old,) if old else ()))
                elif old is not None:
                    old.producer = name
                else:
                    keep(t, Node(order, name, None, ()))

        for name, module in model.named_modules():
            name = name or root
            handles.append(
                module.register_forward_pre_hook(lambda m, i, name=name: pre(name, m, i))
            )
            handles.append(
                module.register_forward_hook(lambda m, i, o, name=name: post(name, m, i, o))
            )

        class Watch(torch.overrides.TorchFunctionMode):
            """Gives every tensor made its node, lists the functions the model calls itself, and
            keeps the last call that failed."""

            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                short = getattr(func, "__name__", "")
                site = record = None
                if short in SITES:
                    container = open_[-1] if open_ else root
                    key = (container, short)
                    sites[key] = sites.get(key, 0) + 1
                    site = f"{container}:{short}#{sites[key]}"
                    if site in calls:
                        args, kwargs = calls[site](args, kwargs)
                    if short in FUNCTIONAL and depth[0] == 0:
                        x = next(tensors(torch, args), None)
                        name = short if container == root else f"{container}.{short}"
                        if sites[key] > 1:
                            name += f"#{sites[key]}"
                        record = Record(
                            ModelLayer(name, f"F.{short}", None if x is None else list(x.shape)),
                            None,
                            None,
                            next(clock),
                            site=site,
                            kwargs=dict(kwargs),
                        )
                        run.records.append(record)
                found = [(t, node_of(t)) for t in tensors(torch, (args, kwargs))]
                try:
                    result = func(*args, **kwargs)
                except Exception as error:
                    dim = args[1] if len(args) > 1 and type(args[1]) is int else kwargs.get("dim")
                    run.failure = Failure(
                        function_name(torch, func),
                        one_line(error),
                        [
                            (node, list(t.shape), isinstance(t, torch.nn.Parameter))
                            for t, node in found
                        ],
                        list(open_),
                        error,
                        site,
                        dim if type(dim) is int else None,
                    )
                    raise
                order = next(clock)
                parents = tuple(node for _, node in found if node is not None)
                for t in tensors(torch, result):
                    keep(t, Node(order, None, record, parents))
                if record is not None:
                    y = next(tensors(torch, result), None)
                    record.layer.output = None if y is None else list(y.shape)
                    record.end = order
                    if complete:
                        complete_layer(record.layer, None, None)
                return result

        device = self.device
        try:
            x = (
                torch.zeros(shape, device=device)
                if device != "meta"
                else torch.empty(shape, device="meta")
            )
            keep(x, Node(-1, "input", None, ()))
            with torch.no_grad(), torch.device(device), Watch(), user_code():
                if self.state is not None:
                    torch.func.functional_call(model, self.state, (x,), strict=False)
                else:
                    model(x)
            run.failure = None  # a failed call the model caught itself is no failure
        except Exception as error:  # the user's forward: reported, never raised
            if run.failure is None or not caused_by(error, run.failure.exception):
                run.failure = Failure("forward", one_line(error), [], list(open_), error)
        except STOPS as error:  # an exit or an interrupt from the user's code: theirs too
            run.failure = Failure("forward", one_line(error), [], list(open_), error)
        finally:
            for handle in handles:
                handle.remove()
        return run


def _same(value):
    """What a weak reference to `value` would give while it lives."""
    return value
