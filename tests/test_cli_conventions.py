"""--convention and `tconv port` through the real Typer app (the frameworks themselves are the
oracles of test_conventions.py)."""

from __future__ import annotations

import json

import pytest
from helpers import run


def test_keras_same_is_pytorch_shifted_by_one():
    """Same size as PyTorch's padding=1, output_padding=1, but the window starts one earlier:
    these values were checked against keras.layers.Conv1DTranspose on the jax backend."""
    keras = json.loads(
        run(
            "compute",
            "-c",
            "keras",
            "-p",
            "same",
            "--input",
            "[1,2,3]",
            "--weight",
            "[1,2,4]",
            "--json",
        ).stdout
    )
    torch = json.loads(
        run(
            "compute", "-p", "1", "--op", "1", "--input", "[1,2,3]", "--weight", "[1,2,4]", "--json"
        ).stdout
    )
    assert keras["output"] == [1, 2, 6, 4, 11, 6]
    assert torch["output"] == [2, 6, 4, 11, 6, 12]


def test_shape_in_keras_words():
    result = run("shape", "-c", "keras", "-p", "same", "--in", "3", "--dims", "1")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        'keras.layers.Conv1DTranspose(C_out, kernel_size=3, strides=2, padding="same")',
        "3 → 6",
    ]
    assert "  in PyTorch  nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2)" in lines
    assert "              y = y[..., :-1]" in lines
    data = json.loads(
        run("shape", "-c", "keras", "-p", "same", "--in", "3", "--dims", "1", "--json").stdout
    )
    assert data["padding"] == [[0, 1]] and data["output"] == [6] and data["convention"] == "keras"


def test_port_keras_same_to_torch():
    result = run("port", "--from", "keras", "--to", "torch", "-p", "same", "--in", "3,3")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:7] == [
        "# keras, 3×3 → 6×6",
        'keras.layers.Conv2DTranspose(C_out, kernel_size=3, strides=2, padding="same")',
        "",
        "# torch: no single layer is exact",
        "nn.ConvTranspose2d(C_in, C_out, kernel_size=3, stride=2)",
        "y = y[..., :-1, :-1]",
        "",
    ]


def test_port_json_and_exact_ports():
    data = json.loads(
        run(
            "port",
            "--from",
            "torch",
            "--to",
            "onnx",
            "-p",
            "1",
            "--op",
            "1",
            "--in-channels",
            "8",
            "--out-channels",
            "4",
            "--dims",
            "1",
            "--json",
        ).stdout
    )
    assert data["exact"] is True and data["crop"] == [[0, 0]]
    assert data["code"] == (
        'onnx.helper.make_node("ConvTranspose", ["x", "w"], ["y"], '
        "kernel_shape=[3], strides=[2], pads=[1, 1], output_padding=[1])"
    )
    assert data["layer"]["output"] == [6]


def test_inverse_in_a_framework_gives_its_own_output_padding():
    # Keras 'same' with output_padding: (i−1)·s + ek mod 2 + op = 5 + op; None gives i·s = 6
    result = run(
        "inverse", "-c", "keras", "-p", "same", "--in", "3", "--target", "5", "--dims", "1"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "keras.layers.Conv1DTranspose(C_out, kernel_size=3, "
        'strides=2, padding="same", output_padding=0)'
    )
    refused = run("inverse", "-c", "keras", "-p", "same", "--in", "3", "--target", "7")
    assert refused.exit_code == 1 and "cannot give 7" in refused.stderr
    default = run("inverse", "-c", "keras", "-p", "same", "--in", "3", "--target", "6")
    assert "output_padding" not in default.stdout.splitlines()[0]  # Keras's None does it
    tf = json.loads(
        run("inverse", "-c", "tf", "-p", "SAME", "--in", "3", "--target", "5", "--json").stdout
    )
    assert tf["output"] == [5, 5] and tf["convention"] == "tf"


@pytest.mark.parametrize(
    ("args", "code", "start"),
    [
        (
            ["shape", "-p", "same"],
            2,
            "Error: --padding same: padding is accepted by "
            "nn.ConvTranspose2d's constructor, but its forward fails",
        ),
        (["shape", "-c", "keras", "-p", "same", "--op", "2"], 2, "Error: --output-padding 2: "),
        (["shape", "-c", "keras", "-d", "2", "-p", "same"], 2, "Error: --dilation 2: "),
        (
            ["shape", "-c", "onnx", "--pads", "1,1", "-p", "1"],
            2,
            "Error: --pads 1,1: pads and padding say the same thing",
        ),
        (
            ["shape", "-c", "tf", "-p", "SAME", "--output-shape", "9"],
            2,
            "Error: --output-shape 9: ",
        ),
        (
            ["shape", "-c", "caffe", "--op", "1"],
            2,
            "Error: --output-padding 1: output_padding is not a parameter of Caffe's Deconvolution",
        ),
        (["shape", "--pads", "1,1"], 2, "Error: --pads 1,1: is not PyTorch's"),
        (
            ["shape", "-c", "keras", "--conv"],
            2,
            "Error: --convention keras: does not go with --conv",
        ),
        (
            ["inverse", "-c", "keras", "--target", "6"],
            2,
            "Error: --in is needed with --convention keras",
        ),
        (
            ["inverse", "-c", "tf", "-p", "1", "--in", "3", "--target", "6"],
            2,
            "Error: --padding 1: padding is not a parameter of tf.nn.convNd_transpose",
        ),
        (
            ["inverse", "-c", "tf", "-d", "0", "--in", "3", "--target", "6"],
            2,
            "Error: --dilation 0: dilation must be 1…",
        ),
        (
            ["inverse", "-c", "tf", "-p", "VALID", "--in", "3", "--target", "6"],
            1,
            "Error: tf.nn.convNd_transpose with these parameters cannot give 6×6: output_shape=6 "
            "must be 7…8",
        ),
        (
            ["port", "--from", "torch", "--to", "keras", "--pads", "1,1"],
            2,
            "Error: --pads 1,1: pads is not a parameter of nn.ConvTransposeNd",
        ),
        (
            ["inverse", "-c", "jax", "-p", "VALID", "--in", "3", "--target", "9"],
            1,
            "Error: lax.conv_transpose with these parameters cannot give 9",
        ),
    ],
)
def test_framework_rules_give_one_line(args, code, start):
    result = run(*args)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "onnx", "--pads=2,1", "-s", "2", "--in", "1", "-k", "3", "--target", "1"],
        ["-c", "jax", "--padding=0:-3", "-s", "1", "--in", "2", "-k", "1", "--target", "2"],
    ],
)
def test_inverse_solves_a_layer_empty_until_its_output_option_is_set(args):
    """Issue 13, item 5: as `tconv inverse -p 2:1 -s 2 --in 1 -k 3 --target 1` does."""
    result = run("inverse", *args, "--dims", "1", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["output"] == [int(args[-1])]


def test_jax_without_transpose_kernel_flips_the_weight_in_either_layout():
    """Issue 13, item 7: --no-transpose-kernel was ignored with --layout torch."""
    common = ("compute", "-c", "jax", "-p", "SAME", "--no-transpose-kernel", "--json")
    plain = json.loads(run(*common, "--input", "[1,2,3]", "--weight", "[1,2,4]").stdout)
    torch = json.loads(
        run(*common, "--layout", "torch", "--input", "[[1,2,3]]", "--weight", "[[[1,2,4]]]").stdout
    )
    flipped = json.loads(
        run(
            "compute",
            "-c",
            "jax",
            "-p",
            "SAME",
            "--json",
            "--input",
            "[1,2,3]",
            "--weight",
            "[4,2,1]",
        ).stdout
    )
    assert torch["output"] == [plain["output"]] and plain["output"] == flipped["output"]


def test_inverse_in_onnx_says_when_runtimes_differ():
    """Issue 13, item 3: an output_shape ONNX Runtime refuses is never printed silently."""
    result = run(
        "inverse",
        "-c",
        "onnx",
        "--auto-pad",
        "SAME_UPPER",
        "-s",
        "2",
        "--in",
        "3",
        "-k",
        "3",
        "--target",
        "9",
        "--dims",
        "1",
    )
    assert result.exit_code == 0
    assert "ONNX Runtime clamps a negative total padding at 0" in " ".join(result.stdout.split())


def test_onnx_output_shape_without_auto_pad_is_answered_with_a_note():
    result = run(
        "shape",
        "-c",
        "onnx",
        "--output-shape",
        "6",
        "-s",
        "2",
        "--in",
        "3",
        "-k",
        "3",
        "--dims",
        "1",
    )
    assert result.exit_code == 0, result.stderr
    assert "3 → 6" in result.stdout and "onnx reference implementation" in result.stdout


def test_keras_same_with_an_even_kernel_is_ported_as_valid_and_a_crop():
    """Issue 13, item 1: Keras on TensorFlow refuses 'same' with an even kernel extent and
    output_padding 0; port prefers what runs everywhere, the others say so."""
    ported = run(
        "port",
        "--from",
        "torch",
        "--to",
        "keras",
        "-p",
        "1",
        "-s",
        "4",
        "-k",
        "2",
        "--in",
        "2",
        "--dims",
        "1",
    ).stdout.splitlines()
    assert ported[4:6] == [
        'keras.layers.Conv1DTranspose(C_out, kernel_size=2, strides=4, padding="valid", '
        "output_padding=0)",
        "y = keras.layers.Cropping1D((1, 1))(y)",
    ]
    for args in (
        [
            "inverse",
            "-c",
            "keras",
            "-p",
            "same",
            "-s",
            "1",
            "--in",
            "2",
            "-k",
            "2",
            "--target",
            "1",
        ],
        ["shape", "-c", "keras", "-p", "same", "-k", "2", "-s", "1", "--op", "0", "--in", "3"],
        [
            "compute",
            "-c",
            "keras",
            "-p",
            "same",
            "-s",
            "1",
            "--op",
            "0",
            "--input",
            "[1,2,3]",
            "--weight",
            "[1,2]",
        ],
    ):
        out = " ".join(run(*args, "--dims", "1").stdout.split())
        assert "Size of out_backprop doesn't match computed" in out, args


def test_keras_dilation_says_tensorflow_cpu_refuses_it():
    """Issue 13, item 2."""
    for args in (
        ["shape", "-c", "keras", "-d", "2", "-s", "1", "--in", "3"],
        ["port", "--from", "torch", "--to", "keras", "-d", "2", "-s", "1", "-p", "0", "--in", "3"],
    ):
        out = " ".join(run(*args, "--dims", "1").stdout.split())
        assert "Current CPU implementations do not yet support dilation rates" in out, args


def test_port_from_torch_takes_the_asymmetric_padding_shape_takes():
    """Issue 13, item 7: `shape -c torch -p 0:1` worked, `port --from torch -p 0:1` refused."""
    assert run("shape", "-c", "torch", "-p", "0:1", "--dims", "1").exit_code == 0
    result = run("port", "--from", "torch", "--to", "jax", "-p", "0:1", "--dims", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:3] == [
        "nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2)",
        "y = y[..., :-1]",
    ]
    assert 'padding="SAME"' in result.stdout  # the same computation in JAX's words


@pytest.mark.parametrize("kernel, told", [("3", True), ("4", False)])
def test_the_same_upper_lower_swap_is_told_only_where_it_changes_something(kernel, told):
    """ONNX Runtime before 1.13 swapped SAME_UPPER and SAME_LOWER: that matters only when the
    total padding is odd (k=3: 1, split 0:1) and not when it splits evenly (k=4: 2, 1:1)."""
    result = run(
        "shape",
        "-c",
        "onnx",
        "-p",
        "SAME_UPPER",
        "--in",
        "4",
        "-k",
        kernel,
        "-s",
        "2",
        "--dims",
        "1",
    )
    assert result.exit_code == 0
    assert ("microsoft/onnxruntime#12537" in result.stdout) == told
