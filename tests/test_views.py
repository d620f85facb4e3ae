"""The comparing views (`animate --view pair|matrix|resize`): their numbers against PyTorch,
their frames drawn incrementally against fresh drawings, and the command line."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run, torch_conv_transpose, transposed_layers
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from tconv_cli import numeric, views
from tconv_cli.geometry import Axis, make_layer
from tconv_cli.render.views import BoardPicture, board_image
from tconv_cli.scene import Mark, Role

CLASSIC = make_layer(3, 3, 2, 1, rank=2)


def _torch_fn(torch, rank: int, transposed: bool):
    f = torch.nn.functional
    return ([f.conv_transpose1d, f.conv_transpose2d] if transposed else [f.conv1d, f.conv2d])[
        rank - 1
    ]


def _layout(layer, values):
    """A layer's spatial array as a 2-d one (1-d: one row), as boards hold them."""
    values = np.asarray(values)
    return values.reshape(1, -1) if len(layer) == 1 else values


def _pairable(layer) -> bool:
    return all(a.output_padding < a.stride for a in layer)


# ---------------------------------------------------------------------------------------------
# pair: the conv's output j reads the cells the transposed conv's input j writes


@settings(max_examples=120, deadline=None)
@given(transposed_layers())
def test_pair_conv_reads_what_the_transposed_conv_writes(torch, layer):
    if not _pairable(layer):
        with pytest.raises(views.ParameterError, match="output_padding"):
            views.build(layer, "pair")
        return
    board = views.build(layer, "pair")
    rank = len(layer)
    out_sizes, in_sizes = [a.output for a in layer], [a.size for a in layer]
    conv = views.direct_conv(layer)
    assert [a.conv_output for a in conv] == in_sizes  # it maps the output back to the input
    conv_fn, tconv_fn = _torch_fn(torch, rank, False), _torch_fn(torch, rank, True)
    kw = {
        "stride": [a.stride for a in layer],
        "padding": [a.pad_lo for a in layer],
        "dilation": [a.dilation for a in layer],
    }
    ones = torch.ones([1, 1, *[a.kernel for a in layer]], dtype=torch.float64)
    pads = np.array([0, layer[0].pad_lo] if rank == 1 else [a.pad_lo for a in layer])
    assert board.frame_count == int(np.prod(in_sizes))
    for n, j in enumerate(np.ndindex(*in_sizes)):
        # the output cells input j writes (PyTorch: a one-hot input, a kernel of ones)
        one_hot = torch.zeros([1, 1, *in_sizes], dtype=torch.float64)
        one_hot[(0, 0, *j)] = 1
        written = (
            tconv_fn(one_hot, ones, output_padding=[a.output_padding for a in layer], **kw)[
                0, 0
            ].numpy()
            != 0
        )
        # the input cells the conv's output j reads: its gradient with respect to the input
        v = torch.zeros([1, 1, *out_sizes], dtype=torch.float64, requires_grad=True)
        conv_fn(v, ones, **kw)[(0, 0, *j)].backward()
        read = v.grad[0, 0].numpy() != 0
        assert np.array_equal(written, read)
        # the board: the cells under the kernel on both big panels, inside the output
        states = board.states(n)
        for name in ("conv input", "tconv output"):
            cells = np.argwhere(states[name].active) - pads
            inside = ((cells >= 0) & (cells < _layout(layer, np.zeros(out_sizes)).shape)).all(1)
            drawn = np.zeros(_layout(layer, written).shape, bool)
            drawn[tuple(cells[inside].T)] = True
            assert np.array_equal(drawn, _layout(layer, written)), name
        # the same tap letters on the same cells of both
        assert np.array_equal(states["conv input"].texts, states["tconv output"].texts)
        assert states["conv output"].active.sum() == states["tconv input"].active.sum() == 1
        assert np.argwhere(states["tconv input"].active)[0][-rank:].tolist() == list(j)


def test_pair_padding_is_the_transposed_crop():
    board = views.build(CLASSIC, "pair")
    conv, tconv = board.panel("conv input").keys, board.panel("tconv output").keys
    assert conv.shape == tconv.shape == (7, 7)
    assert np.array_equal(conv == Role.PADDING, tconv == Role.CROPPED)
    assert (conv[1:-1, 1:-1] == Role.INPUT).all() and (tconv[1:-1, 1:-1] == Role.OUTPUT).all()


def test_pair_refuses_what_it_cannot_show():
    with pytest.raises(views.ParameterError, match="output_padding"):
        views.build((Axis(3, 3, 1, 0, 0, 2, 1),), "pair")  # op 1 ≥ stride 1 (dilation 2)
    with pytest.raises(views.ParameterError, match="padding"):
        views.build((Axis(3, 1, 2, -1, 0),), "pair")


# ---------------------------------------------------------------------------------------------
# matrix: y = Cᵀx is PyTorch's transposed convolution, C·v its convolution


@settings(max_examples=120, deadline=None)
@given(transposed_layers(max_in=3), st.integers(0, 2**32 - 1))
def test_matrix_is_the_transposed_convolution(torch, layer, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, [a.size for a in layer])
    w = rng.integers(-3, 4, [a.kernel for a in layer])
    c = numeric.conv_matrix(w, layer)
    expected = torch_conv_transpose(torch, layer, x, w).ravel()
    assert np.array_equal(c.T @ x.ravel(), expected)
    v = rng.integers(-3, 4, [a.output for a in layer])
    conv = _torch_fn(torch, len(layer), False)(
        torch.tensor(v, dtype=torch.float64)[None, None],
        torch.tensor(w, dtype=torch.float64)[None, None],
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        dilation=[a.dilation for a in layer],
    )[0, 0].numpy()
    # C·v is the direct convolution of the output-sized v, cut to the input's size (the conv
    # may reach one more cell when output_padding ≥ stride)
    cut = conv[tuple(slice(0, a.size) for a in layer)]
    assert np.array_equal(c @ v.ravel(), cut.ravel())
    board = views.build(layer, "matrix", x, w)
    assert board.frame_count == expected.size
    taps = numeric.conv_matrix(np.ones([a.kernel for a in layer], int), layer) != 0
    for r in range(board.frame_count):
        states = board.states(r)
        lit = np.flatnonzero(states["x"].active[:, 0])
        assert np.array_equal(lit, np.flatnonzero(taps[:, r]))  # the inputs row r multiplies
        assert states["y"].texts[r, 0] == views.number_text(expected[r])
        if lit.size:
            assert board.line(r).endswith(f"= {views.number_text(expected[r])}")
        assert np.array_equal(states["Ct"].keys[r] == Mark.NOW, taps[:, r])
        assert np.array_equal(states["C"].keys[:, r] == Mark.NOW, taps[:, r])
        shown = states["Ct"].texts[r][taps[:, r]]
        assert [float(t.replace("\u2212", "-")) for t in shown] == c[:, r][taps[:, r]].tolist()


def test_matrix_names_the_taps_without_values():
    board = views.build(CLASSIC, "matrix")
    texts = board.states(0)["Ct"].texts
    c = numeric.conv_matrix(np.arange(1, 10).reshape(3, 3), CLASSIC)
    assert np.array_equal(texts != "", c.T != 0)
    assert texts[0, 0] == "e"  # output (0, 0) is input (0, 0) times the kernel's middle tap
    assert board.line(1) == "y1 (output (0, 1)) = row 1 of C^T · x = f·x0 + d·x1"


def test_matrix_refuses_a_matrix_too_large_to_show():
    with pytest.raises(views.ParameterError, match="smaller input"):
        views.build(make_layer(16, 3, 2, 1, rank=2), "matrix")


# ---------------------------------------------------------------------------------------------
# resize: the overlap maps, each a convolution of ones


@settings(max_examples=150, deadline=None)
@given(transposed_layers(asymmetric=True))
def test_overlap_maps_are_scatters_of_ones(torch, layer):
    rank = len(layer)
    f = torch.nn.functional
    ones_in = torch.ones([1, 1, *[a.size for a in layer]], dtype=torch.float64)
    kernel = torch.ones([1, 1, *[a.kernel for a in layer]], dtype=torch.float64)
    full = _torch_fn(torch, rank, True)(
        ones_in, kernel, stride=[a.stride for a in layer], dilation=[a.dilation for a in layer]
    )[0, 0].numpy()
    # PyTorch pads one amount at both ends: crop the uncropped output by hand, then extend
    # it by output_padding (cells no tap reaches)
    crop = tuple(slice(a.pad_lo, a.pad_lo + a.output) for a in layer)
    expected = np.pad(full, [(0, max(0, a.pad_lo + a.output - a.full)) for a in layer])[crop]
    assert np.array_equal(views.transposed_overlap(layer), expected)
    up = f.interpolate(ones_in, scale_factor=[float(a.stride) for a in layer], mode="nearest")
    conv = views.resize_conv(layer)
    pads = [p for a in reversed(conv) for p in (a.pad_lo, a.pad_hi)]  # F.pad: last axis first
    resized = _torch_fn(torch, rank, False)(
        f.pad(up, pads), kernel, dilation=[a.dilation for a in layer]
    )[0, 0].numpy()
    assert resized.shape == expected.shape  # both have the transposed layer's output size
    assert np.array_equal(views.resize_overlap(layer), resized)
    board = views.build(layer, "resize")
    states = board.states(board.frame_count - 1)
    assert np.array_equal(states["resize map"].texts.astype(int), _layout(layer, resized))
    assert np.array_equal(states["transposed map"].texts.astype(int), _layout(layer, expected))
    # both maps on one scale: more taps, never a lighter step
    first = board.states(0)
    counts = np.concatenate([resized.ravel(), expected.ravel()])
    levels = np.concatenate([first[name].keys.ravel() for name in ("resize map", "transposed map")])
    done = levels != Mark.NOW  # frame 0: the first cell is now, the others to do
    keys = np.concatenate(
        [board.panel(name).keys.ravel() for name in ("resize map", "transposed map")]
    )
    order = np.argsort(counts, kind="stable")
    assert (np.diff(keys[order]) >= 0).all()
    assert done.sum() == levels.size - 2


def test_resize_says_why_one_checkerboards():
    board = views.build(CLASSIC, "resize")
    assert "9 everywhere against 1, 2 or 4, a checkerboard" in board.caption
    assert board.line(6) == (
        "output (1, 1): 9 taps on the upsampled input, 4 taps on input "
        "elements of the zero-inserted one"
    )
    even = views.build(make_layer(4, 4, 2, 1, rank=2), "resize")
    assert "16 everywhere against 4 everywhere, even too" in even.caption


# ---------------------------------------------------------------------------------------------
# drawing: each frame drawn after the others equals the frame drawn alone


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(transposed_layers(max_in=3), st.sampled_from(views.VIEWS), st.integers(0, 99))
# the sentence's ink a pixel wider than its box (a glyph's bearing): it was never cleared
@example(
    layer=(
        Axis(size=2, kernel=1, stride=2, pad_lo=1, pad_hi=1, dilation=1, output_padding=0),
        Axis(size=2, kernel=2, stride=3, pad_lo=2, pad_hi=2, dilation=2, output_padding=2),
    ),
    view="pair",
    pick=0,
)
def test_frames_drawn_in_turn_equal_frames_drawn_alone(layer, view, pick):
    if view == "pair" and not _pairable(layer):
        return
    board = views.build(layer, view)
    picture = BoardPicture(board, 14)
    frames = [picture.canvas.copy() for _ in picture.frames()]
    for n in {0, pick % board.frame_count, board.frame_count - 1}:
        alone = np.asarray(board_image(board, n, cell=14))
        assert np.array_equal(frames[n], alone)


def _pixel(image: Image.Image, grid, row: int, col: int):
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    return image.convert("RGB").getpixel((int(x) + 3, int(y) + 3))


# ---------------------------------------------------------------------------------------------
# the command line


@pytest.mark.parametrize("view, frames", [("pair", 9), ("matrix", 25), ("resize", 25)])
def test_cli_writes_each_view(tmp_path, view, frames):
    gif = tmp_path / "a.gif"
    result = run("animate", "--view", view, "-o", str(gif))
    assert result.exit_code == 0, result.output
    with Image.open(gif) as image:
        assert image.n_frames == frames
        size = image.size
    assert result.output.startswith(f"wrote {gif}: {frames} frames, {size[0]}×{size[1]} px")
    still = tmp_path / "a.png"
    assert run("animate", "--view", view, "--frame", "2", "-o", str(still)).exit_code == 0
    with Image.open(still) as image:
        assert image.size == size and getattr(image, "n_frames", 1) == 1


def test_cli_still_shows_the_frame_asked_for(tmp_path):
    from tconv_cli.render.views import board_layout

    path = tmp_path / "m.png"
    assert (
        run("animate", "--view", "matrix", "--values", "--frame", "8", "-o", str(path)).exit_code
        == 0
    )
    x, w = numeric.sample_values(CLASSIC, 0)
    board = views.build(CLASSIC, "matrix", x, w)
    page = board_layout(board, 28)
    with Image.open(path) as image:
        now = _pixel(image, page.grids["y"], 7, 0)
        assert _pixel(image, page.grids["y"], 6, 0) != now  # done, not now
        assert _pixel(image, page.grids["y"], 8, 0) != now  # to do


@pytest.mark.parametrize(
    "args, option",
    [
        (["--view", "pair", "--values"], "--values"),
        (["--view", "resize", "--values"], "--values"),
        (["--view", "pair", "--terminal"], "--view"),
        (["--view", "matrix", "--sheet"], "--sheet"),
        (["--view", "resize", "-o", "x.svg"], "--output"),
        (["--view", "pair", "-o", "x.html"], "--output"),
        (["--view", "matrix", "--style", "arithmetic"], "--style"),
        (["--view", "matrix", "--in", "16"], "--in"),
        (["--view", "pair", "-s", "1", "-d", "2", "--op", "1"], "--output-padding"),
    ],
)
def test_cli_refuses_with_one_line(tmp_path, monkeypatch, args, option):
    monkeypatch.chdir(tmp_path)
    result = run("animate", *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {option}"), result.output
    assert not list(tmp_path.iterdir())
