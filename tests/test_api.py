"""The Python API: the names of the contract, PyTorch's answers on random layers, and a light
import. PyTorch's own modules are the oracle: `nn.ConvTransposeNd(...)(x)` and `nn.ConvNd`."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tconv_cli
from tconv_cli import Conv, ConvTranspose, NoAnswer, ParameterError
from tconv_cli.cli.flags import FLAGS


def test_the_examples_of_the_issue():
    up = ConvTranspose(kernel_size=4, stride=2, padding=1)
    assert up.output_size((17, 17)) == (34, 34)
    assert up.output_size(17) == 34 and isinstance(up.output_size(17), int)
    assert up.output_padding_for((17, 17), (35, 35)) == (1, 1)
    assert up.reachable((17, 17)) == ((34, 35), (34, 35))
    assert Conv(kernel_size=3, stride=2, padding=1).output_size(101) == 51
    assert Conv(kernel_size=3, stride=2, padding=1).inputs_for(51) == (101, 102)


def test_defaults_are_pytorchs():
    layer = ConvTranspose(3)
    assert (layer.stride, layer.padding, layer.dilation, layer.output_padding, layer.groups) == (
        1,
        0,
        1,
        0,
        1,
    )
    assert layer.output_size(5) == 7  # (5−1)·1 + 3


def test_padding_pairs_and_per_axis_values():
    up = ConvTranspose(kernel_size=(4, 3), stride=2, padding=((0, 1), 1))
    assert up.output_size((32, 24)) == (65, 47)
    assert up.layer((32, 24))[0].padding == (0, 1)


def test_no_answer_says_what_is_reachable():
    with pytest.raises(NoAnswer, match="reaches 34 to 35"):
        ConvTranspose(4, 2, 1).output_padding_for(17, 40)


@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        (dict(kernel_size=0), "kernel_size"),
        (dict(kernel_size="3"), "kernel_size"),
        (dict(kernel_size=True), "kernel_size"),
        (dict(kernel_size=3, stride=(1, 2), padding=(1, 2, 3)), "stride"),
        (dict(kernel_size=3, output_padding=1), "output_padding"),
        (dict(kernel_size=3, padding=-1), "padding"),
        (dict(kernel_size=3, padding=((1, 2, 3),)), "padding"),
        (dict(kernel_size=3, groups=0), "groups"),
    ],
)
def test_invalid_arguments_raise_at_construction(arguments, param):
    with pytest.raises(ParameterError) as raised:
        ConvTranspose(**arguments)
    assert raised.value.param == param
    assert isinstance(raised.value, ValueError)


def test_errors_that_need_a_size_come_with_the_call():
    up = ConvTranspose(kernel_size=2, padding=1)
    with pytest.raises(ParameterError, match="must be at least 1"):
        up.output_size(1)
    with pytest.raises(ParameterError, match="input"):
        up.output_size(0)
    with pytest.raises(ParameterError, match="has 2 values but input has 1"):
        ConvTranspose(kernel_size=(2, 2)).output_size(4)


def test_named_padding_is_pytorchs():
    assert Conv(3, padding="same", dilation=2).output_size(10) == 10
    assert Conv(4, padding="same").padding == ((1, 2),)
    assert Conv(3, padding="valid").output_size(10) == 8
    with pytest.raises(ParameterError, match="stride 1"):
        Conv(3, stride=2, padding="same")
    with pytest.raises(ParameterError, match="forward fails"):
        ConvTranspose(3, padding="same")


def test_conv_transpose_is_the_decoder_of_conv():
    down = Conv(kernel_size=4, stride=2, padding=1)
    up = down.transpose()
    assert up.output_size(down.output_size((64, 64))) == (64, 64)  # DESIGN.md §7
    assert up.output_padding_for(32, 65) == 1


def test_importing_the_api_loads_nothing_heavy():
    code = (
        "import sys; from tconv_cli import ConvTranspose, Conv; "
        "ConvTranspose(4, 2, 1).output_size((17, 17)); Conv(3).inputs_for(5); "
        "print(' '.join(m for m in ('numpy', 'PIL', 'rich', 'typer') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_public_names():
    assert {"Conv", "ConvTranspose", "ParameterError", "NoAnswer"} <= set(tconv_cli.__all__)
    for name in tconv_cli.__all__:
        assert getattr(tconv_cli, name) is not None
    with pytest.raises(AttributeError):
        tconv_cli.nothing_here  # noqa: B018


def _raised_names() -> set[str]:
    """The literal parameter names the library (everything but cli/) raises."""
    names = set()
    for path in Path(tconv_cli.__file__).parent.rglob("*.py"):
        if "cli" in path.relative_to(Path(tconv_cli.__file__).parent).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "ParameterError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value is not None
            ):
                names.add(node.args[0].value)
    return names


def test_every_parameter_the_library_raises_has_an_option():
    names = _raised_names()
    assert {"kernel_size", "output_padding"} <= names  # the scan finds them
    # the resolve step (resolve.py) names the options themselves, as the user typed them
    options = set(FLAGS.values())
    assert not {n for n in names if n not in FLAGS and n not in options}, (
        "add these to tconv_cli/cli/flags.py"
    )


# ---------------------------------------------------------------------------------------------
# PyTorch's modules as the oracle.


@pytest.fixture(scope="module")
def torch():
    from helpers import require_torch

    return require_torch()


@st.composite
def arguments(draw, transposed: bool):
    """PyTorch's constructor arguments, as an int or a per-axis tuple, legal or not."""
    rank = draw(st.integers(1, 3))

    def value(low: int, high: int):
        return draw(st.integers(low, high) | st.tuples(*[st.integers(low, high)] * rank))

    args = dict(
        kernel_size=value(1, 4), stride=value(1, 3), padding=value(0, 3), dilation=value(1, 2)
    )
    if transposed:
        args["output_padding"] = value(0, 2)
    size = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    return rank, args, size


def _torch_size(torch, rank, args, size, transposed):
    module = getattr(torch.nn, f"{'ConvTranspose' if transposed else 'Conv'}{rank}d")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = module(1, 1, **args)(torch.zeros(1, 1, *size))
    except (RuntimeError, ValueError):
        return None
    return None if y.numel() == 0 else tuple(y.shape[2:])


def _api_size(cls, args, size):
    try:
        return cls(**args).output_size(size)
    except ParameterError:
        return None


@settings(max_examples=400, deadline=None)
@given(arguments(transposed=True))
@pytest.mark.slow
def test_conv_transpose_sizes_and_refusals_are_pytorchs(torch, drawn):
    rank, args, size = drawn
    assert _api_size(ConvTranspose, args, size) == _torch_size(torch, rank, args, size, True)


@settings(max_examples=300, deadline=None)
@given(arguments(transposed=False))
@pytest.mark.slow
def test_conv_sizes_and_refusals_are_pytorchs(torch, drawn):
    rank, args, size = drawn
    assert _api_size(Conv, args, size) == _torch_size(torch, rank, args, size, False)


@settings(max_examples=300, deadline=None)
@given(arguments(transposed=False), st.integers(1, 12))
@pytest.mark.slow
def test_inputs_for_are_exactly_the_sizes_that_collapse(drawn, out):
    rank, args, _ = drawn
    try:
        down = Conv(**args)
    except ParameterError:
        assume(False)
    found = down.inputs_for((out,) * rank)
    for axis in range(rank):  # per axis: the sizes whose output on that axis is `out`
        alone = {
            name: value if isinstance(value, int) else value[axis] for name, value in args.items()
        }
        brute = tuple(i for i in range(1, 60) if _api_size(Conv, alone, i) == out)
        assert found[axis] == brute


@settings(max_examples=300, deadline=None)
@given(arguments(transposed=True), st.integers(1, 20))
@pytest.mark.slow
def test_output_padding_for_is_the_one_that_gives_the_target(drawn, target):
    _, args, size = drawn
    args = {**args, "output_padding": 0}
    up = ConvTranspose(**args)
    wanted = (target,) * len(size)
    try:
        op = up.output_padding_for(size, wanted)
    except NoAnswer:
        assert any(target not in sizes for sizes in up.reachable(size))
        return
    assert ConvTranspose(**{**args, "output_padding": op}).output_size(size) == wanted


@pytest.mark.parametrize(
    ("framework", "arguments", "size", "output"),
    [
        ("torch", dict(kernel_size=4, stride=2, padding=1), (17, 17), (34, 34)),
        ("keras", dict(kernel_size=3, strides=2, padding="same"), (32, 32), (64, 64)),
        ("keras", dict(kernel_size=3, strides=2), 5, 11),  # 'valid', output_padding None
        ("tf", dict(kernel_size=3, strides=2, padding="SAME", output_shape=[9]), 5, 9),
        ("onnx", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"), (4, 4), (8, 8)),
        ("onnx", dict(kernel_shape=[3], strides=[2], pads=[0, 1]), 4, 8),
        ("jax", dict(kernel_size=3, strides=2, padding=[(1, 2)]), 4, 8),
        ("caffe", dict(kernel_size=4, stride=2, pad=1), 8, 16),
    ],
)
def test_from_framework_takes_each_frameworks_own_words(framework, arguments, size, output):
    from tconv_cli.frameworks import from_keywords, to_layer

    layer = ConvTranspose.from_framework(framework, **arguments)
    assert layer.output_size(size) == output
    sizes = size if isinstance(size, tuple) else (size,)
    assert layer.layer(size) == to_layer(from_keywords(framework, arguments, sizes))


def test_from_framework_refuses_another_frameworks_words():
    with pytest.raises(ParameterError, match="stride=2 is not a parameter of keras"):
        ConvTranspose.from_framework("keras", kernel_size=3, stride=2)
    with pytest.raises(ParameterError, match="kernel_shape is needed"):
        ConvTranspose.from_framework("onnx", strides=[2])
    with pytest.raises(ParameterError, match="convention=mxnet must be one of"):
        ConvTranspose.from_framework("mxnet", kernel_size=3)


def test_a_framework_layer_answers_the_same_questions():
    keras = ConvTranspose.from_framework("keras", kernel_size=3, strides=2, padding="same")
    assert keras.solve(3, 5) == (
        "keras.layers.Conv1DTranspose(C_out, kernel_size=3, strides=2, "
        'padding="same", output_padding=0)'
    )
    with pytest.raises(NoAnswer, match="cannot give 7"):
        keras.solve(3, 7)
    report = keras.report(4).splitlines()
    assert report[:2] == [
        'keras.layers.Conv1DTranspose(C_out, kernel_size=3, strides=2, padding="same")',
        "4 → 8",
    ]
    assert "  in PyTorch  nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2)" in report
    assert keras.scene((3, 3)).frame_count == 36  # its record: 3×3 → 6×6
