"""Handouts: `tconv animate --sheet` as A4 pages of a PDF, each page under its own header (the
title with "page K of N", the geometry in words, the legend, the kernel and flip(W) panels),
stored losslessly and small; the one-page PNG with its header once; refusals whose
suggestions are themselves accepted. Through the CLI, with the pages read back."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from helpers import run, transposed_layers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from tconv_cli import scene
from tconv_cli.geometry import Axis
from tconv_cli.numeric import sample_values
from tconv_cli.picture import A4_ASPECT
from tconv_cli.render import layout

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # 25 frames
FOUR = (Axis(4, 3, 2, 1, 1),) * 2  # 49 frames: six A4 pages with values
A4_POINTS = (595.276, 841.89)  # 210 × 297 mm


def pdf_images(data: bytes) -> list[Image.Image]:
    """Each page's image as stored: an indexed (palette) image, Flate-compressed."""
    found = []
    pattern = re.compile(
        rb"/Width (\d+) /Height (\d+) /ColorSpace \[/Indexed /DeviceRGB 255 <([0-9a-f]+)>\] "
        rb"/BitsPerComponent 8 /Filter /FlateDecode /Length (\d+) >>\nstream\n"
    )
    for match in pattern.finditer(data):
        width, height, palette, length = (match[1], match[2], match[3], match[4])
        pixels = zlib.decompress(data[match.end() : match.end() + int(length)])
        image = Image.frombytes("P", (int(width), int(height)), pixels)
        image.putpalette(bytes.fromhex(palette.decode()))
        found.append(image)
    return found


def ink(image: Image.Image, box) -> np.ndarray:
    """The dark pixels (text and lines) of `image` in `box` [[x0, y0], [x1, y1]]."""
    (x0, y0), (x1, y1) = np.rint(box).astype(int)
    return np.asarray(image.convert("L").crop((x0, y0, x1, y1))) < 128


def kernel_box(page) -> np.ndarray:
    """Around a page's kernel panels' cells (drawn as the frames' are; not their names)."""
    points = np.concatenate([grid.corners() for grid in page.kernels])
    return np.array([points.min(axis=0), points.max(axis=0)])


def test_every_pdf_page_is_a4_under_its_own_header(tmp_path):
    out = tmp_path / "handout.pdf"
    result = run("animate", "--in", "4,4", "--values", "--sheet", "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    said = json.loads(result.stdout)
    count, cell = said["pages"], said["cell"]
    assert said["frames"] == 49
    data = out.read_bytes()
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) == count == len(re.findall(rb"/Type /Page\b(?!s)", data)) > 2
    for w, h in boxes:
        assert abs(float(w) - A4_POINTS[0]) < 0.5 and abs(float(h) - A4_POINTS[1]) < 1
    images = pdf_images(data)
    assert len(images) == count and b"/DCTDecode" not in data  # no JPEG: exact pixels
    # the layout drawn: the same scene as the CLI's (seed 0)
    s = scene.build(FOUR, "gather", *sample_values(FOUR, 0))
    assert cell == layout.print_cell(s, "arithmetic", 28)  # the print rule's cell
    pages = layout.sheet_layout(s, "arithmetic", cell, True, a4=True).pages
    assert len(pages) == count
    assert [k for page in pages for k in page.frames] == list(range(49))  # each frame once
    first = images[0]
    title = layout.text_mask(s.caption, pages[0].title.size)  # the title without its note
    for k, (page, image) in enumerate(zip(pages, images), 1):
        assert image.size == page.size and abs(image.size[1] / image.size[0] - A4_ASPECT) < 1e-3
        assert page.title.text.startswith(s.caption) and page.title.text.endswith(
            f"page {k} of {count}"
        )
        assert s.explanation in {label.text.replace("\n", " ") for label in page.labels}
        assert len(page.kernels) == len(s.kernels) == 2 and len(page.swatches) == len(s.legend)
        # the header's pixels: the title's words and the kernel panels as on the first page
        x, y = page.title.position
        words = [[x, y], [x + title.shape[1], y + title.shape[0]]]
        assert ink(image, words).sum() > 0.05 * title.size
        assert (ink(image, words) == ink(first, words)).all()
        kernels = kernel_box(page)
        assert ink(image, kernels).any() and (ink(image, kernels) == ink(first, kernels)).all()
        # the panels sit below the header
        header = max(label.box()[1, 1] for label in page.labels[: -len(page.frames)])
        assert min(y for _, y in page.origins) > header


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils' pdftoppm")
def test_a_pdf_reader_shows_every_pages_header(tmp_path):
    """Poppler reads the file (its cross-reference table, the indexed images) and each
    rendered page has the title's ink in its top band and the flip(W) panel's at its right."""
    out = tmp_path / "h.pdf"
    assert run("animate", "--in", "4,4", "--values", "--sheet", "-o", str(out)).exit_code == 0
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "p")], check=True)
    rendered = sorted(tmp_path.glob("p-*.png"))
    assert len(rendered) == len(pdf_images(out.read_bytes())) > 2
    for path in rendered:
        with Image.open(path) as page:
            width, height = page.size
            assert abs(height / width - A4_ASPECT) < 0.02
            dark = np.asarray(page.convert("L")) < 160
            band = dark[: height // 14]
            assert band[:, : width // 3].sum() > 10  # the title
            assert band[:, -width // 6 :].sum() > 10  # the kernel panels


def test_a_small_handout_is_small(tmp_path):
    """Pages as Flate palette images, not JPEG (the issue's 8×8 example was 85 MB for 57
    pages, 1.5 MB a page)."""
    out = tmp_path / "s.pdf"
    result = run("animate", "--in", "4,4", "--sheet", "--values", "-o", str(out))
    pages = int(re.search(r"(\d+) A4 pages", result.stdout)[1])
    assert out.stat().st_size / pages < 150_000  # some 54 kB a page at 150 dpi


def test_a_png_sheet_has_its_header_and_kernels_once(tmp_path):
    out = tmp_path / "s.png"
    result = run("animate", "--values", "--style", "flat", "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    s = scene.build(CLASSIC, "gather", *sample_values(CLASSIC, 0))
    sheet = layout.sheet_layout(s, "flat", 28, True)
    with Image.open(out) as image:
        assert image.size == sheet.size
        width, height = image.size
        pages = -(-height // round(width * A4_ASPECT))
        assert pages > 1 and result.stdout.endswith(
            f", {pages} A4 pages long; write a .pdf for A4 pages\n"
        )
        assert [label.text for label in sheet.labels].count(s.caption) == 1  # no page note
        assert len(sheet.kernels) == 2 and ink(image, kernel_box(sheet)).any()
        assert not sheet.pages  # one page


@pytest.mark.slow
def test_refusals_offer_a4_pages_only_when_they_are_accepted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    offered = run("animate", "--in", "8,8", "--sheet", "--cell", "28", "-o", "s.png")
    assert offered.exit_code == 1 and "write A4 pages (-o s.pdf)" in offered.stderr
    too_large = run("animate", "--in", "16,16", "--sheet", "-o", "s.png")
    assert too_large.exit_code == 1 and ".pdf" not in too_large.stderr
    refused = run("animate", "--in", "16,16", "--sheet", "-o", "s.pdf")
    assert refused.exit_code == 1 and "use cell" not in refused.stderr  # none fits
    assert refused.stderr.count("\n") == 1
    # an SVG asked for as a sheet is not told to write a .gif (a sheet is PNG, SVG or PDF)
    sheet = run("animate", "--in", "12", "--sheet", "-o", "a.svg")
    assert sheet.exit_code == 1 and ".gif" not in sheet.stderr and "draw one" not in sheet.stderr
    assert run("animate", "--sheet", "-o", "a.gif").exit_code == 2
    implied = run("animate", "--in", "12", "-o", "a.svg")  # every frame, not asked as a sheet
    assert implied.exit_code == 1 and "write a .gif" in implied.stderr


@pytest.mark.parametrize(
    ("sizes", "style"),
    [((4, 4), "arithmetic"), ((16, 2), "flat"), ((20, 1), "arithmetic")],
)
def test_every_page_is_a4_and_holds_its_panels(sizes, style):
    """Whole rows on each page, below its header and within it; a row too tall for an A4
    page under its header ((20, 1): one tall panel) makes the pages wider, never taller
    than A4's shape, the contents centred."""
    layer = tuple(Axis(i, 3, 2, 1, 1) for i in sizes)
    s = scene.build(layer, "gather", *sample_values(layer, 0))
    sheet = layout.sheet_layout(s, style, 28, True, a4=True)
    width, height = sheet.panel.size
    assert [k for page in sheet.pages for k in page.frames] == list(range(s.frame_count))
    for page in sheet.pages:
        assert page.size[1] == round(page.size[0] * A4_ASPECT) and page.size[0] >= sheet.size[0]
        assert len(page.frames) % sheet.columns == 0 or page is sheet.pages[-1]
        header = max(label.box()[1, 1] for label in page.labels[: -len(page.frames)])
        for x, y in page.origins:
            assert header < y and x + width <= page.size[0] and y + height <= page.size[1]
        left, right = page.origins[0][0], page.size[0] - max(x for x, _ in page.origins) - width
        assert abs(left - right) <= 1 or len(page.frames) < sheet.columns  # centred
    if sizes == (20, 1):  # one tall panel a page: the page is wide enough to hold it
        assert all(len(page.frames) == 1 for page in sheet.pages)
        assert sheet.pages[0].origins[0][1] + height > 0.8 * sheet.pages[0].size[1]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["--in", "16,16", "--row", "1"],  # a PDF's pages one panel wide: accepted
        ["--in", "5,5", "--values"],
    ],
)
def test_a_long_png_sheet_offers_a_pdf_only_when_it_is_accepted(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    long = run("animate", *args, "--sheet", "-o", "r.png")
    assert long.exit_code == 0 and re.search(r"\d A4 pages long", long.stdout), long.stdout
    pdf = run("animate", *args, "--sheet", "-o", "r.pdf")
    assert pdf.exit_code in (0, 1), pdf.stderr
    offered = long.stdout.endswith("A4 pages long; write a .pdf for A4 pages\n")
    assert offered == (pdf.exit_code == 0), (long.stdout, pdf.stderr)


# --- the print rule: a PDF page's resolution, its text on paper, its page count -------------

A4_INCHES = 210 / 25.4
MIN_PRINT_DPI, MAX_PRINT_DPI = 150, 300  # the print rule's bounds, as the issue asks
MIN_PRINTED_PT = 7  # and its smallest text on paper: every text, subscripts too
CELLS, SUBSCRIPTS, SECOND_LINES = (
    "the cells' text",
    "the cells' subscripts",
    "the cells' second lines",
)


def second_drawn(mask: np.ndarray, main: str, second: str, size: int, notes: bool) -> int:
    """The size `second` is drawn at in a cell's text `mask` whose main text is drawn at
    `size`: looked for in the mask's ink right of the main text (a subscript) or under it
    (a note), from `size` down."""
    big = layout.text_mask(main, size)
    part = mask[big.shape[0] :, :] if notes else mask[:, big.shape[1] :]
    for small_size in range(size, 3, -1):
        small = layout.text_mask(second, small_size)
        if small.shape[0] <= part.shape[0] and small.shape[1] <= part.shape[1]:
            windows = np.lib.stride_tricks.sliding_window_view(part, small.shape)
            if (windows == small).all(axis=(2, 3)).any():
                return small_size
    raise AssertionError(f"{second!r} is not drawn beside {main!r}")


def drawn_texts(s, sheet, cell: int) -> dict[str, int]:
    """The smallest text of each kind on a PDF's pages in px, from what the layout draws:
    every text any frame writes in the cells, fitted to its cell as the raster draws it,
    and its subscript or second line found in the drawn mask; the kernel panels'; and the
    labels (each panel's names and sum, each page's title, words, legend and numbers)."""
    sizes = layout.sizes_for(cell)
    grid = sheet.panel.grids["upper"]
    found = {CELLS: sizes["value"]}  # a glyph, a number alone

    def add(what: str, size: int) -> None:
        found[what] = min(found.get(what, size), size)

    seen = set()
    for frame in s:
        for state in s.states(frame).values():
            for _, _, main, second in state.labels():
                if (main, second, state.notes) in seen:
                    continue
                seen.add((main, second, state.notes))
                mask, size = layout.fit_cell_text(
                    grid, main, second, sizes["value"], sizes["line"], state.notes
                )
                add(CELLS, size)
                if second:
                    size = second_drawn(mask, main, second, size, state.notes)
                    add(SECOND_LINES if state.notes else SUBSCRIPTS, size)
    for page in sheet.pages:
        for grid, kernel in zip(page.kernels, s.kernels):
            size = layout.kernel_text(grid, sizes["value"])
            for text in set(kernel.texts.ravel().tolist()):
                add("the kernel panels' text", layout.fit_cell_text(grid, text, None, size, 1)[1])
        for label in page.labels + sheet.panel.labels:
            add("the labels", label.size)
    return found


def check_smallest(s, sheet, cell: int) -> float:
    """The sheet's smallest text is the smallest drawn; its size in points on paper."""
    found = drawn_texts(s, sheet, cell)
    assert sheet.text == min(found.values()) and found[sheet.smallest] == sheet.text, found
    return sheet.text / (sheet.pages[0].size[0] / A4_INCHES) * 72


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer=transposed_layers(max_in=3, max_in_1d=6),
    view=st.sampled_from(["gather", "gather", "scatter"]),
    style=st.sampled_from(["arithmetic", "flat"]),
    values=st.booleans(),
    cell=st.sampled_from([28, 28, 36, 60]),
    frames=st.integers(2, 30),
)
def test_pdf_pages_print_every_text_legibly_on_as_few_pages_as_the_rule_allows(
    layer, view, style, values, cell, frames
):
    """At the cell the print rule takes from the one asked for (`print_cell`: the default
    28, or larger), in the gather view and the scatter view (its stamps' second lines),
    every page is between 150 and 300 dpi at A4 width with every text on it
    7 pt or more on paper: the cells' numbers, the subscripts and second lines beside and
    under them as drawn, the kernel panels', the labels; unless a frame is larger than an A4
    page at 7 pt (`widened`: one panel across, its text smaller). And no page width the
    rule allows (150 dpi up to the widest at which the cells' text is 7 pt) takes fewer
    pages."""
    s = scene.build(layer, view, *(sample_values(layer, 0) if values else (None, None)))
    assume(s.frame_count > 1)
    s = scene.select(s, 1, min(frames, s.frame_count))
    cell = layout.print_cell(s, style, cell)
    sheet = layout.sheet_layout(s, style, cell, True, a4=True)
    width = sheet.pages[0].size[0]
    assert {page.size for page in sheet.pages} == {(width, round(width * A4_ASPECT))}
    dpi = width / A4_INCHES
    points = check_smallest(s, sheet, cell)
    assert sheet.printed_points() == pytest.approx(points)
    if sheet.printed.widened:  # one panel across
        assert points < MIN_PRINTED_PT and sheet.printed.columns == 1
    else:
        assert MIN_PRINT_DPI <= dpi <= MAX_PRINT_DPI, dpi
        assert points >= MIN_PRINTED_PT, (sheet.text, dpi, sheet.smallest)
    # the widest page the rule allows, and the narrowest: none holds the frames on fewer pages
    cells = min(v for k, v in drawn_texts(s, sheet, cell).items() if k.startswith("the cells"))
    widest = math.floor(min(MAX_PRINT_DPI, cells * 72 / MIN_PRINTED_PT) * A4_INCHES)
    for other in {widest, math.ceil(MIN_PRINT_DPI * A4_INCHES), width + 1}:
        pages = layout.sheet_layout(s, style, cell, True, a4=True, width=other).pages
        assert len(sheet.pages) <= len(pages), (other, width)
    # and each page but the last is full: as many rows as fit under its header
    per_page = sheet.printed.columns * sheet.printed.rows
    assert [len(page.frames) for page in sheet.pages[:-1]] == [per_page] * (len(sheet.pages) - 1)
    if sheet.rows > 1 and len(sheet.pages) > 1:
        step = sheet.origins[sheet.columns][1] - sheet.origins[0][1]
        margin = sheet.pages[0].title.position[0]
        for page in sheet.pages[:-1]:
            below = max(y for _, y in page.origins) + step + sheet.panel.size[1]
            assert below > page.size[1] - margin


WROTE = re.compile(
    r"wrote \S+: (\d+) A4 pages? of (\d+) frames?, (\d+) a page, (\d+)×(\d+) px a page, "
    r"(\d+) dpi, the smallest text ([\d.]+) pt \((.+?)\)(; .*)?\n"
)


def handout(out, *args) -> tuple[re.Match, str, list[Image.Image]]:
    """`tconv animate ARGS --sheet -o OUT`: its wrote line, its notes and the pages."""
    result = run("animate", *args, "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    said = WROTE.fullmatch(result.stdout)
    assert said, result.stdout
    return said, result.stderr, pdf_images(out.read_bytes())


@pytest.mark.parametrize(
    ("args", "view", "smallest"),
    [
        ([], "gather", SUBSCRIPTS),  # a tap's name beside an inserted zero's 0
        (["--values"], "gather", SUBSCRIPTS),  # a weight beside a value
        (["--view", "scatter", "--values"], "scatter", SECOND_LINES),  # "3·2" under "+6"
    ],
)
def test_the_cli_prints_every_text_at_7_pt_subscripts_too(tmp_path, args, view, smallest):
    """The classic handouts: every text 7 pt or more on paper at the pages' resolution
    (read from the file), the smallest the cells' subscripts or second lines, measured in
    what the layout draws; the line says what the print rule lays out. At the cell the
    other pictures use (28 px, or the stamps' 44), that text prints under 7 pt."""
    said, notes, images = handout(tmp_path / "c.pdf", "--in", "3,3", *args)
    width, height = images[0].size
    dpi = width / A4_INCHES
    values = sample_values(CLASSIC, 0) if "--values" in args else (None, None)
    s = scene.build(CLASSIC, view, *values)
    default = 44 if view == "scatter" else 28
    cell = layout.print_cell(s, "arithmetic", default)
    sheet = layout.sheet_layout(s, "arithmetic", cell, True, a4=True)
    points = check_smallest(s, sheet, cell)
    assert sheet.smallest == smallest and points >= MIN_PRINTED_PT and not notes
    assert sheet.text / dpi * 72 == pytest.approx(points)
    assert [int(v) for v in said.groups()[:6]] == [
        len(images),
        s.frame_count,
        max(len(page.frames) for page in sheet.pages),
        width,
        height,
        round(dpi),
    ]
    assert len(images) == len(sheet.pages) and said[7] == f"{points:.1f}" and said[8] == smallest
    # the cell the animations use prints it smaller: why the handout's cell is larger
    small = layout.sheet_layout(s, "arithmetic", default, True, a4=True)
    assert small.smallest == smallest and check_smallest(s, small, default) < MIN_PRINTED_PT
    assert cell > default


def test_a_cell_too_small_to_print_is_said_with_one_that_prints(tmp_path, monkeypatch):
    """`--cell 28`: the subscripts print under 7 pt, and a note on stderr (exit 0) says so
    and names the cell that prints them at 7 pt; that cell, run, prints every text at 7 pt
    or more (as the note says) and says nothing more."""
    monkeypatch.chdir(tmp_path)
    said, notes, _ = handout(tmp_path / "a.pdf", "--values", "--cell", "28")
    points = float(said[7])
    assert points < MIN_PRINTED_PT
    note = re.fullmatch(
        r"note: the cells' subscripts print at ([\d.]+) pt, under 7 pt at cell 28; "
        r"--cell (\d+) prints its smallest text at ([\d.]+) pt\n",
        notes,
    )
    assert note and float(note[1]) == points, notes
    better, quiet, _ = handout(tmp_path / "b.pdf", "--values", "--cell", note[2])
    assert better[7] == note[3] and float(better[7]) >= MIN_PRINTED_PT and quiet == ""


@pytest.mark.parametrize(
    "args",
    [
        ["--dims", "1", "--in", "12", "--style", "flat"],  # 12 → 23: rows wider than A4
        pytest.param(  # the oblique planes, wider and taller
            ["--in", "10,10", "--row", "1"], marks=pytest.mark.slow
        ),
    ],
)
def test_a_frame_too_large_for_a4_at_7_pt_is_said_with_an_input_that_prints(tmp_path, args):
    """A frame larger than an A4 page at 7 pt is printed one across, its text smaller, and
    a note (exit 0) says how small, why, and the largest input that prints at 7 pt; that
    input, run, prints every text at 7 pt or more, as the note says, and says nothing more.
    `--json` says it too: the note in its notes, `legible` false."""
    said, notes, images = handout(tmp_path / "a.pdf", *args)
    note = re.fullmatch(
        r"note: the cells' subscripts print at ([\d.]+) pt, under 7 pt: a frame of this grid "
        r"is larger than an A4 page at 7 pt; --in ([\d,]+) prints its smallest text at "
        r"([\d.]+) pt\n",
        notes,
    )
    assert note and note[1] == said[7] and float(said[7]) < MIN_PRINTED_PT, notes
    assert said[3] == "1" or "--dims" in args  # one a page, or rows of one
    given = args[args.index("--in") + 1]
    assert [int(v) for v in note[2].split(",")] < [int(v) for v in given.split(",")]
    smaller = [*args[: args.index("--in") + 1], note[2], *args[args.index("--in") + 2 :]]
    legible, quiet, _ = handout(tmp_path / "b.pdf", *smaller)
    assert legible[7] == note[3] and float(legible[7]) >= MIN_PRINTED_PT and quiet == ""
    # the next larger input prints under 7 pt: the note names the largest that does not
    larger = note[2].replace(str(int(note[2].split(",")[0])), str(int(note[2].split(",")[0]) + 1))
    bigger = [*args[: args.index("--in") + 1], larger, *args[args.index("--in") + 2 :]]
    assert float(handout(tmp_path / "c.pdf", *bigger)[0][7]) < MIN_PRINTED_PT
    data = json.loads(
        run("animate", *args, "--sheet", "-o", str(tmp_path / "a.pdf"), "--force", "--json").stdout
    )
    assert data["notes"] == [notes.removeprefix("note: ").rstrip("\n")]
    assert data["legible"] is False and f"{data['smallest_text']['points']:.1f}" == said[7]


@pytest.mark.slow
def test_json_says_what_the_text_says(tmp_path, monkeypatch):
    """A PDF's wrote line and notes, and an animation's, as --json's keys; --json with
    --terminal is refused (exit 2)."""
    monkeypatch.chdir(tmp_path)
    for args in (
        ["--in", "4,4", "--values", "--sheet", "--cell", "30", "-o", "h.pdf"],
        ["--fps", "7", "-o", "a.gif"],
    ):
        text = run("animate", *args)
        data = json.loads(run("animate", *args, "--force", "--json").stdout)
        assert text.exit_code == 0, text.stderr
        notes = [line.removeprefix("note: ") for line in text.stderr.splitlines()]
        assert data.get("notes", []) == notes and notes  # each has one
        line = text.stdout
        assert line.startswith(f"wrote {data['output']}: ")
        if data["format"] == "pdf":
            said = WROTE.fullmatch(line)
            assert [int(v) for v in said.groups()[:6]] == [
                data["pages"],
                data["frames"],
                data["frames_a_page"],
                *data["page_size"],
                data["dpi"],
            ]
            assert said[7] == f"{data['smallest_text']['points']:.1f}"
            assert said[8] == data["smallest_text"]["what"] and said[9] == f"; {data['hint']}"
        else:
            assert f"{data['frames']} frames, {data['size'][0]}×{data['size'][1]} px" in line
            assert f"{1000 / data['delay_ms']:.3g} frames a second" in line
            assert f"the last held {data['last_ms'] / 1000:g} s" in line
    refused = run("animate", "--terminal", "--json")
    assert refused.exit_code == 2 and "--json" in refused.stderr


def test_a_long_handout_names_what_prints_fewer(tmp_path, monkeypatch):
    """Over ten pages, the line says how many frames one row is, and --row 1 prints them."""
    monkeypatch.chdir(tmp_path)
    said, _, _ = handout(tmp_path / "a.pdf", "--in", "4,4", "--values")
    assert int(said[1]) > 10
    row = re.fullmatch(
        r"; --row R prints one row's (\d+) frames; --every or --frames choose fewer", said[9]
    )
    assert row, said[9]
    one, _, _ = handout(tmp_path / "b.pdf", "--in", "4,4", "--values", "--row", "1")
    assert one[2] == row[1] and int(one[1]) < int(said[1]) and one[9] is None


@pytest.mark.slow
def test_a_pdf_refused_for_its_pages_names_a_cell_that_is_accepted(tmp_path, monkeypatch):
    """441 frames, one an A4 page at the print rule's 150 dpi, are over 1,000 MP of pages;
    the cell the refusal names is written (441 pages at 150 dpi, its numbers 6.7 pt)."""
    monkeypatch.chdir(tmp_path)
    refused = run("animate", "--in", "11,11", "--sheet", "-o", "s.pdf")
    assert refused.exit_code == 1 and "MP of pages" in refused.stderr, refused.stderr
    cell = re.search(r"use cell (\d+),", refused.stderr)[1]
    accepted = run("animate", "--in", "11,11", "--sheet", "--cell", cell, "-o", "s.pdf")
    assert accepted.exit_code == 0, accepted.stderr
    pages = int(re.search(r"(\d+) A4 pages", accepted.stdout)[1])
    assert pages == len(pdf_images((tmp_path / "s.pdf").read_bytes())) == 441


def test_a_pdf_page_width_picks_the_cell_that_prints_at_7_pt_on_it(tmp_path, monkeypatch):
    """`--width 2000`: pages 2000 px wide (242 dpi), drawn at the smallest cell whose text in
    the cells prints at 7 pt or more on them (the cell below it would not); narrower than
    150 dpi is refused."""
    monkeypatch.chdir(tmp_path)
    result = run("animate", "--sheet", "--width", "2000", "-o", "w.pdf", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["page_size"] == [2000, 2828] and data["dpi"] == 242 and data["legible"]
    assert {image.size for image in pdf_images((tmp_path / "w.pdf").read_bytes())} == {(2000, 2828)}
    s = scene.build(CLASSIC)
    cell = data["cell"]
    for c, legible in ((cell, True), (cell - 1, False)):
        sheet = layout.sheet_layout(s, "arithmetic", c, True, width=2000, a4=True)
        assert (check_smallest(s, sheet, c) >= MIN_PRINTED_PT) == legible, c
    narrow = run("animate", "--sheet", "--width", "1000", "-o", "n.pdf")
    assert narrow.exit_code == 2 and "--width 1000" in narrow.stderr
    assert narrow.stderr.count("\n") == 1
