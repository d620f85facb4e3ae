"""Frame counts: how many frames a view has and what they are (`frame_count`, `frame_sizes`,
`frames_described`), from the layer alone, without building the scene."""

from __future__ import annotations

from ..geometry import Layer


def frame_sizes(layer: Layer, view: str) -> list[int]:
    """The cells the frames run over: output cells (gather, conv) or input elements (scatter)."""
    return {
        "gather": [a.output for a in layer],
        "conv": [a.conv_output for a in layer],
        "scatter": [a.size for a in layer],
        "overlap": [1],
    }[view]


def frame_count(layer: Layer, view: str, values: bool = False) -> int:
    """Frames the view has, without building it (to refuse huge animations early): one per
    cell of `frame_sizes`; scatter adds the crop when padding crops, and with values shows
    each element (and the crop) in two frames."""
    count = 1
    for n in frame_sizes(layer, view):
        count *= n
    if view == "scatter":
        count = (count + crops(layer)) * (2 if values else 1)
    return count


def frames_described(layer: Layer, view: str, values: bool = False) -> str:
    """What the frames of `frame_count` are, in words: "one per output cell, 5×5"."""
    sizes = "×".join(map(str, frame_sizes(layer, view)))
    if view != "scatter":
        return f"one per output cell, {sizes}"
    each = "a stamp and a sum per input cell" if values else "one per input cell"
    return f"{each}, {sizes}" + (", then the crop" if crops(layer) else "")


def crops(layer: Layer) -> bool:
    """Whether padding crops the scatter view's uncropped output (it then has a crop frame)."""
    return any(a.pad_lo > 0 or a.full > a.pad_lo + a.output for a in layer)
