"""A PyTorch layer in tconv's record: its constructor as tconv's reader takes it, and its
attributes (padding resolved, output_padding as forward made it) from its real shapes."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ... import geometry as g
from ... import network
from ...errors import NoAnswer, ParameterError
from ..record import ModelLayer


def kinds(torch) -> tuple:
    """The module classes listed as layers."""
    nn = torch.nn
    return (
        nn.modules.conv._ConvNd,
        nn.modules.pooling._MaxPoolNd,
        nn.modules.pooling._AvgPoolNd,
        nn.modules.pooling._AdaptiveAvgPoolNd,
        nn.modules.pooling._AdaptiveMaxPoolNd,
        nn.Upsample,
    )


def spec(torch, module, name: str, **changes) -> Optional[network.Spec]:
    """The module's constructor as tconv's network reader has it (with `changes` to its
    attributes), or None: tconv has no size rule for it (an adaptive pool)."""
    text = constructor(torch, module, **changes)
    if text is None:
        return None
    try:
        return network.parse_layer(text, name)
    except ParameterError:
        return None


def constructor(torch, module, **changes) -> Optional[str]:
    """`Conv2d(kernel_size=3, stride=2, padding=1)`: the size-making arguments, defaults left
    out; `changes` replace the module's own."""
    nn = torch.nn
    if isinstance(module, nn.modules.conv._ConvNd):
        rank = len(module.kernel_size)
        keywords = {
            "kernel_size": module.kernel_size,
            "stride": module.stride,
            "padding": module.padding,
            "dilation": module.dilation,
        }
        if module.transposed:
            keywords["output_padding"] = module.output_padding
        family = "ConvTranspose" if module.transposed else "Conv"
    elif isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        family = "MaxPool" if isinstance(module, nn.modules.pooling._MaxPoolNd) else "AvgPool"
        rank = next(
            (n for n in (1, 2, 3) if isinstance(module, getattr(nn, f"{family}{n}d"))), None
        )
        if rank is None:
            return None
        keywords = {
            "kernel_size": module.kernel_size,
            "stride": module.stride,
            "padding": module.padding,
            "ceil_mode": module.ceil_mode,
        }
        if family == "MaxPool":
            keywords["dilation"] = module.dilation
    elif isinstance(module, nn.Upsample):
        key = "size" if module.size is not None else "scale_factor"
        value = changes.get(key, getattr(module, key))
        return f"Upsample({key}={literal(value)})"
    else:
        return None
    keywords.update(changes)
    pool = family in ("MaxPool", "AvgPool")
    defaults = {
        "stride": (keywords["kernel_size"] if pool else 1,),
        "padding": (0, "valid"),
        "dilation": (1,),
        "output_padding": (0,),
        "ceil_mode": (False,),
    }
    listed = ", ".join(
        f"{key}={literal(v)}"
        for key, v in keywords.items()
        if key == "kernel_size" or not _default(v, defaults[key])
    )
    return f"{family}{rank}d({listed})"


def literal(value) -> str:
    """A constructor argument as tconv's reader takes it: `2`, `(2, 3)`, `'same'`."""
    if isinstance(value, (tuple, list)):
        value = tuple(value)
        if len(set(value)) == 1:
            value = value[0]
    return repr(value)


def _default(value, defaults: tuple) -> bool:
    values = set(value) if isinstance(value, (tuple, list)) else {value}
    return any(values == (set(d) if isinstance(d, (tuple, list)) else {d}) for d in defaults)


def complete(layer: ModelLayer, layer_spec: Optional[network.Spec], module: Any) -> None:
    """The record's attributes from its spec and its real shapes."""
    if isinstance(getattr(module, "groups", None), int):
        layer.groups = module.groups
    if layer_spec is None or layer.input is None or layer.output is None:
        if (
            layer_spec is None
            and layer.input
            and layer.output
            and (hasattr(module, "scale_factor") or module is None)
        ):
            layer.scale = scales(layer)
        return
    p = layer_spec.params
    rank = len(layer.output) - 2 if layer_spec.rank is None else layer_spec.rank
    sizes = layer.input[-rank:]
    if layer_spec.kind == "upsample":
        scale = p.get("scale")
        layer.scale = [float(f) for f in g.broadcast(scale, rank)] if scale else scales(layer)
        return
    layer.kernel_size, layer.stride = list(p["kernel"]), list(p["stride"])
    layer.padding = [list(pair) for pair in p["pads"]]
    if isinstance(getattr(module, "padding", None), str):
        layer.resolved_from = {"padding": module.padding}
    layer.dilation = None if layer_spec.kind == "avgpool" else list(p["dilation"])
    if layer_spec.kind != "transposed":
        return
    axes = network.axes(network._no_op(layer_spec), sizes)
    ops = [o - a.min_output for a, o in zip(axes, layer.output[-rank:])]
    layer.output_padding = ops
    if ops != list(p["output_padding"]):
        layer.warnings.append(
            f"forward(x, output_size=…) makes output_padding "
            f"{per_axis(ops)} (the module's is {per_axis(p['output_padding'])})"
        )
    layer.warnings += _framework_notes(axes, ops, layer.groups or 1)


def scales(layer: ModelLayer) -> list[float]:
    return [o / i for i, o in zip(layer.input[2:], layer.output[2:])]


def _framework_notes(axes, ops, groups: int) -> list[str]:
    """What tconv's frameworks say of this PyTorch layer (output_padding ≥ stride…)."""
    from ...frameworks import layer_from, notes  # noqa: PLC0415

    try:
        fl = layer_from(
            "torch",
            size=[a.size for a in axes],
            kernel_size=[a.kernel for a in axes],
            stride=[a.stride for a in axes],
            dilation=[a.dilation for a in axes],
            padding=tuple((a.pad_lo, a.pad_hi) for a in axes),
            output_padding=ops,
            groups=groups,
        )
        return list(notes(fl))
    except (ParameterError, NoAnswer):
        return []


def per_axis(values: Sequence) -> str:
    """`1` when every axis has it, else `(0, 1)`."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def dims(values: Sequence) -> str:
    return "×".join("?" if v is None else str(v) for v in values)
