"""The frame model: a `Scene`, the frames of one view of one layer, and what each of its
frames shows (`Scene.frame`, `Scene.states`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ..geometry import Layer
from .axes import (
    _as_2d,
)
from .cells import (
    Box,
    CellStates,
    Frame,
    Kernel,
    LegendEntry,
    Plane,
    Role,
    _cell_states,
)
from .counts import frame_count
from .numbers import _factor, _signed, _texts, number_text


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

    @cached_property
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

    @cached_property
    def frame_count(self) -> int:
        return self.all_frames if self.selection is None else len(self.selection)

    def _footprint(self, window: np.ndarray) -> Box:
        """The kernel's footprint with its first tap at `window`."""
        return Box(*window.tolist(), *(window + self.offsets[-1] + 1).tolist())

    @cached_property
    def _outputs(self) -> np.ndarray:
        """The upper plane's output cells (those a gather or conv frame may leave pending)."""
        return self.upper.roles == Role.OUTPUT

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
        box = self._footprint(window)
        done = (np.arange(self.upper.roles.size) < n).reshape(self.upper.shape)
        upper = None
        if self.upper.values is not None:
            upper = np.where(done, self.upper.values, np.nan)
            upper[tuple(cell)] = self.upper.values[tuple(cell)]
        taps, marks, lower_box, upper_box = window + self.offsets, cell[None], box, None
        now = np.zeros(self.upper.shape, bool)
        now[tuple(marks.T)] = True
        pending = self._outputs & ~(done | now)
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
        box = self._footprint(window)
        marks = window + self.offsets
        now = np.zeros(self.upper.shape, bool)
        now[tuple(marks.T)] = True
        pending = self._outputs & ~(done | now)
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


def _scattered(scene: Scene, n: int) -> np.ndarray:
    """The upper plane after input elements 0…n have stamped `value × kernel` on it (NaN where
    no stamp reached yet): the transposed convolution of those elements alone, uncropped."""
    from .. import numeric

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
