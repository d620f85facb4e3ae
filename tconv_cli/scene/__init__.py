"""Frames as data: what each cell is and where the kernel stands, for every renderer.

A scene has two planes of cells, `lower` (what the kernel slides over) and `upper` (what it
writes), each a 2-d grid: a 1-d layer is one row. Axis 0 of a 2-d layer is rows, axis 1 columns.
Renderers draw the same scene; none of them does arithmetic. The views are described in
`builders`. The package's modules, each one job:

- `numbers`: numbers as a figure prints them (`number_text`, `decimals_for`)
- `cells`: cell states and looks (`Role`, `Mark`, `Shade`, `Plane`, `Kernel`, `Frame`,
  `CellStates`)
- `counts`: how many frames a view has, without building it (`frame_count`)
- `axes`: per-axis roles and the planes' shapes (`grid_roles`, `plane_shapes`)
- `frames`: the frame model (`Scene`, `Scene.frame`, `Scene.states`)
- `provenance`: each output cell's inputs and taps (`provenance`)
- `texts`: titles, legend, caption, the geometry in words (`explain`), the running sum
  (`sum_text`)
- `builders`: a layer as the frames of one view (`build`, `build_map`)
- `selection`: which frames are shown (`select`, `frames_selected`)
- `windows`: windows of large grids (`windowed`), moving with an animation's frames
  (`MovingWindows`)

The names below are re-exported so that callers write `scene.X`.
"""

from .axes import axis_roles, grid_roles, plane_shapes
from .builders import _shades, build, build_map, tap_names
from .cells import SHADES, Box, CellStates, Frame, Kernel, LegendEntry, Mark, Plane, Role, Shade
from .counts import crops, frame_count, frame_sizes, frames_described
from .frames import Scene
from .numbers import MAX_DECIMALS, MINUS, decimals_for, number_text
from .provenance import Provenance, Term, provenance
from .selection import frames_selected, select
from .texts import MAX_TERMS, explain, sum_text, sum_texts
from .windows import (
    WINDOW,
    WINDOW_BEYOND,
    WINDOW_MARGIN,
    WINDOW_ROOM,
    MovingWindows,
    Windowed,
    measured,
    window_length,
    windowed,
)

__all__ = [
    "MAX_DECIMALS",
    "MAX_TERMS",
    "MINUS",
    "SHADES",
    "WINDOW",
    "WINDOW_BEYOND",
    "WINDOW_MARGIN",
    "WINDOW_ROOM",
    "Box",
    "CellStates",
    "Frame",
    "Kernel",
    "LegendEntry",
    "Mark",
    "MovingWindows",
    "Plane",
    "Provenance",
    "Role",
    "Scene",
    "Shade",
    "Term",
    "Windowed",
    "_shades",
    "axis_roles",
    "build",
    "build_map",
    "crops",
    "decimals_for",
    "explain",
    "frame_count",
    "frame_sizes",
    "frames_described",
    "frames_selected",
    "grid_roles",
    "measured",
    "number_text",
    "plane_shapes",
    "provenance",
    "select",
    "sum_text",
    "sum_texts",
    "tap_names",
    "window_length",
    "windowed",
]
