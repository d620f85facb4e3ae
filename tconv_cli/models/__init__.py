"""Real models: the convolution-like layers of an ONNX file or a PyTorch module, in tconv's record.

`inspect(source, ...)` reads ``model.onnx`` (module `.onnx`, needs the ``onnx`` extra) or
``file.py:Name`` / ``package.module:Name`` (module `.torch`, needs the ``torch`` extra) and
returns an `Inspection`: every Conv, ConvTranspose, pooling and resizing layer in graph or call
order, with its sizes, its attributes as tconv's record and warnings where runtimes differ.
onnx and torch are imported only by the module that needs them.
"""

from __future__ import annotations

from typing import Optional, Sequence

from .record import Inspection, ModelLayer, check_input_shape

__all__ = ["Inspection", "ModelLayer", "check_input_shape", "inspect"]


def inspect(
    source: str, *, input_shape: Optional[Sequence[int]] = None, args: Optional[dict] = None
) -> Inspection:
    """Read an ONNX file (``*.onnx``) or a PyTorch module (``file.py:Name``, ``pkg.mod:Name``)."""
    if source.lower().endswith(".onnx"):
        from . import onnx

        return onnx.inspect(source, input_shape=input_shape)
    from . import torch

    return torch.inspect(source, input_shape=input_shape, args=args)
