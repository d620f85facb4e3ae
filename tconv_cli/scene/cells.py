"""Cell states and looks: each cell's `Role`, the kernel's `Mark`s, the heatmap's `Shade`s, the
legend's entries, a plane, a kernel, one frame's record (`Frame`) and what each cell of a plane
shows in it (`CellStates`), which every renderer draws and decides nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .numbers import _texts


class Mark(IntEnum):
    """The kernel's progress over the planes, beyond the cells' roles (for legends)."""

    KERNEL = 10  # a cell under one of the kernel's taps
    DONE = 11  # an upper cell written in an earlier frame
    NOW = 12  # an upper cell being written in this frame
    PENDING = 13  # an output cell still to do
    SOURCE = 14  # the input element being scattered
    CROPPED_WRITTEN = 15  # a cropped cell the kernel has written in (scatter)


@dataclass(frozen=True)
class LegendEntry:
    """One kind of cell a picture shows, and its name."""

    key: Role | Mark | Shade
    name: str


class Shade(IntEnum):
    """A step of the overlap view's heatmap ramp, level 0 (fewest) to SHADES − 1 (most): a
    legend key and a cell's look, as Role and Mark are (values apart from theirs)."""

    LEVEL_0 = 20
    LEVEL_1 = 21
    LEVEL_2 = 22
    LEVEL_3 = 23
    LEVEL_4 = 24
    LEVEL_5 = 25

    @property
    def level(self) -> int:
        return self - Shade.LEVEL_0

    @classmethod
    def at(cls, level: int) -> Shade:
        return cls(cls.LEVEL_0 + int(level))


SHADES = len(Shade)  # steps of the heatmap ramp (render.palette has one colour for each)


class Role(IntEnum):
    """What a cell is. Where the axes of a 2-d plane disagree, the larger value wins."""

    INPUT = 0
    OUTPUT = 1
    INSERTED = 2  # a zero put between input elements (stride)
    PADDING = 3  # a zero added around the input (d·(k−1) − p), or a direct conv's padding
    OUTPUT_PADDING = 4  # a cell added at the high end by output_padding
    CROPPED = 5  # a cell that padding removes (gather: input side; scatter: output side)


@dataclass(frozen=True)
class Plane:
    """A grid of cells: `roles` (rows, cols) of Role, `values` the same shape or None."""

    roles: np.ndarray
    values: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.roles.shape


@dataclass(frozen=True)
class Kernel:
    """A kernel drawn beside the planes, so the flip shows: `name` ("kernel W", "flip(W)");
    `values` its weights (rows, cols), None without values; `taps` the name of each tap in
    the unflipped kernel (a, b, c, … in raster order), so a flipped kernel reads i … a even
    without values; `used`: this is the kernel the view slides (its weights are the ones at
    the taps), drawn as the taps are."""

    name: str
    values: np.ndarray | None
    taps: np.ndarray  # (rows, cols) of str
    used: bool
    decimals: int | None = None  # the figure's number format (`decimals_for`)

    @property
    def shape(self) -> tuple[int, int]:
        return self.taps.shape

    @property
    def texts(self) -> np.ndarray:
        """What each tap shows: its weight, or its name without values."""
        return self.taps if self.values is None else _texts(self.values, self.decimals)


@dataclass(frozen=True)
class Box:
    """Cells `[row0, row1) × [col0, col1)` of a plane: the kernel's footprint."""

    row0: int
    col0: int
    row1: int
    col1: int


@dataclass(frozen=True)
class Frame:
    """One step: where the kernel stands on each plane and what the upper plane shows.

    `taps` are lower-plane cells under the kernel's taps (gather, conv) or the input element
    being scattered; `marks` are upper-plane cells being written now; `weights` are the kernel
    weights drawn at the taps (gather, conv) or at the marks (scatter), None without values.
    `done` is the upper cells finished before this frame; `pending` the output cells still to
    do (neither done nor written now). `upper_values` is what the upper cells hold now (NaN
    where nothing is written yet); `lower_numbers` and `upper_numbers` the numbers shown in
    each cell now (NaN: none). All three are None without values.

    Scatter frames also say their `phase`: "stamp" (the element's products are being added:
    `stamps` holds x·w at each cell it writes, NaN elsewhere), "sum" (they are added), and
    for the crop "uncropped" (every sum, the output boxed by `upper_box`) and "cropped" (the
    output alone; `done` is then the output's cells). With values, `upper_text` is the text
    each upper cell shows (a str array, "" for none; renderers draw it instead of
    `upper_numbers`, which holds the same numbers for those that only show numbers) and
    `upper_notes` a smaller second line under it: "+6" over "3·2" for a stamp, "11" over
    "5+6" for a sum.
    """

    index: int
    lower_box: Box | None
    taps: np.ndarray  # (T, 2) rows, cols
    upper_box: Box | None
    marks: np.ndarray  # (M, 2)
    weights: np.ndarray | None
    done: np.ndarray  # (rows, cols) bool
    pending: np.ndarray  # (rows, cols) bool
    upper_values: np.ndarray | None
    lower_numbers: np.ndarray | None
    upper_numbers: np.ndarray | None
    phase: str | None = None
    stamps: np.ndarray | None = None
    upper_text: np.ndarray | None = None
    upper_notes: np.ndarray | None = None


@dataclass(frozen=True)
class CellStates:
    """What one plane shows in one frame. `keys`: each cell's look, a Role, Mark or Shade
    value (a key of the palette's LOOKS); `active`: the cells under the kernel or written now
    (shaded and outlined); `box`: the kernel's footprint (outlined); `texts`: the text shown
    in each cell ("" for none; None: no text at all), `seconds` a second, smaller text
    ("" for none), drawn as a subscript (a kernel weight at a tap) or, with `notes`, as a line
    under the text (a stamp "+6" over "3·2")."""

    keys: np.ndarray  # (rows, cols) int
    active: np.ndarray  # (rows, cols) bool
    box: Box | None
    texts: np.ndarray | None = None  # (rows, cols) str
    seconds: np.ndarray | None = None  # (rows, cols) str
    notes: bool = False

    def labels(self) -> Iterator[tuple[int, int, str, str | None]]:
        """(row, col, text, second text or None) of every cell that shows a text."""
        if self.texts is None:
            return
        for row, col in zip(*np.nonzero(self.texts != "")):
            second = "" if self.seconds is None else self.seconds[row, col]
            yield int(row), int(col), str(self.texts[row, col]), (str(second) or None)


_CROPPED, _INSERTED = int(Role.CROPPED), int(Role.INSERTED)  # faster to compare than members
_NO_TEXTS: dict[tuple[int, ...], np.ndarray] = {}


def _no_texts(shape: tuple[int, ...]) -> np.ndarray:
    """A new array of `shape` texts, all "" (copied from one kept per shape)."""
    empty = _NO_TEXTS.get(shape)
    if empty is None:
        empty = _NO_TEXTS[shape] = np.full(shape, "", object)
    return empty.copy()


def _cell_states(
    roles: np.ndarray,
    active: np.ndarray,
    box: Box | None,
    pending: np.ndarray | None,
    numbers: np.ndarray | None,
    weights: np.ndarray | None,
    *,
    shades: np.ndarray | None = None,
    written: np.ndarray | None = None,
    texts: np.ndarray | None = None,
    notes: np.ndarray | None = None,
    decimals: int | None = None,
    letters: np.ndarray | None = None,
) -> CellStates:
    """A plane's states from its roles, the kernel's `active` cells (T, 2), the cells still
    `pending` and those `written` before; `weights` go to the active cells as subscripts;
    `shades` (the heatmap's levels) replace the roles' looks; `texts` and `notes` (str arrays)
    replace `numbers`."""
    keys = roles.astype(np.int16) if shades is None else (Shade.LEVEL_0 + shades).astype(np.int16)
    is_active = np.zeros(roles.shape, bool)
    at = tuple(active.T)
    is_active[at] = True
    if written is not None:
        keys[(roles == _CROPPED) & (written | is_active)] = Mark.CROPPED_WRITTEN
    if pending is not None:
        keys[pending] = Mark.PENDING
    if texts is not None:
        return CellStates(keys, is_active, box, texts, notes, notes=True)
    if numbers is None:
        if letters is None or not len(active):
            return CellStates(keys, is_active, box)
        # no values: each cell under the kernel carries its tap's name (an inserted zero
        # keeps its 0, the name as its subscript)
        texts, seconds = _no_texts(roles.shape), _no_texts(roles.shape)
        zero = roles[at] == _INSERTED
        texts[at] = np.where(zero, "0", letters)
        seconds[at] = np.where(zero, letters, "")
        return CellStates(keys, is_active, box, texts, seconds)
    seconds = None
    if weights is not None:
        subs = np.full(roles.shape, np.nan)
        subs[tuple(active.T)] = weights
        seconds = _texts(subs, decimals)
    return CellStates(keys, is_active, box, _texts(numbers, decimals), seconds)
