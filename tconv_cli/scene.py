"""What each cell of the gather view is: renderer-agnostic data for the terminal and pictures.

The gather view of a transposed convolution is the zero-inserted input with `d·(k−1) − p_lo`
cells before and `d·(k−1) − p_hi + op` after each axis; the flipped kernel slides over it with
stride 1.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from .geometry import Axis, Layer


class Role(IntEnum):
    """A cell of the gather grid; when axes disagree, the larger value wins."""

    INPUT = 0
    INSERTED = 1  # a zero put between input elements (stride)
    PADDING = 2  # a zero added around the input (d·(k−1) − p)
    OUTPUT_PADDING = 3  # a zero added at the high end by output_padding


def axis_roles(a: Axis) -> np.ndarray:
    """The role of each position of one axis of the gather grid."""
    z = np.arange(a.grid_length) - a.frame_lo  # position in the zero-inserted input
    roles = np.full(z.shape, Role.PADDING, dtype=np.int8)
    inside = (z >= 0) & (z < a.zero_inserted)
    roles[inside] = np.where(z[inside] % a.stride == 0, Role.INPUT, Role.INSERTED)
    # output_padding's cells come last; when padding crops the end, they may be cropped too
    roles[z >= a.zero_inserted + max(0, a.frame_hi - a.output_padding)] = Role.OUTPUT_PADDING
    return roles


def grid_roles(layer: Layer) -> np.ndarray:
    """The role of every cell of the N-d gather grid."""
    roles = np.zeros((), dtype=np.int8)
    for a in layer:
        roles = np.maximum(roles[..., None], axis_roles(a))
    return roles
