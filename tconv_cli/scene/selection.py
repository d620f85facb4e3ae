"""Frame selection: which of a view's frames a scene shows (`select`, `frames_selected`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..geometry import Layer
from .counts import frame_count, frame_sizes
from .frames import Scene


def select(
    scene: Scene,
    first: int | None = None,
    last: int | None = None,
    every: int = 1,
    row: int | None = None,
) -> Scene:
    """The scene showing only some of its frames (numbers from 1): `first` to `last`, every
    `every`-th of those, and with `row`, only the frames of that row of the cells the frames
    run over (output rows for gather and conv, input rows for scatter). The caller checks the
    numbers (`frames_selected`)."""
    chosen = frames_selected(scene.layer, scene.view, scene.values, first, last, every, row)
    return scene if chosen is None else replace(scene, selection=chosen)


def frames_selected(
    layer: Layer,
    view: str,
    values: bool,
    first: int | None = None,
    last: int | None = None,
    every: int = 1,
    row: int | None = None,
) -> tuple[int, ...] | None:
    """The view's frames (from 0) that `select` keeps; None: every frame."""
    if first is None and last is None and every == 1 and row is None:
        return None
    count = frame_count(layer, view, values)
    frames = range(count)
    if row is not None:
        sizes = frame_sizes(layer, view)
        per_row = sizes[-1] if len(sizes) == 2 else int(np.prod(sizes))
        per = 2 if view == "scatter" and values else 1
        start = (row - 1) * per_row * per
        frames = range(start, min(count, start + per_row * per))
    chosen = list(frames)[(first or 1) - 1 : last]
    return tuple(chosen[::every])
