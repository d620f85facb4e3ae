"""Image rendering: open the files with Pillow and check frames, sizes, timing and the colours
at the centres of known cells, in both styles."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tconv_cli import scene
from tconv_cli.choices import Style
from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.geometry import Axis
from tconv_cli.picture import PictureOptions
from tconv_cli.render import encode, layout
from tconv_cli.render.raster import RasterFrames, cell_center, frame_image

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # 7×7 grid, 5×5 output, 25 frames
ODD = (Axis(3, 3, 2, 1, 1, 1, 1),) * 2  # 8×8 grid, 6×6 output, 36 frames
DILATED = (Axis(3, 3, 1, 0, 0, 2, 1),) * 2  # 12×12 grid, 8×8 output
CROPPED = (Axis(3, 3, 2, 3, 3, 1, 1),) * 2  # one input row and column cropped, 2×2 output
RECTANGLE = (Axis(3, 3, 2, 1, 1), Axis(5, 2, 1, 0, 0))  # 5×6 output


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def over(top: str, bottom: str, alpha: float) -> tuple[int, int, int]:
    """`top` at opacity `alpha` over `bottom`, rounded half up."""
    return tuple(
        int(alpha * t + (1 - alpha) * b + 0.5) for t, b in zip(hex_rgb(top), hex_rgb(bottom))
    )


WHITE = hex_rgb("#ffffff")
INPUT = hex_rgb("#268bd2")
OUTPUT = hex_rgb("#52bfae")  # lighter than conv_arithmetic's #2aa198: told from the input blue
TAP_OVER_INPUT = over("#073642", "#268bd2", 0.4)
TAP_OVER_WHITE = over("#073642", "#ffffff", 0.4)
CURRENT = over("#073642", "#52bfae", 0.4)
PENDING = over("#52bfae", "#ffffff", 0.35)
STYLES = Style.names()


def test_expected_colours_are_the_originals():
    # conv_arithmetic's own frames have exactly these shaded colours
    assert hex_rgb("#1a6998") == TAP_OVER_INPUT
    assert hex_rgb("#9cafb3") == TAP_OVER_WHITE
    assert hex_rgb("#1c7676") == over("#073642", "#2aa198", 0.4)  # their output, shaded


def render(
    layer, view="gather", fmt="GIF", x=None, w=None, progress=None, **options
) -> Image.Image:
    stream = io.BytesIO()
    if options.get("frame") is not None:
        options["frame"] += 1  # PictureOptions counts frames from 1
    size = encode.write(
        scene.build(layer, view, x, w),
        stream,
        PictureOptions(view=view, format=fmt.lower(), **options),
        progress,
    )
    image = Image.open(io.BytesIO(stream.getvalue()))
    assert options.get("sheet") or image.size == size
    return image


def colour(
    image: Image.Image, s: scene.Scene, plane: str, row: int, col: int, style: str, **layout
) -> tuple[int, int, int]:
    """The RGB colour at the centre of a cell of the image's current frame: the commonest in
    the 5×5 pixels there, so that a connector line crossing the centre does not count."""
    x, y = cell_center(s, plane, row, col, style, **layout)
    patch = np.asarray(image.convert("RGB").crop((x - 2, y - 2, x + 3, y + 3))).reshape(-1, 3)
    colours, counts = np.unique(patch, axis=0, return_counts=True)
    return tuple(int(c) for c in colours[counts.argmax()])


def frames(image: Image.Image):
    for n in range(image.n_frames):
        image.seek(n)
        yield image


@pytest.mark.parametrize("style", STYLES)
def test_classic_gif(style):
    s = scene.build(CLASSIC)
    image = render(CLASSIC, style=style)
    assert image.format == "GIF"
    assert image.n_frames == 25
    assert image.info["loop"] == 0
    assert image.size == frame_image(s, 0, style=style).size
    expected = {
        0: {
            ("lower", 0, 0): TAP_OVER_WHITE,
            ("lower", 1, 1): TAP_OVER_INPUT,
            ("lower", 3, 3): INPUT,
            ("lower", 6, 6): WHITE,
            ("upper", 0, 0): CURRENT,
            ("upper", 0, 1): PENDING,
            ("upper", 4, 4): PENDING,
        },
        7: {
            ("lower", 1, 3): TAP_OVER_INPUT,
            ("lower", 2, 3): TAP_OVER_WHITE,
            ("lower", 1, 1): INPUT,
            ("lower", 0, 0): WHITE,
            ("upper", 1, 2): CURRENT,
            ("upper", 0, 0): OUTPUT,
            ("upper", 1, 1): OUTPUT,
            ("upper", 1, 3): PENDING,
        },
    }
    for n, cells in expected.items():
        image.seek(n)
        assert image.info["duration"] == 1000
        for (plane, row, col), rgb in cells.items():
            assert colour(image, s, plane, row, col, style) == rgb, (n, plane, row, col)


@pytest.mark.parametrize("style", STYLES)
def test_output_padding_gif(style):
    s = scene.build(ODD)
    image = render(ODD, style=style)
    assert image.n_frames == 36
    image.seek(7)  # output cell (1, 1): the kernel over grid rows and columns 1…3
    assert colour(image, s, "lower", 1, 1, style) == TAP_OVER_INPUT
    assert colour(image, s, "lower", 2, 2, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 5, 5, style) == INPUT
    assert colour(image, s, "lower", 0, 0, style) == WHITE
    output_padding = colour(image, s, "lower", 7, 3, style)
    assert output_padding not in (WHITE, INPUT, OUTPUT, PENDING)  # a tint of its own
    assert colour(image, s, "upper", 1, 1, style) == CURRENT
    assert colour(image, s, "upper", 1, 0, style) == OUTPUT
    assert colour(image, s, "upper", 5, 5, style) == PENDING


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
def test_animation_frames_are_exactly_the_frames(fmt):
    """The delta-encoded GIF and APNG decode to exactly what `frame_image` draws."""
    s = scene.build(ODD, "scatter")
    image = render(ODD, "scatter", fmt=fmt, fps=4, loop=2)
    assert image.n_frames == 9 + 1  # and the crop
    # played twice: APNG counts plays, GIF the repeats after the first
    assert image.info["loop"] == (1 if fmt == "GIF" else 2)
    for n, decoded in enumerate(frames(image)):
        last = n == image.n_frames - 1
        assert decoded.info["duration"] == (3000 if last else 250)  # the last holds 3 s
        drawn = frame_image(s, n).convert("RGB")
        assert np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(drawn)), n


def test_apng_and_webp():
    png = render(CLASSIC, fmt="PNG", loop=3)
    assert png.format == "PNG" and png.is_animated
    assert png.n_frames == 25
    assert png.info["loop"] == 3
    webp = render(CLASSIC, fmt="WEBP", style="flat")
    assert webp.format == "WEBP"
    assert webp.n_frames == 25


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_single_frame(fmt):
    s = scene.build(CLASSIC)
    image = render(CLASSIC, fmt=fmt, frame=7)
    assert getattr(image, "n_frames", 1) == 1
    drawn = frame_image(s, 7)
    assert image.size == drawn.size
    assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(drawn.convert("RGB")))


def test_sheet():
    image = render(CLASSIC, fmt="PNG", sheet=True, style="flat")
    s = scene.build(CLASSIC)
    sheet = layout.sheet_layout(s, "flat", 28, True)
    assert image.format == "PNG" and getattr(image, "n_frames", 1) == 1
    assert image.size == sheet.size
    # the first frame is the first panel: a frame without its caption and legend
    panel = RasterFrames(s, "flat", 28, True, page=sheet.panel)
    panel.show(0)
    x, y = sheet.origins[0]
    tile = image.convert("RGB").crop((x, y, x + panel.size[0], y + panel.size[1]))
    assert np.array_equal(np.asarray(tile), np.asarray(panel.image().convert("RGB")))


def test_progress_counts_frames():
    done = []
    render(CLASSIC, progress=done.append)
    assert done == list(range(1, 26))
    done.clear()
    render(CLASSIC, fmt="PNG", frame=3, progress=done.append)
    assert done == [1]


@pytest.mark.parametrize("style", STYLES)
def test_one_dimensional(style):
    layer = (Axis(3, 3, 2, 1, 1),)
    s = scene.build(layer)
    assert s.lower.shape == (1, 7)
    image = render(layer, style=style)
    assert image.n_frames == 5
    image.seek(1)  # output 1: the kernel over grid cells 1…3
    assert colour(image, s, "lower", 0, 1, style) == TAP_OVER_INPUT
    assert colour(image, s, "lower", 0, 2, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 0, 5, style) == INPUT
    assert colour(image, s, "upper", 0, 0, style) == OUTPUT
    assert colour(image, s, "upper", 0, 1, style) == CURRENT


@pytest.mark.parametrize("style", STYLES)
def test_rectangle(style):
    s = scene.build(RECTANGLE)
    assert s.upper.shape == (5, 6)
    image = render(RECTANGLE, style=style)
    assert image.n_frames == 30
    image.seek(8)  # output (1, 2): grid rows 1…3, columns 2…3
    assert colour(image, s, "lower", 1, 2, style) == TAP_OVER_INPUT
    assert colour(image, s, "lower", 2, 3, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 1, 1, style) == INPUT
    assert colour(image, s, "upper", 1, 2, style) == CURRENT


@pytest.mark.parametrize("style", STYLES)
def test_dilated(style):
    s = scene.build(DILATED)
    image = frame_image(s, 0, style=style)
    # taps 2 apart over the padding; the cells between them are not shaded
    assert colour(image, s, "lower", 0, 0, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 0, 4, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 0, 1, style) == WHITE
    assert colour(image, s, "lower", 1, 1, style) == WHITE
    assert colour(image, s, "lower", 5, 5, style) == INPUT


@pytest.mark.parametrize("style", STYLES)
def test_cropped(style):
    s = scene.build(CROPPED)
    assert (s.lower.roles[0] == scene.Role.CROPPED).all()
    image = frame_image(s, 0, style=style)
    cropped = colour(image, s, "lower", 0, 0, style)
    assert cropped not in (WHITE, INPUT, TAP_OVER_WHITE)
    assert colour(image, s, "lower", 1, 1, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 2, 2, style) == TAP_OVER_INPUT
    assert render(CROPPED).n_frames == 4


@pytest.mark.parametrize("style", STYLES)
def test_scatter(style):
    s = scene.build(CLASSIC, "scatter")
    image = render(CLASSIC, "scatter", style=style)
    assert image.n_frames == 9 + 1  # one per input element, then the crop
    image.seek(1)  # input element (0, 1) stamps uncropped rows 0…2, columns 2…4
    assert colour(image, s, "lower", 0, 1, style) == TAP_OVER_INPUT
    assert colour(image, s, "lower", 0, 0, style) == INPUT
    assert colour(image, s, "upper", 1, 3, style) == CURRENT
    assert colour(image, s, "upper", 1, 1, style) == OUTPUT
    assert colour(image, s, "upper", 4, 4, style) == PENDING


@pytest.mark.parametrize("style", STYLES)
def test_conv(style):
    layer = (Axis(5, 3, 2, 1, 1),) * 2
    s = scene.build(layer, "conv")
    image = render(layer, "conv", style=style)
    assert image.n_frames == 9  # the direct convolution's 3×3 output
    image.seek(1)  # output (0, 1): padded input rows 0…2, columns 2…4
    assert colour(image, s, "lower", 1, 3, style) == TAP_OVER_INPUT
    assert colour(image, s, "lower", 0, 3, style) == TAP_OVER_WHITE
    assert colour(image, s, "lower", 5, 5, style) == INPUT
    assert colour(image, s, "upper", 0, 1, style) == CURRENT


@pytest.mark.parametrize("style", STYLES)
def test_overlap_is_one_still(style):
    s = scene.build(CLASSIC, "overlap")
    for fmt in ("GIF", "PNG", "WEBP"):
        assert getattr(render(CLASSIC, "overlap", fmt=fmt, style=style), "n_frames", 1) == 1
    image = frame_image(s, 0, style=style)
    ones, twos, fours = (
        colour(image, s, "upper", r, c, style) for r, c in ((0, 0), (0, 1), (1, 1))
    )
    assert len({ones, twos, fours}) == 3  # shaded by count; the count is printed in the cell


@pytest.mark.parametrize("style", STYLES)
def test_values_are_printed(style):
    x = np.array([[2, 3, 1], [1, 3, 0], [0, 2, 1]])
    w = np.array([[0, 1, 1], [0, 1, 0], [1, 0, 1]])
    s = scene.build(CLASSIC, "gather", x, w)
    plain = np.asarray(frame_image(scene.build(CLASSIC), 7, style=style).convert("RGB"))
    image = render(CLASSIC, x=x, w=w, style=style)
    assert image.n_frames == 25
    image.seek(7)
    valued = np.asarray(image.convert("RGB"))
    # as wide; taller by the band of the running sum (y[…] = …) under the caption
    assert valued.shape[1] == plain.shape[1] and valued.shape[0] > plain.shape[0]

    def inked(plane, row, col):
        """Whether the cell's middle has pixels of another colour than its centre (text)."""
        x0, y0 = cell_center(s, plane, row, col, style)
        patch = valued[y0 - 3 : y0 + 4, x0 - 4 : x0 + 5].reshape(-1, 3)
        return len(np.unique(patch, axis=0)) > 2

    assert inked("lower", 1, 1)  # an input value
    assert inked("lower", 2, 3)  # under a tap: 0 with its weight
    assert inked("upper", 0, 0)  # a computed output
    assert not inked("upper", 3, 3)  # not computed yet
    assert not inked("lower", 0, 0)  # padding away from the kernel


def test_labels_off_is_the_bare_picture():
    s = scene.build(CLASSIC)
    bare, labelled = frame_image(s, 0, labels=False), frame_image(s, 0)
    assert bare.width <= labelled.width and bare.height < labelled.height
    assert colour(bare, s, "lower", 1, 1, "arithmetic", labels=False) == TAP_OVER_INPUT


def test_default_cell_is_the_originals_size():
    # the bare figure; labels add the legend and the kernels beside it
    width, height = frame_image(scene.build(CLASSIC), 0, labels=False).size
    assert abs(width - 395) <= 40 and abs(height - 449) <= 40


@pytest.mark.parametrize(
    "options, param",
    [
        ({"format": "bmp"}, "format"),
        ({"style": "fancy"}, "style"),
        ({"format": "gif", "sheet": True}, "format"),
        ({"sheet": True, "frame": 1}, "frame"),
        ({"fps": 0}, "fps"),
        ({"fps": 1001}, "fps"),
        ({"fps": 1e-300}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"loop": -1}, "loop"),
        ({"loop": 70000}, "loop"),
        ({"cell": 3}, "cell"),
        ({"frame": 0}, "frame"),
        ({"max_frames": 0}, "max_frames"),
        ({"output": "x.jpg"}, "output"),
    ],
)
def test_impossible_options(options, param):
    with pytest.raises(ParameterError) as error:
        PictureOptions(**options)
    assert error.value.param == param


def test_frames_out_of_range_and_budgets():
    with pytest.raises(ParameterError, match="frame"):
        encode.write(scene.build(CLASSIC), io.BytesIO(), PictureOptions(frame=26))
    with pytest.raises(IndexError):
        frame_image(scene.build(CLASSIC, "overlap"), 1)
    with pytest.raises(NoAnswer, match="MP"):
        PictureOptions(frame=1, cell=200).plan((Axis(100, 3, 2, 1, 1),) * 2)


def test_frames_are_encoded_beside_the_drawing_in_order_and_failures_surface():
    import random
    import threading
    import time

    from tconv_cli.render.encode import _in_order

    threads = set()

    def slow(k, frame):
        threads.add(threading.current_thread().name)
        time.sleep(random.random() / 500)
        if frame == "bad":
            raise ValueError(f"frame {k}")
        return f"{k}:{frame}".encode()

    done = []
    frames = [f"f{n}" for n in range(12)]
    assert list(_in_order(slow, iter(frames), done.append)) == [
        f"{k}:f{k - 1}".encode() for k in range(1, 13)
    ]
    assert done == list(range(1, 13))
    assert threads and threading.current_thread().name not in threads
    with pytest.raises(ValueError, match="frame 3"):
        list(_in_order(slow, iter(["a", "b", "bad", "c", "d", "e"]), lambda k: None))


def test_a_pillow_without_its_frame_writer_gets_the_same_gif(monkeypatch):
    """The GIF frames go through Pillow's `_write_frame_data` into a file (the LZW lets the
    GIL go there); a Pillow without it gets the same bytes from its public `getdata`."""

    def gif() -> bytes:
        stream = io.BytesIO()
        encode.write(scene.build(CLASSIC), stream, PictureOptions(format="gif"))
        return stream.getvalue()

    assert encode.WRITE_FRAME is not None  # the Pillow the tests run with has it
    through_file = gif()
    monkeypatch.setattr(encode, "WRITE_FRAME", None)
    assert gif() == through_file


def test_threads_laying_out_different_scenes_each_get_their_own():
    """`layout.layout` keeps the layouts of the scene laid out last: two threads laying out
    two scenes, switching as often as Python lets them, must never be given the other's."""
    import sys
    import threading
    import time

    scenes = [scene.build(CLASSIC), scene.build((Axis(6, 2, 1), Axis(5, 3, 2, 1, 1)), "scatter")]
    sizes = [layout.layout(s, "flat", 20, True).size for s in scenes]
    assert sizes[0] != sizes[1]
    wrong: list[tuple] = []

    def lay_out(k: int) -> None:
        for _ in range(800):
            size = layout.layout(scenes[k], "flat", 20, True).size
            time.sleep(0)  # let the other thread in
            if size != sizes[k]:
                wrong.append((k, size))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=lay_out, args=(k,)) for k in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong, wrong[:3]
