"""Handouts: `tconv animate --sheet` as A4 pages of a PDF, each page under its own header (the
title with "page K of N", the geometry in words, the legend, the kernel and flip(W) panels),
stored losslessly and small; the one-page PNG with its header once; refusals whose
suggestions are themselves accepted. Through the CLI, with the pages read back."""

from __future__ import annotations

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
    result = run("animate", "--in", "4,4", "--values", "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    count = int(re.search(r"(\d+) A4 pages of 49 frames", result.stdout)[1])
    data = out.read_bytes()
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert len(boxes) == count == len(re.findall(rb"/Type /Page\b(?!s)", data)) > 2
    for w, h in boxes:
        assert abs(float(w) - A4_POINTS[0]) < 0.5 and abs(float(h) - A4_POINTS[1]) < 1
    images = pdf_images(data)
    assert len(images) == count and b"/DCTDecode" not in data  # no JPEG: exact pixels
    # the layout drawn: the same scene as the CLI's (seed 0)
    s = scene.build(FOUR, "gather", *sample_values(FOUR, 0))
    pages = layout.sheet_layout(s, "arithmetic", 28, True, a4=True).pages
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
MIN_PRINTED_PT = 7  # and its smallest text on paper


def smallest_text(sheet, cell: int) -> int:
    """The smallest text on a PDF's pages in px, from the layout: the cells' numbers and
    marks (and the kernel panels', as large or larger), each panel's names and sum, each
    page's title, words, legend and frame numbers."""
    labels = [label.size for label in sheet.panel.labels]
    labels += [label.size for page in sheet.pages for label in page.labels]
    return min(layout.sizes_for(cell)["value"], *labels)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer=transposed_layers(max_in=3, max_in_1d=6),
    style=st.sampled_from(["arithmetic", "flat"]),
    values=st.booleans(),
    cell=st.sampled_from([28, 28, 36, 60]),
    frames=st.integers(2, 30),
)
def test_pdf_pages_print_legibly_on_as_few_pages_as_the_rule_allows(
    layer, style, values, cell, frames
):
    """Every page between 150 and 300 dpi at A4 width, its smallest text 7 pt or more on
    paper; and no page width the rule allows (150 dpi up to the widest at which that text
    is still 7 pt) takes fewer pages."""
    s = scene.build(layer, "gather", *(sample_values(layer, 0) if values else (None, None)))
    assume(s.frame_count > 1)
    s = scene.select(s, 1, min(frames, s.frame_count))
    sheet = layout.sheet_layout(s, style, cell, True, a4=True)
    width = sheet.pages[0].size[0]
    assert {page.size for page in sheet.pages} == {(width, round(width * A4_ASPECT))}
    dpi = width / A4_INCHES
    text = smallest_text(sheet, cell)
    assert text == sheet.text
    assert MIN_PRINT_DPI <= dpi <= MAX_PRINT_DPI, dpi
    assert text / dpi * 72 >= MIN_PRINTED_PT, (text, dpi)
    assert sheet.printed_points() == pytest.approx(text / dpi * 72)
    # the widest page the rule allows, and the narrowest: none holds the frames on fewer pages
    widest = math.floor(
        min(MAX_PRINT_DPI, layout.sizes_for(cell)["value"] * 72 / MIN_PRINTED_PT) * A4_INCHES
    )
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


def test_the_cli_says_the_pages_the_print_rule_lays_out(tmp_path):
    """The classic handout: 5 pages of up to 6 frames at 150 dpi, its numbers (16 px) 7.7 pt
    on paper (it was one page at 308 dpi, 3.7 pt)."""
    out = tmp_path / "c.pdf"
    result = run("animate", "--in", "3,3", "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    images = pdf_images(out.read_bytes())
    width, height = images[0].size
    assert len(images) == 5 and round(width / A4_INCHES) == 150
    said = re.fullmatch(
        r"wrote \S+: (\d+) A4 pages of 25 frames, (\d+) a page, (\d+)×(\d+) px a page, "
        r"(\d+) dpi, the smallest text ([\d.]+) pt\n",
        result.stdout,
    )
    assert said, result.stdout
    assert [int(v) for v in said.groups()[:5]] == [5, 6, width, height, 150]
    assert said[6] == "7.7"


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


def test_a_pdf_page_width_picks_the_largest_cell_the_print_rule_allows(tmp_path, monkeypatch):
    """`--width 2000`: pages 2000 px wide (242 dpi), drawn at the largest cell whose pages the
    print rule makes no wider (41: its numbers 23 px, 6.8 pt at 242 dpi; the next cell's
    would print at 7 pt on a 245-dpi page); narrower than 150 dpi is refused."""
    monkeypatch.chdir(tmp_path)
    result = run("animate", "--sheet", "--width", "2000", "-o", "w.pdf")
    assert result.exit_code == 0, result.stderr
    assert ", 2000×2828 px a page, 242 dpi, the smallest text 6.8 pt\n" in result.stdout
    assert {image.size for image in pdf_images((tmp_path / "w.pdf").read_bytes())} == {(2000, 2828)}
    s = scene.build(CLASSIC)
    assert layout.print_plan(s, "arithmetic", 41, True).width <= 2000
    assert layout.print_plan(s, "arithmetic", 42, True).width > 2000
    narrow = run("animate", "--sheet", "--width", "1000", "-o", "n.pdf")
    assert narrow.exit_code == 2 and "--width 1000" in narrow.stderr
    assert narrow.stderr.count("\n") == 1
