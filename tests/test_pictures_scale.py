"""Pictures at any scale (issue 12, items 6 and 8): `--width` picks the cell, text and every
line width grow with the cell, the last frame holds, long animations play in about a minute,
and a sheet is one A4-shaped page with one title and legend and numbered panels. Through the
real CLI and the library, opening the files."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from helpers import run
from PIL import Image

from tconv_cli import scene
from tconv_cli.errors import ParameterError
from tconv_cli.geometry import Axis
from tconv_cli.picture import A4_ASPECT, LONGEST_PLAY, MAX_FPS, PictureOptions, sheet_grid
from tconv_cli.render import encode, layout
from tconv_cli.render.raster import frame_image

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # 25 frames
BIG = (Axis(16, 3, 2, 1, 1, 1, 1),) * 2  # 32×32 output, 1,024 frames
LINE = np.array([0x00, 0x2B, 0x36], float)  # the palette's line ink
WHITE = (255, 255, 255)


def ink(image: Image.Image, a, b, fill) -> float:
    """The line ink met along the segment a → b (px), in px of full line colour over `fill`:
    a line crossed square on counts its width."""
    rgb = np.asarray(image.convert("RGB"), float)
    points = np.rint(np.linspace(a, b, int(np.hypot(*np.subtract(b, a))) + 1)).astype(int)
    pixels, fill = rgb[points[:, 1], points[:, 0]], np.asarray(fill, float)
    share = (pixels - fill) @ (LINE - fill) / ((LINE - fill) @ (LINE - fill))
    return float(np.clip(share, 0, 1).sum())


def first_text_line(image: Image.Image) -> int:
    """The height in px of the topmost run of rows holding dark ink: the caption's first line."""
    dark = (np.asarray(image.convert("L")) < 128).any(axis=1)
    top = int(np.argmax(dark))
    return int(np.argmax(~dark[top:]))


def durations(path) -> list[int]:
    with Image.open(path) as image:
        found = []
        for n in range(image.n_frames):
            image.seek(n)
            image.load()  # WebP reads a frame's duration as it decodes it
            found.append(image.info["duration"])
        return found


# --- width ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["arithmetic", "flat"])
@pytest.mark.slow
def test_width_gives_a_frame_that_wide(tmp_path, style):
    out = tmp_path / "w.gif"
    result = run("animate", "--width", "1024", "--style", style, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as image:
        assert image.size[0] == 1024 and image.n_frames == 25
        assert result.stdout.startswith(f"wrote {out}: 25 frames, 1024×{image.size[1]} px")


def test_width_picks_the_largest_cell_that_fits():
    """Exactly `width` px: the frame at the cell chosen is padded evenly, and one px more of
    cell would not fit, so the padding is less than one cell-px of growth (some 14 px here)."""
    s = scene.build(CLASSIC)
    cell = PictureOptions(width=1024).cell_for(s)
    natural = layout.layout(s, "arithmetic", cell, True).size[0]
    assert natural <= 1024 < layout.layout(s, "arithmetic", cell + 1, True).size[0]
    assert 1024 - natural < layout.layout(s, "arithmetic", cell + 1, True).size[0] - natural
    stream = io.BytesIO()
    size = encode.write(s, stream, PictureOptions(width=1024, frame=1))
    assert size[0] == 1024 == Image.open(stream).size[0]


@pytest.mark.slow
def test_a_large_layer_at_slide_width_has_slide_sized_text(tmp_path):
    out = tmp_path / "slide.png"
    result = run(
        "animate", "--in", "16,16", "--op", "1", "--width", "1920", "--frame", "300", "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as image:
        assert image.size[0] == 1920
        # the caption's em is at least 1/64 of the drawing (layout.TEXT_SPAN), some 28 px
        # here: its first line's ink (capitals, parentheses) is most of an em
        assert first_text_line(image) >= 0.8 * 1920 * 0.9 / layout.TEXT_SPAN


@pytest.mark.slow
def test_text_and_line_widths_scale_with_the_cell():
    s = scene.build(CLASSIC)
    heights, edges, connectors = {}, {}, {}
    for cell in (32, 96):
        heights[cell] = first_text_line(frame_image(s, 0, cell=cell))
        # a cell edge in the flat style: crossed square on between two output cells
        flat = frame_image(s, s.frame_count - 1, style="flat", cell=cell, labels=False)
        grid = layout.layout(s, "flat", cell, False).grids["upper"]
        a, b = grid.point(0.5, 0.5), grid.point(1.5, 0.5)
        edges[cell] = ink(flat, a, b, flat.convert("RGB").getpixel(tuple(np.floor(a))))
        # a connector, across the middle of the one from the current output cell's lower-left
        # corner to the kernel's window, in the white between the planes (nearly vertical)
        oblique = frame_image(s, 0, cell=cell, labels=False)
        grids = layout.layout(s, "arithmetic", cell, False).grids
        middle = (grids["upper"].point(1, 0) + grids["lower"].point(3, 0)) / 2
        connectors[cell] = ink(oblique, middle - (cell * 0.4, 0), middle + (cell * 0.4, 0), WHITE)
    assert abs(heights[96] - 3 * heights[32]) <= 3
    sizes = {cell: layout.sizes_for(cell) for cell in (32, 96)}
    for cell in (32, 96):  # every line's width is a function of the cell
        assert edges[cell] == pytest.approx(sizes[cell]["line"], abs=0.5)
        assert connectors[cell] == pytest.approx(sizes[cell]["connector"], abs=0.5)
    assert edges[96] == pytest.approx(3 * edges[32], abs=1)
    assert connectors[96] == pytest.approx(3 * connectors[32], abs=1)


# --- timing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["gif", "png", "webp"])
@pytest.mark.slow
def test_the_last_frame_holds(tmp_path, suffix):
    out = tmp_path / f"hold.{suffix}"
    assert run("animate", "--fps", "4", "--hold", "2.5", "-o", str(out)).exit_code == 0
    assert durations(out) == [250] * 24 + [2500]
    out.unlink()
    assert run("animate", "--fps", "4", "--hold", "0", "-o", str(out)).exit_code == 0
    assert durations(out) == [250] * 25  # no hold: as long as the others
    out.unlink()
    result = run("animate", "-o", str(out))
    assert durations(out) == [1000] * 24 + [3000]  # the default: 1 s a frame, 3 s at the end
    assert result.stdout.endswith(", 1 frame a second, the last held 3 s\n")
    assert result.stderr == ""


def test_long_animations_play_in_about_a_minute(tmp_path):
    out = tmp_path / "long.gif"
    small = ["--in", "40", "--dims", "1", "--style", "flat", "--cell", "12"]  # 79 frames
    result = run("animate", *small, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "note: 79 frames at 1 a second would play 81 s: 730 ms a frame "
        "instead, 60 s in all; --fps sets the speed\n"
    )
    assert durations(out) == [730] * 78 + [3000]
    out.unlink()
    given = run("animate", *small, "--fps", "1", "-o", str(out))
    assert given.stderr == "" and durations(out)[:-1] == [1000] * 78


@pytest.mark.parametrize("count", [1, 2, 25, 58, 59, 60, 61, 79, 961, 1024, 5000])
def test_default_timing(count):
    timing = PictureOptions().timing(count)
    assert timing.last_ms == 3000
    if (count - 1) + 3 <= LONGEST_PLAY:
        assert (timing.delay_ms, timing.chosen) == (1000, False)
    else:  # the longest frames (GIF counts hundredths) that play in a minute, hold included
        assert timing.chosen and timing.delay_ms % 10 == 0
        assert timing.delay_ms >= 1000 / MAX_FPS
        fits = timing.seconds(count) <= LONGEST_PLAY
        assert fits or timing.delay_ms == 1000 / MAX_FPS
        if timing.delay_ms > 1000 / MAX_FPS:
            assert (count - 1) * (timing.delay_ms + 10) + 3000 > LONGEST_PLAY * 1000
    assert PictureOptions().timing(961).delay_ms == 50  # 16 minutes at 1 s become 51 s


# --- sheets ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_sheet_is_an_a4_page_with_one_title_and_numbered_panels(tmp_path):
    out = tmp_path / "sheet.png"
    result = run("animate", "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    s = scene.build(CLASSIC)
    sheet = layout.sheet_layout(s, "arithmetic", 28, True)
    with Image.open(out) as page:
        assert page.size == sheet.size
        width, height = page.size
        assert abs(height - width * A4_ASPECT) <= 1  # padded to exactly A4's shape
        assert result.stdout == (
            f"wrote {out}: one page of 25 frames, {width}×{height} px; "
            f"at A4 width {round(width / (210 / 25.4))} dpi\n"
        )
        rgb = np.asarray(page.convert("RGB"))
    # one title and one legend, on the page; the panels have only their planes' names
    assert sheet.title is not None and sum(label is sheet.title for label in sheet.labels) == 1
    assert len(sheet.swatches) == len(s.legend) > 0
    assert len(sheet.panel.labels) == len(s.titles) and sheet.panel.swatches == []
    assert (sheet.columns, sheet.rows) == (5, 5)
    # the title is ink above the first panel; the numbers 1…25, each over its panel's corner
    x, y = np.rint(sheet.title.position).astype(int)
    assert (rgb[y : y + sheet.title.mask.shape[0], x:].min(axis=2) < 128).any()
    numbers = sheet.labels[-25:]
    size = numbers[0].size
    assert size >= layout.sizes_for(28)["label"]  # no smaller than a frame's names
    for k, (label, (ox, oy)) in enumerate(zip(numbers, sheet.origins), 1):
        assert np.array_equal(label.mask, layout.text_mask(str(k), size))
        lx, ly = np.rint(label.position).astype(int)
        assert ox <= lx < ox + sheet.panel.size[0] // 4 and ly + label.mask.shape[0] <= oy
        inked = rgb[ly : ly + label.mask.shape[0], lx : lx + label.mask.shape[1]]
        assert (inked[label.mask == layout.LEVELS].max(axis=1) < 128).all()  # dark text


def test_sheet_text_is_sized_for_the_page():
    s = scene.build(CLASSIC)
    sheet = layout.sheet_layout(s, "arithmetic", 28, True)
    # the title's em is at least 1/64 of the page (3.3 mm at A4 width): its ink most of it
    assert sheet.title.mask.shape[0] >= 0.8 * sheet.size[0] * 0.9 / layout.TEXT_SPAN


@pytest.mark.slow
def test_a_long_sheet_says_how_many_a4_pages(tmp_path):
    out = tmp_path / "odd.png"
    result = run("animate", "--in", "3,3", "--op", "1", "--sheet", "-o", str(out))
    with Image.open(out) as page:
        width, height = page.size
    assert height > width * A4_ASPECT  # 36 frames in 5 columns do not fit one A4 page
    pages = math.ceil(height / (width * A4_ASPECT))
    assert result.stdout.endswith(
        f"{width}×{height} px; at A4 width "
        f"{round(width / (210 / 25.4))} dpi, {pages} A4 pages long; "
        "write a .pdf for A4 pages\n"
    )


@pytest.mark.slow
def test_a_sheet_at_300_dpi_for_a4(tmp_path):
    out = tmp_path / "a4.png"
    result = run("animate", "--sheet", "--width", "2480", "-o", str(out))
    with Image.open(out) as page:
        assert page.size == (2480, round(2480 * A4_ASPECT))
    assert re.search(r"one page of 25 frames, 2480×3507 px; at A4 width 300 dpi\n$", result.stdout)


@pytest.mark.parametrize(
    ("count", "text", "expected"),
    [
        (1, 0, (1, 1)),
        (4, 0, (2, 2)),
        (9, 0, (3, 3)),
        (25, 0, (5, 5)),
        (36, 0, (5, 8)),
        (961, 0, (5, 193)),
        # text 4 px in 100-px panels is 1.8 mm printed at A4 width up to 4 columns; 1 px, 1
        (25, 4, (4, 7)),
        (25, 1, (1, 25)),
        (2, 1, (1, 2)),
        (4, 20, (2, 2)),
    ],
)
def test_sheet_grid_rule(count, text, expected):
    """The fewest columns (at most 5, and few enough for the text) whose page fits one A4
    page; square panels here."""
    assert sheet_grid(count, lambda cols: (100, 100, text, 0)) == expected
    cols, rows = expected
    assert cols <= 5 and (rows * 100 <= A4_ASPECT * cols * 100 or cols == 5 or text)
    assert not text or cols == 1 or text / (cols * 100) * 210 >= 1.8


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--width", "0"], "Error: --width 0: width must be between 100 and 8,192 pixels"),
        (
            ["--width", "99999999"],
            "Error: --width 99999999: width must be between 100 and 8,192 pixels",
        ),
        (
            ["--hold", "-1"],
            "Error: --hold -1.0: hold must be between 0 (the last frame shows "
            "as long as the others) and 65.535 seconds (the most GIF holds)",
        ),
        (
            ["--width", "1024", "--cell", "30"],
            "Error: --width 1024: width does not go with "
            "cell (the width picks the cell size): give one of them",
        ),
        (
            ["--width", "1024", "--cell", "28"],
            "Error: --width 1024: width does not go with "
            "cell (the width picks the cell size): give one of them",
        ),
        (
            ["--in", "16,16", "--width", "300"],
            "Error: --width 300: width is too narrow: at "
            "the smallest cell (12 px) this frame is at least 665 px wide",
        ),
        (
            ["--width", "150", "--frame", "1"],
            r"Error: --width 150: width is too narrow: at "
            r"the smallest cell \(12 px\) this frame is \d+ px wide",
        ),  # labels, margins too
        (
            ["--terminal", "--hold", "1"],
            "Error: --hold is for pictures in files; --terminal draws in the terminal",
        ),
    ],
)
def test_bad_sizes_and_holds_are_refused_in_one_line(args, line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("animate", *args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n" or re.fullmatch(line + "\n", result.stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"width": 0}, "width"),
        ({"width": 1024.5}, "width"),
        ({"width": True}, "width"),
        ({"width": 1024, "cell": 40}, "width"),
        ({"hold": -0.1}, "hold"),
        ({"hold": float("nan")}, "hold"),
        ({"hold": 100}, "hold"),
    ],
)
def test_library_names_the_option(options, param):
    with pytest.raises(ParameterError) as error:
        PictureOptions(**options)
    assert error.value.param == param


def test_a_sheet_with_values_keeps_them_legible_in_print():
    s = scene.build(CLASSIC, "gather", np.ones((3, 3)), np.ones((3, 3)))
    sheet = layout.sheet_layout(s, "flat", 28, True)
    value = layout.sizes_for(28)["value"]
    assert value * 210 / sheet.size[0] >= 1.8  # mm, at A4 width
    assert 1 < sheet.columns < 5  # fewer columns than without values, still a grid


@pytest.mark.slow
def test_the_library_takes_width_and_hold(tmp_path):
    from tconv_cli import ConvTranspose

    picture = ConvTranspose(kernel_size=3, stride=2, padding=1).scene((3, 3))
    path = picture.save(tmp_path / "lib.gif", width=800, hold=1.5)
    with Image.open(path) as image:
        assert image.size[0] == 800
    assert durations(path) == [1000] * 24 + [1500]
    assert Image.open(io.BytesIO(picture.encoded(width=640, frame=3))).size[0] == 640


@pytest.mark.slow
def test_a_sheets_legend_tells_inserted_zeros_from_padding(tmp_path):
    """The page's legend draws the inserted zero's swatch with its 0, as the cells have it,
    and padding's plain: the two dashed swatches differ."""
    out = tmp_path / "sheet.png"
    assert run("animate", "--sheet", "-o", str(out)).exit_code == 0
    sheet = layout.sheet_layout(scene.build(CLASSIC), "arithmetic", 28, True)
    with Image.open(out) as page:
        rgb = np.asarray(page.convert("RGB")).astype(int)

    def ink(role) -> int:  # dark pixels inside the swatch, clear of its dashed edges
        grid = next(s.grid for s in sheet.swatches if s.entry.key == role)
        (x0, y0), (x1, y1) = grid.corners().min(axis=0), grid.corners().max(axis=0)
        inside = rgb[int(y0) + 4 : int(y1) - 4, int(x0) + 4 : int(x1) - 4]
        return int((inside.sum(axis=2) < 300).sum())

    assert ink(scene.Role.INSERTED) > 0 and ink(scene.Role.PADDING) == 0
