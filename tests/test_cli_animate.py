"""`tconv animate` through the real Typer app: terminal frames, files, refusals."""

from __future__ import annotations

import os
import re
import time

import pytest
from helpers import run
from PIL import Image

FRAME_8_OF_THE_ODD_FIGURE = """\
ConvTranspose2d(kernel_size=3, stride=2, padding=1, output_padding=1)
stride 2: 1 zero between inputs; padding 1 in PyTorch = 1 cell around the
zero-inserted input (d(k−1)−p = 2−1 = 1); output_padding 1: 1 more row and
column at the end
kernel W     flip(W)
 a  b  c     [i][h][g]
 d  e  f     [f][e][d]
 g  h  i     [c][b][a]
frame 8/36
zero-inserted, padded input    output
 ·  ·  ·  ·  ·  ·  ·  ∘         ●  ●  ●  ●  ●  ●
 · [■][0][■] 0  ■  ·  ∘         ● [●] ○  ○  ○  ○
 · [0][0][0] 0  0  ·  ∘         ○  ○  ○  ○  ○  ○
 · [■][0][■] 0  ■  ·  ∘         ○  ○  ○  ○  ○  ○
 ·  0  0  0  0  0  ·  ∘         ○  ○  ○  ○  ○  ○
 ·  ■  0  ■  0  ■  ·  ∘         ○  ○  ○  ○  ○  ○
 ·  ·  ·  ·  ·  ·  ·  ∘
 ∘  ∘  ∘  ∘  ∘  ∘  ∘  ∘
■ input  0 inserted zero  · padding  ∘ output_padding  [ ] kernel  ● done
[●] now  ○ to do
"""


def test_one_terminal_frame_reads_without_colour():
    result = run(
        "animate", "--in", "3,3", "--op", "1", "--terminal", "--frame", "8", env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 0
    assert result.stdout == FRAME_8_OF_THE_ODD_FIGURE
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_terminal_frames_print_one_after_another_when_not_a_tty():
    result = run(
        "animate", "--in", "3", "-k", "2", "--dims", "1", "--terminal", "--values", "--seed", "1"
    )
    assert result.exit_code == 0
    assert [line for line in result.stdout.splitlines() if line.startswith("frame ")] == [
        f"frame {n}/4" for n in range(1, 5)
    ]
    assert "kernel W    flip(W)" in result.stdout


def test_terminal_scatter_and_overlap_views():
    scatter = run("animate", "--in", "3", "--dims", "1", "--view", "scatter", "--terminal").stdout
    assert "output, uncropped" in scatter and "frame 4/4" in scatter and "×" in scatter
    overlap = run("animate", "--in", "3,3", "--view", "overlap", "--terminal").stdout
    assert "kernel taps per output cell" in overlap and " 4 " in overlap


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (
            ["--in", "64,64"],
            1,
            "Error: this animation would have 16,129 frames (one per output "
            "cell, 127×127), more than max_frames 1,024; raise max_frames, draw one frame, or "
            "take a smaller input",
        ),
        (
            ["--in", "3,3,3"],
            2,
            "Error: --in 3,3,3: input has 3 axes: pictures are for 1-d and "
            "2-d layers (tconv shape and explain take any)",
        ),
        (
            ["--frame", "26"],
            2,
            "Error: --frame 26: frame must be between 1 and 25, the frame count",
        ),
        (
            ["-o", "out.jpg"],
            2,
            "Error: --output out.jpg: output must end in .gif, .png (APNG), .webp, .svg, .html "
            "or .pdf",
        ),
        (
            ["--sheet", "-o", "a.gif"],
            2,
            "Error: --output a.gif: output must be PNG, SVG or PDF for a sheet",
        ),
        (
            ["--conv", "--view", "scatter"],
            2,
            "Error: --view scatter: is for the transposed "
            "layer; --conv shows the direct convolution's window",
        ),
        (
            ["--fps", "0"],
            2,
            "Error: --fps 0.0: fps must be between 0.015 (65.5 s a frame, the "
            "most GIF holds) and 1000 (more than 50 plays at 50)",
        ),
        # crashes found by a fuzz (issue 8): each now one line, nothing written
        (
            ["--fps", "0.01"],
            2,
            "Error: --fps 0.01: fps must be between 0.015 (65.5 s a frame, "
            "the most GIF holds) and 1000 (more than 50 plays at 50)",
        ),
        (
            ["--fps", "1e-300"],
            2,
            "Error: --fps 1e-300: fps must be between 0.015 (65.5 s a "
            "frame, the most GIF holds) and 1000 (more than 50 plays at 50)",
        ),
        (
            ["--loop", "70000"],
            2,
            "Error: --loop 70000: loop must be between 0 (forever) and 65,535 plays",
        ),
        (
            ["--in", "60,60", "--frame", "1", "--cell", "200"],
            1,
            "Error: a frame would be at "
            "least 10,752×14,592 px (157 MP), more than the 33.6 MP a frame may have: use cell "
            "83 or less, or a smaller input",
        ),  # a window of 32 cells of the 121-cell grid
        (
            ["--in", "16,16", "--sheet", "-o", "s.png", "--cell", "60"],
            1,
            "Error: a sheet of 961 "
            "frames of 3,326×4,377 px would be 14,048 MP, more than 100 MP: use a smaller cell, or "
            "choose frames (--row, --every, --frames)",
        ),
        (
            ["--in", "30000,30000", "--frame", "1"],
            1,
            "Error: a frame would be at least "
            "2,822,447×3,830,400 px (10,811,101 MP), more than the 33.6 MP a frame may have: take "
            "a smaller input or kernel",
        ),
        (
            ["--values", "-k", "65535", "--in", "1", "--frame", "1"],
            1,
            "Error: a frame would be "
            "at least 6,165,391×6,275,472 px (38,690,739 MP), more than the 33.6 MP a frame may "
            "have: take a smaller input or kernel",
        ),  # refused before 32 GiB of values are drawn
        (
            ["--in", "16,16", "--view", "scatter", "--values", "-o", "v.webp"],
            1,
            "Error: a WebP of 514 frames of at least 2,439×2,457 px would encode some 3,080 MP "
            "(the first frame, then what changes), more than the 2,147 MP libwebp encodes in "
            "some 20 seconds: write a .gif or .png (APNG), use cell 36 or less, take a smaller "
            "input, or choose frames (--row, --every, --frames)",
        ),
        (
            ["--in", "16,16", "--values", "-o", "g.webp"],
            1,
            "Error: a WebP of 961 frames of at least 1,552×2,042 px would encode some 3,046 MP "
            "(the first frame, then what changes), more than the 2,147 MP libwebp encodes in "
            "some 20 seconds: write a .gif or .png (APNG), use cell 23 or less, take a smaller "
            "input, or choose frames (--row, --every, --frames)",
        ),  # the running sum, top left, and the kernel: every frame counted whole
        (
            ["--in", "32,32", "--max-frames", "4000", "--width", "3000", "-o", "w.webp"],
            1,
            "Error: a WebP of 3,969 frames of at least 3,000×4,069 px would encode some 5,637 MP "
            "(the first frame, then what changes), more than the 2,147 MP libwebp encodes in "
            "some 20 seconds: write a .gif or .png (APNG), use width 1851 or less, take a "
            "smaller input, or choose frames (--row, --every, --frames)",
        ),  # the kernel's strip, the window's jumps: some 2.6 times what --in 32,32 encodes
        (
            ["--in", "300,300", "--terminal", "--frame", "1"],
            1,
            "Error: a frame of this layer "
            "has 720,002 cells, more than the 40,000 a terminal frame may show: draw a picture "
            "file, or take a smaller input",
        ),
        (
            ["--values", "--input", "[1,2]", "--weight", "[1]"],
            2,
            "Error: --values draws the "
            "values itself; give --values or --input and --weight, not both",
        ),
        (
            ["--terminal", "-o", "x.gif"],
            2,
            "Error: --output is for pictures in files; --terminal draws in the terminal",
        ),
        (["--max-frames", "0"], 2, "Error: --max-frames 0: max_frames must be at least 1"),
    ],
)
def test_refusals_say_why(args, code, line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    result = run("animate", *args)
    assert time.perf_counter() - started < 1  # refused up front, before drawing
    assert (result.exit_code, result.stderr) == (code, line + "\n")
    assert list(tmp_path.iterdir()) == []


def test_one_frame_of_a_large_layer_is_allowed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("animate", "--in", "64,64", "--frame", "100", "--terminal")
    assert result.exit_code == 0 and "frame 100/16129" in result.stdout


# --- files -------------------------------------------------------------------------------


def test_the_default_file_describes_the_layer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("animate", "--in", "3,3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("wrote tconv_i3_k3_s2_p1.gif: 25 frames, ")
    with Image.open(tmp_path / "tconv_i3_k3_s2_p1.gif") as image:
        assert image.n_frames == 25
        assert image.info["duration"] == 1000 and image.info["loop"] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["tconv_i3_k3_s2_p1.gif"]
    mode = (tmp_path / "tconv_i3_k3_s2_p1.gif").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # as any new file, not mkstemp's private 0o600


def test_an_existing_picture_is_kept_without_force(tmp_path):
    out = tmp_path / "a.gif"
    out.write_bytes(b"mine")
    result = run("animate", "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {out} exists; pass --force to overwrite it\n",
    )
    assert out.read_bytes() == b"mine"
    assert run("animate", "-o", str(out), "--force").exit_code == 0
    with Image.open(out) as image:
        assert image.n_frames == 25  # the classic 2-d figure, with no options


@pytest.mark.parametrize(
    ("args", "name", "frames"),
    [
        (["--in", "3,3", "--op", "1", "--fps", "4", "--loop", "2"], "odd.png", 36),
        (
            ["--in", "3", "--dims", "1", "--view", "scatter", "--style", "flat", "--values"],
            "s.webp",
            (3 + 1) * 2,
        ),  # a stamp and a sum per element, and for the crop
        (["--in", "3", "--view", "scatter"], "s2.gif", 9 + 1),
        (["--in", "5,5", "--conv"], "conv.gif", 9),
        (["--in", "4,3", "-k", "3,2", "-d", "2,1", "-s", "1,2", "--op", "1,0"], "rect.gif", 0),
    ],
)
def test_formats_views_and_styles(tmp_path, args, name, frames):
    out = tmp_path / name
    result = run("animate", *args, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as image:
        count = getattr(image, "n_frames", 1)
        if frames:
            assert count == frames
        else:
            assert count == int(result.stdout.split(": ")[1].split()[0])


def test_one_frame_and_a_sheet_are_single_pngs(tmp_path):
    still, sheet = tmp_path / "f.png", tmp_path / "sheet.png"
    assert run("animate", "--in", "3,3", "--frame", "8", "-o", str(still)).exit_code == 0
    assert run("animate", "--in", "3,3", "--sheet", "-o", str(sheet)).exit_code == 0
    with Image.open(still) as one, Image.open(sheet) as page:
        assert getattr(one, "n_frames", 1) == 1 and getattr(page, "n_frames", 1) == 1
        assert page.width * page.height > 4 * one.width * one.height


def test_default_names_differ_by_view_and_style(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (
        [],
        ["--style", "flat"],
        ["--view", "scatter"],
        ["--view", "scatter", "--style", "flat"],
    ):
        assert run("animate", "--in", "2,2", *args).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "tconv_i2_k3_s2_p1.gif",
        "tconv_i2_k3_s2_p1_flat.gif",
        "tconv_i2_k3_s2_p1_scatter.gif",
        "tconv_i2_k3_s2_p1_scatter_flat.gif",
    ]


def test_a_sheet_reports_the_page_size(tmp_path):
    out = tmp_path / "sheet.png"
    result = run("animate", "--in", "2,2", "--sheet", "-o", str(out))
    with Image.open(out) as page:
        assert result.stdout == (
            f"wrote {out}: one page of 9 frames, {page.width}×"
            f"{page.height} px; at A4 width "
            f"{round(page.width / (210 / 25.4))} dpi\n"
        )


def test_titles_say_only_what_was_done():
    plain = run("animate", "--in", "3", "-s", "1", "-p", "2", "--terminal", "--frame", "1")
    assert "input\n" in plain.stdout or any(
        line.startswith("input  ") for line in plain.stdout.splitlines()
    )
    assert "zero-inserted" not in plain.stdout and "padded" not in plain.stdout


# --- the WebP budget: what is encoded, each frame's changed rectangle --------------------------


@pytest.mark.slow
def test_a_webp_of_a_row_of_a_large_grid_is_written(tmp_path):
    """127 frames of 1567×2198 px, 437 MP whole, but some 35 MP of changed rectangles: the
    budget counts what is encoded (it refused this WebP when it counted whole frames)."""
    out = tmp_path / "row.webp"
    result = run("animate", "--in", "64,64", "--row", "5", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 127 frames, 1567×2198 px, ")
    with Image.open(out) as image:
        assert (image.format, image.is_animated, image.n_frames) == ("WEBP", True, 127)
        assert image.size == (1567, 2198)
        image.seek(126)  # every frame decodes, blended over the one before
        assert image.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    assert [p.name for p in tmp_path.iterdir()] == ["row.webp"]


@pytest.mark.slow
def test_a_boards_webp_is_budgeted_on_its_layout(tmp_path):
    """A 1-d board's panels are laid out in rows: 299 frames of 8747×2910 px, 7.6 GP to
    encode, where the planes' estimate said 0.3 GP (the WebP took 50 s). Refused before any
    file is touched, each change it names accepted (it stops only at the file that is there),
    one cell more refused; a width the estimate thought too narrow is drawn."""
    args = ["--dims", "1", "--in", "150", "--view", "resize"]
    kept = tmp_path / "a.webp"
    kept.write_bytes(b"mine")
    refused = run("animate", *args, "-o", str(kept))
    assert refused.exit_code == 1 and "8,747×2,910 px" in refused.stderr, refused.stderr
    cell = int(re.search(r"use cell (\d+) or less", refused.stderr)[1])
    wide = run("animate", *args, "--width", "5000", "-o", str(kept))
    assert wide.exit_code == 1 and "libwebp" in wide.stderr, wide.stderr
    width = re.search(r"use width (\d+) or less", wide.stderr)[1]
    for change in (["--cell", str(cell)], ["--width", width]):
        result = run("animate", *args, *change, "-o", str(kept))
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (
            1,
            f"Error: {kept} exists; pass --force to overwrite it",
        ), change
    over = run("animate", *args, "--cell", str(cell + 1), "-o", str(kept))
    assert over.exit_code == 1 and "libwebp" in over.stderr
    assert kept.read_bytes() == b"mine"
    still = run("animate", *args, "--width", "5000", "--frame", "3", "-o", str(tmp_path / "s.png"))
    assert still.exit_code == 0, still.stderr
    with Image.open(tmp_path / "s.png") as image:
        assert image.width == 5000


def _changed(args: list[str], option: str, value: str) -> list[str]:
    """`args` with `option` set to `value` (given or added)."""
    if option in args:
        at = args.index(option)
        return [*args[:at], option, value, *args[at + 2 :]]
    return [*args, option, value]


@pytest.mark.parametrize(
    "args",
    [
        ["--in", "16,16", "--values"],  # the running sum: every frame counted whole
        ["--in", "16,16", "--view", "scatter", "--values"],
        pytest.param(
            ["--in", "32,32", "--max-frames", "4000", "--width", "3000"], marks=pytest.mark.slow
        ),  # 3,969 frames: the scenes built take some 2 s
    ],
)
def test_every_change_a_webp_refusal_names_is_accepted(tmp_path, args):
    """Run as the refusal says: each change passes every budget (it stops only at the file
    that is there already, before anything is drawn); one cell or pixel more is refused."""
    refused = run("animate", *args, "-o", str(tmp_path / "a.webp"))
    assert refused.exit_code == 1 and "more than the 2,147 MP libwebp" in refused.stderr
    assert list(tmp_path.iterdir()) == []
    size = re.search(r"use (cell|width) (\d+) or less", refused.stderr)
    assert size is not None and "(--row, --every, --frames)" in refused.stderr
    option, largest = f"--{size[1]}", int(size[2])
    changes = [
        [*args, "-o", "a.gif"],
        [*args, "-o", "a.png"],
        _changed(args, option, str(largest)) + ["-o", "a.webp"],
        _changed(args, "--in", "2,2") + ["-o", "a.webp"],
        [*args, "--row", "1", "-o", "a.webp"],
    ]
    for change in changes:
        kept = tmp_path / change[-1]
        kept.write_bytes(b"mine")
        result = run("animate", *change[:-2], "-o", str(kept))
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (
            1,
            f"Error: {kept} exists; pass --force to overwrite it",
        ), change
        kept.unlink()
    over = run("animate", *_changed(args, option, str(largest + 1)), "-o", str(tmp_path / "b.webp"))
    assert over.exit_code == 1 and "libwebp" in over.stderr
    assert list(tmp_path.iterdir()) == []
