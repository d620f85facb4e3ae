"""What a figure says beyond its cells, decided once for every renderer: the planes' titles and
the legend, the caption, the geometry in words (`explain`), the running sum (`sum_text`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import geometry as g
from ..geometry import Axis, Layer
from ..words import counted, plural
from .cells import (
    LegendEntry,
    Mark,
    Plane,
    Role,
)
from .frames import Scene
from .numbers import MINUS, _factor, decimals_for, number_text

_ROLE_NAMES = {
    Role.INPUT: "input",
    Role.INSERTED: "inserted zero",
    Role.PADDING: "padding",
    Role.OUTPUT_PADDING: "output_padding",
    Role.CROPPED: "cropped",
}
_PROGRESS = {  # the kernel's progress, named for every view that has frames
    "gather": (
        LegendEntry(Mark.KERNEL, "kernel"),
        LegendEntry(Mark.DONE, "done"),
        LegendEntry(Mark.NOW, "now"),
        LegendEntry(Mark.PENDING, "to do"),
    ),
    "scatter": (
        LegendEntry(Mark.SOURCE, "scattered now"),
        LegendEntry(Mark.DONE, "done"),
        LegendEntry(Mark.NOW, "stamp"),
        LegendEntry(Mark.PENDING, "to do"),
    ),
    "overlap": (),
}
_PROGRESS["conv"] = _PROGRESS["gather"]


def _words(view: str, lower: Plane | None, upper: Plane) -> dict:
    """The planes with their titles and the legend: only what this scene really shows (no
    "zero-inserted" without inserted zeros, no "padded" without padding)."""
    lower_roles = set() if lower is None else set(lower.roles.ravel().tolist())
    upper_roles = set(upper.roles.ravel().tolist())  # (np.unique imports numpy.ma: 20 ms)
    if view == "overlap":
        titles = (None, "kernel taps per output cell")
    elif view == "scatter":
        titles = ("input", "output, uncropped" if Role.CROPPED in upper_roles else "output")
    else:  # what this layer did to its input: "zero-inserted, padded input", "input", …
        done_to_input = [
            word
            for roles, word in (
                ({Role.INSERTED}, "zero-inserted"),
                ({Role.PADDING, Role.OUTPUT_PADDING}, "padded"),
                ({Role.CROPPED}, "cropped"),
            )
            if roles & lower_roles
        ]
        titles = (" ".join([", ".join(done_to_input)] * bool(done_to_input) + ["input"]), "output")
    legend = tuple(
        LegendEntry(role, name)
        for role, name in _ROLE_NAMES.items()
        if role in lower_roles | upper_roles
    )
    legend += _PROGRESS[view]
    return {"lower": lower, "upper": upper, "titles": titles, "legend": legend}


def _caption(layer: Layer, view: str) -> str:
    return g.constructor(layer, transposed=view != "conv")


def _said(scene: Scene, x: np.ndarray | None, w: np.ndarray | None) -> Scene:
    """The scene with its explanation and its one number format (x, w, the output and every
    product x·w printed alike)."""
    decimals = None
    if x is not None and w is not None:  # the scatter view prints each product x·w too
        products = np.multiply.outer(np.ravel(x), np.ravel(w)) if scene.view == "scatter" else None
        decimals = decimals_for(x, w, products, scene.upper.values)
    return replace(
        scene,
        explanation=explain(scene.layer, scene.view),
        decimals=decimals,
        kernels=tuple(replace(k, decimals=decimals) for k in scene.kernels),
    )


def _cells(n: int) -> str:
    return counted(n, "cell")


def _padding_words(a: Axis, rank: int, same_axes: bool) -> str | None:
    """What PyTorch's padding makes of the gather grid along `a`: the cells of zeros around
    the zero-inserted input, d(k−1)−p, or a crop where that is negative."""
    reach = a.extent - 1
    lo, hi = a.frame_lo, a.frame_hi - a.output_padding  # padding's part, before output_padding
    noun = "zero-inserted input" if a.stride > 1 else "input"
    if a.pad_lo == a.pad_hi:
        formula = f"d(k{MINUS}1){MINUS}p = {reach}{MINUS}{a.pad_lo} = {number_text(lo)}"
        where = "around" if rank == 2 and same_axes else "at each end of"
        if lo >= 0:
            return f"padding {a.pad_lo} in PyTorch = {_cells(lo)} {where} the {noun} ({formula})"
        return (
            f"padding {a.pad_lo} in PyTorch: cropped by {_cells(-lo)} at each end of the "
            f"{noun} ({formula})"
        )

    def end(n: int, side: str) -> str:
        return f"{_cells(n)} {side}" if n >= 0 else f"cropped by {_cells(-n)} {side}"

    return (
        f"padding {a.pad_lo}:{a.pad_hi} = {end(lo, 'before')}, {end(hi, 'after')} the "
        f"{noun} (d(k{MINUS}1){MINUS}p = {reach}{MINUS}p)"
    )


def _axis_words(a: Axis, view: str, rank: int, same_axes: bool, axis: int | None) -> list[str]:
    """The phrases that say what one axis of the view's grid is."""
    stride, words = a.stride, []
    line = {0: "row", 1: "column", None: "row and column" if rank == 2 else "cell"}[axis]
    at = {0: "at the bottom", 1: "at the right", None: "at the end"}[axis]
    if view == "gather":
        if stride > 1:
            words.append(f"stride {stride}: {counted(stride - 1, 'zero')} between inputs")
        words.append(_padding_words(a, rank, same_axes))
        if a.dilation > 1:
            words.append(f"dilation {a.dilation}: the kernel's taps {a.dilation} apart")
        if a.output_padding:
            words.append(
                f"output_padding {a.output_padding}: {a.output_padding} more "
                f"{plural(line, a.output_padding)} {at}"
            )
    elif view == "scatter":
        words.append(f"stride {stride}: each input's stamp lands {_cells(stride)} after the last")
        if a.pad_lo or a.pad_hi:
            crop = (
                f"cropped by {_cells(a.pad_lo)} at each end"
                if a.pad_lo == a.pad_hi
                else f"cropped by {_cells(a.pad_lo)} before, {_cells(a.pad_hi)} after"
            )
            words.append(f"padding {g.pad_text(a)} in PyTorch: the output is the stamps {crop}")
        if a.output_padding:
            words.append(
                f"output_padding {a.output_padding}: {a.output_padding} more "
                f"{plural(line, a.output_padding)} {at}"
            )
    elif view == "conv":
        if a.pad_lo or a.pad_hi:
            where = "around" if rank == 2 and same_axes else "at each end of"
            words.append(
                f"padding {g.pad_text(a)}: {_cells(max(a.pad_lo, a.pad_hi))} of "
                f"zeros {where} the input"
                if a.pad_lo == a.pad_hi
                else f"padding {g.pad_text(a)}: {_cells(a.pad_lo)} of zeros before, "
                f"{_cells(a.pad_hi)} after the input"
            )
        if stride > 1:
            words.append(f"stride {stride}: the kernel steps {_cells(stride)}")
        if a.dilation > 1:
            words.append(f"dilation {a.dilation}: the kernel's taps {a.dilation} apart")
    return [word for word in words if word]


def explain(layer: Layer, view: str) -> str:
    """The geometry of the view's grid in words, one phrase per fact joined by "; ": why the
    grid has d(k−1)−p cells of padding or a crop, how many zeros the stride inserts, what
    output_padding adds; per axis ("rows: …; columns: …") where the axes differ. "" for views
    with nothing to say (the overlap heatmap's caption says it)."""
    rank = len(layer)
    same = rank == 1 or all(replace(a, size=0) == replace(layer[0], size=0) for a in layer)
    if same:
        return "; ".join(_axis_words(layer[0], view, rank, True, None))
    parts = []
    for axis, a in enumerate(layer):
        words = _axis_words(a, view, rank, False, axis)
        if words:
            parts.append(f"{('rows', 'columns')[axis]}: " + "; ".join(words))
    return ". ".join(parts)


MAX_TERMS = 9  # terms a running sum writes out; beyond, the first and last few around "…"


def _index_name(letter: str, index) -> str:
    return f"{letter}[{','.join(str(int(v)) for v in index)}]"


def sum_text(scene: Scene, n: int) -> str:
    """What frame `n` computes, in words, with values: the output cell's running sum
    `y[0,1] = 2·e + 3·d = 2·1 + 3·3 = 11` (its inputs times the taps, named as in the kernel
    the view slides: flip(W) for gather), or the scatter view's stamp; "" without values."""
    if not scene.values or scene.view not in ("gather", "conv", "scatter"):
        return ""
    scene = getattr(scene, "full", None) or scene  # a window's sums are its full scene's
    n, rank, d = scene.source(n), len(scene.layer), scene.decimals
    letters = scene.tap_letters
    if scene.view == "scatter":
        element, step = divmod(n, 2)
        if element >= len(scene.cells):
            return "the crop: padding removes the cells outside the output"
        cell = scene.cells[element]
        x = number_text(scene.lower.values[tuple(cell)], d)
        name = _index_name("x", cell[-rank:])
        return (
            f"{name} = {x}: adds {x}·w at each tap, {letters[0]} to {letters[-1]}"
            if step == 0
            else f"{name} = {x}: its stamp is in the sums"
        )
    cell, window = scene.cells[n], scene.windows[n]
    sources = window + scene.offsets
    inside = scene.lower.roles[tuple(sources.T)] == Role.INPUT
    xs = scene.lower.values[tuple(sources[inside].T)]
    ws = scene.kernel.ravel()[inside]
    names = letters[inside]
    total = number_text(scene.upper.values[tuple(cell)], d)
    name = _index_name("y", cell[-rank:])
    if not len(xs):
        return f"{name} = 0: no input under the kernel"

    def written(terms: list[str]) -> str:
        if len(terms) > MAX_TERMS:
            terms = terms[: MAX_TERMS - 2] + ["…", terms[-1]]
        return " + ".join(terms)

    named = written([f"{number_text(x, d)}·{t}" for x, t in zip(xs, names)])
    valued = written([f"{number_text(x, d)}·{_factor(w, d)}" for x, w in zip(xs, ws)])
    return f"{name} = {named} = {valued} = {total}"


def sum_texts(scene: Scene) -> list[str]:
    """`sum_text` of every frame shown."""
    return [sum_text(scene, n) for n in range(scene.frame_count)]
