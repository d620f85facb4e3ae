"""`tconv compute` and `tconv explain` through the real Typer app, with real files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import run
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tconv_cli.cli import app

runner = CliRunner()

GOLDEN_2D = [
    "--input",
    "[[2,3],[1,3]]",
    "--weight",
    "[[0,1,1],[0,1,0],[1,0,1]]",
    "-s",
    "1",
    "-p",
    "0",
]
TWO_CHANNELS = [
    "--input",
    "[[1,2,3],[4,5,6]]",
    "--weight",
    "[[[1.1,2.2,3.3]],[[1.1,2.2,3.3]]]",
    "--layout",
    "torch",
]


def compute_json(*args: str) -> dict:
    result = run("compute", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- the worked examples of DESIGN.md §7 ---------------------------------------------------


def test_golden_2d_example_for_every_method():
    for method in ("gather", "scatter", "matrix"):
        data = compute_json(*GOLDEN_2D, "--method", method)
        assert data == {
            "output": [[0, 2, 5, 3], [0, 3, 7, 3], [2, 4, 5, 3], [1, 3, 1, 3]],
            "shape": [4, 4],
        }


def test_golden_2d_example_as_a_table():
    result = run("compute", *GOLDEN_2D)
    assert result.exit_code == 0
    assert result.stdout == (
        "ConvTranspose2d(kernel_size=3): 2×2 → 4×4\n\n"
        "output\n"
        "┌───┬───┬───┬───┐\n"
        "│ 0 │ 2 │ 5 │ 3 │\n"
        "│ 0 │ 3 │ 7 │ 3 │\n"
        "│ 2 │ 4 │ 5 │ 3 │\n"
        "│ 1 │ 3 │ 1 │ 3 │\n"
        "└───┴───┴───┴───┘\n"
    )


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (["-s", "1", "-p", "0"], [5.5, 18.7, 41.8, 42.9, 29.7]),
        (["-s", "2", "-p", "0"], [5.5, 11, 24.2, 15.4, 33, 19.8, 29.7]),
        (["-s", "2", "-p", "1"], [11, 24.2, 15.4, 33, 19.8]),
    ],
)
def test_golden_two_channel_1d_examples(geometry, expected):
    for method in ("gather", "scatter", "matrix"):
        data = compute_json(*TWO_CHANNELS, *geometry, "--method", method)
        assert data["shape"] == [1, len(expected)]
        np.testing.assert_allclose(data["output"], [expected], rtol=0, atol=1e-12)


def test_target_picks_output_padding_like_output_size():
    data = compute_json("--input", "[1,2,3]", "--weight", "[1,1,1]", "--target", "6")
    assert data["shape"] == [6]
    # uncropped: [1, 1, 3, 2, 5, 3, 3]; padding 1 crops the first, output_padding 1 keeps the last
    assert data["output"] == [1, 3, 2, 5, 3, 3]


def test_bias_and_groups_in_torch_layout():
    x = np.arange(2 * 4 * 3).reshape(2, 4, 3).tolist()
    w = np.ones((4, 1, 2)).tolist()
    data = compute_json(
        "--input",
        json.dumps(x),
        "--weight",
        json.dumps(w),
        "--layout",
        "torch",
        "--groups",
        "2",
        "--bias",
        "[10,20]",
        "-s",
        "1",
        "-p",
        "0",
    )
    assert data["shape"] == [2, 2, 4]
    # group 0 sums channels 0 and 1 of each batch item, group 1 channels 2 and 3
    first = np.array(x[0])
    assert data["output"][0][0] == list(np.convolve(first[0] + first[1], [1, 1]) + 10)
    assert data["output"][0][1] == list(np.convolve(first[2] + first[3], [1, 1]) + 20)


# --- files ---------------------------------------------------------------------------------


def test_arrays_from_npy_files_and_save(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[2, 3], [1, 3]]))
    np.save(tmp_path / "w.npy", np.array([[0, 1, 1], [0, 1, 0], [1, 0, 1]], dtype=float))
    out = tmp_path / "y.npy"
    result = run(
        "compute",
        "--input",
        str(tmp_path / "x.npy"),
        "--weight",
        str(tmp_path / "w.npy"),
        "-s",
        "1",
        "-p",
        "0",
        "--save",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    saved = np.load(out)
    assert saved.dtype == np.float64 and saved.tolist() == [
        [0, 2, 5, 3],
        [0, 3, 7, 3],
        [2, 4, 5, 3],
        [1, 3, 1, 3],
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_file_is_kept_without_force(tmp_path):
    out = tmp_path / "y.npy"
    out.write_bytes(b"keep me")
    result = run("compute", *GOLDEN_2D, "--save", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out} exists; pass --force to overwrite it\n"
    assert out.read_bytes() == b"keep me"
    assert run("compute", *GOLDEN_2D, "--save", str(out), "--force").exit_code == 0
    assert np.load(out).shape == (4, 4)


def test_a_failed_compute_writes_nothing(tmp_path):
    out = tmp_path / "y.npy"
    result = run("compute", "--input", "[[1,2],[3]]", "--weight", "[1]", "--save", str(out))
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--input", "[[1,2],[3]]", "--weight", "[1]"],
            "Error: --input [[1,2],[3]]: is ragged: item [1] has shape (1,), "
            "item [0] has shape (2,)",
        ),
        (["--input", "[['a']]", "--weight", "[1]"], "Error: --input [['a']]: 'a' is not a number"),
        (
            ["--input", "[1,2", "--weight", "[1]"],
            "Error: --input [1,2: is not a nested list of numbers, like [[2,3],[1,3]]",
        ),
        (
            ["--input", "[[1,2]]", "--weight", "[1]"],
            "Error: --weight [1]: has 1 dimension but "
            "--input has 2: with --layout plain both are bare spatial arrays of the same rank",
        ),
        (
            ["--input", "nothing.npy", "--weight", "[1]"],
            "Error: --input nothing.npy: is neither "
            "a list literal like [1,2,3] nor an existing .npy file",
        ),
        (
            ["--input", "[1,2,3]", "--weight", "[1,1]", "-k", "3"],
            "Error: --kernel-size 3: "
            "contradicts --weight, whose size is 2; leave --kernel-size out, the array decides",
        ),
        (
            ["--input", "[1,2,3]", "--weight", "[1,1]", "--in", "4"],
            "Error: --in 4: contradicts "
            "--input, whose size is 3; leave --in out, the array decides",
        ),
        (
            ["--input", "[[1,2,3]]", "--weight", "[[[1,1]]]", "--layout", "torch", "--groups", "2"],
            "Error: --groups 2: groups must divide the input channels (x.shape[0] = 1)",
        ),
        (
            ["--input", "[[1,2,3]]", "--weight", "[[[1,1]],[[1,1]]]", "--layout", "torch"],
            "Error: --weight: shape (2, 1, 2) must start with the input channels "
            "(x.shape[0] = 1), not 2",
        ),
        (
            ["--input", "[1,2,3]", "--weight", "[1,1]", "--target", "9"],
            "Error: target 9 is "
            "unreachable from input 3: this layer reaches 4 to 5 (output_padding 0 to 1); an "
            "input of 5 reaches 9",
        ),
        (
            ["--input", "[1,2,3]", "--weight", "[1,1]", "--target", "5", "--op", "1"],
            "Error: --target 5: picks output_padding itself; give --target or --output-padding, "
            "not both",
        ),
        (
            ["--weight", "[1]"],
            "Error: --input is required: a literal like [[2,3],[1,3]] or a .npy file",
        ),
        (
            ["--input", "[9223372036854775807,1]", "--weight", "[2,1]", "-p", "0"],
            "Error: "
            "--input: dtype int64 and the weight's integers could sum to 3.69e+19, beyond 64-bit "
            "integers: give floats (1.0) to compute in floating point",
        ),
        (
            ["--input", "[1]", "--weight", "[1]", "--save", "out.txt"],
            "Error: --save out.txt: must end in .npy (NumPy's format)",
        ),
    ],
)
def test_bad_arrays_give_one_line(args, line):
    result = run("compute", *args)
    assert result.stderr == line + "\n"
    assert result.exit_code == (1 if "unreachable" in line else 2)
    assert result.stdout == ""


def test_a_file_that_is_not_npy(tmp_path):
    bad = tmp_path / "x.npy"
    bad.write_text("not an array")
    result = run("compute", "--input", str(bad), "--weight", "[1]")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: --input {bad}: is not a .npy array file")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="[]0123456789.,-e ab'", max_size=16))
def test_no_array_text_gives_a_traceback(text):
    result = runner.invoke(app, ["compute", "--input", text, "--weight", "[1,1]"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2)
    if result.exit_code:
        assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


# --- explain ---------------------------------------------------------------------------------

EXPLAIN_DEFAULT = """\
ConvTranspose2d(kernel_size=3, stride=2, padding=1): 3×3 → 5×5

  1. insert   1 zero between input elements: (3−1)×2 + 1 = 5
  2. pad      1×(3−1) − 1 = 1 before, 1×(3−1) − 1 + 0 = 1 after: 7
  3. flip     reverse the kernel along every axis; footprint 3
  4. slide    stride 1 over 7: 7 − 3 + 1 = 5

  same as     Conv2d(kernel_size=3, padding=1) with the flipped kernel, on the
                zero-inserted input
"""


def test_explain_the_classic_layer():
    result = run("explain")
    assert result.exit_code == 0
    assert result.stdout == EXPLAIN_DEFAULT


def test_explain_names_cropping():
    out = run("explain", "--in", "5", "-p", "3", "-s", "1").stdout
    assert "1×(3−1) − 3 = -1: crop 1 before" in out
    assert "(negative padding: crop)" in " ".join(out.split())


def test_explain_json_with_values_and_matrix():
    result = run("explain", "--input", "[1,2,3]", "--weight", "[1,2,4]", "--matrix", "--json")
    data = json.loads(result.stdout)
    assert data["steps"] == [
        {
            "zero_inserted": 5,
            "pad_before": 1,
            "pad_after": 1,
            "grid": 7,
            "kernel_extent": 3,
            "output": 5,
        }
    ]
    assert data["flipped_weight"] == [4, 2, 1]
    assert data["grid"] == [0, 1, 0, 2, 0, 3, 0]
    c = np.array(data["C"])
    assert c.shape == (3, 5)
    assert (c.T @ np.array([1, 2, 3])).tolist() == data["output"] == [2, 6, 4, 11, 6]
    assert data["equivalent_conv"]["padding"] == [[1, 1]]


def test_explain_with_values_shows_every_grid_and_a_legend():
    out = run("explain", "--random", "--seed", "3", "--in", "3,2", "-k", "2,3", "--op", "1").stdout
    for title in (
        "input",
        "kernel",
        "flipped kernel",
        "zero-inserted and padded (6×6)",
        "legend:",
        "output (5×4)",
    ):
        assert f"\n{title}" in out
    assert "∘" in out and "·" in out
    assert (
        out
        == run("explain", "--random", "--seed", "3", "--in", "3,2", "-k", "2,3", "--op", "1").stdout
    )


def test_explain_refuses_matrices_that_do_not_fit():
    assert run("explain", "--in", "8", "--dims", "1", "--matrix").exit_code == 0  # 8×15 fits
    result = run("explain", "--in", "9", "--dims", "1", "--matrix")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --matrix would print a 9×17 matrix; it prints at most 16×16 (lower --in)\n"
    )
    result = run("explain", "--matrix")  # 3×3 → 5×5: C is 9×25
    assert result.exit_code == 2 and "9×25 matrix" in result.stderr


def test_explain_says_when_grids_are_too_wide():
    out = run("explain", "--in", "30", "--dims", "1", "--random").stdout
    assert out.rstrip().endswith(
        "The grids are 61: too wide to print here (80 columns); --json gives every value."
    )


def test_explain_3d_steps_work_but_values_are_refused():
    assert run("explain", "--in", "2,2,2").exit_code == 0
    result = run("explain", "--in", "2,2,2", "--random")
    assert result.exit_code == 2 and "1-d and 2-d" in result.stderr


def test_target_refuses_what_pytorchs_output_size_refuses():
    """Issue 13, item 6: --target is PyTorch's output_size=, which ignores dilation."""
    args = ("compute", "-p", "1", "-s", "1", "-d", "2", "--input", "[1,2,3,4]", "--weight", "[2]")
    result = run(*args, "--target", "3")
    assert (result.exit_code, result.stderr) == (
        2,
        (
            "Error: --target 3: PyTorch's forward(x, output_size=…) refuses it: it accepts only 2 "
            "here (it ignores dilation); give --output-padding 1 instead\n"
        ),
    )
    assert run(*args, "--op", "1").exit_code == 0  # what it says works
