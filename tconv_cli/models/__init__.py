"""Real models: the convolution-like layers of an ONNX file or a PyTorch module, in tconv's record.

`inspect(source, ...)` reads ``model.onnx`` (module `.onnx`, needs the ``onnx`` extra) or
``file.py:Name`` / ``package.module:Name`` (module `.torch`, needs the ``torch`` extra) and
returns an `Inspection`: every Conv, ConvTranspose, pooling and resizing layer in graph or call
order, with its sizes, its attributes as tconv's record and warnings where runtimes differ.
onnx and torch are imported only by the module that needs them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

from .. import geometry as g
from ..errors import ParameterError


@dataclass
class ModelLayer:
    """One layer as tconv sees it. Lists are per spatial axis; None where the op has no such
    attribute (a Resize has no kernel) or where a size is unknown (a dynamic axis)."""

    name: str
    op: str  # the source's own word: "ConvTranspose" (ONNX), "ConvTranspose2d" (PyTorch)
    input: Optional[list[Optional[int]]] = None  # the whole shape: batch, channels, spatial…
    output: Optional[list[Optional[int]]] = None
    kernel_size: Optional[list[int]] = None
    stride: Optional[list[int]] = None
    padding: Optional[list[list[int]]] = None  # [[begin, end], …] per spatial axis
    dilation: Optional[list[int]] = None
    output_padding: Optional[list[int]] = None
    groups: Optional[int] = None
    scale: Optional[list[float]] = None  # Resize / Upsample
    warnings: list[str] = field(default_factory=list)
    # what `padding` was resolved from, as the source says it: {"auto_pad": "SAME_UPPER"}
    resolved_from: Optional[dict] = None

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Inspection:
    source: str
    layers: list[ModelLayer]
    error: Optional[dict] = None  # {"message": str, "layers": [names], "fix": [str, …], …}

    def as_json(self) -> dict:
        return {"source": self.source, "layers": [layer.as_json() for layer in self.layers],
                "error": self.error}


def check_input_shape(input_shape: Optional[Sequence[int]]) -> Optional[tuple[int, ...]]:
    """A given whole input shape (batch, channels, spatial…), checked once for every kind of
    source: sizes from 1 to geometry.MAX_VALUE."""
    if input_shape is None:
        return None
    shape = tuple(input_shape)
    if not shape or not all(type(v) is int and 1 <= v <= g.MAX_VALUE for v in shape):
        raise ParameterError("input_shape", ",".join(map(str, shape)),
                             f"must be sizes between 1 and {g.MAX_VALUE:,}")
    return shape


def inspect(source: str, *, input_shape: Optional[Sequence[int]] = None,
            args: Optional[dict] = None) -> Inspection:
    """Read an ONNX file (``*.onnx``) or a PyTorch module (``file.py:Name``, ``pkg.mod:Name``)."""
    if source.lower().endswith(".onnx"):
        from . import onnx

        return onnx.inspect(source, input_shape=input_shape)
    from . import torch

    return torch.inspect(source, input_shape=input_shape, args=args)
