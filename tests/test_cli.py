"""The real Typer app: exact output, JSON, exit codes and error lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import run
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tconv_cli import __version__
from tconv_cli.cli import app

runner = CliRunner()


SHAPE_DEFAULT = """\
ConvTranspose2d(kernel_size=3, stride=2, padding=1): 3×3 → 5×5

  axis  in  kernel  stride  padding  dilation  output_padding  out
     0   3       3       2        1         1               0    5
     1   3       3       2        1         1               0    5

  out = (i−1)×s − p_lo − p_hi + d×(k−1) + op + 1
      = (3−1)×2 − 2×1 + 1×(3−1) + 0 + 1 = 5

  reachable   5 (op 0), 6 (op 1)
  encoder     Conv2d(kernel_size=3, stride=2, padding=1) maps 5, 6 → 3
  overlap     uneven: 1 or 2 kernel taps per output cell (checkerboard);
              stride 2 does not divide kernel_size 3
"""

INVERSE_6 = """\
ConvTranspose2d(kernel_size=3, stride=2, padding=1, output_padding=1): 3×3 → 6×6

  answer      output_padding=1
  encoder     Conv2d(kernel_size=3, stride=2, padding=1) maps 5, 6 → 3
  restores    5 with output_padding 0, 6 with output_padding 1
"""


def test_shape_of_the_classic_layer():
    result = run("shape", "--in", "3", "-k", "3", "-s", "2", "-p", "1")
    assert result.exit_code == 0
    assert result.stdout == SHAPE_DEFAULT
    assert result.stderr == ""


def test_shape_defaults_are_the_classic_layer():
    assert run("shape").stdout == SHAPE_DEFAULT


@pytest.mark.parametrize("size", ["3,3", "3x3", "3×3"])
def test_sizes_take_commas_and_times_signs(size):
    assert run("shape", "--in", size).stdout == SHAPE_DEFAULT


def test_rank_is_two_unless_a_list_or_dims_says_otherwise():
    def rank(*args: str) -> int:
        return len(json.loads(run("shape", *args, "--json").stdout)["output"])

    assert rank() == 2
    assert rank("--in", "5") == 2
    assert rank("--in", "5,5,5") == 3
    assert rank("-k", "3,3,3") == 3
    assert rank("--dims", "1") == 1
    assert rank("--dims", "3", "--in", "4") == 3
    result = run("shape", "--dims", "1", "--in", "4,4")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --in 4,4: has 2 values but the layer has 1 axes: give one "
        "value for every axis, or one value for all\n"
    )


def test_inverse_finds_output_padding_and_the_sizes_that_collapse():
    result = run("inverse", "--target", "6")
    assert result.exit_code == 0
    assert result.stdout == INVERSE_6


def test_every_line_fits_80_columns():
    for args in (
        ["shape", "--in", "32,24", "-k", "4,3", "-p", "0:1,1", "-d", "1,2"],
        ["shape", "--in", "3", "-s", "1", "-d", "2", "-p", "0", "--op", "1"],
        ["inverse", "--target", "8", "--in", "3", "-s", "1", "-d", "2", "-p", "0"],
        ["shape", "--conv", "--in", "64,63,62", "-k", "4", "-s", "3"],
        [
            "shape",
            "--in",
            "8,8",
            "--in-channels",
            "64",
            "--out-channels",
            "32",
            "--groups",
            "4",
            "--batch",
            "16",
        ],
    ):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert max(map(len, result.stdout.splitlines())) <= 80, args


def test_shape_json_has_exactly_the_documented_keys():
    result = run("shape", "--in", "32,24", "-k", "4", "-p", "1,0:1", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "mode": "transposed",
        "input": [32, 24],
        "kernel": [4, 4],
        "stride": [2, 2],
        "padding": [[1, 1], [0, 1]],
        "dilation": [1, 1],
        "output_padding": [0, 0],
        "output": [64, 49],
        "notes": [
            "PyTorch has no asymmetric padding: use padding=0 and crop lo and hi from the output"
        ],  # what the text says too
    }
    assert result.stdout.count("\n") == 1


def test_shape_json_of_a_direct_conv():
    data = json.loads(run("shape", "--conv", "--in", "64", "-k", "4", "--json").stdout)
    assert data["mode"] == "conv" and data["output"] == [32, 32]


def test_shape_json_with_channels_adds_tensor_shapes():
    data = json.loads(
        run(
            "shape",
            "--in",
            "32,32",
            "-k",
            "4",
            "--in-channels",
            "64",
            "--out-channels",
            "32",
            "--batch",
            "8",
            "--json",
        ).stdout
    )
    assert data["input_shape"] == [8, 64, 32, 32]
    assert data["output_shape"] == [8, 32, 64, 64]
    assert data["weight_shape"] == [64, 32, 4, 4]
    assert data["parameters"] == 64 * 32 * 16 + 32


def test_inverse_json():
    result = run("inverse", "--target", "6", "--dims", "1", "--json")
    assert json.loads(result.stdout) == {
        "mode": "transposed",
        "input": [3],
        "kernel": [3],
        "stride": [2],
        "padding": [[1, 1]],
        "dilation": [1],
        "output_padding": [1],
        "output": [6],
        "target": [6],
        "conv_inputs": [[5, 6]],
    }
    both = json.loads(run("inverse", "--target", "6", "--json").stdout)
    assert both["output"] == both["target"] == [6, 6] and both["conv_inputs"] == [[5, 6]] * 2


def test_inverse_with_input_needing_output_padding_beyond_stride():
    result = run("inverse", "--target", "8", "--in", "3", "-s", "1", "-d", "2", "-p", "0")
    assert result.exit_code == 0
    assert "output_padding=1" in result.stdout
    assert "Keras, ONNX Runtime and Paddle reject it" in " ".join(result.stdout.split())
    assert "forward(x, output_size=8) refuses this" in " ".join(result.stdout.split())


def test_conv_mode_shows_what_collapses_and_what_restores_it():
    out = run("shape", "--conv", "--in", "5").stdout
    assert "collapses   5, 6 → 3\n" in out
    assert "output_padding 0, 1 → 5, 6" in out


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (
            ["shape", "--in", "3,,5"],
            2,
            "Error: --in 3,,5: item 2 is empty; give integers separated by commas, like 3 or 32,24",
        ),
        (["shape", "--in", "a"], 2, "Error: --in a: 'a' is not an integer"),
        (
            ["shape", "--op", "2"],
            2,
            "Error: --output-padding 2: output_padding must be smaller "
            "than stride or dilation (max(2, 1) = 2)",
        ),
        (
            ["shape", "--in", "4,4", "--op", "0,2"],
            2,
            "Error: --output-padding 0,2: "
            "output_padding on axis 1 must be smaller than stride or dilation (max(2, 1) = 2)",
        ),
        (
            ["shape", "--in", "4,4", "-k", "3,3,3"],
            2,
            "Error: --in 4,4: has 2 values but "
            "--kernel-size has 3: give one value for every axis, or one value for all",
        ),
        (["shape", "-s", "0"], 2, "Error: --stride 0: stride must be at least 1"),
        (["shape", "-p", "-1"], 2, "Error: --padding -1: padding must be at least 0"),
        (
            ["shape", "-p", "1:2:3"],
            2,
            "Error: --padding 1:2:3: item 1 has more than one ':'; write lo:hi",
        ),
        (
            ["shape", "--in", ""],
            2,
            "Error: --in is empty; give an integer, or one per axis like 32,24",
        ),
        (["shape", "--in", "3\n4"], 2, "Error: --in '3\\n4': '3\\n4' is not an integer"),
        (
            ["shape", "--in", "9" * 30 + "y"],
            2,
            "Error: --in 999999999999999999999999999999y: '9999999999999999999…' is not an integer",
        ),
        (
            ["shape", "-k", "3", "--in", "3,3", "-s", "1,0"],
            2,
            "Error: --stride 1,0: stride on axis 1 must be at least 1",
        ),
        (
            ["shape", "--in", "1" + "0" * 30],
            2,
            "Error: --in 1" + "0" * 30 + ": input is too large: at most 2147483647",
        ),
        (
            ["shape", "--in", "1" * 200],
            2,
            "Error: --in 111111111111…: is too large: at most 2147483647",
        ),
        (
            ["shape", "--in", "1", "-k", "2", "-s", "1", "-p", "1"],
            2,
            "Error: the output would "
            "have size (1−1)×1 − 2×1 + 1×(2−1) + 0 + 1 = 0; it must be at least 1 (lower "
            "padding, or raise input, kernel_size, stride or dilation)",
        ),
        (
            ["shape", "--conv", "--in", "1", "-p", "0"],
            2,
            "Error: the output would be empty: "
            "the padded input (1) is smaller than the kernel's extent d×(k−1)+1 = 3 (raise input "
            "or padding, or lower kernel_size or dilation)",
        ),
        (
            ["shape", "--conv", "--op", "1"],
            2,
            "Error: --output-padding 1: output_padding has no meaning for a direct convolution",
        ),
        (
            ["shape", "--groups", "2"],
            2,
            "Error: --groups 2: needs --in-channels and --out-channels",
        ),
        (["shape", "--in-channels", "3"], 2, "Error: --in-channels 3: needs --out-channels too"),
        (
            ["shape", "--in-channels", "6", "--out-channels", "4", "--groups", "4"],
            2,
            "Error: --in-channels 6: in_channels must be divisible by groups (4)",
        ),
        (["inverse", "--target", "0"], 2, "Error: --target 0: target must be at least 1"),
        (
            ["inverse", "--target", "6,6,6", "--in", "3,3"],
            2,
            "Error: --in 3,3: has 2 values "
            "but --target has 3: give one value for every axis, or one value for all",
        ),
        (
            ["inverse", "--target", "10", "--in", "3"],
            1,
            "Error: target 10 is unreachable from "
            "input 3: this layer reaches 5 to 6 (output_padding 0 to 1); an input of 5 reaches 10",
        ),
        (
            ["inverse", "--target", "1", "-p", "0"],
            1,
            "Error: target 1 is too small for the "
            "encoder: the direct convolution needs at least 3 (kernel extent 3 minus padding 0)",
        ),
        (
            ["shape", "-s", "2147483647"],
            2,
            "Error: --stride 2147483647: stride is too large: at most 65535",
        ),
        (
            ["inverse", "--target", "6", "-d", "70000"],
            2,
            "Error: --dilation 70000: dilation is too large: at most 65535",
        ),
        (["shape", "--dims", "4"], 2, "Error: --dims 4: must be 1, 2 or 3"),
        (
            ["shape", "--no-transpose-kernel"],
            2,
            "Error: --no-transpose-kernel is JAX's: give --convention jax",
        ),
    ],
)
def test_bad_input_gives_one_line_and_an_exit_code(args, code, line):
    for extra in ([], ["--json"]):
        result = run(*args, *extra)
        assert result.exit_code == code
        assert result.stderr == line + "\n"
        assert result.stdout == ""


garbage = st.text(alphabet="0123456789,:-+ ax", max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["--in", "-k", "-s", "-p", "-d", "--op"]),
    garbage | st.integers(-2, 2**40).map(str),
    st.sampled_from(["shape", "inverse"]),
)
@pytest.mark.slow
def test_no_input_gives_a_traceback(flag, value, command):
    if command == "inverse" and flag == "--op":
        flag = "--target"
    args = [command, flag, value] + (["--target", "6"] if command == "inverse" else [])
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2)
    if result.exit_code:
        assert result.stdout == "" and result.stderr.startswith("Error: ")
        assert len(result.stderr.splitlines()) == 1


def test_bare_tconv_prints_help_and_version_works():
    result = run()
    assert result.exit_code == 0 and "shape" in result.stdout and "inverse" in result.stdout
    assert run("--version").stdout == f"tconv {__version__}\n"


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import sys\nfrom tconv_cli.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_shape_and_inverse_load_neither_numpy_nor_pil_nor_rich():
    for args in (["shape", "--in", "3"], ["inverse", "--target", "6"], ["shape", "--in", "0"]):
        loaded = _modules_after(args)
        assert "tconv_cli.geometry" in loaded
        heavy = {m for m in loaded if m.split(".")[0] in ("numpy", "PIL", "rich")}
        assert not heavy, (args, sorted(heavy))


def test_python_dash_m_runs_the_app():
    done = subprocess.run(
        [sys.executable, "-m", "tconv_cli", "shape", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["output"] == [5, 5]


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize(
    "args",
    [
        ["shape", "--in", "32,24", "-p", "0:1,1"],
        ["inverse", "--target", "6"],
        ["shape", "--conv"],
        ["shape", "--in", "0"],
    ],
)
def test_a_legacy_encoding_gets_ascii_stand_ins(encoding, args):
    done = subprocess.run(
        [sys.executable, "-m", "tconv_cli", *args],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
    )
    assert done.returncode in (0, 2)
    assert b"Traceback" not in done.stderr
    text = (done.stdout + done.stderr).decode(encoding)
    assert "→" not in text and "−" not in text
    assert "->" in text or done.returncode


def test_columns_zero_still_shows_typer_errors():
    done = subprocess.run(
        [sys.executable, "-m", "tconv_cli", "shape", "--bogus"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "0"},
    )
    assert done.returncode == 2 and "--bogus" in done.stderr


@pytest.mark.parametrize("name", __import__("tconv_cli.cli", fromlist=["COMMANDS"]).COMMANDS)
def test_each_commands_summary_is_one_line_in_the_command_list(name):
    """`tconv --help` lists each command by its help's first paragraph, keeping its line
    breaks: a summary written over two lines showed as a ragged list (inspect's did)."""
    from importlib import import_module

    import typer

    command = typer.main.get_command(import_module(f"tconv_cli.cli.{name}").app)
    summary = (command.help or "").strip().split("\n\n")[0]
    assert summary and "\n" not in summary, summary
    listed = run("--help").output
    assert summary.split()[0] in listed
