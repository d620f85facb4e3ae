"""Pictures for the lecture hall (issue 18): the geometry said on every figure, the running
sum against PyTorch, `--fit` within W×H with legible text, PDF handouts, the pace options,
and every refusal's suggestion accepted. Through the real CLI, opening the files."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pytest
from helpers import run, transposed_layers
from hypothesis import given, settings
from PIL import Image

from tconv_cli import scene
from tconv_cli.geometry import Axis
from tconv_cli.numeric import sample_values
from tconv_cli.render import layout

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--in", "7,7", "-k", "3", "-s", "1", "-p", "2"],
            "padding 2 in PyTorch = 0 cells around the input (d(k−1)−p = 2−2 = 0)",
        ),
        (
            ["--in", "2,2", "-k", "3", "-s", "2", "-p", "0"],
            (
                "stride 2: 1 zero between inputs; "
                "padding 0 in PyTorch = 2 cells around the zero-inserted input (d(k−1)−p = 2−0 = 2)"
            ),
        ),
        (["--in", "5,5", "-k", "3", "-s", "1", "-p", "3"], "cropped by 1 cell at each end"),
        (["--in", "3,3", "--op", "1"], "output_padding 1: 1 more row and column at the end"),
        (["--in", "3,4", "-s", "2,1", "-p", "1,0"], "rows: stride 2: 1 zero between inputs"),
    ],
)
def test_the_caption_says_the_geometry_in_every_format(tmp_path, args, words):
    svg = tmp_path / "f.svg"
    assert run("animate", *args, "--frame", "1", "-o", str(svg)).exit_code == 0
    said = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text()))
    assert words in said.replace("  ", " ") or words in _joined(svg.read_text())
    terminal = run("animate", *args, "--terminal", "--frame", "1", env={"COLUMNS": "200"})
    assert words in terminal.stdout
    html = tmp_path / "f.html"
    assert run("animate", *args, "-o", str(html)).exit_code == 0
    assert words in _joined(html.read_text())
    # the raster: ink in the band between the title and the drawing, none without labels
    png, bare = tmp_path / "f.png", tmp_path / "bare.png"
    assert run("animate", *args, "--frame", "1", "-o", str(png)).exit_code == 0
    assert run("animate", *args, "--frame", "1", "--no-labels", "-o", str(bare)).exit_code == 0
    s = scene.build(_layer(args))
    page = layout.layout(s, "arithmetic", 28, True)
    label = next(
        label
        for label in page.labels
        if label.text.replace("\n", " ")
        == layout._wrap_words(s.explanation, label.size, 1e9).replace("\n", " ")
        or label.text.startswith(s.explanation.split(" ")[0] + " ")
    )
    (x0, y0), (x1, y1) = label.box().astype(int)
    band = np.asarray(Image.open(png).convert("L"))[y0:y1, x0:x1]
    assert (band < 128).mean() > 0.05
    assert not re.search("stride|padding", _joined(_svg_text(tmp_path, args, "--no-labels")))


def _joined(text: str) -> str:
    """The words of every <text> of an SVG or page, lines joined by spaces."""
    return " ".join(
        re.findall(r">([^<>]+)</text>", text)
        + re.findall(r'"(stride[^"]*|padding[^"]*|rows:[^"]*)"', text)
    )


def _svg_text(tmp_path, args, *more) -> str:
    out = tmp_path / "more.svg"
    run("animate", *args, "--frame", "1", *more, "-o", str(out), "--force")
    return out.read_text()


def _layer(args):
    from tconv_cli import geometry as g
    from tconv_cli.cli.options import parse_ints, parse_padding

    values = dict(zip(args[::2], args[1::2]))
    return g.make_layer(
        parse_ints(values.get("--in", "3"), "--in"),
        parse_ints(values.get("-k", "3"), "-k"),
        parse_ints(values.get("-s", "2"), "-s"),
        parse_padding(values.get("-p", "1")),
        1,
        parse_ints(values.get("--op", "0"), "--op"),
        rank=2,
    )


@settings(max_examples=40, deadline=None, derandomize=True)
@given(transposed_layers(max_in=4))
def test_the_running_sum_is_the_layers_output(torch, layer):
    """Each frame's sum, read back from its words, is PyTorch's output at that cell: the
    inputs under the kernel times flip(W)'s taps, named by their letters."""
    x, w = sample_values(layer, 3)
    s = scene.build(layer, "gather", x, w)
    conv = getattr(torch.nn.functional, f"conv_transpose{len(layer)}d")
    y = conv(
        torch.tensor(x[None, None], dtype=torch.float64),
        torch.tensor(w[None, None], dtype=torch.float64),
        stride=[a.stride for a in layer],
        padding=[a.pad_lo for a in layer],
        dilation=[a.dilation for a in layer],
        output_padding=[a.output_padding for a in layer],
    )[0, 0].numpy()
    letters = dict(zip(s.kernels[0].taps.ravel(), w.ravel()))  # a…: W in raster order
    for n in range(s.frame_count):
        text = scene.sum_text(s, n)
        name, rest = text.split(" = ", 1)
        index = tuple(int(v) for v in name[2:-1].split(","))
        if rest.startswith("0: no input"):
            assert y[index] == 0
            continue
        named, valued, total = rest.split(" = ")
        assert float(total.replace("−", "-")) == pytest.approx(y[index])
        terms = [term.split("·") for term in named.split(" + ")]
        if "…" not in named:
            assert sum(float(xv) * letters[t] for xv, t in terms) == pytest.approx(y[index])
            values = [term.split("·") for term in valued.split(" + ")]
            assert [float(v) for v, _ in values] == [float(v) for v, _ in terms]


def test_every_frame_of_every_format_shows_the_sum(tmp_path):
    s = scene.build(CLASSIC, "gather", *sample_values(CLASSIC, 0))
    out = tmp_path / "a.svg"
    assert run("animate", "--values", "--animated", "-o", str(out)).exit_code == 0
    sums = re.findall(r'<g class="sum"><text[^>]*>([^<]*)</text>', out.read_text())
    assert sums == [scene.sum_text(s, n) for n in range(25)]
    terminal = run("animate", "--values", "--terminal", env={"COLUMNS": "100"}).stdout
    assert all(scene.sum_text(s, n) in terminal for n in range(25))
    gif = tmp_path / "a.gif"
    assert run("animate", "--values", "-o", str(gif)).exit_code == 0
    page = layout.layout(s, "arithmetic", 28, True)
    x0, y0, x1, y1 = page.sum_box
    with Image.open(gif) as image:
        bands = []
        for n in (0, 1):
            image.seek(n)
            bands.append(np.asarray(image.convert("L"))[y0:y1, x0:x1].copy())
    assert (bands[0] < 128).any() and (bands[0] != bands[1]).any()  # each frame its own


def test_without_values_the_shadow_carries_the_tap_letters():
    s = scene.build(CLASSIC)
    lower = s.states(s.frame(0))["lower"]
    names = {str(t) for t in lower.texts[lower.active]} | {
        str(t) for t in lower.seconds[lower.active]
    }
    assert set("abcdefghi") & names and "" not in lower.texts[lower.active]


def test_one_number_format_and_a_true_minus():
    x = np.array([[0.5, 3.0], [1.0, 2.0]])
    w = np.array([[0.5, -1.0], [1.0, 0.5]])
    s = scene.build((Axis(2, 2, 1, 0, 0),) * 2, "gather", x, w)
    texts = {
        t for n in range(s.frame_count) for t in s.states(s.frame(n))["upper"].texts.ravel() if t
    }
    assert s.decimals == 2 and all(re.fullmatch(r"−?\d+\.\d\d", t) for t in texts)
    assert scene.number_text(-2) == "−2"
    # the minus is drawn (the font has none): a bar, not a box nor a dot
    mask = layout.text_mask("−", 20)
    inked = (mask > 0).any(axis=1)
    assert inked.sum() <= 3 and (mask > 0).any(axis=0).sum() >= 8


@pytest.mark.parametrize("size", ["1920x1080", "1280×720", "800x600"])
def test_fit_stays_within_the_box_with_legible_text(tmp_path, size):
    out = tmp_path / "slide.png"
    result = run(
        "animate", "--in", "16,16", "--values", "--fit", size, "--frame", "40", "-o", str(out)
    )
    if result.exit_code == 2:  # too small: the fit it suggests is accepted
        suggested = re.search(r"use (--fit \S+)", result.stderr)[1].split()
        result = run(
            "animate",
            "--in",
            "16,16",
            "--values",
            *suggested,
            "--frame",
            "40",
            "-o",
            str(out),
            "--force",
        )
        size = suggested[1]
    assert result.exit_code == 0, result.stderr
    width, height = (int(v) for v in re.split("[x×]", size))
    with Image.open(out) as image:
        assert image.size == (width, height)
    # the caption's first line: its capitals and parentheses are most of a 12-px em or more
    from test_pictures_scale import first_text_line

    assert first_text_line(Image.open(out)) >= 0.7 * layout.TEXT_FLOOR


def test_pdf_handout_pages_are_a4(tmp_path):
    out = tmp_path / "handout.pdf"
    result = run("animate", "--values", "--sheet", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    pages = int(re.search(r"(\d+) A4 pages", result.stdout)[1])
    data = out.read_bytes()
    assert (
        data.count(b"/Type /Page\n")
        + data.count(b"/Type /Page ")
        + len(re.findall(rb"/Type\s*/Page[^s]", data))
        >= pages
    )
    boxes = re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)
    assert len(boxes) == pages > 1
    for w, h in boxes:  # 210 × 297 mm in points
        assert abs(float(w) - 595.3) < 2 and abs(float(h) - 842) < 3


@pytest.mark.parametrize(
    "args",
    [
        ["--in", "8,8", "--sheet", "-o", "s.png"],
        ["--in", "8,8", "--sheet", "--cell", "28", "-o", "s.png"],
        ["--in", "16,16", "--fit", "640x360", "-o", "s.gif"],
        ["--in", "60,60", "--frame", "1", "--cell", "200", "-o", "f.png"],
        # (a PDF over its pages' budget: tests/test_handouts.py runs the cell it names)
        ["--in", "5,5", "--sheet", "--cell", "40", "-o", "s.png"],
    ],
)
@pytest.mark.slow
def test_every_refusals_suggestion_is_accepted(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = run("animate", *args)
    if result.exit_code == 0:
        return
    message = result.stderr
    suggestions = re.findall(r"\((-o \S+?)\)", message) + re.findall(
        r"use (--\S+ \S+?)[ ,;]", message + " "
    )
    suggestions += [
        f"--{name} {value}" for name, value in re.findall(r"use (cell|width) (\d+)[ ,]", message)
    ]
    assert suggestions, message
    for suggestion in suggestions:
        flag, value = shlex.split(suggestion)
        changed = list(args)
        if flag in changed:
            changed[changed.index(flag) + 1] = value
        else:
            changed += [flag, value]
        if flag == "-o" and "--cell" in changed:  # a PDF is pages: the cell may stay
            pass
        again = run("animate", *changed, "--max-frames", "1024", "--force")
        assert again.exit_code == 0, (suggestion, again.stderr)


@pytest.mark.slow
def test_pace_options_choose_frames(tmp_path):
    out = tmp_path / "p.gif"
    assert run("animate", "--frames", "3-9", "--every", "2", "-o", str(out)).exit_code == 0
    with Image.open(out) as image:
        assert image.n_frames == 4
    assert run("animate", "--row", "2", "-o", str(out), "--force").exit_code == 0
    with Image.open(out) as image:
        assert image.n_frames == 5
    s = scene.select(scene.build(CLASSIC), 3, 9, 2)
    assert [s.frame(n).index for n in range(s.frame_count)] == [2, 4, 6, 8]
    result = run("animate", "--fps", "60", "-o", str(out), "--force")
    assert result.exit_code == 0 and "50" in result.stderr and "fps 60" in result.stderr
    result = run("animate", "--in", "8,8", "-o", str(out), "--force")
    assert "note: drawing 225 frames of" in result.stderr
    for args, rule in (
        (["--frames", "9-3"], "--frames 9-3"),
        (["--every", "0"], "--every 0"),
        (["--row", "9"], "--row 9"),
        (["--frames", "x"], "--frames x"),
        (["--fit", "10x10"], "--fit 10x10"),
    ):
        result = run("animate", *args, "-o", str(out), "--force")
        assert result.exit_code == 2 and result.stderr.startswith(f"Error: {rule}"), result.stderr
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("view", ["gather", "scatter", "conv", "pair", "matrix", "resize"])
@pytest.mark.parametrize("layer", [(Axis(5, 3, 2, 1, 1),), (Axis(3, 3, 2, 1, 1),) * 2])
def test_the_length_note_names_the_size_written(view, layer):
    """`encode.frame_size`, which the note before a long animation names, lays out what
    `write` draws, for a board of panels as for a scene, without drawing it."""
    import io

    from tconv_cli.picture import PictureOptions, scenes_of
    from tconv_cli.render import encode

    options = PictureOptions(view=view, max_frames=1024)
    drawn = scenes_of(options.view).build(layer, view)
    cell = options.cell_for(drawn)
    written = encode.write(drawn, io.BytesIO(), options, cell=cell)
    assert encode.frame_size(drawn, options, cell) == written


@pytest.mark.slow
def test_a_long_board_animation_says_its_length(tmp_path):
    """A board of panels (here the resize view) of 100 frames and more says its length before
    it is drawn, as a scene's does: the size it names is the size written."""
    out = tmp_path / "r.gif"
    result = run("animate", "--in", "60", "--dims", "1", "--view", "resize", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    said = re.search(r"note: drawing 119 frames of ([\d,]+)×([\d,]+) px", result.stderr)
    assert said, result.stderr
    with Image.open(out) as image:
        assert image.n_frames == 119
        assert image.size == tuple(int(v.replace(",", "")) for v in said.groups())


@pytest.mark.parametrize("style", ["arithmetic", "flat"])
def test_type_reads_at_the_default_cell(style):
    """The inserted zero's 0 is 11 px of ink, page text 12 px and up; the scatter view's
    stamps, at their own default cell, keep both lines at 8 px of ink and more."""
    from tconv_cli.picture import DEFAULT_CELL, STAMP_CELL
    from tconv_cli.render import palette

    s = scene.build(CLASSIC)
    page = layout.layout(s, style, DEFAULT_CELL, True)
    sizes = layout.sizes_for(DEFAULT_CELL)
    glyph, _ = layout.fit_cell_text(
        page.grids["lower"], "0", None, round(sizes["value"] * palette.GLYPH_SCALE), page.line
    )
    assert glyph.shape[0] >= 11
    assert min(label.size for label in page.labels) >= layout.TEXT_FLOOR
    stamps = scene.build(CLASSIC, "scatter", *sample_values(CLASSIC, 0))
    grid = layout.layout(stamps, style, STAMP_CELL, True).grids["upper"]
    size = layout.sizes_for(STAMP_CELL)["value"]
    _, fitted = layout.fit_cell_text(grid, "+12", "3·4", size, grid.u[0] / 16, True)
    note = layout.text_mask("3·4", max(6, round(fitted * 0.75)))
    assert layout.text_mask("+12", fitted).shape[0] >= 8 and note.shape[0] >= 8


def test_chosen_frames_keep_their_numbers(tmp_path):
    """A frame chosen by --row or --every is numbered as in the whole animation."""
    terminal = run("animate", "--terminal", "--row", "2", "--every", "2").stdout
    assert re.findall(r"frame (\d+)/(\d+)", terminal) == [("6", "25"), ("8", "25"), ("10", "25")]
    s = scene.select(scene.build(CLASSIC), every=6)
    sheet = layout.sheet_layout(s, "flat", 28, True)
    assert [label.text for label in sheet.labels if label.text.isdigit()] == [
        "1",
        "7",
        "13",
        "19",
        "25",
    ]


def test_the_library_takes_fit_and_the_pace(tmp_path):
    from tconv_cli import ConvTranspose

    picture = ConvTranspose(3, 2, 1).scene((3, 3), values=True)
    with Image.open(picture.save(tmp_path / "a.gif", frames="3-9", every=3)) as image:
        assert image.n_frames == 3  # frames 3, 6 and 9
    with Image.open(picture.save(tmp_path / "s.png", fit="800x450", frame=5)) as image:
        assert image.size == (800, 450)
    from tconv_cli.errors import ParameterError

    with pytest.raises(ParameterError) as error:
        picture.save(tmp_path / "b.gif", fit="800x450", cell=30)
    assert error.value.param == "fit"


def test_a_large_grid_shows_a_window_with_its_position(tmp_path):
    """Beyond WINDOW_BEYOND cells a still shows the cells around the kernel: each plane's
    states are the full scene's, cropped; the titles say where the window lies."""
    layer = (Axis(32, 3, 2, 1, 1),) * 2  # a 65×65 grid, 63×63 output
    x, w = sample_values(layer, 0)
    full = scene.build(layer, "gather", x, w)
    n = 299
    win = scene.windowed(full, [n])
    assert isinstance(win, scene.Windowed) and win.lower.shape == win.upper.shape == (32, 32)
    (lr, lc), (ur, uc) = win.origins
    whole, part = full.states(full.frame(n)), win.states(win.frame(n))
    for name, (r, c) in (("lower", (lr, lc)), ("upper", (ur, uc))):
        rows, cols = part[name].keys.shape
        assert (part[name].keys == whole[name].keys[r : r + rows, c : c + cols]).all()
        assert (part[name].texts == whole[name].texts[r : r + rows, c : c + cols]).all()
        assert part[name].active.sum() == whole[name].active.sum()  # the kernel is inside
    assert scene.sum_text(win, n) == scene.sum_text(full, n)
    assert win.titles[0] == (
        f"zero-inserted, padded input (rows {lr + 1} to {lr + 32} of 65, "
        f"cols {lc + 1} to {lc + 32} of 65)"
    )
    out = tmp_path / "w.svg"
    result = run("animate", "--in", "32,32", "--values", "--frame", "300", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "of 65" in _joined(out.read_text()) and scene.sum_text(full, n) in _joined(
        out.read_text()
    )
    # small grids and whole animations are drawn whole
    assert scene.windowed(scene.build(CLASSIC), [3]) is not None
    assert not isinstance(scene.windowed(scene.build(CLASSIC), [3]), scene.Windowed)
    assert not isinstance(scene.windowed(full), scene.Windowed)
