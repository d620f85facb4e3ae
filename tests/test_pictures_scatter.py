"""Scatter that explains (a stamp `+x·w`, then the sums, then the crop) and overlap as a
heatmap with a colour key: the numbers each frame says, the frame counts, and the colours of
the files written, through the library and the real command line."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from helpers import run, torch_conv_transpose, transposed_layers
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tconv_cli import scene
from tconv_cli.geometry import Axis
from tconv_cli.picture import STAMP_CELL, PictureOptions, default_name
from tconv_cli.render import encode, layout
from tconv_cli.render import palette as p
from tconv_cli.render.raster import frame_image
from tconv_cli.scene import Role, Shade

GOLDEN = (Axis(2, 3, 1, 0, 0),) * 2  # DESIGN §7: no padding, so nothing is cropped
GOLDEN_X = np.array([[2, 3], [1, 3]])
GOLDEN_W = np.array([[0, 1, 1], [0, 1, 0], [1, 0, 1]])
GOLDEN_Y = [[0, 2, 5, 3], [0, 3, 7, 3], [2, 4, 5, 3], [1, 3, 1, 3]]
CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # p=1: the uncropped 7×7 loses its border
X = np.array([[2, 3, 1], [1, 3, 2], [3, 2, 1]])
W = np.array([[0, 1, 2], [1, 2, 0], [2, 0, 1]])


def rgb_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def pixel(image: Image.Image, point) -> tuple[int, int, int]:
    x, y = (int(v) for v in np.floor(point))
    return tuple(int(c) for c in image.convert("RGB").getpixel((x, y)))


def lightness(colour) -> float:
    """CIE L* of an sRGB colour: what a grayscale printout keeps."""
    linear = [
        c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
        for c in p.rgb(colour)
    ]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > (6 / 29) ** 3 else y * (29 / 3) ** 3


# --- scatter: the numbers the scene says ------------------------------------------------------


def test_golden_stamps_are_x_times_w_then_the_sums():
    s = scene.build(GOLDEN, "scatter", GOLDEN_X, GOLDEN_W)
    assert s.frame_count == scene.frame_count(GOLDEN, "scatter", values=True) == 4 * 2
    assert PictureOptions(view="scatter", values=True).count_frames(GOLDEN) == 8
    sums = np.zeros((4, 4))
    for element, x in enumerate(GOLDEN_X.ravel()):
        stamp, total = s.frame(2 * element), s.frame(2 * element + 1)
        assert (stamp.phase, total.phase) == ("stamp", "sum")
        r, c = divmod(element, 2)
        written = np.zeros((4, 4), bool)
        written[r : r + 3, c : c + 3] = True
        product = np.full((4, 4), np.nan)
        product[r : r + 3, c : c + 3] = x * GOLDEN_W
        for frame in (stamp, total):
            assert np.array_equal(frame.stamps, product, equal_nan=True)
            assert frame.taps.tolist() == [[r, c]]
        # the stamp: "+x·w" over "x·w" where it lands, the sums so far elsewhere
        for (i, j), _ in np.ndenumerate(product):
            if written[i, j]:
                weight = GOLDEN_W[i - r, j - c]
                assert stamp.upper_text[i, j] == f"+{x * weight}"
                assert stamp.upper_notes[i, j] == f"{x}·{weight}"
                assert stamp.upper_numbers[i, j] == x * weight
            elif sums[i, j]:
                assert stamp.upper_text[i, j] == str(int(sums[i, j]))
        before = sums.copy()
        sums[written] += product[written]
        # the sums: the new total over "before+product" where something was there before
        for (i, j), value in np.ndenumerate(sums):
            if written[i, j]:
                assert total.upper_text[i, j] == str(int(value))
                assert total.upper_values[i, j] == value
                seen = stamp.upper_values[i, j]
                assert total.upper_notes[i, j] == (
                    "" if np.isnan(seen) else f"{int(before[i, j])}+{int(product[i, j])}"
                )
    assert s.frame(7).upper_values.tolist() == GOLDEN_Y


def test_golden_through_the_command_line(tmp_path):
    out = tmp_path / "golden.gif"
    result = run(
        "animate",
        "--view",
        "scatter",
        "-s",
        "1",
        "-p",
        "0",
        "--input",
        "[[2,3],[1,3]]",
        "--weight",
        "[[0,1,1],[0,1,0],[1,0,1]]",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    assert "8 frames" in result.stdout
    with Image.open(out) as image:
        assert image.n_frames == 8


@settings(max_examples=60, deadline=None, derandomize=True)
@given(transposed_layers(max_in=3), st.integers(0, 2**32 - 1))
@pytest.mark.slow
def test_random_layers_stamp_then_sum_to_pytorch(torch, layer, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, [a.size for a in layer])
    w = rng.integers(-3, 4, [a.kernel for a in layer])
    s = scene.build(layer, "scatter", x, w)
    count = scene.frame_count(layer, "scatter", values=True)
    assert s.frame_count == count == (x.size + scene.crops(layer)) * 2
    assert PictureOptions(view="scatter", values=True).count_frames(layer) == count
    frames = list(s)
    for frame in frames[: 2 * x.size]:
        element = frame.index // 2
        source = x.reshape(-1)[element]
        assert np.array_equal(frame.stamps[tuple(frame.marks.T)], source * w.reshape(-1))
    last_sum = frames[2 * x.size - 1]
    kept = (s.upper.roles == Role.OUTPUT) | (s.upper.roles == Role.OUTPUT_PADDING)
    expected = torch_conv_transpose(torch, layer, x, w)
    assert np.array_equal(
        np.nan_to_num(last_sum.upper_values[kept]).reshape(expected.shape), expected
    )
    if scene.crops(layer):  # the crop: every sum, then the output alone, boxed
        uncropped, cropped = frames[-2:]
        assert (uncropped.phase, cropped.phase) == ("uncropped", "cropped")
        box = cropped.upper_box
        assert (box.row1 - box.row0, box.col1 - box.col0) == expected.shape
        assert not len(cropped.taps) and not len(cropped.marks)
        outside = s.upper.roles == Role.CROPPED
        assert np.isnan(cropped.upper_numbers[outside]).all()
        assert not cropped.done[outside].any()
        assert np.array_equal(np.isnan(uncropped.upper_numbers), np.isnan(last_sum.upper_values))


def test_frame_counts_without_values_and_the_crop():
    assert scene.frame_count(CLASSIC, "scatter") == scene.build(CLASSIC, "scatter").frame_count
    assert scene.frame_count(CLASSIC, "scatter") == 9 + 1
    assert scene.frame_count(GOLDEN, "scatter") == 4  # nothing cropped: no crop frame
    last = scene.build(CLASSIC, "scatter").frame(9)
    assert last.phase == "cropped" and last.upper_box == scene.Box(1, 1, 6, 6)
    assert last.upper_text is None


def test_max_frames_counts_the_real_frames(tmp_path):
    args = ("animate", "--view", "scatter", "--values", "--in", "3")
    refused = run(*args, "--max-frames", "19", "-o", str(tmp_path / "a.gif"))
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: this animation would have 20 frames (a stamp and a sum per input cell, 3×3, "
        "then the crop), more than max_frames 19; raise max_frames, draw one frame, or take a "
        "smaller input\n"
    )
    out = tmp_path / "b.gif"
    assert run(*args, "--max-frames", "20", "-o", str(out)).exit_code == 0
    with Image.open(out) as image:
        assert image.n_frames == 20
    assert run(*args, "--frame", "21", "-o", str(tmp_path / "c.png")).exit_code == 2
    assert run(*args, "--frame", "20", "-o", str(tmp_path / "c.png")).exit_code == 0


# --- scatter: the pictures ---------------------------------------------------------------------


@pytest.mark.parametrize("style", ["arithmetic", "flat"])
def test_cropped_cells_are_outlined_and_their_numbers_clear_of_hatching(style):
    s = scene.build(CLASSIC, "scatter", X, W)
    hatching = p.mix(p.FAINT, p.CROPPED, 1.0)
    grid = layout.layout(s, style, 28, True).grids["upper"]

    def around_text(image, row, col):
        """The colours within 4 px of the centre of a cell: text and fill only."""
        x, y = np.floor(grid.point(row + 0.5, col + 0.5)).astype(int)
        patch = np.asarray(image.convert("RGB").crop((x - 4, y - 3, x + 5, y + 4)))
        return {tuple(int(v) for v in c) for c in patch.reshape(-1, 3)}

    def top_edge(image, row, col):
        """The darkest lightness along the middle half of a cell's upper edge."""
        return min(
            lightness(pixel(image, grid.point(row + dy, col + t)))
            for t in np.linspace(0.25, 0.75, 12)
            for dy in (-0.02, 0.02)
        )

    before = frame_image(s, 0, style=style)  # nothing written yet at (0, 6)
    assert hatching in around_text(before, 0, 6)
    assert top_edge(before, 0, 6) > 55  # faint dashes only
    uncropped = frame_image(s, 18, style=style)  # every sum, the border's readable
    assert s.frame(18).upper_text[0, 6] != ""
    assert hatching not in around_text(uncropped, 0, 6)
    assert top_edge(uncropped, 0, 6) < 45  # written: outlined in the line's ink
    cropped = frame_image(s, 19, style=style)  # the output alone
    assert hatching in around_text(cropped, 0, 6)
    assert top_edge(cropped, 0, 6) > 55


@pytest.mark.slow
def test_delta_frames_with_stamps_decode_to_the_drawn_frames():
    """Text, notes and cleared hatching travel through the delta-encoded GIF exactly."""
    s = scene.build(CLASSIC, "scatter", X, W)
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(view="scatter", format="gif", values=True))
    image = Image.open(io.BytesIO(stream.getvalue()))
    assert image.n_frames == s.frame_count == 20
    for n in range(image.n_frames):
        image.seek(n)
        drawn = np.asarray(frame_image(s, n, cell=STAMP_CELL).convert("RGB"))
        assert np.array_equal(np.asarray(image.convert("RGB")), drawn), n


# --- overlap: a heatmap with a colour key ------------------------------------------------------


def brute_force_taps(layer) -> np.ndarray:
    """Kernel taps reaching each output cell, counted one input element and tap at a time."""
    counts = np.zeros([a.output for a in layer], int)
    for j in np.ndindex(*[a.size for a in layer]):
        for t in np.ndindex(*[a.kernel for a in layer]):
            q = [jj * a.stride + tt * a.dilation - a.pad_lo for jj, tt, a in zip(j, t, layer)]
            if all(0 <= qq < a.output for qq, a in zip(q, layer)):
                counts[tuple(q)] += 1
    return counts.reshape(1, -1) if len(layer) == 1 else counts


@settings(max_examples=60, deadline=None, derandomize=True)
@given(transposed_layers(max_in=3))
def test_overlap_counts_are_a_brute_force_count(layer):
    s = scene.build(layer, "overlap")
    assert np.array_equal(s.frame(0).upper_numbers, brute_force_taps(layer))
    # each distinct count its own step of the ramp, in order; the legend keys every step used
    counts, shades = s.upper.values.ravel(), s.shades.ravel()
    order = np.argsort(counts, kind="stable")
    assert (np.diff(shades[order]) >= 0).all()
    used = {entry.key for entry in s.legend if isinstance(entry.key, Shade)}
    assert used == {Shade.at(level) for level in np.unique(shades)}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(transposed_layers(max_in=3), st.integers(0, 2**32 - 1))
def test_overlap_values_are_a_transposed_conv_of_ones(torch, layer, seed):
    w = np.random.default_rng(seed).integers(-2, 4, [a.kernel for a in layer])
    s = scene.build(layer, "overlap", np.ones([a.size for a in layer]), w)
    ones = np.ones([a.size for a in layer])
    assert np.array_equal(s.frame(0).upper_numbers, torch_conv_transpose(torch, layer, ones, w))


def test_one_and_two_taps_lie_far_apart_on_a_ramp_that_reads_in_grayscale():
    s = scene.build(CLASSIC, "overlap")
    assert s.upper.values[:2].tolist() == [[1, 2, 1, 2, 1], [2, 4, 2, 4, 2]]
    levels = {int(v): int(s.shades[np.nonzero(s.upper.values == v)][0]) for v in (1, 2, 4)}
    assert levels == {1: 0, 2: 2, 4: 5}
    steps = np.diff([lightness(colour) for colour in p.SHADE_RAMP])
    assert (steps < -10).all()  # darker at every step, by more than 10 L*
    names = [entry.name for entry in s.legend]
    assert names == ["1 tap", "2 taps", "4 taps"]


def test_the_heatmap_and_its_key_in_the_file(tmp_path):
    out = tmp_path / "o.png"
    result = run("animate", "--view", "overlap", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    s = scene.build(CLASSIC, "overlap")
    page = layout.layout(s, "flat", 28, True)
    with Image.open(out) as image:
        assert image.size == page.size  # the flat style: the heatmap's default
        grid = page.grids["upper"]
        for (row, col), level in np.ndenumerate(s.shades):
            corner = grid.point(row + 0.85, col + 0.85)  # clear of the number
            assert pixel(image, corner) == p.rgb(p.SHADE_RAMP[level]), (row, col)
        keys = [sw for sw in page.swatches if isinstance(sw.entry.key, Shade)]
        assert [sw.entry.name for sw in keys] == ["1 tap", "2 taps", "4 taps"]
        for swatch in keys:
            centre = swatch.grid.point(0.5, 0.5)
            assert pixel(image, centre) == p.rgb(p.SHADE_RAMP[swatch.entry.key.level])


def test_overlap_values_through_the_command_line(tmp_path):
    out = tmp_path / "v.png"
    weight = "[[1,2,0],[0,1,0],[3,0,1]]"
    result = run(
        "animate",
        "--view",
        "overlap",
        "--input",
        "[[1,1,1],[1,1,1],[1,1,1]]",
        "--weight",
        weight,
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    from tconv_cli import numeric

    s = scene.build(CLASSIC, "overlap", np.ones((3, 3)), np.array(json.loads(weight)))
    expected = numeric.conv_transpose(
        np.ones((1, 3, 3)), np.array(json.loads(weight))[None, None], CLASSIC
    )[0]
    assert np.array_equal(s.upper.values, expected)
    assert s.titles[1] == "sum of the weights reaching each output cell"
    assert {entry.name for entry in s.legend} == {str(int(v)) for v in np.unique(expected)}
    with Image.open(out) as image:
        assert image.size == layout.layout(s, "flat", 28, True).size
    plain = run("animate", "--view", "overlap", "--values", "-o", str(tmp_path / "r.png"))
    assert plain.exit_code == 0, plain.stderr


def test_overlap_style_default_and_names(tmp_path, monkeypatch):
    assert PictureOptions(view="overlap").style == "flat"
    assert PictureOptions(view="scatter").style == "arithmetic"
    assert default_name(CLASSIC, PictureOptions(view="overlap")).name == (
        "tconv_i3_k3_s2_p1_overlap.gif"
    )
    assert default_name(CLASSIC, PictureOptions(view="overlap", style="arithmetic")).name == (
        "tconv_i3_k3_s2_p1_overlap_arithmetic.gif"
    )
    assert default_name(CLASSIC, PictureOptions(view="gather", style="flat")).name == (
        "tconv_i3_k3_s2_p1_flat.gif"
    )
    for args, name in (
        ([], "tconv_i3_k3_s2_p1_overlap.gif"),
        (["--style", "flat"], "tconv_i3_k3_s2_p1_overlap.gif"),
        (["--style", "arithmetic"], "tconv_i3_k3_s2_p1_overlap_arithmetic.gif"),
    ):
        monkeypatch.chdir(tmp_path)
        result = run("animate", "--view", "overlap", *args, "--force")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"wrote {name}:")


# --- the overlap map of a stack (tconv chain --overlap -o) -------------------------------------

STACK = (
    "nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1)",
    "nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1)",
)


def test_chain_draws_the_stacks_map_as_the_heatmap(tmp_path, torch):
    out = tmp_path / "map.png"
    result = run("chain", "--in", "4,5", *STACK, "--overlap", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    # ones through the stack with all-ones kernels, in PyTorch
    y = torch.ones(1, 1, 4, 5, dtype=torch.float64)
    for k in (4, 3):
        y = torch.nn.functional.conv_transpose2d(
            y, torch.ones(1, 1, k, k, dtype=torch.float64), stride=2, padding=1
        )
    expected = y[0, 0].numpy()
    from tconv_cli import network

    caption = "2 layers, 4x5 to 15x19: 1 to 16 input contributions per output cell"
    s = scene.build_map(network.overlap_counts([4, 5], network.parse_layers(list(STACK))), caption)
    assert np.array_equal(s.upper.values, expected)
    page = layout.layout(s, "flat", 28, True)
    assert result.stdout.splitlines()[-1] == f"wrote {out}: {page.size[0]}×{page.size[1]} px"
    assert result.stdout.splitlines()[-2] == "overlap axis 1: 1 to 4 contributions per cell, 4×"
    with Image.open(out) as image:
        assert image.size == page.size
        grid = page.grids["upper"]
        for (row, col), level in np.ndenumerate(s.shades):
            assert pixel(image, grid.point(row + 0.85, col + 0.85)) == p.rgb(p.SHADE_RAMP[level]), (
                row,
                col,
            )
    assert any(entry.name == "16 contributions" for entry in s.legend)


def test_chain_map_needs_overlap_and_keeps_json_clean(tmp_path):
    out = tmp_path / "map.png"
    result = run("chain", "--in", "4,4", *STACK, "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: --output {out}: draws the overlap map: give --overlap too\n",
    )
    assert not out.exists()
    result = run("chain", "--in", "4,4", *STACK, "--overlap", "-o", str(out), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["overlap"]["max"] == [4, 4]
    assert out.exists()
    again = run("chain", "--in", "4,4", *STACK, "--overlap", "-o", str(out))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert (
        run("chain", "--in", "4,4", *STACK, "--overlap", "-o", str(out), "--force").exit_code == 0
    )
