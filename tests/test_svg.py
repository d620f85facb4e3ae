"""SVG pictures: they parse, hold the raster frame's cells (as many per plane, the same colours
at known cells), write text as text, and come as a frame, a sheet or an animation."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import run
from PIL import Image

from tconv_cli import scene
from tconv_cli.choices import Style
from tconv_cli.geometry import Axis
from tconv_cli.numeric import sample_values
from tconv_cli.picture import PictureOptions
from tconv_cli.render import encode, layout
from tconv_cli.render import palette as p
from tconv_cli.render.layout import number_text
from tconv_cli.render.palette import GLYPH_SCALE
from tconv_cli.render.raster import FILL, FILL_COLOURS, cell_center, frame_image

NS = {"svg": "http://www.w3.org/2000/svg"}
CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # 7×7 grid, 5×5 output, 25 frames
CROPPED = (Axis(3, 3, 2, 3, 3, 1, 1),) * 2  # cropped input cells: hatched
RECTANGLE = (Axis(3, 3, 2, 1, 1), Axis(5, 2, 1, 0, 0))  # 5×6 output
ONE_D = (Axis(4, 3, 2, 0, 1, 1, 1),)
ODD = (Axis(3, 3, 2, 1, 1, 1, 1),) * 2  # 8×8 grid: output_padding (dotted), inserted zeros
UNPADDED = (Axis(3, 3, 2, 2, 2, 1, 1),) * 2  # p = k − 1: inserted zeros, no padding


def svg(s: scene.Scene, **options) -> ET.Element:
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(view=s.view, format="svg", **options))
    return ET.fromstring(stream.getvalue())


def rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def plane_fills(root: ET.Element, plane: str) -> list[tuple[int, int, int]]:
    group = root.find(f".//svg:g[@class='{plane}']", NS)
    return [rgb(p.get("fill")) for p in group.findall("svg:polygon", NS)]


CASES = [
    (CLASSIC, "gather", None),
    (CROPPED, "gather", None),
    (RECTANGLE, "scatter", None),
    (ONE_D, "gather", 0),
    (CLASSIC, "overlap", None),
    (CLASSIC, "gather", 0),
]


@pytest.mark.parametrize("style", Style.names())
@pytest.mark.parametrize(("layer", "view", "seed"), CASES)
@pytest.mark.slow
def test_a_frame_holds_the_raster_frames_cells(layer, view, seed, style):
    x, w = sample_values(layer, seed) if seed is not None else (None, None)
    s = scene.build(layer, view, x, w)
    n = min(7, s.frame_count - 1)
    root = svg(s, style=style, frame=n + 1)
    image = frame_image(s, n, style=style).convert("RGB")
    assert (int(root.get("width")), int(root.get("height"))) == image.size
    assert root.get("viewBox") == f"0 0 {image.width} {image.height}"
    planes = {"lower": s.lower, "upper": s.upper}
    states = s.states(s.frame(n))
    for name, plane in planes.items():
        if plane is None:
            assert root.find(f".//svg:g[@class='{name}']", NS) is None
            continue
        fills = plane_fills(root, name)
        assert len(fills) == plane.roles.size  # one polygon a cell
        for index, fill in enumerate(fills):
            row, col = divmod(index, plane.shape[1])
            x0, y0 = cell_center(s, name, row, col, style)
            patch = np.asarray(image.crop((x0 - 2, y0 - 2, x0 + 3, y0 + 3))).reshape(-1, 3)
            colours, counts = np.unique(patch, axis=0, return_counts=True)
            texts = states[name].texts
            if texts is not None and texts[row, col]:
                assert fill in {tuple(int(c) for c in rgb) for rgb in colours}  # under a number
            else:  # the commonest: not a connector's
                assert tuple(int(c) for c in colours[counts.argmax()]) == fill, (name, row, col)


def test_text_is_text_in_plain_svg():
    x, w = sample_values(CLASSIC, 0)
    s = scene.build(CLASSIC, "gather", x, w)
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(format="svg", frame=1))
    data = stream.getvalue().decode()
    root = ET.fromstring(data)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert s.caption in texts and "output" in texts
    assert {"zero-inserted,", "padded input"} <= set(texts)  # a title on two lines
    lower = root.find(".//svg:g[@class='lower']", NS)
    glyphs = {
        id(t)
        for g in lower.findall("svg:g[@class='glyph']", NS)
        for t in g.iter("{http://www.w3.org/2000/svg}text")
    }
    numbers = [
        t.text for t in lower.iter("{http://www.w3.org/2000/svg}text") if id(t) not in glyphs
    ]
    frame = s.frame(0)
    shown = frame.lower_numbers[~np.isnan(frame.lower_numbers)]
    weights = frame.weights
    assert len(numbers) == len(shown) + len(weights)  # a number each, a subscript at each tap
    for banned in ("<image", "<filter", "foreignObject", "<style", "var(--", "<script"):
        assert banned not in data
    family = root.find("svg:g", NS).get("font-family")
    assert family.startswith("Aileron") and family.endswith("sans-serif")


@pytest.mark.slow
def test_a_sheet_holds_every_frame_as_the_raster_sheet_does():
    s = scene.build(CLASSIC)
    root = svg(s)  # no frame: a sheet
    uppers = root.findall(".//svg:g[@class='upper']", NS)
    assert len(uppers) == 25
    sheet = layout.sheet_layout(s, "arithmetic", 28, True)  # the raster sheet's page
    assert (int(root.get("width")), int(root.get("height"))) == sheet.size
    png = io.BytesIO()
    encode.write(s, png, PictureOptions(format="png", sheet=True))
    assert Image.open(png).size == (int(root.get("width")), int(root.get("height")))
    # the panels in raster order: frame k writes output cell k (shaded), k+1 is still to do
    uppers = [plane_fills(panel, "upper") for panel in root.findall(".//svg:g[@transform]", NS)]
    current, done, pending = (
        tuple(int(c) for c in FILL_COLOURS[FILL[name]])
        for name in ("shaded output", "output", "pending")
    )
    assert uppers[3][2:5] == [done, current, pending]
    assert uppers[4][2:5] == [done, done, current]


def test_an_animation_shows_each_frame_in_turn():
    s = scene.build(CLASSIC)
    root = svg(s, animated=True, fps=4, loop=2)
    groups = [g for g in root.findall("svg:g/svg:g", NS) if g.find("svg:animate", NS) is not None]
    assert len(groups) == 25
    assert [g.get("display") for g in groups] == ["none"] * 24 + ["inline"]  # without SMIL
    animate = groups[3].find("svg:animate", NS)
    assert animate.get("values") == "none;inline;none"
    # 24 frames of 250 ms, then the last held 3 s: 9 s in all
    assert animate.get("keyTimes") == "0;0.0833333;0.111111"
    assert (animate.get("dur"), animate.get("repeatCount")) == ("9s", "2")


@pytest.mark.slow
def test_cli_writes_svg_atomically_and_keeps_existing_files(tmp_path):
    out = tmp_path / "figure.svg"
    result = run("animate", "--values", "--frame", "5", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}: 1 frame, 479×523 px\n"
    ET.parse(out)
    before = out.read_bytes()
    result = run("animate", "--frame", "6", "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {out} exists; pass --force to overwrite it\n",
    )
    assert out.read_bytes() == before
    result = run("animate", "--frame", "6", "-o", str(out), "--force")
    assert result.exit_code == 0 and out.read_bytes() != before
    result = run("animate", "-o", str(tmp_path / "sheet.svg"))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"wrote {tmp_path / 'sheet.svg'}: one page of 25 frames, ")
    result = run("animate", "--animated", "-o", str(tmp_path / "play.svg"))
    assert result.stdout == (
        f"wrote {tmp_path / 'play.svg'}: 25 frames, 479×492 px, "
        "1 frame a second, the last held 3 s\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.svg", "play.svg", "sheet.svg"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--animated", "--frame", "2", "-o", "a.svg"],
            2,
            "Error: --animated True: animated does not go with frame or sheet: give one of them",
        ),
        (
            ["--sheet", "-o", "a.html"],
            2,
            "Error: --output a.html: output must be PNG, SVG or PDF for a sheet",
        ),
        (
            ["--in", "12", "-o", "a.svg"],
            1,
            "Error: an SVG of this picture would be at least 34.9 MB,"
            " more than the 16 MB such a file may have: draw one frame, take a smaller input, "
            "or write a .gif",
        ),
    ],
)
def test_cli_refuses_svg_it_cannot_write(tmp_path, args, code, message):
    result = run("animate", *args[:-1], str(tmp_path / args[-1]))
    assert (result.exit_code, result.stderr.replace(str(tmp_path) + "/", "")) == (
        code,
        message + "\n",
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("style", Style.names())
@pytest.mark.parametrize("layer", [ODD, UNPADDED, CROPPED])
@pytest.mark.parametrize("values", [False, True])
def test_a_frame_shows_inserted_zeros_output_padding_and_the_kernels(layer, values, style):
    x, w = sample_values(layer, 0) if values else (None, None)
    s = scene.build(layer, "gather", x, w)
    n = min(4, s.frame_count - 1)
    root = svg(s, style=style, frame=n + 1)
    page = layout.layout(s, style, layout.DEFAULT_CELL, True)
    grid = page.grids["lower"]
    lower = root.find(".//svg:g[@class='lower']", NS)
    # a "0" in every inserted zero that shows no number, at the cell's middle, nowhere else
    texts = s.states(s.frame(n))["lower"].texts
    shown = np.zeros(s.lower.shape, bool) if texts is None else texts != ""
    inserted = (s.lower.roles == scene.Role.INSERTED) & ~shown
    assert inserted.sum() > 0
    glyphs = lower.findall("svg:g[@class='glyph']/svg:text", NS)
    assert [g.text for g in glyphs] == ["0"] * int(inserted.sum())
    side = np.hypot(*grid.u)
    for glyph, (row, col) in zip(glyphs, np.argwhere(inserted)):
        middle = grid.point(row + 0.5, col + 0.5)
        assert glyph.get("text-anchor") == "middle"
        assert abs(float(glyph.get("x")) - middle[0]) < 2
        assert 0 < float(glyph.get("y")) - middle[1] < side / 3  # the baseline, under it
        assert int(glyph.get("font-size")) <= round(layout.sizes_for(28)["value"] * GLYPH_SCALE)
    legend = [t.text for t in root.findall("svg:g/svg:text", NS)]  # the page's own texts
    assert legend.count("0") == 1 and "inserted zero" in legend  # the swatch's glyph
    # dots over every output_padding cell, in the pattern's ink
    padded = int((s.lower.roles == scene.Role.OUTPUT_PADDING).sum())
    period = layout.hatch_period(grid)
    dots = lower.findall(f"svg:path[@fill='url(#dots-{period})']", NS)
    assert len(dots) == padded
    if padded:
        pattern = root.find(f"svg:defs/svg:pattern[@id='dots-{period}']", NS)
        assert pattern.get("patternUnits") == "userSpaceOnUse"
        assert (pattern.get("width"), pattern.get("height")) == (str(period), str(period))
        rect = pattern.find("svg:rect", NS)
        side_px = str(layout.dot_size(period))
        ink, opacity = p.PATTERN_INKS["dots"]
        assert (
            rect.get("width"),
            rect.get("height"),
            rect.get("fill"),
            rect.get("fill-opacity"),
        ) == (side_px, side_px, ink, str(opacity))
    # the kernel W and flip(W) panels: their cells, fills as the raster's, each tap's text
    image = frame_image(s, n, style=style).convert("RGB")
    panels = root.findall(".//svg:g[@class='kernel']", NS)
    assert len(panels) == len(page.kernels) == len(s.kernels) == 2
    for panel, kernel, kgrid in zip(panels, s.kernels, page.kernels):
        cells = panel.findall("svg:polygon", NS)
        assert len(cells) == 9
        written = [t.text for t in panel.iter("{http://www.w3.org/2000/svg}text")]
        if values:
            weights = w if kernel.name == "kernel W" else w[::-1, ::-1]
            assert written == [number_text(v) for v in weights.ravel()]
        else:
            assert written == list("abcdefghi" if kernel.name == "kernel W" else "ihgfedcba")
        fill = FILL_COLOURS[
            FILL[p.LOOKS[scene.Mark.KERNEL].fill] if kernel.used else FILL["background"]
        ]
        for cell, (row, col) in zip(cells, np.ndindex(3, 3)):
            assert rgb(cell.get("fill")) == tuple(fill)
            at = np.floor(kgrid.point(row + 0.5, col + 0.18)).astype(int)  # left of the text
            assert image.getpixel(tuple(int(v) for v in at)) == tuple(fill), (row, col)


def test_numbers_are_drawn_over_the_connectors():
    x, w = sample_values(CLASSIC, 0)
    s = scene.build(CLASSIC, "gather", x, w)
    lower = svg(s, frame=8).find(".//svg:g[@class='lower']", NS)
    children = [child.tag.split("}")[1] + ":" + (child.get("class") or "") for child in lower]
    connectors = [
        i
        for i, child in enumerate(lower)
        if child.tag.endswith("path")
        and child.get("stroke-width") == "1"
        and child.get("fill") == "none"
    ]
    first_text = children.index("text:")
    assert connectors and max(connectors) < first_text < children.index("g:glyph")
