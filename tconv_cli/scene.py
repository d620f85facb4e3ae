"""Frames as data: what each cell is and where the kernel stands, for every renderer.

A scene has two planes of cells, `lower` (what the kernel slides over) and `upper` (what it
writes), each a 2-d grid: a 1-d layer is one row. Axis 0 of a 2-d layer is rows, axis 1 columns.
Renderers draw the same scene; none of them does arithmetic.

Views:
- **gather** (the default): the zero-inserted input with `d·(k−1) − p_lo` cells before and
  `d·(k−1) − p_hi + op` after each axis; the flipped, dilated kernel slides with stride 1, one
  frame per output cell in raster order. Input elements cropped away by padding beyond
  `d·(k−1)` stay visible, marked CROPPED, outside the grid the kernel visits.
- **scatter**: one frame per input element: its kernel stamp lands on the uncropped output at
  `j·s + t·d`; cells that padding crops are marked CROPPED, output_padding's extra cells
  OUTPUT_PADDING. With values, two frames per element: the stamp (`+x·w` in each cell it
  writes), then the sums. When padding crops, a last frame shows the crop (with values two:
  the uncropped result with the output marked, then the output alone).
- **conv**: the direct convolution: the padded input, the kernel (not flipped) stepping by `s`.
- **overlap**: one still, a heatmap: how many kernel taps reach each output cell, or with
  values the sum of the kernel's weights reaching it (the output for an input of ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import IntEnum

import numpy as np

from . import geometry as g
from .geometry import Axis, Layer


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
    is_active[tuple(active.T)] = True
    if written is not None:
        keys[(roles == Role.CROPPED) & (written | is_active)] = Mark.CROPPED_WRITTEN
    if pending is not None:
        keys[pending] = Mark.PENDING
    if texts is not None:
        return CellStates(keys, is_active, box, texts, notes, notes=True)
    if numbers is None:
        if letters is None or not len(active):
            return CellStates(keys, is_active, box)
        # no values: each cell under the kernel carries its tap's name (an inserted zero
        # keeps its 0, the name as its subscript)
        texts, seconds = np.full(roles.shape, "", object), np.full(roles.shape, "", object)
        zero = roles[tuple(active.T)] == Role.INSERTED
        texts[tuple(active.T)] = np.where(zero, "0", letters)
        seconds[tuple(active.T)] = np.where(zero, letters, "")
        return CellStates(keys, is_active, box, texts, seconds)
    seconds = None
    if weights is not None:
        subs = np.full(roles.shape, np.nan)
        subs[tuple(active.T)] = weights
        seconds = _texts(subs, decimals)
    return CellStates(keys, is_active, box, _texts(numbers, decimals), seconds)


@dataclass(frozen=True)
class Term:
    """One product feeding an upper cell: the lower-plane cell `source` (an input element,
    `x_index` in the input array) times the kernel tap `tap` (row, col of the kernel as drawn;
    `w_index` in the layer's weight array); `x` and `w` their values (None without values)."""

    source: tuple[int, int]
    tap: tuple[int, int]
    x_index: tuple[int, ...]
    w_index: tuple[int, ...]
    x: float | None
    w: float | None

    @property
    def product(self) -> float | None:
        return None if self.x is None else self.x * self.w


@dataclass(frozen=True)
class Provenance:
    """Where an upper cell's value comes from: `terms` summed give `value` (None without
    values); `index` is the cell's index in the layer's output (None: cropped away)."""

    cell: tuple[int, int]
    index: tuple[int, ...] | None
    terms: tuple[Term, ...]
    value: float | None


@dataclass(frozen=True)
class Scene:
    """The frames of one view of one layer.

    Per frame `n`: `windows[n]` is where the kernel's first tap stands, on the lower plane
    (gather, conv) or the upper one (scatter); `cells[n]` the output cell written (gather, conv)
    or the input element scattered (scatter). `offsets` are the taps relative to the window,
    `kernel` the weights drawn at them (flipped for gather). `titles` name the lower and upper
    planes, `legend` the kinds of cells shown; the kernel's weights are drawn on the plane
    `kernel_plane`; `shades`: the upper plane is a heatmap (overlap), each cell's step of
    the ramp (a `Shade.level`), keyed in the legend. `kernels`
    are the kernels shown beside the planes: the kernel and, where the view flips it (gather),
    the flipped kernel it slides; none in the overlap view.
    """

    view: str
    layer: Layer
    lower: Plane | None
    upper: Plane
    caption: str
    titles: tuple[str | None, str]
    legend: tuple[LegendEntry, ...]
    kernel: np.ndarray | None  # 2-d
    offsets: np.ndarray  # (T, 2)
    windows: np.ndarray  # (F, 2); scatter: per input element
    cells: np.ndarray  # (F, 2); scatter: per input element
    shades: np.ndarray | None = None  # (rows, cols) int: the overlap heatmap's steps
    kernels: tuple[Kernel, ...] = ()
    explanation: str = ""  # what the grid is: padding, crop, zeros, output_padding, in words
    decimals: int | None = None  # the one number format of the figure (`decimals_for`)
    selection: tuple[int, ...] | None = None  # the frames shown (`select`); None: all

    @property
    def all_frames(self) -> int:
        """The frames of the view, whatever `selection` shows."""
        return frame_count(self.layer, self.view, self.values)

    def source(self, n: int) -> int:
        """The view's frame that frame `n` shown is (they differ when frames are selected)."""
        return n if self.selection is None else self.selection[n]

    @property
    def values(self) -> bool:
        """Whether the scene has values (numbers in the cells)."""
        return self.upper.values is not None

    @property
    def kernel_plane(self) -> str:
        return "upper" if self.view == "scatter" else "lower"

    @property
    def frame_count(self) -> int:
        return self.all_frames if self.selection is None else len(self.selection)

    def __iter__(self) -> Iterator[Frame]:
        return (self.frame(n) for n in range(self.frame_count))

    def states(self, frame: Frame) -> dict[str, CellStates]:
        """What each plane shows in `frame`, by name ("lower", "upper"): every renderer
        (raster, SVG, the HTML player) draws these and decides nothing more."""
        weights = {self.kernel_plane: frame.weights}
        letters = {self.kernel_plane: self.tap_letters} if self.view != "overlap" else {}
        upper_letters = letters.get("upper") if frame.phase in (None, "stamp") else None
        shown = {
            "upper": _cell_states(
                self.upper.roles,
                frame.marks,
                frame.upper_box,
                frame.pending,
                frame.upper_numbers,
                weights.get("upper"),
                shades=self.shades,
                written=frame.done,
                texts=frame.upper_text,
                notes=frame.upper_notes,
                decimals=self.decimals,
                letters=upper_letters,
            )
        }
        if self.lower is not None:
            shown["lower"] = _cell_states(
                self.lower.roles,
                frame.taps,
                frame.lower_box,
                None,
                frame.lower_numbers,
                weights.get("lower"),
                decimals=self.decimals,
                letters=letters.get("lower"),
            )
        return shown

    @property
    def tap_letters(self) -> np.ndarray | None:
        """The name of each of the kernel's taps in the order of `offsets`, as the kernel the
        view slides names them (flip(W) for gather: i … a); None without kernels."""
        used = [k for k in self.kernels if k.used]
        return used[0].taps.ravel() if used else None

    def frame(self, n: int) -> Frame:
        if not 0 <= n < self.frame_count:
            raise IndexError(f"frame {n} of a scene of {self.frame_count}")
        n = self.source(n)
        weights = None if self.kernel is None else self.kernel.ravel()
        if self.view == "overlap":
            empty = np.zeros((0, 2), int)
            none = np.zeros(self.upper.shape, bool)
            return Frame(
                0,
                None,
                empty,
                None,
                empty,
                None,
                ~none,
                none,
                self.upper.values,
                None,
                self.upper.values,
            )
        if self.view == "scatter":
            return self._scatter_frame(n)
        window, cell = self.windows[n], self.cells[n]
        box = Box(*(int(v) for v in (*window, *(window + self.offsets[-1] + 1))))
        done = (np.arange(self.upper.roles.size) < n).reshape(self.upper.shape)
        upper = None
        if self.upper.values is not None:
            upper = np.where(done, self.upper.values, np.nan)
            upper[tuple(cell)] = self.upper.values[tuple(cell)]
        taps, marks, lower_box, upper_box = window + self.offsets, cell[None], box, None
        now = np.zeros(self.upper.shape, bool)
        now[tuple(marks.T)] = True
        pending = (self.upper.roles == Role.OUTPUT) & ~done & ~now
        return Frame(
            n,
            lower_box,
            taps,
            upper_box,
            marks,
            weights,
            done,
            pending,
            upper,
            self._shown(self.lower, taps),
            self._shown_upper(upper, now),
        )

    def _scatter_frame(self, n: int) -> Frame:
        """Frame n of the scatter view: input element n (or, with values, n // 2: its stamp,
        then its sums), then the crop."""
        per = 2 if self.values else 1
        element, step = divmod(n, per)
        weights = None if self.kernel is None else self.kernel.ravel()
        stamped = (self.windows[:element, None, :] + self.offsets).reshape(-1, 2)
        done = np.zeros(self.upper.shape, bool)
        done[tuple(stamped.T)] = True
        cropped = self.upper.roles == Role.CROPPED
        empty = np.zeros((0, 2), int)
        if element == len(self.cells):  # every stamp is in: the crop
            phase = "uncropped" if step < per - 1 else "cropped"
            kept = np.argwhere(~cropped)
            box = Box(*(int(v) for v in (*kept.min(axis=0), *(kept.max(axis=0) + 1))))
            if phase == "cropped":
                done &= ~cropped
            sums = None if not self.values else _scattered(self, element - 1)
            shown = None if sums is None else np.where(done | ~cropped, sums, np.nan)
            text = None if sums is None else _texts(shown, self.decimals)
            return Frame(
                n,
                None,
                empty,
                box,
                empty,
                None,
                done,
                np.zeros_like(done),
                sums,
                self._shown(self.lower, empty),
                shown,
                phase,
                None,
                text,
                None if text is None else np.full(text.shape, "", object),
            )
        window, cell = self.windows[element], self.cells[element]
        box = Box(*(int(v) for v in (*window, *(window + self.offsets[-1] + 1))))
        marks = window + self.offsets
        now = np.zeros(self.upper.shape, bool)
        now[tuple(marks.T)] = True
        pending = (self.upper.roles == Role.OUTPUT) & ~done & ~now
        taps = cell[None]
        if not self.values:
            return Frame(
                n, None, taps, box, marks, weights, done, pending, None, None, None, "stamp"
            )
        before = _scattered(self, element - 1)
        stamps = np.full(self.upper.shape, np.nan)
        source = self.lower.values[tuple(cell)]
        stamps[tuple(marks.T)] = source * weights
        notes = np.full(self.upper.shape, "", object)
        if step == 0:  # the stamp: +x·w where it lands, the sums so far elsewhere
            phase, upper = "stamp", before
            shown = np.where(now, stamps, before)
            text = _texts(before, self.decimals)
            for (r, c), product, weight in zip(marks, stamps[tuple(marks.T)], weights):
                text[r, c] = _signed(product, self.decimals)
                notes[r, c] = (
                    f"{number_text(source, self.decimals)}·{_factor(weight, self.decimals)}"
                )
        else:  # the sums: what each cell it wrote holds now
            phase, upper = "sum", _scattered(self, element)
            shown = upper
            text = _texts(upper, self.decimals)
            for (r, c), product in zip(marks, stamps[tuple(marks.T)]):
                if not np.isnan(before[r, c]):
                    notes[r, c] = number_text(before[r, c], self.decimals) + _signed(
                        product, self.decimals
                    )
        return Frame(
            n,
            None,
            taps,
            box,
            marks,
            weights,
            done,
            pending,
            upper,
            self._shown(self.lower, taps),
            shown,
            phase,
            stamps,
            text,
            notes,
        )

    @staticmethod
    def _shown(plane: Plane, taps: np.ndarray) -> np.ndarray | None:
        """The lower plane's numbers: the input's values, and whatever is under the kernel."""
        if plane.values is None:
            return None
        shown = np.where(plane.roles == Role.INPUT, plane.values, np.nan)
        shown[tuple(taps.T)] = plane.values[tuple(taps.T)]
        return shown

    def _shown_upper(self, values: np.ndarray | None, now: np.ndarray) -> np.ndarray | None:
        """The upper plane's numbers: written cells, except those padding crops (unless the
        kernel writes them now): a cropped cell reads as cropped."""
        if values is None:
            return None
        return np.where((self.upper.roles != Role.CROPPED) | now, values, np.nan)


def provenance(scene: Scene) -> dict[tuple[int, int], Provenance]:
    """Each upper cell's inputs and kernel taps, computed once for every renderer: the input
    elements (lower cells) whose products with a tap of the kernel are summed into it. Cells no
    input reaches have no terms; the overlap view (no lower plane) has none at all."""
    if scene.lower is None:
        return {}
    if getattr(scene, "full", None) is not None:  # a window: the cells it shows, moved
        (lr, lc), (ur, uc) = scene.origins
        rows, cols = scene.upper.shape
        found = {}
        for (r, c), p in provenance(scene.full).items():
            if 0 <= r - ur < rows and 0 <= c - uc < cols:
                terms = tuple(
                    replace(t, source=(t.source[0] - lr, t.source[1] - lc)) for t in p.terms
                )
                if all(
                    0 <= t.source[0] < scene.lower.shape[0]
                    and 0 <= t.source[1] < scene.lower.shape[1]
                    for t in terms
                ):
                    found[(r - ur, c - uc)] = replace(p, cell=(r - ur, c - uc), terms=terms)
        return found
    layer, rank = scene.layer, len(scene.layer)
    kernel_sizes = [a.kernel for a in layer]
    taps = _pairs(_raster(kernel_sizes))
    w_index = _raster(kernel_sizes)
    if scene.view == "gather":  # the drawn kernel is flip(w)
        w_index = np.array(kernel_sizes) - 1 - w_index
    lower_origin = {
        "gather": lambda a: _gather_axis(a)[1],
        "conv": lambda a: _conv_axis(a)[1],
        "scatter": lambda a: 0,
    }[scene.view]
    lower_origins = np.array([lower_origin(a) for a in layer])
    lower_steps = np.array([a.stride if scene.view == "gather" else 1 for a in layer])
    upper_origins = np.array(
        [_scatter_axis(a)[1] + a.pad_lo if scene.view == "scatter" else 0 for a in layer]
    )
    x_values = scene.lower.values
    kernel = None if scene.kernel is None else scene.kernel.ravel()
    terms: dict[tuple[int, int], list[Term]] = {}
    for window, cell in zip(scene.windows, scene.cells):  # each step of the kernel
        cell = (int(cell[0]), int(cell[1]))
        under = [(int(r), int(c)) for r, c in window + scene.offsets]
        if scene.view == "scatter":
            pairs = [(cell, upper, t) for t, upper in enumerate(under)]
        else:
            pairs = [
                (source, cell, t)
                for t, source in enumerate(under)
                if scene.lower.roles[source] == Role.INPUT
            ]
        for source, upper, t in pairs:
            x = None if x_values is None else float(x_values[source])
            w = None if kernel is None else float(kernel[t])
            index = (np.array(source[-rank:]) - lower_origins) // lower_steps
            terms.setdefault(upper, []).append(
                Term(
                    source,
                    tuple(int(v) for v in taps[t]),
                    tuple(int(v) for v in index),
                    tuple(int(v) for v in w_index[t]),
                    x,
                    w,
                )
            )
    totals = scene.upper.values
    if scene.view == "scatter" and totals is not None:
        totals = _scattered(scene, scene.all_frames - 1)
    found = {}
    for upper in np.ndindex(scene.upper.shape):
        index = np.array(upper[-rank:]) - upper_origins
        inside = scene.upper.roles[upper] != Role.CROPPED
        value = None if totals is None or np.isnan(totals[upper]) else float(totals[upper])
        if value is None and totals is not None:
            value = 0.0  # no stamp reached it: nothing is summed
        found[upper] = Provenance(
            upper,
            tuple(int(v) for v in index) if inside else None,
            tuple(terms.get(upper, ())),
            value,
        )
    return found


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


MINUS = "\u2212"  # a true minus sign: "-" reads as a dot in a small subscript
MAX_DECIMALS = 3


def number_text(value: float, decimals: int | None = None) -> str:
    """A value as printed in a cell, with a true minus: 3, −2, 5.5, 0.333; with `decimals`
    (a figure's one format, `decimals_for`), that many: 3.00 beside 12.25."""
    value = float(value)
    if decimals is not None:
        body = f"{abs(value):.{decimals}f}"
    elif value.is_integer() and abs(value) < 1e6:
        body = str(int(abs(value)))
    else:
        body = f"{abs(value):.3g}"
    return (MINUS if value < 0 and body.strip("0.") else "") + body


def decimals_for(*arrays) -> int | None:
    """The one number format of a figure showing `arrays`: the fewest decimals (at most
    MAX_DECIMALS) that print every value exactly; None without values."""
    values = np.concatenate(
        [np.ravel(np.asarray(a, float)) for a in arrays if a is not None] or [np.zeros(0)]
    )
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    for decimals in range(MAX_DECIMALS + 1):
        scaled = values * 10**decimals
        if np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1, np.abs(scaled))):
            return decimals
    return MAX_DECIMALS


def _signed(value: float, decimals: int | None = None) -> str:
    """A term of a sum: +6, −2."""
    return (MINUS if value < 0 else "+") + number_text(abs(value), decimals)


def _factor(value: float, decimals: int | None = None) -> str:
    """A factor after "·": 2, (−2)."""
    text = number_text(value, decimals)
    return f"({text})" if value < 0 else text


def _texts(numbers: np.ndarray, decimals: int | None = None) -> np.ndarray:
    """Each number as a cell's text ("" for NaN); each distinct value formatted once."""
    text = np.full(numbers.shape, "", object)
    shown = ~np.isnan(numbers)
    if shown.any():
        values, inverse = np.unique(numbers[shown], return_inverse=True)
        text[shown] = np.array([number_text(v, decimals) for v in values], object)[inverse.ravel()]
    return text


def build(
    layer: Layer, view: str = "gather", x: np.ndarray | None = None, w: np.ndarray | None = None
) -> Scene:
    """The scene of a 1-d or 2-d layer; with `x` and `w` (spatial, one channel) the values too.

    The layer must be valid for the view (`check_transposed`, or `check_conv` for "conv").
    """
    if len(layer) not in (1, 2):
        raise ValueError("scenes are 1-d or 2-d")
    if (x is None) != (w is None):
        raise ValueError("give both x and w, or neither")
    return _said(_BUILDERS[view](layer, x, w), x, w)


# ---------------------------------------------------------------------------------------------
# Per-axis roles. Each returns (roles, origin): origin is the plane index of coordinate 0 of
# the view's own coordinates (zero-inserted input for gather, uncropped output for scatter).


def axis_roles(a: Axis) -> np.ndarray:
    """The role of each position of one axis of the gather grid (no cropped cells)."""
    z = np.arange(a.grid_length) - a.frame_lo  # position in the zero-inserted input
    return _gather_roles_at(a, z)


def _gather_roles_at(a: Axis, z: np.ndarray) -> np.ndarray:
    roles = np.full(z.shape, Role.PADDING, dtype=np.int8)
    inside = (z >= 0) & (z < a.zero_inserted)
    roles[inside] = np.where(z[inside] % a.stride == 0, Role.INPUT, Role.INSERTED)
    # output_padding's cells come last; when padding crops the end, they may be cropped too
    roles[z >= a.zero_inserted + max(0, a.frame_hi - a.output_padding)] = Role.OUTPUT_PADDING
    return roles


def grid_roles(layer: Layer) -> np.ndarray:
    """The role of every cell of the N-d gather grid (what `numeric.zero_insert_and_pad` gives)."""
    return _combine([axis_roles(a) for a in layer])


def _gather_span(a: Axis) -> tuple[int, int]:
    """The gather plane along one axis, in zero-inserted coordinates: the grid plus any
    cropped part of the zero-inserted input."""
    return min(-a.frame_lo, 0), max(a.zero_inserted, a.grid_length - a.frame_lo)


def _scatter_span(a: Axis) -> tuple[int, int]:
    """The scatter plane along one axis, in uncropped-output coordinates."""
    return min(0, a.pad_lo), max(a.full, a.pad_lo + a.output)


def plane_shapes(layer: Layer, view: str) -> list[tuple[int, int] | None]:
    """The (rows, cols) of the lower and upper planes of a view, without building it (to
    refuse a picture too large before any array is made)."""

    def length(span: tuple[int, int]) -> int:
        return span[1] - span[0]

    lower = {
        "gather": [length(_gather_span(a)) for a in layer],
        "scatter": [a.size for a in layer],
        "conv": [a.size + a.pad_lo + a.pad_hi for a in layer],
        "overlap": None,
    }[view]
    upper = (
        [length(_scatter_span(a)) for a in layer]
        if view == "scatter"
        else frame_sizes(layer, "gather" if view == "overlap" else view)
    )
    return [
        None if sizes is None else (1, sizes[0]) if len(sizes) == 1 else tuple(sizes)
        for sizes in (lower, upper)
    ]


def _gather_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Gather plane along one axis: the grid plus any cropped part of the zero-inserted input."""
    first, last = _gather_span(a)
    z = np.arange(first, last)
    roles = _gather_roles_at(a, z)
    in_grid = (z >= -a.frame_lo) & (z < a.grid_length - a.frame_lo)
    roles[~in_grid] = Role.CROPPED
    return roles, -first


def _scatter_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Uncropped output along one axis: q = j·s + t·d; the layer's output is q ∈ [p_lo, p_lo+o)."""
    first, last = _scatter_span(a)
    q = np.arange(first, last)
    roles = np.full(q.shape, Role.CROPPED, dtype=np.int8)
    in_output = (q >= a.pad_lo) & (q < a.pad_lo + a.output)
    roles[in_output] = Role.OUTPUT
    roles[in_output & (q >= a.full)] = Role.OUTPUT_PADDING
    return roles, -first


def _conv_axis(a: Axis) -> tuple[np.ndarray, int]:
    """Padded input of the direct convolution along one axis."""
    n = np.arange(-a.pad_lo, a.size + a.pad_hi)
    roles = np.where((n >= 0) & (n < a.size), Role.INPUT, Role.PADDING).astype(np.int8)
    return roles, a.pad_lo


def _combine(per_axis: list[np.ndarray]) -> np.ndarray:
    """N-d roles from per-axis ones, as a 2-d plane (a 1-d layer is one row)."""
    roles = np.zeros((), dtype=np.int8)
    for axis in per_axis:
        roles = np.maximum(roles[..., None], axis)
    return roles.reshape(1, -1) if roles.ndim == 1 else roles


def _as_2d(array: np.ndarray) -> np.ndarray:
    return array.reshape(1, -1) if array.ndim == 1 else array


def _pairs(points: np.ndarray) -> np.ndarray:
    """(n, rank) points as (n, 2) rows and columns: a 1-d layer's points lie on row 0."""
    return np.column_stack([np.zeros(len(points), int), points]) if points.shape[1] == 1 else points


def _raster(sizes: list[int]) -> np.ndarray:
    """Every cell of a grid in raster order, (n, rank)."""
    return np.indices(sizes).reshape(len(sizes), -1).T


def _offsets(layer: Layer) -> np.ndarray:
    """(T, 2) offsets of the kernel's taps, `t·d`, in raster order of the kernel."""
    return _pairs(_raster([a.kernel for a in layer]) * [a.dilation for a in layer])


# ---------------------------------------------------------------------------------------------
# Builders.


def _values(layer: Layer, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    from . import numeric

    return _as_2d(numeric.conv_transpose(x[None], w[None, None], layer)[0].astype(float))


def _build_gather(layer: Layer, x, w) -> Scene:
    axes = [_gather_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        from . import numeric

        lower_values = np.zeros([len(roles) for roles, _ in axes])
        # the zero-inserted input at its place in the plane, cropped elements included
        places = tuple(
            slice(origin, origin + a.zero_inserted, a.stride) for a, (_, origin) in zip(layer, axes)
        )
        lower_values[places] = x
        lower_values = _as_2d(lower_values)
        upper_values = _values(layer, x, w)
        kernel = _as_2d(numeric.flip(w).astype(float))
    cells = _raster([a.output for a in layer])
    # output cell q's window starts at grid position q, i.e. after any cropped cells
    first = [origin - a.frame_lo for a, (_, origin) in zip(layer, axes)]
    return Scene(
        view="gather",
        layer=layer,
        **_words(
            "gather",
            Plane(_combine([roles for roles, _ in axes]), lower_values),
            Plane(_output_roles([a.output for a in layer]), upper_values),
        ),
        caption=_caption(layer, "gather"),
        kernel=kernel,
        offsets=_offsets(layer),
        windows=_pairs(cells + first),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, True),
    )


def _build_conv(layer: Layer, x, w) -> Scene:
    axes = [_conv_axis(a) for a in layer]
    lower_values = upper_values = kernel = None
    if x is not None:
        lower_values = np.zeros([len(roles) for roles, _ in axes])
        lower_values[tuple(slice(o, o + a.size) for a, (_, o) in zip(layer, axes))] = x
        lower_values = _as_2d(lower_values)
        from . import numeric

        upper_values = _as_2d(numeric.conv(x, w, layer).astype(float))
        kernel = _as_2d(w.astype(float))
    cells = _raster([a.conv_output for a in layer])
    return Scene(
        view="conv",
        layer=layer,
        **_words(
            "conv",
            Plane(_combine([roles for roles, _ in axes]), lower_values),
            Plane(_output_roles([a.conv_output for a in layer]), upper_values),
        ),
        caption=_caption(layer, "conv"),
        kernel=kernel,
        offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer]),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, False),
    )


def _build_scatter(layer: Layer, x, w) -> Scene:
    axes = [_scatter_axis(a) for a in layer]
    roles = _combine([r for r, _ in axes])
    cells = _raster([a.size for a in layer])
    words = _words(
        "scatter",
        Plane(
            _output_roles([a.size for a in layer], Role.INPUT),
            None if x is None else _as_2d(x.astype(float)),
        ),
        Plane(roles, None if x is None else np.full(roles.shape, np.nan)),
    )
    if x is not None:  # the stamp's cells read "+x·w"
        words["legend"] = tuple(
            LegendEntry(e.key, "stamp +x·w") if e.key is Mark.NOW else e for e in words["legend"]
        )
    return Scene(
        view="scatter",
        layer=layer,
        **words,
        caption=_caption(layer, "scatter"),
        kernel=None if w is None else _as_2d(w.astype(float)),
        offsets=_offsets(layer),
        windows=_pairs(cells * [a.stride for a in layer] + [o for _, o in axes]),
        cells=_pairs(cells),
        kernels=_kernels(layer, w, False),
    )


def _build_overlap(layer: Layer, x, w) -> Scene:
    """Kernel taps per output cell; with values, the sum of the kernel's weights reaching each
    cell (the output for an input of ones: what a constant input comes out as)."""
    counts = np.ones((), dtype=float)
    for a in layer:
        line = np.array([g.taps_at(a, o + a.pad_lo) for o in range(a.output)], dtype=float)
        counts = counts[..., None] * line
    empty = np.zeros((0, 2), int)
    pattern = (
        "uneven inside: a checkerboard"
        if any(g.overlap(a).uneven for a in layer)
        else ("even inside")
    )
    shown = _as_2d(counts)
    if w is None:
        caption = (
            f"{g.constructor(layer)}: {counts.min():g} to {counts.max():g} kernel taps "
            f"per output cell, {pattern}"
        )
        unit = ("tap", "taps")
    else:
        shown = _values(layer, np.ones([a.size for a in layer]), w)
        caption = (
            f"{g.constructor(layer)}: an input of ones gives "
            f"{number_text(shown.min())} to {number_text(shown.max())} per output "
            "cell, the sum of the kernel's weights that reach it"
        )
        unit = None
    shades, keys = _shades(shown, unit)
    words = _words("overlap", None, Plane(_output_roles([a.output for a in layer]), shown))
    if w is not None:
        words["titles"] = (None, "sum of the weights reaching each output cell")
    words["legend"] += keys
    return Scene(
        view="overlap",
        layer=layer,
        **words,
        caption=caption,
        kernel=None if w is None else _as_2d(w.astype(float)),
        offsets=empty,
        windows=empty,
        cells=empty,
        shades=shades,
    )


def build_map(counts: list[np.ndarray], caption: str) -> Scene:
    """The overlap heatmap of a whole stack: per axis the contributions each output cell gets
    (`network.overlap_counts`); a cell of a 2-d output gets the product of its axes' counts.
    Its `layer` is a stand-in whose output has the map's shape (for sizes and budgets)."""
    values = np.ones(())
    for line in counts:
        values = values[..., None] * np.asarray(line, dtype=float)
    values = _as_2d(values)
    layer = tuple(Axis(len(line), 1, 1, 0, 0) for line in counts)
    shades, keys = _shades(values, ("contribution", "contributions"))
    words = _words("overlap", None, Plane(_output_roles([len(line) for line in counts]), values))
    words["titles"] = (None, "input contributions per output cell")
    words["legend"] += keys
    empty = np.zeros((0, 2), int)
    return Scene(
        view="overlap",
        layer=layer,
        **words,
        caption=caption,
        kernel=None,
        offsets=empty,
        windows=empty,
        cells=empty,
        shades=shades,
    )


def _shades(values: np.ndarray, unit: tuple[str, str] | None):
    """The heatmap's step of each cell and the legend of the steps used: each distinct value
    its own step, spread over the ramp (so 1 and 2 taps lie far apart), or with more values
    than steps, equal ranges of values. `unit`: names of one and many ("tap", "taps")."""
    distinct = np.unique(values)
    if len(distinct) <= SHADES:
        spread = (
            np.array([(SHADES - 1) // 2])
            if len(distinct) == 1
            else np.rint(np.arange(len(distinct)) * (SHADES - 1) / (len(distinct) - 1))
        )
        levels = spread.astype(int)[np.searchsorted(distinct, values)]
        names = [
            number_text(v) + ("" if unit is None else f" {unit[int(v != 1)]}") for v in distinct
        ]
        return levels, tuple(
            LegendEntry(Shade.at(level), name) for level, name in zip(spread, names)
        )
    low, high = distinct[0], distinct[-1]
    levels = np.minimum(((values - low) / (high - low) * SHADES).astype(int), SHADES - 1)
    keys = []
    for k in range(SHADES):
        inside = values[levels == k]
        if inside.size:  # named by the values it holds
            name = number_text(inside.min()) + (
                "" if inside.min() == inside.max() else f" to {number_text(inside.max())}"
            )
            keys.append(LegendEntry(Shade.at(k), name + ("" if unit is None else f" {unit[1]}")))
    return levels, tuple(keys)


def tap_names(count: int) -> list[str]:
    """Names for `count` kernel taps in raster order: a, b, …, z, then aa, ab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    names, width = [], 1
    while len(names) < count:
        names += [
            "".join(letters[n // 26**i % 26] for i in reversed(range(width)))
            for n in range(min(26**width, count - len(names)))
        ]
        width += 1
    return names


def _kernels(layer: Layer, w: np.ndarray | None, flipped: bool) -> tuple[Kernel, ...]:
    """The kernel beside the planes and, when the view slides it `flipped`, the flipped one
    (the one used): its taps in reverse order along every axis."""
    from . import numeric

    sizes = [a.kernel for a in layer]
    taps = _as_2d(np.array(tap_names(int(np.prod(sizes)))).reshape(sizes))
    values = None if w is None else _as_2d(np.asarray(w, float))
    kernel = Kernel("kernel W", values, taps, used=not flipped)
    if not flipped:
        return (kernel,)
    return kernel, Kernel(
        "flip(W)",
        None if w is None else _as_2d(numeric.flip(np.asarray(w, float))),
        _as_2d(np.flip(taps.reshape(sizes))),
        used=True,
    )


def _output_roles(sizes: list[int], role: Role = Role.OUTPUT) -> np.ndarray:
    return _as_2d(np.full(sizes, role, np.int8))


def _scattered(scene: Scene, n: int) -> np.ndarray:
    """The upper plane after input elements 0…n have stamped `value × kernel` on it (NaN where
    no stamp reached yet): the transposed convolution of those elements alone, uncropped."""
    from . import numeric

    layer = scene.layer
    rank = len(layer)
    x = scene.lower.values.reshape([a.size for a in layer]).copy()
    x.reshape(-1)[n + 1 :] = 0  # the elements still to come
    origins = scene.windows[0][-rank:]  # where the uncropped output's position 0 lies
    lengths = scene.upper.shape[-rank:]
    plane = tuple(  # the whole plane as the output: pads crop (or add) up to its ends
        replace(a, pad_lo=-int(o), pad_hi=a.full + int(o) - length, output_padding=0)
        for a, o, length in zip(layer, origins, lengths)
    )
    sums = _as_2d(
        numeric.conv_transpose(
            x[None], scene.kernel.reshape([a.kernel for a in layer])[None, None], plane
        )[0]
    )
    places = (scene.windows[: n + 1, None, :] + scene.offsets).reshape(-1, 2)
    touched = np.zeros(scene.upper.shape, bool)
    touched[tuple(places.T)] = True
    return np.where(touched, sums, np.nan)


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
    lower_roles = set() if lower is None else set(np.unique(lower.roles).tolist())
    upper_roles = set(np.unique(upper.roles).tolist())
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


_BUILDERS = {
    "gather": _build_gather,
    "conv": _build_conv,
    "scatter": _build_scatter,
    "overlap": _build_overlap,
}


# ---------------------------------------------------------------------------------------------
# What a figure says beyond its cells: the geometry in words, the running sum, the number
# format, and which frames are shown. Decided here once for every renderer.


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
    return f"{n} cell{'s' * (n != 1)}"


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
            words.append(f"stride {stride}: {stride - 1} zero{'s' * (stride > 2)} between inputs")
        words.append(_padding_words(a, rank, same_axes))
        if a.dilation > 1:
            words.append(f"dilation {a.dilation}: the kernel's taps {a.dilation} apart")
        if a.output_padding:
            words.append(
                f"output_padding {a.output_padding}: {a.output_padding} more "
                f"{line}{'s' * (a.output_padding > 1)} {at}"
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
                f"{line}{'s' * (a.output_padding > 1)} {at}"
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


# ---------------------------------------------------------------------------------------------
# A window of a large grid: the cells around the kernel, with their position said.

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
