"""Pictures that teach: padding and inserted zeros look different, the titles say what the
layer did, the kernel is shown beside its flip, numbers are legible and no line runs through
them, and every role is told apart by colour-blind viewers (a simulation) and without colour.

Images are made through the real CLI (`tconv animate … -o file`) and opened with Pillow; the
cells are found with `cell_center`, the kernel panels with the page layout."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from helpers import run
from PIL import Image

from tconv_cli import scene
from tconv_cli.geometry import Axis, make_layer
from tconv_cli.numeric import flip, sample_values
from tconv_cli.render import layout
from tconv_cli.render import palette as p
from tconv_cli.render.raster import (
    PER_FILL,
    TEXT_INK,
    cell_center,
    frame_image,
)
from tconv_cli.scene import Mark, Role

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2
ODD = (Axis(3, 3, 2, 1, 1, 1, 1),) * 2
STYLES = ("arithmetic", "flat")
WHITE = (255, 255, 255)
INK = p.rgb(p.LINE)


def draw(tmp_path, *args: str, name: str = "x.png") -> Image.Image:
    """`tconv animate ARGS -o file` through the CLI; the file, opened, as RGB."""
    out = tmp_path / name
    result = run("animate", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        return image.convert("RGB")


def patch(image: Image.Image, x: int, y: int, r: int = 3) -> np.ndarray:
    """The colours of the (2r+1)² pixels around (x, y), one row per pixel."""
    return np.asarray(image.crop((x - r, y - r, x + r + 1, y + r + 1))).reshape(-1, 3)


def commonest(colours: np.ndarray) -> tuple[int, int, int]:
    values, counts = np.unique(colours, axis=0, return_counts=True)
    return tuple(int(v) for v in values[counts.argmax()])


def darkest(colours: np.ndarray) -> float:
    """Luminance (0…255) of the darkest pixel."""
    return float((colours @ [0.2126, 0.7152, 0.0722]).min())


# --- 1. padding and inserted zeros ---------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_inserted_zeros_padding_and_output_padding_look_different(tmp_path, style):
    """Through the CLI, frame 1 (the kernel top left): an inserted zero shows its 0, padding
    is plain white, output_padding has a fill of its own with dots; each is in the legend."""
    s = scene.build(ODD)
    image = draw(tmp_path, "--in", "3,3", "--op", "1", "--style", style, "--frame", "1")
    inserted, padding, extra = (3, 4), (6, 3), (7, 3)
    assert s.lower.roles[inserted] == Role.INSERTED and s.lower.roles[padding] == Role.PADDING
    assert s.lower.roles[extra] == Role.OUTPUT_PADDING
    zero = patch(image, *cell_center(s, "lower", *inserted, style))
    plain = patch(image, *cell_center(s, "lower", *padding, style))
    assert (plain == WHITE).all()  # padding: nothing in the middle
    assert (zero == WHITE).any() and darkest(zero) < 120  # white, with a dark "0"
    dotted = patch(image, *cell_center(s, "lower", *extra, style), r=4)
    fill = p.FILLS["output_padding"]
    assert (dotted == fill).all(axis=1).mean() > 0.5  # mostly its fill …
    assert darkest(dotted) < darkest(np.array([fill])) - 30  # … with darker dots
    names = [swatch.entry.name for swatch in layout.layout(s, style, 28, True).swatches]
    assert {"inserted zero", "padding", "output_padding"} <= set(names)


def test_a_real_zero_is_not_an_inserted_zero(tmp_path):
    """A 0 in the input is an input cell (blue) with its 0; an inserted zero stays white."""
    x, w = "[[0,1,0],[1,0,1],[0,1,0]]", "[[1,2,3],[1,1,1],[1,1,1]]"
    s = scene.build(CLASSIC, "gather", np.array(json.loads(x)), np.array(json.loads(w)))
    image = draw(tmp_path, "--input", x, "--weight", w, "--frame", "25", "--style", "flat")
    real = patch(image, *cell_center(s, "lower", 1, 1, "flat"), r=8)
    inserted = patch(image, *cell_center(s, "lower", 2, 2, "flat"), r=8)
    assert s.frame(24).lower_numbers[1, 1] == 0  # shown: a 0 …
    assert commonest(real) == p.FILLS["input"] and darkest(real) < 120  # … on the input's fill
    assert commonest(inserted) == WHITE


@pytest.mark.parametrize(
    ("args", "title"),
    [
        (["--in", "7,7", "-k", "3", "-s", "1", "-p", "2"], "input"),  # no zero, no pad
        (["--in", "3,3", "-s", "1", "-p", "0"], "padded input"),
        (["--in", "3,3", "-s", "2", "-p", "2"], "zero-inserted input"),
        (["--in", "3,3"], "zero-inserted, padded input"),
        (["--in", "3,3", "-s", "2", "-p", "2", "--op", "1"], "zero-inserted, padded input"),
        (["--in", "5,5", "-s", "2", "-p", "3"], "zero-inserted, cropped input"),
        (["--in", "5,5", "-s", "1", "-p", "3"], "cropped input"),
    ],
)
def test_titles_say_what_the_layer_did(args, title):
    layer = make_layer(*_options(args), rank=2)
    assert scene.build(layer).titles == (title, "output")
    shown = run("animate", *args, "--terminal", "--frame", "1", env={"NO_COLOR": "1"}).stdout
    assert title in shown
    for word in {"zero-inserted", "padded", "cropped"} - set(title.replace(",", "").split()):
        assert word not in shown


def _options(args: list[str]) -> tuple[int, ...]:
    """(size, k, s, p, d, op) from CLI options, with the CLI's defaults."""
    given = dict(zip(args[::2], args[1::2]))
    return (
        int(given["--in"].split(",")[0]),
        int(given.get("-k", 3)),
        int(given.get("-s", 2)),
        int(given.get("-p", 1)),
        1,
        int(given.get("--op", 0)),
    )


def test_the_conv_view_says_padded_only_with_padding():
    assert scene.build((Axis(5, 3, 2, 1, 1),) * 2, "conv").titles[0] == "padded input"
    assert scene.build((Axis(5, 3, 2, 0, 0),) * 2, "conv").titles[0] == "input"


# --- 2. the flip ---------------------------------------------------------------------------


def test_the_scene_holds_the_kernel_and_its_flip():
    x, w = sample_values(CLASSIC, 0)
    gather = scene.build(CLASSIC, "gather", x, w)
    kernel, flipped = gather.kernels
    assert (kernel.name, kernel.used, flipped.name, flipped.used) == (
        "kernel W",
        False,
        "flip(W)",
        True,
    )
    assert np.array_equal(kernel.values, w) and np.array_equal(flipped.values, flip(w))
    assert np.array_equal(flipped.values, gather.kernel)  # the weights at the taps
    assert kernel.taps.tolist() == [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]
    assert flipped.taps.tolist() == [["i", "h", "g"], ["f", "e", "d"], ["c", "b", "a"]]
    plain = scene.build(CLASSIC)  # without values: the taps' names show the flip
    assert [k.values for k in plain.kernels] == [None, None]
    for view in ("conv", "scatter"):  # the kernel is used as it is
        (only,) = scene.build(CLASSIC, view, x, w).kernels
        assert only.used and np.array_equal(only.values, w)
    assert scene.build(CLASSIC, "overlap").kernels == ()
    line = scene.build((Axis(4, 2, 2, 0, 0),)).kernels
    assert [k.taps.tolist() for k in line] == [[["a", "b"]], [["b", "a"]]]


def _ink(image: Image.Image, grid: layout.Grid, row: int, col: int) -> np.ndarray:
    """The text of a kernel panel's cell: where its middle pixels are darker than its fill,
    cropped to the text's box."""
    x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
    colours = patch(image, int(x), int(y), r=6)
    grey = colours @ [0.2126, 0.7152, 0.0722]
    ink = grey < (np.asarray(commonest(colours)) @ [0.2126, 0.7152, 0.0722]) - 60
    ink = ink.reshape(13, 13)
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("values", [False, True])
def test_kernel_panels_are_drawn_beside_the_planes(tmp_path, style, values):
    """W plain, flip(W) shaded as the taps are; the text of W's first tap is that of
    flip(W)'s last, and differs from flip(W)'s first (the sample kernel's corners differ)."""
    args = ["--style", style, "--frame", "1"] + (["--values"] if values else [])
    image = draw(tmp_path, *args)
    x, w = sample_values(CLASSIC, 0) if values else (None, None)
    s = scene.build(CLASSIC, "gather", x, w)
    kernel, flipped = layout.layout(s, style, 28, True).kernels
    shade = p.mix(p.SHADE, p.BACKGROUND, p.SHADE_ALPHA)
    assert p.LOOKS[Mark.KERNEL].fill == "shaded background"
    for grid, fill in ((kernel, WHITE), (flipped, shade)):
        corner = grid.point(0.12, 0.12).astype(int)  # inside the first cell, off its text
        assert tuple(image.getpixel(tuple(int(v) for v in corner))) == fill
    first, last = _ink(image, kernel, 0, 0), _ink(image, flipped, 2, 2)
    other = _ink(image, flipped, 0, 0)
    assert first.shape == last.shape and (first == last).mean() > 0.9  # the same text
    assert first.shape != other.shape or (first == other).mean() < 0.9  # another


def test_without_labels_the_bare_figure_has_no_panels():
    s = scene.build(CLASSIC)
    assert layout.layout(s, "arithmetic", 28, False).kernels == []
    assert len(layout.layout(s, "arithmetic", 28, True).kernels) == 2


@pytest.mark.parametrize(
    "layer",
    [
        CLASSIC,
        ODD,
        (Axis(3, 3, 1, 0, 0, 2, 1),) * 2,
        (Axis(3, 3, 2, 3, 3, 1, 1),) * 2,
        (Axis(4, 3, 2, 1, 1),),
        (Axis(16, 3, 2, 1, 1),) * 2,
    ],
)
def test_the_arithmetic_legend_and_panels_stay_clear_of_the_planes(layer):
    """The compact legend and the kernel panels overlap no plane, no title and each other."""
    page = layout.layout(scene.build(layer), "arithmetic", 28, True)
    hull = layout._hull(np.concatenate([g.corners() for g in page.grids.values()]))
    boxes = [layout._block_box([s]) for s in page.swatches] + [
        layout._block_box([g]) for g in page.kernels
    ]
    for box in boxes:
        assert not layout._overlaps(box, hull)
        assert (box[0] >= 0).all() and (box[1] <= page.size).all()
    for a, b in itertools.combinations(boxes + [label.box() for label in page.labels], 2):
        assert not layout._overlaps(a, layout._box_polygon(b))


# --- 3. values that read -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_example_values_are_one_to_three_and_flip_visibly(seed):
    for layer in (CLASSIC, ODD, (Axis(5, 2, 1, 0, 0),), (Axis(3, 4, 2, 1, 1), Axis(2, 1, 1, 0, 0))):
        x, w = sample_values(layer, seed)
        assert x.min() >= 1 and x.max() <= 3 and w.min() >= 1 and w.max() <= 3
        if w.size > 1:
            assert w.flat[0] != w.flat[-1] and not np.array_equal(w, flip(w))


def test_the_cli_draws_its_example_values_from_one_to_three():
    data = json.loads(run("explain", "--random", "--seed", "5", "--json").stdout)
    assert {v for row in data["input"] for v in row} <= {1, 2, 3}
    assert {v for row in data["weight"] for v in row} <= {1, 2, 3}


@pytest.mark.parametrize("style", STYLES)
def test_numbers_and_subscripts_are_legible_at_the_default_cell(style):
    """At cell 28 a number is at least 10 px tall and its subscript at least 8 px (text
    sizes 15 and 12), in the oblique cells too; a 2-digit number keeps 9 and 7."""
    s = scene.build(CLASSIC)
    grid = layout.layout(s, style, 28, True).grids["lower"]
    size = layout.sizes_for(28)["value"]
    for main, sub, tall, small in (("3", "2", 10, 8), ("13", "2", 9, 7)):
        mask = layout.fit_cell_text(grid, main, sub, size, 28 / 16)[0]
        chosen = next(
            n
            for n in range(size, 5, -1)
            if np.array_equal(layout.with_subscript(main, sub, n), mask)
        )
        big = layout.text_mask(main, chosen)  # cropped to the ink: its height is the ink's
        subscript = layout.text_mask(sub, round(chosen * layout.SUBSCRIPT))
        assert big.shape[0] >= tall and subscript.shape[0] >= small, (main, chosen)


@pytest.mark.slow
def test_connectors_never_cross_a_number():
    """Every frame of the classic figure with values: inside the box of each number on the
    lower plane there are only the cell's fill and text ink, never a connector's line ink
    (the next test shows that there would be without the clipping)."""
    x, w = sample_values(CLASSIC, 0)
    s = scene.build(CLASSIC, "gather", x, w)
    page = layout.layout(s, "arithmetic", 28, True)
    grid = page.grids["lower"]
    checked = 0
    for n in range(s.frame_count):
        indices = np.asarray(frame_image(s, n))
        code = indices.astype(int) % PER_FILL
        numbers = s.frame(n).lower_numbers
        for row, col in zip(*np.nonzero(~np.isnan(numbers))):
            cx, cy = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
            window = np.s_[cy - 9 : cy + 10, cx - 12 : cx + 13]
            text = code[window] >= TEXT_INK
            ys, xs = np.nonzero(text)
            box = np.s_[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            inside = code[window][box]
            assert ((inside == 0) | (inside >= TEXT_INK)).all(), (n, row, col)
            checked += 1
    assert checked > 100


@pytest.mark.slow
def test_connectors_would_be_seen_through_numbers_without_the_clipping(monkeypatch):
    """The check above can fail: with the text boxes forgotten, a line crosses a number."""
    from tconv_cli.render import raster

    x, w = sample_values(CLASSIC, 0)
    s = scene.build(CLASSIC, "gather", x, w)
    original = raster.TextBoxes.add
    monkeypatch.setattr(raster.TextBoxes, "add", lambda self, key, flat: None)
    grid = layout.layout(s, "arithmetic", 28, True).grids["lower"]
    crossed = False
    for n in range(s.frame_count):
        code = np.asarray(frame_image(s, n)).astype(int) % PER_FILL
        numbers = s.frame(n).lower_numbers
        for row, col in zip(*np.nonzero(~np.isnan(numbers))):
            cx, cy = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
            window = code[cy - 9 : cy + 10, cx - 12 : cx + 13]
            ys, xs = np.nonzero(window >= TEXT_INK)
            inside = window[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            crossed |= bool(((inside > 0) & (inside < TEXT_INK)).any())
    assert crossed
    assert original is not raster.TextBoxes.add


# --- 7. colour -----------------------------------------------------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1, applied to linear RGB.
CVD = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
    "normal vision": np.eye(3),
}


def linear(colour) -> np.ndarray:
    c = np.asarray(colour, float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(rgb_linear: np.ndarray) -> float:
    return float(rgb_linear @ [0.2126, 0.7152, 0.0722])


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear sRGB colour."""
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ rgb_linear
        / [0.95047, 1.0, 1.08883]
    )
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulated(colour, kind: str) -> np.ndarray:
    return np.clip(CVD[kind] @ linear(colour), 0, 1)


def delta_e(a, b, kind: str) -> float:
    return float(np.linalg.norm(lab(simulated(a, kind)) - lab(simulated(b, kind))))


def contrast(a, b) -> float:
    low, high = sorted((luminance(linear(a)), luminance(linear(b))))
    return (high + 0.05) / (low + 0.05)


def fill_of(key) -> tuple[int, int, int]:
    """The colour of a fill's name ("shaded input": the kernel's shade over the input)."""
    name = key.removeprefix("shaded ")
    colour = p.FILLS[name]
    return p.mix(p.SHADE, colour, p.SHADE_ALPHA) if key != name else colour


# The fills that meet on one plane (and input beside output): gather/conv lower plane with
# the kernel over it, the output plane, and the scatter view's uncropped output.
PLANES = [
    [
        Role.INPUT,
        Role.INSERTED,
        Role.OUTPUT_PADDING,
        Role.CROPPED,
        Mark.KERNEL,
        Mark.SOURCE,
        "shaded output_padding",
    ],
    [Mark.DONE, Mark.NOW, Mark.PENDING],
    [
        Mark.DONE,
        Mark.PENDING,
        Role.OUTPUT_PADDING,
        Role.CROPPED,
        Mark.NOW,
        "shaded output_padding",
        "shaded cropped",
    ],
    [Role.INPUT, Role.OUTPUT],
]


def _pairs():
    seen = set()
    for plane in PLANES:
        for a, b in itertools.combinations(plane, 2):
            fills = tuple(p.LOOKS[k].fill if k in p.LOOKS else k for k in (a, b))
            if fills[0] != fills[1] and fills not in seen:
                seen.add(fills)
                yield fills


@pytest.mark.parametrize("kind", sorted(CVD))
def test_every_pair_of_fills_that_meet_differs_for_colour_blind_viewers(kind):
    """ΔE*ab ≥ 12 between the simulated colours of every two fills that meet."""
    close = [
        (a, b, round(delta_e(fill_of(a), fill_of(b), kind), 1))
        for a, b in _pairs()
        if delta_e(fill_of(a), fill_of(b), kind) < 12
    ]
    assert not close


def test_input_and_output_differ_in_lightness_too():
    """Tritanopes see the input blue and the output teal alike in hue: they differ in
    luminance (the old #2aa198 teal was 1.17:1 against the blue)."""
    assert contrast(p.FILLS["input"], p.FILLS["output"]) >= 1.5
    assert contrast(p.rgb("#268bd2"), p.rgb("#2aa198")) < 1.2


def test_fills_stand_out_from_white_on_a_projector():
    white = p.rgb(p.BACKGROUND)
    for name in ("input", "output", "output_padding"):
        assert contrast(p.FILLS[name], white) >= 2.0, name
    for name in ("pending", "cropped"):  # pale on purpose; cropped is hatched as well
        assert contrast(p.FILLS[name], white) >= 1.3, name
    assert contrast(p.mix(p.rgb("#6c71c4"), white, 0.2), white) < 1.3  # the old lavender


def test_no_role_is_told_by_hue_alone():
    """Two kinds of cell that meet and are close in lightness (under 1.25:1, so alike in
    grey) differ by their edge, their pattern or their glyph as well."""

    def cues(key) -> tuple:
        if key in p.LOOKS:
            look = p.LOOKS[key]
            return look.edge, p.PATTERNS.get(look.fill.removeprefix("shaded ")), look.glyph
        return None, p.PATTERNS.get(key.removeprefix("shaded ")), None

    alike = []
    for plane in PLANES + [[Role.INSERTED, Role.PADDING]]:
        for a, b in itertools.combinations(plane, 2):
            fa = fill_of(p.LOOKS[a].fill if a in p.LOOKS else a)
            fb = fill_of(p.LOOKS[b].fill if b in p.LOOKS else b)
            if contrast(fa, fb) < 1.25:
                alike.append((a, b))
                assert cues(a) != cues(b), (a, b)
    assert (Role.INSERTED, Role.PADDING) in alike  # the same white: the "0" tells them apart
