"""Scenes: roles, kernel positions and frame counts, and every frame checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import torch_conv_transpose, transposed_layers
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tconv_cli import geometry as g
from tconv_cli.geometry import Axis
from tconv_cli.scene import Role, build, frame_count

IN, OUT, Z, P, OP, X = (
    Role.INPUT,
    Role.OUTPUT,
    Role.INSERTED,
    Role.PADDING,
    Role.OUTPUT_PADDING,
    Role.CROPPED,
)


def test_the_classic_figure():
    """conv_arithmetic's padding_strides_transposed: 7×7 grid, input at 1, 3, 5, 25 frames."""
    scene = build((Axis(3, 3, 2, 1, 1),) * 2)
    assert scene.lower.shape == (7, 7) and scene.upper.shape == (5, 5)
    assert scene.frame_count == 25
    assert [tuple(map(int, c)) for c in np.argwhere(scene.lower.roles == IN)] == [
        (r, c) for r in (1, 3, 5) for c in (1, 3, 5)
    ]
    assert (scene.lower.roles[0] == P).all() and (scene.lower.roles[:, 6] == P).all()
    assert scene.lower.roles[2, 2] == Z
    first, last = scene.frame(0), scene.frame(24)
    assert (first.lower_box.row0, first.lower_box.col0) == (0, 0)
    assert (last.lower_box.row1, last.lower_box.col1) == (7, 7)
    assert first.marks.tolist() == [[0, 0]] and last.marks.tolist() == [[4, 4]]
    assert last.done.sum() == 24 and not last.done[4, 4]


def test_output_padding_adds_the_last_row_and_column():
    """The odd figure: an 8×8 grid, the extra zeros at the bottom and right, as PyTorch."""
    scene = build((Axis(3, 3, 2, 1, 1, 1, 1),) * 2)
    assert scene.lower.shape == (8, 8) and scene.frame_count == 36
    assert (scene.lower.roles[7] == OP).all() and (scene.lower.roles[:, 7] == OP).all()
    assert (scene.lower.roles[0, :7] == P).all()
    frame = scene.frame(7)  # conv_arithmetic's frame 8 of 36: row 1, column 1
    assert frame.marks.tolist() == [[1, 1]]
    assert (frame.lower_box.row0, frame.lower_box.col0) == (1, 1)


def test_padding_beyond_the_kernel_crops_input_elements():
    (roles,) = build((Axis(3, 3, 2, 3, 3, 1, 1),)).lower.roles
    assert roles.tolist() == [X, Z, IN, Z, IN]  # the first input element is cropped away
    scene = build((Axis(3, 3, 2, 3, 3, 1, 1),))
    assert scene.frame(0).lower_box.col0 == 1


def test_dilated_kernel_taps_are_d_apart():
    scene = build((Axis(3, 3, 1, 0, 0, 2, 1),) * 2)
    taps = scene.frame(0).taps
    assert sorted({int(c) for c in taps[:, 1]}) == [0, 2, 4]
    assert scene.frame(0).lower_box == type(scene.frame(0).lower_box)(0, 0, 5, 5)


def test_rectangular_and_1d_layers():
    scene = build((Axis(3, 3, 2, 1, 1), Axis(5, 2, 1, 0, 0)))
    assert scene.upper.shape == (5, 6) and scene.frame_count == 30
    line = build((Axis(4, 3, 2, 1, 1),))
    assert line.lower.shape == (1, 9) and line.upper.shape == (1, 7)


def test_frame_counts_per_view():
    layer = (Axis(4, 3, 2, 1, 1),) * 2
    assert frame_count(layer, "gather") == build(layer).frame_count == 49
    assert frame_count(layer, "scatter") == build(layer, "scatter").frame_count == 16 + 1  # crop
    assert frame_count(layer, "conv") == build(layer, "conv").frame_count == 4
    assert frame_count(layer, "overlap") == build(layer, "overlap").frame_count == 1


def test_scatter_marks_what_padding_crops():
    scene = build((Axis(3, 3, 2, 1, 1, 1, 1),), "scatter")
    assert scene.upper.roles[0].tolist() == [X, OUT, OUT, OUT, OUT, OUT, OUT]
    short = build((Axis(3, 3, 2, 0, 0, 1, 1),), "scatter")
    assert short.upper.roles[0].tolist()[-1] == OP  # beyond every stamp: only output_padding


# --- against PyTorch ---------------------------------------------------------------------


def random_values(layer, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(-3, 4, [a.size for a in layer]),
        rng.integers(-3, 4, [a.kernel for a in layer]),
    )


@settings(max_examples=300, deadline=None)
@given(transposed_layers(), st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_every_gather_frame_is_the_flipped_kernel_over_its_window(torch, layer, seed):
    x, w = random_values(layer, seed)
    scene = build(layer, "gather", x, w)
    expected = torch_conv_transpose(torch, layer, x, w)
    assert scene.frame_count == expected.size
    for frame in scene:
        under = scene.lower.values[tuple(frame.taps.T)]
        (cell,) = frame.marks
        assert (under * frame.weights).sum() == expected[tuple(cell)]
        assert frame.upper_values[tuple(cell)] == expected[tuple(cell)]
        assert (scene.lower.roles[tuple(frame.taps.T)] != X).all()  # never over cropped cells


@settings(max_examples=300, deadline=None)
@given(transposed_layers(), st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_scatter_stamps_add_up_to_the_output(torch, layer, seed):
    x, w = random_values(layer, seed)
    scene = build(layer, "scatter", x, w)
    last = scene.frame(scene.frame_count - 1)
    inside = (scene.upper.roles == OUT) | (scene.upper.roles == OP)
    shape = torch_conv_transpose(torch, layer, x, w).shape
    got = np.nan_to_num(last.upper_values[inside]).reshape(shape)
    assert np.array_equal(got, torch_conv_transpose(torch, layer, x, w))
    # frames go through the input in raster order, a stamp then a sum for each element; after
    # element n's sum the plane holds PyTorch's uncropped output of elements 0…n alone
    sizes = [a.size for a in layer]
    uncropped = tuple(Axis(a.size, a.kernel, a.stride, 0, 0, a.dilation) for a in layer)
    for frame in scene:
        element, step = divmod(frame.index, 2)
        assert (
            frame.phase == ("stamp", "sum")[step]
            if element < x.size
            else (frame.phase == ("uncropped", "cropped")[step])
        )
        if element == x.size:
            continue
        j = [int(v) for v in np.unravel_index(element, sizes)]
        assert frame.taps[0].tolist() == ([0, *j] if len(layer) == 1 else j)
        so_far = x.copy()
        so_far.reshape(-1)[element + step :] = 0  # the stamp frame: not yet added
        expected = torch_conv_transpose(torch, uncropped, so_far, w)
        origin = scene.windows[0]  # position 0 of the uncropped output on the plane
        window = frame.upper_values[
            origin[0] : origin[0] + expected.shape[0], origin[1] : origin[1] + expected.shape[1]
        ]
        assert np.array_equal(np.nan_to_num(window), expected)


@settings(max_examples=200, deadline=None)
@given(transposed_layers(), st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_conv_frames_are_pytorchs_direct_convolution(torch, layer, seed):
    layer = tuple(Axis(**{**a.__dict__, "output_padding": 0}) for a in layer)
    try:
        g.check_conv(layer)
    except g.ParameterError:
        assume(False)
    x, w = random_values(layer, seed)
    fn = [torch.nn.functional.conv1d, torch.nn.functional.conv2d][len(layer) - 1]
    expected = (
        fn(
            torch.tensor(x, dtype=torch.float64)[None, None],
            torch.tensor(w, dtype=torch.float64)[None, None],
            stride=[a.stride for a in layer],
            padding=[a.pad_lo for a in layer],
            dilation=[a.dilation for a in layer],
        )[0, 0]
        .numpy()
        .reshape(build(layer, "conv").upper.shape)
    )
    scene = build(layer, "conv", x, w)
    for frame in scene:
        under = scene.lower.values[tuple(frame.taps.T)]
        assert (under * frame.weights).sum() == expected[tuple(frame.marks[0])]


def test_overlap_counts_taps():
    scene = build((Axis(3, 3, 2, 1, 1),) * 2, "overlap")
    assert scene.frame(0).upper_values[:2].tolist() == [[1, 2, 1, 2, 1], [2, 4, 2, 4, 2]]
    assert scene.caption.endswith(
        ": 1 to 4 kernel taps per output cell, uneven inside: a checkerboard"
    )
    even = build((Axis(4, 4, 2, 1, 1),), "overlap")
    assert even.caption.endswith(": 1 to 2 kernel taps per output cell, even inside")
