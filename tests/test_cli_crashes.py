"""One test per way the command line ended in a traceback, a note before its error, or a silent
nothing, found by hunting through the real app: each now answers, or refuses with one line and
exit 1 or 2, and writes nothing when it refuses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import refused, run

ROOT = Path(__file__).resolve().parents[1]


# --- long, thin grids: text as large as the grid is wide -------------------------------------

THIN = ["--dims", "1", "-k", "1", "-s", "1", "-p", "0"]


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--view", "overlap", "--in", "10000", "-o", "x.png"], "a frame would be at least"),
        (["--view", "overlap", "--in", "10000", "-o", "x.svg"], "a frame would be at least"),
        (["--view", "overlap", "--in", "10000", "-o", "x.html"], "a frame would be at least"),
        (["--view", "overlap", "--in", "3000", "-o", "x.png"], "a frame would be at least"),
        (["--view", "overlap", "--in", "10000", "--sheet", "-o", "x.png"], "a sheet of 1 frame "),
        (["--view", "pair", "--in", "3000", "--frame", "1", "-o", "x.png"], "a frame would be"),
    ],
)
def test_a_thin_grid_thousands_long_is_refused(tmp_path, monkeypatch, args, what):
    """A 1-d overlap of 10,000 cells raised PIL's DecompressionBombError while its caption (as
    large as 1/64 of the drawing's width) was measured, and 3,000 printed PIL's warnings."""
    monkeypatch.chdir(tmp_path)
    refused(run("animate", *THIN, *args), 1, what, "MP")
    assert list(tmp_path.iterdir()) == []


def test_a_thin_overlap_map_of_a_chain_is_refused(tmp_path):
    out = tmp_path / "map.png"
    layer = "nn.ConvTranspose1d(256, 128, 4, stride=2, padding=1)"
    refused(run("chain", "--in", "10000", layer, "--overlap", "-o", str(out)), 1, "MP")
    assert not out.exists()


def test_page_text_is_never_larger_than_the_ceiling():
    """What keeps any thin grid's text images small while it is measured and refused."""
    from tconv_cli.render import layout

    sizes = layout.sizes_for(28, 10**7)
    assert sizes["label"] == layout.TEXT_CEILING
    assert layout.sizes_for(28, 1920)["label"] == 30  # a slide's text: 1/64 of its width


# --- an SVG of one frame is measured as the frame it draws -----------------------------------


def test_an_svg_of_one_frame_too_narrow_for_width_is_refused(tmp_path):
    """`--in 1,1 --width 300 -o x.svg` raised ValueError ('a page 501 px wide does not fit in
    300 px'): the cell was chosen for a sheet, and the SVG drew the one frame."""
    out = tmp_path / "x.svg"
    refused(
        run("animate", "--in", "1,1", "--width", "300", "-o", str(out)),
        2,
        "--width 300: width is too narrow: at the smallest cell (12 px) this frame is",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--in", "1,1", "--width", "400"],
        ["--in", "1,1", "--width", "400", "--sheet"],
        ["--view", "overlap", "--width", "700"],
        ["--in", "16,16", "--frames", "3-3", "--width", "700"],
    ],
)
def test_an_svg_of_one_frame_is_as_wide_as_asked(tmp_path, args):
    out = tmp_path / "x.svg"
    result = run("animate", *args, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    width = args[args.index("--width") + 1]
    assert re.search(rf'<svg [^>]*width="{width}"', out.read_text())
    assert f"1 frame, {width}×" in result.stdout


# --- refusals come alone ---------------------------------------------------------------------


@pytest.mark.parametrize("view", ["pair", "matrix", "resize"])
def test_a_board_view_refuses_a_pdf_by_its_output(tmp_path, view):
    """It said '--sheet True: sheet is not drawn', naming an option not given."""
    out = tmp_path / "x.pdf"
    refused(
        run("animate", "--view", view, "-o", str(out)),
        2,
        f"--output {out}: output must be .gif, .png or .webp for the {view} view",
    )


def test_no_note_comes_before_an_existing_file_is_refused(tmp_path):
    """81 frames say why their frames are shorter than a second; that note came first."""
    out = tmp_path / "x.gif"
    out.write_bytes(b"keep")
    refused(run("animate", "-d", "3", "-o", str(out)), 1, "exists; pass --force")
    assert out.read_bytes() == b"keep"


@pytest.mark.slow
def test_no_note_comes_before_a_frame_too_large(tmp_path):
    """The length note of a 121-frame board was said, then its frame refused."""
    out = tmp_path / "x.gif"
    args = ["--view", "pair", "--in", "11,11", "-k", "1", "--width", "5000", "-o", str(out)]
    refused(
        run("animate", *args),
        1,
        "a frame would be 5,000×7,239 px",
        "use a smaller width or input",
    )
    assert not out.exists()


def test_no_note_comes_before_a_short_board_too_large(tmp_path):
    """80 frames (no length note) said why their frames are short, then the board's frame was
    refused by the raster."""
    out = tmp_path / "x.gif"
    args = ["--view", "pair", "--in", "2,40", "-k", "2", "-s", "9", "-p", "0:3", "-o", str(out)]
    refused(run("animate", *args), 1, "a frame would be 11,829×3,406 px", "use cell 22 or less")
    assert not out.exists()


def test_no_note_comes_before_an_svg_too_large(tmp_path, monkeypatch):
    """An SVG's size is known once it is drawn: 338 frames of a scatter with values were
    announced, then refused at 16.7 MB. Here the same at a budget of 1.5 MB, between the
    estimate (1.2 MB) and the document (1.9 MB), to stay fast."""
    from tconv_cli.render import options

    monkeypatch.setattr(options, "MAX_VECTOR_BYTES", 1_500_000)
    out = tmp_path / "x.svg"
    args = ["--in", "10,10", "-k", "1", "-s", "1", "-p", "0", "--cell", "12", "--animated"]
    refused(run("animate", *args, "-o", str(out)), 1, "an SVG of this picture would be 1.8 MB")
    assert list(tmp_path.iterdir()) == []


# --- layers of more than three axes ----------------------------------------------------------


@pytest.mark.parametrize("convention", ["keras", "caffe", "onnx"])
def test_explain_of_four_axes_in_other_words_answers(convention):
    """`explain -c keras --in 1,1,1,1` raised ParameterError('--dims=4 must be 1, 2 or 3'):
    the title was made outside the command's errors, and from a rank no one gave as --dims."""
    result = run("explain", "-c", convention, "--in", "1,1,1,1")
    assert "--dims 4" not in result.stderr
    if convention == "keras":  # Keras has 1-d to 3-d layers
        refused(result, 2, "rank is above 3: keras.layers.ConvNDTranspose has 1-d to 3-d")
    else:
        assert result.exit_code in (0, 2) and "Traceback" not in result.stdout + result.stderr


def test_arrays_of_four_axes_are_not_refused_as_dims_4():
    """They said '--dims 4: must be 1, 2 or 3', an option not given; --dims 4 itself still is."""
    arrays = ["--input", "[[[[1,2],[3,4]]]]", "--weight", "[[[[1]]]]", "-s", "1", "-p", "0"]
    result = run("compute", *arrays)
    assert result.exit_code == 0, result.stderr
    assert "a 4-d output is not printed; use --json or --save" in result.stdout
    assert json.loads(run("compute", *arrays, "--json").stdout)["output"] == [[[[1, 2], [3, 4]]]]
    refused(run("shape", "--dims", "4"), 2, "--dims 4: must be 1, 2 or 3")


# --- the streams -----------------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["shape", "--in", "3"], ["shape", "--json"], ["--help"]])
def test_output_that_cannot_be_written_is_one_line(args):
    """`tconv shape > /dev/full` ended in a traceback (OSError: No space left on device)."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tconv_cli", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write the output: No space left on device\n"


def test_help_is_printed_when_columns_is_zero():
    """COLUMNS=0 made Rich print nothing for `tconv --help`: the streams were prepared in the
    group's callback, which --help never reaches."""
    result = run("--help", env={"COLUMNS": "0"})
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and "animate" in result.stdout


def test_a_checked_layer_beyond_the_largest_stride_says_so():
    """It said 'needs kernel_size, stride and dilation ≥ 1' of a stride of 99999."""
    refused(
        run("design", "--check", "nn.ConvTranspose1d(1, 1, 1, 99999)"),
        2,
        "check needs kernel_size, stride and dilation from 1 to 65535",
    )
