"""The library face of chain, unet, design and inspect, print(model) text, and the fuzz of
issue 17: no traceback, no hang, nothing written where a command refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from decimal import Decimal

import numpy
import pytest
from helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tconv_cli
from tconv_cli import network
from tconv_cli.errors import NoAnswer, ParameterError, TconvError

# --- the library face ------------------------------------------------------------------------


def test_importing_tconv_cli_and_asking_a_chain_loads_nothing_heavy():
    code = (
        "import sys, tconv_cli; tconv_cli.chain(['nn.Conv2d(3, 8, 3)'], (9, 9)); "
        "tconv_cli.unet((101, 75)); tconv_cli.design(factor=4); "
        "print(' '.join(m for m in ('numpy', 'PIL', 'rich', 'typer', 'torch') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(tconv_cli.__file__)),
    )
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(
    ("call", "command"),
    [
        (
            lambda: tconv_cli.chain(
                ["nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)", "nn.ReLU()"],
                (7, 7),
                in_channels=256,
                overlap=True,
            ),
            [
                "chain",
                "--in",
                "7,7",
                "nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)",
                "nn.ReLU()",
                "--in-channels",
                "256",
                "--overlap",
            ],
        ),
        (
            lambda: tconv_cli.unet((101, 75), 3, up="ConvTranspose2d(1, 1, 2, 2)", valid=(90, 130)),
            [
                "unet",
                "--in",
                "101,75",
                "--depth",
                "3",
                "--up",
                "ConvTranspose2d(1, 1, 2, 2)",
                "--valid",
                "90:130",
            ],
        ),
        (
            lambda: tconv_cli.design(factor=5, kernel_size=10),
            ["design", "--factor", "5", "--kernel-size", "10"],
        ),
        (
            lambda: tconv_cli.design(start=(7, 7), to=(28, 30)),
            ["design", "--from", "7,7", "--to", "28,30"],
        ),
        (
            lambda: tconv_cli.design(hop=300, stages=3, dilation=2),
            ["design", "--hop", "300", "--stages", "3", "-d", "2"],
        ),
        (
            lambda: tconv_cli.design(check="nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)"),
            ["design", "--check", "nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)"],
        ),
    ],
)
def test_the_commands_print_the_libraries_answers(call, command):
    answer = call()
    assert run(*command).stdout == answer.report() + "\n"
    assert json.loads(run(*command, "--json").stdout) == answer.as_json()
    html = answer._repr_html_()
    assert html.startswith("<pre>") and "&lt;" not in answer.report()
    assert answer.report().splitlines()[0].replace("&", "&amp;").replace("<", "&lt;") in html


def test_inspect_takes_a_module_object_and_leaves_it_as_it_was(torch):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
    )
    weight = model[0].weight.detach().clone()
    answer = tconv_cli.inspect(model, input_shape=(1, 3, 9, 9))
    assert [layer.output for layer in answer.layers] == [[1, 8, 5, 5], [1, 3, 9, 9]]
    assert answer.error is None and "ConvTranspose2d" in answer._repr_html_()
    assert model[0].weight.device.type == "cpu" and torch.equal(model[0].weight, weight)
    with pytest.raises(ParameterError):
        tconv_cli.inspect(model, input_shape=(1, 3, 9, 9), args={"a": 1})
    with pytest.raises(ParameterError):
        tconv_cli.inspect(42, input_shape=(1, 3, 9, 9))


# --- the issue's tracebacks, now answers -----------------------------------------------------


def test_a_channel_mismatch_is_an_answer():
    result = run("chain", "--in", "8,8", "--in-channels", "3", "nn.Conv2d(4, 8, 3)")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: layer 1 'nn.Conv2d(4, 8, 3)' fails: it expects 4 input channels but gets 3\n"
    )
    result = run(
        "chain", "--in", "8,8", "--in-channels", "3", "nn.Conv2d(3, 8, 3)", "nn.Conv2d(4, 8, 3)"
    )
    assert result.exit_code == 1 and "nn.Conv2d(3, 8, 3)  8×8 → 6×6  (8, 6, 6)" in result.stdout


def test_a_keras_up_layer_in_a_unet():
    result = run(
        "unet",
        "--in",
        "350,101",
        "--down",
        "MaxPool2d(2)",
        "--up",
        "layers.Conv2DTranspose(8, 2, strides=2, padding='same')",
    )
    assert result.exit_code == 0 and "inputs that need no change: 336×96" in result.stdout


def test_an_overlap_map_too_large_is_refused_before_any_work(tmp_path):
    target = tmp_path / "map.png"
    result = run(
        "chain",
        "--in",
        "30000,30000",
        "nn.ConvTranspose2d(1, 1, 3, 2)",
        "--overlap",
        "-o",
        str(target),
    )
    assert result.exit_code == 1 and "too large to draw" in result.stderr
    assert str(2**25) in result.stderr.replace(",", "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ["unet", "--in", "101,75", "--down", "nn.Upsample(scale_factor=2)", "--depth", "60"],
            1,
            "sizes above 2147483647",
        ),
        (
            [
                "unet",
                "--in",
                "101,75,64",
                "--down",
                "AvgPool3d(2)",
                "--up",
                "ConvTranspose3d(1, 1, 2, 2)",
                "--depth",
                "64",
            ],
            1,
            "AvgPool3d needs an input",
        ),
        (
            ["design", "--factor", "10", "-k", "20", "-d", "9223372036854775808"],
            2,
            "dilation must be from 1 to 65535",
        ),
        (
            [
                "unet",
                "--in",
                "64,64",
                "--down",
                "nn.MaxPool3d(2)",
                "--up",
                "nn.ConvTranspose3d(1, 1, 2, 2)",
            ],
            2,
            "is 3-d but its input has 2 spatial axes",
        ),
    ],
)
def test_what_hung_or_was_wrong_is_answered(args, code, says):
    result = run(*args)
    assert result.exit_code == code and says in result.stderr, result.output


@pytest.mark.slow
def test_deep_unets_answer():
    """Depth 64 of a layer pair that keeps sizes: the nearest inputs come from bottleneck
    sizes, not a scan of every input."""
    down, up = "Conv2d(1, 1, 3, padding=1)", "ConvTranspose2d(1, 1, 3, padding=1)"
    net = tconv_cli.unet((101, 75), 64, down, up, valid=(1000, 1500))
    assert net.runs and net.below == net.above == (101, 75)
    assert net.valid[0] == tuple(range(1000, 1501))
    with pytest.raises(ParameterError, match="give a narrower range"):
        tconv_cli.unet((101, 75), 64, down, up, valid=(1, 100_000))


def test_chain_file_refuses_a_fifo_and_reads_a_long_file(tmp_path):
    fifo = tmp_path / "layers.txt"
    os.mkfifo(fifo)
    result = run("chain", "--in", "8", "--file", str(fifo))
    assert result.exit_code == 2 and "is not a regular file" in result.stderr
    long = tmp_path / "long.txt"
    long.write_text("\n".join(["nn.ConvTranspose1d(1, 1, 3, 1, 1)"] * 1000))
    result = run("chain", "--in", "8", "--file", str(long))
    assert result.exit_code == 0 and result.stdout.endswith("output 8\n")
    many = tmp_path / "many.py"
    many.write_text("x = nn.ReLU()\n" * 10_001)
    result = run("chain", "--in", "8", "--file", str(many))
    assert result.exit_code == 2 and "at most 10,000" in result.stderr
    big = tmp_path / "big.txt"
    big.write_text("#" * 1_000_001)
    result = run("chain", "--in", "8", "--file", str(big))
    assert result.exit_code == 2 and "tconv reads at most 1,000,000" in result.stderr


def test_a_layers_text_is_never_cut():
    long = (
        "nn.ConvTranspose2d(in_channels=256, out_channels=128, kernel_size=(4, 4), "
        "stride=(2, 2), padding=(1, 1), output_padding=(0, 0), dilation=(1, 1))"
    )
    out = run("chain", "--in", "7,7", long).stdout
    assert "…" not in out
    assert "".join(out.replace("7×7 → 14×14", "").split()).count("".join(long.split())) == 1
    assert all(len(line) <= 80 for line in out.splitlines())


# --- print(model) ----------------------------------------------------------------------------


def test_printed_models_as_pytorch_prints_them(torch):
    nn = torch.nn
    weight_norm = torch.nn.utils.parametrizations.weight_norm
    model = nn.Sequential(
        weight_norm(nn.ConvTranspose1d(128, 64, 4, stride=2, padding=1)),
        nn.LeakyReLU(0.1),
        nn.Sequential(nn.Conv1d(64, 64, 7, padding=3, dilation=1), nn.BatchNorm1d(64)),
        weight_norm(nn.ConvTranspose1d(64, 32, 16, stride=8, padding=4)),
        nn.Upsample(scale_factor=2.0, mode="linear"),
    )
    printed = str(model)
    assert "ParametrizedConvTranspose1d(" in printed and "(parametrizations)" in printed
    answer = tconv_cli.chain(printed, 50, in_channels=128)
    with torch.no_grad():
        expected = model(torch.zeros(1, 128, 50)).shape
    assert answer.output == tuple(expected[2:]) and answer.steps[-1].channels == expected[1]
    lines = printed.splitlines()
    assert [s.layer.split("(")[0] for s in answer.steps] == [
        "ConvTranspose1d",
        "LeakyReLU",
        "Conv1d",
        "BatchNorm1d",
        "ConvTranspose1d",
        "Upsample",
    ]
    assert all(s.layer.split("(")[0] in lines[s.line - 1] for s in answer.steps)
    assert run("chain", "--in", "50", printed, "--in-channels", "128").stdout == (
        answer.report() + "\n"
    )


def test_a_sequential_as_written_is_a_stack(torch):
    text = (
        "nn.Sequential(nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.ReLU(),\n"
        "              nn.Conv2d(4, 3, 3, padding=1))"
    )
    model = eval(text, {"nn": torch.nn})
    expected = model(torch.zeros(1, 8, 5, 6)).shape[2:]
    assert tconv_cli.chain(text, (5, 6)).output == tuple(expected)
    result = run("chain", "--in", "5,6", text)
    assert result.exit_code == 0
    assert result.stdout.endswith(f"output {expected[0]}×{expected[1]}\n")


def test_a_printed_model_with_parts_is_refused_with_its_parts(torch):
    nn = torch.nn

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(3, 8, 3, padding=1))
            self.up = nn.Sequential(nn.ConvTranspose2d(8, 3, 2, stride=2))
            self.heads = nn.ModuleList(
                [nn.Sequential(nn.Conv2d(3, 1, 1)), nn.Sequential(nn.Conv2d(3, 2, 1))]
            )

    with pytest.raises(
        ParameterError,
        match=r"holds 3 parts with layers \(\(down\), \(up\), "
        r"\(heads\)\)",
    ):
        tconv_cli.chain(str(UNet()), (96, 96))
    with pytest.raises(ParameterError, match=r"\(heads\): ModuleList holds 2 parts"):
        tconv_cli.chain(
            str(UNet().heads).replace("ModuleList(", "Sequential(\n  (heads): ModuleList(", 1)
            + "\n)",
            (96, 96),
        )

    class Generator(nn.Module):  # a model wrapping one Sequential is read: DCGAN's
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(100, 64, 4, 1, 0), nn.ReLU(), nn.ConvTranspose2d(64, 3, 4, 2, 1)
            )

    assert tconv_cli.chain(str(Generator()), (1, 1)).output == (8, 8)


# --- the API: ParameterError or NoAnswer, never anything else ----------------------------------

JUNK = st.one_of(
    st.integers(-3, 10),
    st.sampled_from(
        [
            "a",
            "same",
            (3, "a"),
            range(3),
            Decimal("NaN"),
            2.5,
            None,
            True,
            [],
            [[1]],
            (1, 2, 3),
            [(0, 1)],
            float("inf"),
            b"3",
            {"k": 3},
            -(2**70),
            2**70,
            numpy.int64(3),
            numpy.array([2, 3]),
            numpy.array(2.5),
            numpy.zeros((2, 2), int),
        ]
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["torch", "keras", "tf", "onnx", "jax", "caffe"]),
    st.dictionaries(
        st.sampled_from(
            [
                "kernel_size",
                "kernel_shape",
                "strides",
                "stride",
                "padding",
                "pads",
                "dilation",
                "dilation_rate",
                "output_padding",
                "output_shape",
                "groups",
                "auto_pad",
                "dilations",
            ]
        ),
        JUNK,
        max_size=4,
    ),
    st.one_of(st.integers(-1, 9), st.tuples(st.integers(1, 9), st.integers(1, 9)), JUNK),
)
def test_framework_layers_raise_only_tconvs_errors(framework, arguments, size):
    try:
        layer = tconv_cli.ConvTranspose.from_framework(framework, **arguments)
        layer.output_size(size)
        layer.solve(size, size)
    except TconvError:
        pass
    try:
        torch_layer = tconv_cli.ConvTranspose(
            **{
                k: v
                for k, v in arguments.items()
                if k in ("kernel_size", "stride", "padding", "dilation", "output_padding", "groups")
            }
        )
        torch_layer.output_size(size)
        torch_layer.output_padding_for(size, size)
    except TconvError:
        pass
    except TypeError as error:  # Python's own: a required argument left out
        assert "kernel_size" in str(error) and "kernel_size" not in arguments


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(JUNK, JUNK, st.one_of(JUNK, st.just("nn.Conv2d(1, 1, 3)")))
def test_chain_unet_and_design_raise_only_tconvs_errors(a, b, text):
    for call in (
        lambda: tconv_cli.chain(text, a, in_channels=b),
        lambda: tconv_cli.unet(a, b if isinstance(b, int) else 2, text),
        lambda: tconv_cli.unet((64, 64), 2, valid=a),
        lambda: tconv_cli.design(factor=a, kernel_size=b),
        lambda: tconv_cli.design(start=a, to=b),
        lambda: tconv_cli.design(check=text),
        lambda: tconv_cli.ConvTranspose(kernel_size=a, stride=b).output_size(3),
        lambda: tconv_cli.ConvTranspose(3, 2, 1).scene((3, 3)).save(a),
    ):
        try:
            call()
        except (ParameterError, NoAnswer):
            pass


def test_the_issues_api_calls():
    numpy = pytest.importorskip("numpy")
    for arguments, named in (
        ({"kernel_size": (3, "a")}, "kernel_size"),
        ({"kernel_size": 3, "strides": range(3)}, "strides"),
        ({"kernel_size": Decimal("NaN")}, "kernel_size"),
    ):
        framework = "keras" if "strides" in arguments else "caffe"
        with pytest.raises(ParameterError) as caught:
            tconv_cli.ConvTranspose.from_framework(framework, **arguments)
        assert caught.value.param == named
    assert tconv_cli.ConvTranspose.from_framework(
        "torch", kernel_size=numpy.array([3, 3]), stride=numpy.int64(2)
    ).output_size((4, 4)) == (9, 9)
    with pytest.raises(ParameterError) as caught:
        tconv_cli.ConvTranspose(3, 2, 1).scene((3, 3)).save(3)
    assert caught.value.param == "output"


def test_a_fifo_overlap_map_is_written_into(tmp_path):
    import stat

    fifo = tmp_path / "map.png"
    os.mkfifo(fifo)
    got = []
    thread = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    thread.start()
    result = run(
        "chain",
        "--in",
        "4,4",
        "nn.ConvTranspose2d(1, 1, 3, 2)",
        "--overlap",
        "-o",
        str(fifo),
        "--force",
    )
    thread.join(timeout=60)
    assert result.exit_code == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"\x89PNG")
    assert network.OVERLAP_BUDGET  # the per-axis budget the map is computed under


def test_modules_tconv_does_not_read_are_named(torch):
    nn = torch.nn
    printed = str(
        nn.Sequential(nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.Flatten(), nn.Linear(400, 10))
    )
    answer = tconv_cli.chain(printed, (5, 5))
    assert answer.notes == (
        "Flatten, Linear are not read (not a layer tconv reads): the sizes "
        "assume they keep the spatial size",
    )
    assert json.loads(run("chain", "--in", "5,5", printed, "--json").stdout)["notes"] == list(
        answer.notes
    )
    plain = str(nn.Sequential(nn.ConvTranspose2d(8, 4, 4, 2, 1)))
    assert tconv_cli.chain(plain, (5, 5)).notes == ()


def test_overlap_counts_stay_bounded():
    """Counts that outgrow 2^63 (3^k through k layers) and stacks too long to count are
    refused with the limit, not printed as thousand-digit numbers or computed for minutes."""
    deep = ["nn.ConvTranspose1d(1, 1, 3, 1, 1)"] * 60
    counts, first, previous = [1] * 8, None, 1  # by hand: a cell sums its neighbours, itself
    for layer in range(1, 61):
        counts = [sum(counts[max(o - 1, 0) : o + 2]) for o in range(8)]
        if first is None and max(counts) > 2**63:
            first, before = layer, previous
        previous = max(counts)
    with pytest.raises(NoAnswer, match=rf"after layer {first} .* more than 2\^63"):
        tconv_cli.chain(deep, 8, overlap=True)
    assert tconv_cli.chain(deep[: first - 1], 8, overlap=True).overlap.max == (before,)
    with pytest.raises(NoAnswer, match="cell updates"):
        tconv_cli.chain(["nn.ConvTranspose1d(1, 1, 3, 1, 1)"] * 200, 900_000, overlap=True)


@pytest.mark.parametrize(
    "text",
    [
        "nn.Upsample(size=2.5)",
        "nn.Upsample(size=(2, 'a'))",
        "nn.Upsample(scale_factor=2, mode='x')",
        "nn.Upsample(scale_factor=2, align_corners=True)",
    ],
)
def test_upsample_arguments_pytorch_refuses_are_refused(text):
    with pytest.raises(ParameterError):
        tconv_cli.chain([text], (4, 4))


def test_a_keras_unet_answers_or_refuses_the_range():
    up = "layers.Conv2DTranspose(8, 3, strides=2, padding='same', output_padding=1)"
    net = tconv_cli.unet((40, 41), 2, "MaxPool2d(2)", up, valid=(30, 50))
    # 'same' with output_padding=1 doubles (Keras: (i−1)·2 + 3 mod 2 + 1 = 2i): multiples of 4
    assert net.valid == (tuple(i for i in range(30, 51) if i % 4 == 0),) * 2
    with pytest.raises(ParameterError, match="narrower range"):
        tconv_cli.unet((1, 1), 1, up, up, valid=(1, 100_000))


def test_the_nearest_inputs_near_the_largest_size():
    """Bottleneck sizes whose image passes 2^31 − 1 are above every input, not failures: the
    nearest input below the largest is still found."""
    net = tconv_cli.unet(
        (2**31 - 1,),
        4,
        "MaxPool1d(2)",
        "ConvTranspose1d(1, 1, 2, 2)",
        valid=(2**31 - 40, 2**31 - 1),
    )
    assert net.below == (2**31 - 16,) and net.above == (None,)
    assert net.valid == ((2**31 - 32, 2**31 - 16),)


def test_a_printed_model_has_the_same_limits():
    many = "Sequential(\n" + "".join(f"  ({i}): ReLU()\n" for i in range(10_001)) + ")"
    with pytest.raises(ParameterError, match="more than 10,000 layers"):
        tconv_cli.chain(many, 8)
    with pytest.raises(ParameterError, match="at most 1,000,000"):
        tconv_cli.chain("Sequential(\n  (0): ReLU()\n)" + " " * 1_000_000, 8)


def test_numpy_sizes_are_sizes():
    numpy = pytest.importorskip("numpy")
    answer = tconv_cli.chain(
        ["nn.Conv2d(3, 8, 3)"], numpy.array([9, 9]), in_channels=numpy.int64(3)
    )
    assert answer.output == (7, 7) and type(answer.output[0]) is int
    assert tconv_cli.unet(numpy.array([101, 75])).below == (96, 64)


def test_inspect_of_a_file_is_the_commands_answer():
    pytest.importorskip("onnx")
    source = os.path.join(
        os.path.dirname(os.path.dirname(__file__)), "examples", "models", "decoder.onnx"
    )
    answer = tconv_cli.inspect(source)
    assert run("inspect", source).stdout == answer.report() + "\n"
    assert json.loads(run("inspect", source, "--json").stdout) == answer.as_json()
    assert answer._repr_html_().startswith("<pre>")


def test_a_module_dicts_layers_are_branches(torch):
    nn = torch.nn
    heads = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ModuleDict({"a": nn.Conv2d(8, 1, 1), "b": nn.Conv2d(8, 2, 1)})
    )
    with pytest.raises(
        ParameterError,
        match=r"ModuleDict holds 2 parts with layers \(\(a\), "
        r"\(b\)\)",
    ):
        tconv_cli.chain(str(heads), (9, 9))
    listed = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ModuleList([nn.Conv2d(8, 8, 1)] * 2))
    assert tconv_cli.chain(str(listed), (9, 9)).output == (7, 7)


def test_the_readmes_unet_printed_is_refused_not_read_as_96_to_16(torch):
    """Issue 17: `--file` of a whole printed U-Net was read as one stack (96 → 16)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples", "models", "unet.py")
    spec = importlib.util.spec_from_file_location("readme_unet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    printed = str(module.UNet(3, 2))
    with pytest.raises(
        ParameterError,
        match=r"UNet holds 7 parts with layers \(\(inc\), "
        r"\(down1\)",
    ):
        tconv_cli.chain(printed, (96, 96))
