"""Windows of large grids: the cells around the kernel, with their position said."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .cells import (
    Box,
    Frame,
    Plane,
)
from .frames import Scene

WINDOW_BEYOND = 40  # cells: a plane longer than this along an axis shows a window of it
WINDOW = 32  # cells: the window's length along such an axis (or the frames' reach, if more)
WINDOW_MARGIN = 2  # cells kept around what the frames touch


@dataclass(frozen=True)
class Windowed(Scene):
    """A window of `full`'s planes: `lower` and `upper` are its cells from `origins` (row,
    col per plane); each frame is `full`'s, cropped, its coordinates moved. The titles say
    which rows and columns are shown."""

    full: Scene | None = None
    origins: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))

    @property
    def all_frames(self) -> int:
        return self.full.all_frames

    def frame(self, n: int) -> Frame:
        if not 0 <= n < self.frame_count:
            raise IndexError(f"frame {n} of a scene of {self.frame_count}")
        f = self.full.frame(n)
        (lr, lc), (ur, uc) = self.origins
        upper = (slice(ur, ur + self.upper.shape[0]), slice(uc, uc + self.upper.shape[1]))
        lower = (
            None
            if self.lower is None
            else (slice(lr, lr + self.lower.shape[0]), slice(lc, lc + self.lower.shape[1]))
        )

        def box(b: Box | None, r: int, c: int) -> Box | None:
            return None if b is None else Box(b.row0 - r, b.col0 - c, b.row1 - r, b.col1 - c)

        def cut(array, where):
            return None if array is None or where is None else array[where]

        return replace(  # (gather and conv: the taps on the lower plane, the marks above)
            f,
            lower_box=box(f.lower_box, lr, lc),
            upper_box=box(f.upper_box, ur, uc),
            taps=f.taps - (lr, lc),
            marks=f.marks - (ur, uc),
            done=f.done[upper],
            pending=f.pending[upper],
            upper_values=cut(f.upper_values, upper),
            lower_numbers=cut(f.lower_numbers, lower),
            upper_numbers=cut(f.upper_numbers, upper),
            stamps=cut(f.stamps, upper),
            upper_text=cut(f.upper_text, upper),
            upper_notes=cut(f.upper_notes, upper),
        )


def _reach(points: np.ndarray, length: int) -> tuple[int, int]:
    """The cells [start, stop) of one axis of a plane `length` long that a window shows: what
    the frames touch (`points`), a margin around it, at least WINDOW cells."""
    low, high = int(points.min()), int(points.max()) + 1
    size = min(length, max(WINDOW, high - low + 2 * WINDOW_MARGIN))
    start = max(0, min(length - size, (low + high - size) // 2))
    return start, start + size


def windowed(scene: Scene, shown: list[int] | None = None) -> Scene:
    """`scene` as a window of its planes when a plane is longer than WINDOW_BEYOND cells
    along an axis and the frames shown (a still, a row, a range) touch only part of it: the
    cells around the kernel and the cells written, their position in the titles ("rows 12 to
    43 of 65"). Otherwise `scene` itself. Gather and conv views. `shown`: the frames drawn
    (from 0; None: every frame of the scene)."""
    if scene.view not in ("gather", "conv") or isinstance(scene, Windowed):
        return scene
    shown = [scene.source(n) for n in (range(scene.frame_count) if shown is None else shown)]
    lower_points = (scene.windows[shown][:, None, :] + scene.offsets).reshape(-1, 2)
    upper_points = scene.cells[shown]
    spans = []
    for plane, points in ((scene.lower, lower_points), (scene.upper, upper_points)):
        spans.append(
            [
                (0, length) if length <= WINDOW_BEYOND else _reach(points[:, axis], length)
                for axis, length in enumerate(plane.shape)
            ]
        )
    if all(
        span == (0, length)
        for spans_, plane in zip(spans, (scene.lower, scene.upper))
        for span, length in zip(spans_, plane.shape)
    ):
        return scene

    def cut(plane: Plane, span) -> Plane:
        where = tuple(slice(a, b) for a, b in span)
        return Plane(plane.roles[where], None if plane.values is None else plane.values[where])

    def titled(title: str | None, span, shape) -> str | None:
        parts = [
            f"{name} {a + 1} to {b} of {n}"
            for name, (a, b), n in zip(("rows", "cols"), span, shape)
            if (a, b) != (0, n)
        ]
        return title if title is None or not parts else f"{title} ({', '.join(parts)})"

    fields = {f: getattr(scene, f) for f in scene.__dataclass_fields__}
    fields.update(
        lower=cut(scene.lower, spans[0]),
        upper=cut(scene.upper, spans[1]),
        titles=(
            titled(scene.titles[0], spans[0], scene.lower.shape),
            titled(scene.titles[1], spans[1], scene.upper.shape),
        ),
        shades=None
        if scene.shades is None
        else scene.shades[tuple(slice(a, b) for a, b in spans[1])],
        full=scene,
        origins=tuple((span[0][0], span[1][0]) for span in spans),
    )
    return Windowed(**fields)
