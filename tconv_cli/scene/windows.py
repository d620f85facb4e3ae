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
WINDOW_ROOM = WINDOW // 2  # cells a moving window has beyond one frame's reach (and margins)


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
    return _placed(
        low - WINDOW_MARGIN, high + WINDOW_MARGIN, length, window_length(length, high - low)
    )


def _placed(low: int, high: int, length: int, size: int) -> tuple[int, int]:
    """A window of `size` cells of an axis `length` long, centred on the cells [low, high)
    (what the frames touch and the margins), inside the axis: [start, stop)."""
    start = max(0, min(length - size, (low + high - size) // 2))  # (half a cell: down)
    return start, start + size


def _touched(scene: Scene, shown: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The cells each of the `shown` frames (the view's) touches: on the lower plane the
    kernel's taps, (frames, taps, 2); on the upper the cell written, (frames, 1, 2)."""
    return scene.windows[shown][:, None, :] + scene.offsets, scene.cells[shown][:, None, :]


def windowed(scene: Scene, shown: list[int] | None = None, moving: bool = False) -> Scene:
    """`scene` as a window of its planes when a plane is longer than WINDOW_BEYOND cells
    along an axis and the frames shown (a still, a row, a range) touch only part of it: the
    cells around the kernel and the cells written, their position in the titles ("rows 12 to
    43 of 65"). Otherwise `scene` itself. Gather and conv views. `shown`: the frames drawn
    (from 0; None: every frame of the scene). `moving` (an animation drawn frame by frame):
    when what the frames touch does not fit one window, a `MovingWindows` of runs instead of
    one window as large as their reach."""
    if scene.view not in ("gather", "conv") or isinstance(scene, (Windowed, MovingWindows)):
        return scene
    planes = (scene.lower, scene.upper)
    every = shown is None
    shown = [scene.source(n) for n in (range(scene.frame_count) if shown is None else shown)]
    if moving and every:
        sizes = _window_sizes(scene, shown)
        runs = _runs(scene, shown, sizes)
        if len(runs) > 1:
            return _moving(scene, shown, runs, sizes)
    touched = _touched(scene, shown)
    spans = [
        [
            (0, length)
            if length <= WINDOW_BEYOND
            else _reach(points.reshape(-1, 2)[:, axis], length)
            for axis, length in enumerate(plane.shape)
        ]
        for plane, points in zip(planes, touched)
    ]
    if all(
        span == (0, length)
        for spans_, plane in zip(spans, planes)
        for span, length in zip(spans_, plane.shape)
    ):
        return scene
    return _window(scene, spans)


def _window(scene: Scene, spans) -> Windowed:
    """The window of `scene` showing `spans` ([start, stop) per axis, per plane)."""

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

    fields = {f: getattr(scene, f) for f in Scene.__dataclass_fields__}
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


# ---------------------------------------------------------------------------------------------
# Moving windows: an animation of a large grid in runs of frames, each run its own window.


@dataclass(frozen=True)
class MovingWindows(Scene):
    """A scene (its planes, frames and sums are this one's) drawn in `runs` of consecutive
    frames (place, start, stop): frames start to stop - 1 are shown by `places[place]`, a
    `Windowed` of fixed origins (every place the same number of cells; runs in the same
    place share one; each shows every frame), so the frames drawn stay small and the window
    jumps only between runs. Drawn so by the animated raster formats (GIF, APNG, WebP)."""

    places: tuple[Windowed, ...] = ()
    runs: tuple[tuple[int, int, int], ...] = ()

    @property
    def widest(self) -> Windowed:
        """The place whose page is the largest (the longest titles; their sums are every
        frame's): what a page is measured by."""
        return max(self.places, key=lambda place: sum(len(t or "") for t in place.titles))


def window_length(length: int, reach: int, moving: bool = False) -> int:
    """The cells a window shows along an axis `length` cells long where the frames touch
    `reach` cells: the whole axis up to WINDOW_BEYOND, else WINDOW, or the reach and its
    margins if more; a moving window (`reach`: one frame's) has WINDOW_ROOM cells more than
    that, so it holds some steps of a large kernel. The size budget plans with it."""
    room = WINDOW_ROOM if moving else 0
    if length <= WINDOW_BEYOND:
        return length
    return min(length, max(WINDOW, reach + 2 * WINDOW_MARGIN + room))


def measured(scene: Scene) -> Scene:
    """The scene a page of `scene` is measured by: a moving window's widest place, else
    `scene`."""
    return scene.widest if isinstance(scene, MovingWindows) else scene


def _window_sizes(scene: Scene, shown: list[int]) -> list[list[int]]:
    """The cells a window shows along each axis of each plane (`window_length`)."""
    sizes = []
    for plane, points in zip((scene.lower, scene.upper), _touched(scene, shown)):
        reach = points.max(axis=1) - points.min(axis=1) + 1  # (frames, 2)
        sizes.append(
            [window_length(n, int(r), moving=True) for n, r in zip(plane.shape, reach.max(axis=0))]
        )
    return sizes


def _runs(scene: Scene, shown: list[int], sizes) -> list[tuple[int, int]]:
    """The `shown` frames cut into consecutive runs [start, stop) whose touched cells (both
    planes, with margins) fit windows of `sizes`: each run as long as it can be, which is as
    few runs (window jumps) as there can be."""
    bounds = []  # per plane and axis: each frame's (low, high) touched, as Python ints
    for plane, points, size in zip((scene.lower, scene.upper), _touched(scene, shown), sizes):
        for axis, length in enumerate(plane.shape):
            if size[axis] < length:
                low = points[:, :, axis].min(axis=1).tolist()
                high = (points[:, :, axis].max(axis=1) + 1).tolist()
                bounds.append((low, high, length, size[axis]))
    runs, start = [], 0
    reach = [(b[0][0], b[1][0]) for b in bounds]
    for n in range(1, len(shown)):
        grown = [(min(lo, b[0][n]), max(hi, b[1][n])) for (lo, hi), b in zip(reach, bounds)]
        spans = [_margined(lo, hi, b[2]) for (lo, hi), b in zip(grown, bounds)]
        if all(stop - first <= b[3] for (first, stop), b in zip(spans, bounds)):
            reach = grown
            continue
        runs.append((start, n))
        start, reach = n, [(b[0][n], b[1][n]) for b in bounds]
    runs.append((start, len(shown)))
    return runs


def _margined(low: int, high: int, length: int) -> tuple[int, int]:
    """The cells [low, high) of an axis `length` long with WINDOW_MARGIN cells each side, as
    far as the axis goes: what a moving window must show of them."""
    return max(0, low - WINDOW_MARGIN), min(length, high + WINDOW_MARGIN)


def _moving(scene: Scene, shown: list[int], runs, sizes) -> MovingWindows:
    """`scene` drawn in `runs` of its `shown` frames, each in a window of `sizes` cells. Along
    each axis the windows stay where they were while the run's cells (and margins) lie in
    them, else both move to start at them (the frames go forward: the room is ahead), so a
    full animation's windows come back to the same few places, jumping along the row."""
    planes, placed, places, drawn = (scene.lower, scene.upper), {}, [], []
    for start, stop in runs:
        touched = _touched(scene, shown[start:stop])
        cells = [  # per plane and axis: the run's cells and margins, within the plane
            [
                _margined(int(points[..., axis].min()), int(points[..., axis].max()) + 1, length)
                for axis, length in enumerate(plane.shape)
            ]
            for plane, points in zip(planes, touched)
        ]
        origins = places[drawn[-1][0]].origins if drawn else ((0, 0), (0, 0))
        held = [
            bool(drawn)
            and all(
                o[axis] <= reach[axis][0] and reach[axis][1] <= o[axis] + size[axis]
                for o, reach, size in zip(origins, cells, sizes)
            )
            for axis in range(2)
        ]
        spans = []
        for plane, reach, size, origin in zip(planes, cells, sizes, origins):
            firsts = [origin[a] if held[a] else reach[a][0] for a in range(2)]
            spans.append(
                tuple(_placed(f, f + n, len_, n) for f, n, len_ in zip(firsts, size, plane.shape))
            )
        key = tuple(spans)
        if key not in placed:
            placed[key] = len(places)
            places.append(_window(scene, spans))
        drawn.append((placed[key], start, stop))
    fields = {f: getattr(scene, f) for f in Scene.__dataclass_fields__}
    return MovingWindows(**fields, places=tuple(places), runs=tuple(drawn))
