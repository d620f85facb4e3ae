"""Moving windows: an animation of a large grid in GIF, APNG or WebP is drawn in runs of
frames, each run a window of fixed origins, all on pages of one size (scene.MovingWindows)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from helpers import run
from PIL import Image

from tconv_cli import scene
from tconv_cli.errors import NoAnswer
from tconv_cli.geometry import Axis
from tconv_cli.numeric import sample_values
from tconv_cli.picture import PictureOptions
from tconv_cli.render import layout
from tconv_cli.render.raster import RasterFrames

BIG = (Axis(32, 3, 2, 1, 1),) * 2  # a 65×65 grid, a 63×63 output
ROW_5 = tuple(range(4 * 63, 5 * 63))  # the frames of the output's row 5


def _moving(layer=BIG, selection=ROW_5, values=True) -> scene.MovingWindows:
    x, w = sample_values(layer, 0) if values else (None, None)
    full = replace(scene.build(layer, "gather", x, w), selection=selection)
    moving = scene.windowed(full, moving=True)
    assert isinstance(moving, scene.MovingWindows)
    return moving


def _touched(full: scene.Scene, frames: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per plane, the lowest and highest cell the (view's) frames touch."""
    lower = (full.windows[frames][:, None, :] + full.offsets).reshape(-1, 2)
    upper = full.cells[frames]
    return [(p.min(axis=0), p.max(axis=0)) for p in (lower, upper)]


def test_the_runs_cover_the_frames_in_windows_of_one_size():
    """Consecutive runs, every frame once, each window WINDOW cells a side; each run as long
    as it can be: with the next frame its touched cells and margins would not fit."""
    moving = _moving()
    full = scene.build(BIG, "gather")
    # a row of 63 output cells: 28 + 26 + 9 frames, each run in its own place
    assert moving.runs == ((0, 0, 28), (1, 28, 54), (2, 54, 63))
    for k, (_, start, stop) in enumerate(moving.runs):
        window = moving.places[k]
        assert window.lower.shape == window.upper.shape == (scene.WINDOW, scene.WINDOW)
        if stop < len(ROW_5):  # one frame more would not fit
            frames = list(ROW_5[start : stop + 1])
            reach = [
                np.minimum(high + 1 + scene.WINDOW_MARGIN, shape)
                - np.maximum(low - scene.WINDOW_MARGIN, 0)
                for (low, high), shape in zip(
                    _touched(full, frames), (full.lower.shape, full.upper.shape)
                )
            ]
            assert max(r.max() for r in reach) > scene.WINDOW
    # a whole animation: 189 runs (three a row), the windows in 9 places (3 bands of rows)
    everything = scene.windowed(full, moving=True)
    assert len(everything.runs) == 189 and len(everything.places) == 9
    assert [start for _, start, _ in everything.runs] == [
        row * 63 + col for row in range(63) for col in (0, 28, 54)
    ]
    # what fits one window is one window; small grids are drawn whole
    assert isinstance(
        scene.windowed(replace(full, selection=ROW_5[:20]), moving=True), scene.Windowed
    )
    classic = scene.build((Axis(3, 3, 2, 1, 1),) * 2)
    assert scene.windowed(classic, moving=True) is classic


def test_each_runs_frames_are_the_full_scenes_cropped():
    """Every frame of every run: each plane's states are the full scene's at the window's
    cells, the kernel and the cell written inside the window, the sum the full scene's; the
    titles say where the window lies."""
    moving = _moving()
    x, w = sample_values(BIG, 0)
    full = scene.build(BIG, "gather", x, w)
    for w, start, stop in moving.runs:
        window = moving.places[w]
        (lr, lc), (ur, uc) = window.origins
        assert window.titles == (
            f"zero-inserted, padded input (rows {lr + 1} to {lr + 32} of 65, "
            f"cols {lc + 1} to {lc + 32} of 65)",
            f"output (rows {ur + 1} to {ur + 32} of 63, cols {uc + 1} to {uc + 32} of 63)",
        )
        for n in range(start, stop):
            part = window.states(window.frame(n))
            whole = full.states(full.frame(ROW_5[n]))
            for name, (r, c) in (("lower", (lr, lc)), ("upper", (ur, uc))):
                rows, cols = part[name].keys.shape
                cut = (slice(r, r + rows), slice(c, c + cols))
                assert (part[name].keys == whole[name].keys[cut]).all()
                assert (part[name].texts == whole[name].texts[cut]).all()
                assert part[name].active.sum() == whole[name].active.sum() > 0
            assert scene.sum_text(window, n) == scene.sum_text(full, ROW_5[n]) != ""
            assert scene.sum_text(moving, n) == scene.sum_text(full, ROW_5[n])
    assert moving.runs[-1][2] == moving.frame_count == len(ROW_5)


def _same_as_drawn_alone(path, moving, options, checked) -> list[int]:
    """Frames `checked` of the animation at `path` are, pixel for pixel, their window's frame
    drawn alone (a fresh picture on that window's page); returns every frame's duration."""
    cell = options.cell_for(moving)
    pages = [layout.page_for(window, options, cell) for window in moving.places]
    assert {page.size for page in pages} == {pages[0].size}  # (else the encoder pads them)
    durations = []
    with Image.open(path) as image:
        assert image.n_frames == moving.frame_count and image.size == pages[0].size
        for n in range(image.n_frames):
            image.seek(n)
            durations.append(image.info["duration"])
            if n in checked:
                (w,) = [w for w, start, stop in moving.runs if start <= n < stop]
                drawn = RasterFrames(moving.places[w], "arithmetic", cell, True, page=pages[w])
                drawn.show(n)
                assert np.array_equal(
                    np.asarray(image.convert("RGB")), np.asarray(drawn.image().convert("RGB"))
                ), n
    return durations


@pytest.mark.slow
def test_a_gif_of_moving_windows_is_each_runs_frames(tmp_path):
    """Through the CLI: one frame size, the frame count and durations, and each frame as its
    window's drawing alone, around the window jumps and at the end."""
    out = tmp_path / "r.gif"
    result = run("animate", "--in", "32,32", "--row", "5", "--values", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    moving = _moving()
    options = PictureOptions(view="gather", values=True)
    size = layout.page_for(moving.places[0], options, options.cell_for(moving)).size
    assert size[0] < 1700 and size[1] < 2400  # not 2540×3182, the row's whole width
    assert f"63 frames, {size[0]}×{size[1]} px" in result.stdout
    assert "a window of the grid that jumps twice" in result.stdout
    checked = {0, 27, 28, 29, 53, 54, 62}  # each side of the jumps, and the last frame
    durations = _same_as_drawn_alone(out, moving, options, checked)
    timing = options.timing(63)
    assert durations == [timing.delay_ms] * 62 + [timing.last_ms]


@pytest.mark.slow
def test_windows_come_back_drawn_right(tmp_path):
    """Rows of a 41-wide output: two runs a row in two windows, each window's picture kept
    and shown again a row later; its frames are still its own."""
    out = tmp_path / "b.gif"
    result = run("animate", "--in", "21,21", "--frames", "1-82", "--values", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    layer = (Axis(21, 3, 2, 1, 1),) * 2
    moving = _moving(layer, tuple(range(82)))
    assert [w for w, _, _ in moving.runs] == [0, 1] * 2 and len(moving.places) == 2
    checked = {n for _, start, stop in moving.runs for n in (start, start + 1, stop - 1)}
    _same_as_drawn_alone(out, moving, PictureOptions(view="gather", values=True), checked)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["png", "webp"])
def test_apng_and_webp_move_their_windows_too(tmp_path, suffix):
    out = tmp_path / f"r.{suffix}"
    result = run("animate", "--in", "21,21", "--row", "2", "-o", str(out))  # 41 output columns
    assert result.exit_code == 0, result.stderr
    assert "41 frames" in result.stdout and "a window of the grid that jumps once" in result.stdout
    with Image.open(out) as image:
        assert image.n_frames == 41
        image.seek(40)
        last = np.asarray(image.convert("RGB"))
    gif = tmp_path / "r.gif"
    assert run("animate", "--in", "21,21", "--row", "2", "-o", str(gif)).exit_code == 0
    with Image.open(gif) as image:
        assert image.size == last.shape[1::-1]
        image.seek(40)
        assert np.array_equal(np.asarray(image.convert("RGB")), last)  # lossless, the same


@pytest.mark.slow
def test_the_budget_plans_windows_for_animations(tmp_path):
    """A row of a 127-wide output and a whole 63×63 animation are planned as windows at the
    default cell; the frame count is still refused over max_frames; the terminal, SVG and the
    player keep their own windows."""
    wide = (Axis(64, 3, 2, 1, 1),) * 2
    PictureOptions(view="gather", row=5).plan(wide)  # refused before windows moved
    PictureOptions(view="gather", max_frames=4000).plan(BIG)
    PictureOptions(view="gather", max_frames=4000, output=tmp_path / "a.webp").plan(BIG)
    with pytest.raises(NoAnswer, match=r"3,969 frames of at least 1,505×2,042 px"):  # windows
        PictureOptions(
            view="gather", max_frames=4000, values=True, output=tmp_path / "a.webp"
        ).plan(BIG)
    result = run("animate", "--in", "64,64", "--row", "5", "-o", str(tmp_path / "w.gif"))
    assert result.exit_code == 0, result.stderr
    assert "127 frames, 1567×2198 px" in result.stdout and "jumps 4 times" in result.stdout
    refused = run("animate", "--in", "64,64", "-o", str(tmp_path / "x.gif"))
    assert refused.exit_code == 1 and "max_frames" in refused.stderr
    for suffix in ("svg", "html"):  # drawn as before: one window as large as the row's reach
        out = str(tmp_path / f"r.{suffix}")
        result = run("animate", "--in", "21,21", "--row", "2", "--every", "8", "-o", out)
        assert result.exit_code == 0, result.stderr
        assert "a window of the grid" not in result.stdout


@pytest.mark.slow
def test_the_library_draws_moving_windows_too(tmp_path):
    """`Picture.save` of a notebook draws what the command line draws, byte for byte."""
    from tconv_cli import ConvTranspose

    picture = ConvTranspose(3, 2, 1).scene((21, 21), max_frames=2000)
    saved = picture.save(tmp_path / "a.gif", row=2)
    result = run("animate", "--in", "21,21", "--row", "2", "-o", str(tmp_path / "b.gif"))
    assert result.exit_code == 0, result.stderr
    assert saved.read_bytes() == (tmp_path / "b.gif").read_bytes()
    with Image.open(saved) as image:
        assert image.n_frames == 41 and image.size[0] < 1700


def test_a_large_kernels_window_has_room_to_move():
    """A dilated kernel wider than WINDOW: the window is its reach, margins and WINDOW_ROOM
    cells more, so a run holds WINDOW_ROOM steps (not one: a jump every frame)."""
    layer = (Axis(40, 20, 1, 0, 0, 3, 0),) * 2  # the kernel spans 58 cells; a 154-cell grid
    moving = _moving(layer, tuple(range(2 * 97, 3 * 97)), values=False)  # the output's row 3
    reach = 58 + 2 * scene.WINDOW_MARGIN + scene.WINDOW_ROOM
    assert {place.lower.shape for place in moving.places} == {(reach, reach)}
    steps = [stop - start for _, start, stop in moving.runs]
    assert min(steps[:-1]) == scene.WINDOW_ROOM + 1 and len(steps) == 6


@pytest.mark.slow
@pytest.mark.parametrize("width", [800, 1158])
def test_every_window_fits_the_width_asked(tmp_path, width):
    """A place whose titles are wider than the one the cell was measured on: the cell goes
    down until every window's frame fits (it was a traceback at 800 and 1158)."""
    out = tmp_path / "c.gif"
    args = ["animate", "--in", "6,50", "-k", "3", "-s", "1", "-p", "0"]
    result = run(*args, "--width", str(width), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "jumps" in result.output and Image.open(out).size[0] == width


@pytest.mark.slow
def test_every_window_carries_the_frameworks_caption(tmp_path, monkeypatch):
    """`-c keras`: each window's caption is the layer in Keras's words, as the still's is."""
    from tconv_cli.render import encode

    seen = []
    drawn = encode._moving

    def moving(scene_, options, cell):
        seen.extend(place.caption for place in scene_.places)
        return drawn(scene_, options, cell)

    monkeypatch.setattr(encode, "_moving", moving)
    args = ["animate", "-c", "keras", "--in", "30,30", "-k", "3", "-s", "2", "--padding", "same"]
    result = run(*args, "--frames", "1-150", "-o", str(tmp_path / "f.gif"))
    assert result.exit_code == 0, result.output
    assert seen and all(c.startswith("keras.layers.Conv2DTranspose(") for c in seen), seen
