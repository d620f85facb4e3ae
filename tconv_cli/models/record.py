"""What every model format reports: one layer (`ModelLayer`), the whole answer (`Inspection`,
with the failure's keys), and the one rule for a given input shape."""

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
    """What a model does at one input shape. `error`, when it fails (ONNX and PyTorch alike):

    - ``message``: one line, what failed;
    - ``join``: the join that cannot run, ``{"name", "op", "shapes": [shape, …], "axis"}``
      (None when the failure is not a join: a layer's own size rule, say);
    - ``layers``: the names of the layers responsible (the up layer first);
    - ``upstream``: per input of the join, the conv-like layers that made its shape, nearest
      first;
    - ``sources``: per input of the join, ``"input"`` when it is computed from the model's
      input, ``"constant"`` when not (a weight, a learned table, a tensor made in forward);
    - ``sizes``: ``{name: whole shape}`` of the tensors involved;
    - ``fix``: the lines a report shows, each a change that makes the model run;
    - ``changes``: the same as data, ``{"layer", "op", "set": {attribute: value}}`` or
      ``{"layer", "op", "pad"|"crop": [per axis]}`` where no attribute can (ONNX: the join
      as ``layer``, with the ``input`` that gets the Pad/Slice);
    - ``inputs``: ``{"below": shape | None, "above": shape | None}``, the nearest whole input
      shapes that run with the model as it is;
    - ``steps``: PyTorch: each repaired up layer's ``layer``, ``input``, ``output``,
      ``target`` and change (empty for ONNX and where nothing was repaired).

    `error_record` makes one with every key.

    `notes` are what the report says besides the layers (how the shapes were found, a fallback
    taken), in the text and in ``--json`` alike."""

    source: str
    layers: list[ModelLayer]
    error: Optional[dict] = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "layers": [layer.as_json() for layer in self.layers],
            "error": self.error,
            "notes": list(self.notes),
        }


def error_record(message: str, **known) -> dict:
    """An `Inspection.error` with every key, those not `known` empty."""
    error: dict = {
        "message": message,
        "join": None,
        "layers": [],
        "upstream": [],
        "sources": [],
        "sizes": {},
        "fix": [],
        "changes": [],
        "inputs": {"below": None, "above": None},
        "steps": [],
    }
    unknown = set(known) - set(error)
    if unknown:
        raise TypeError(f"not keys of an inspection's error: {sorted(unknown)}")
    return error | known


def check_input_shape(input_shape: Optional[Sequence[int]]) -> Optional[tuple[int, ...]]:
    """A given whole input shape (batch, channels, spatial…), checked once for every kind of
    source: sizes from 1 to geometry.MAX_VALUE."""
    if input_shape is None:
        return None
    shape = tuple(input_shape)
    if not shape or not all(type(v) is int and 1 <= v <= g.MAX_VALUE for v in shape):
        raise ParameterError(
            "input_shape", ",".join(map(str, shape)), f"must be sizes between 1 and {g.MAX_VALUE:,}"
        )
    return shape
