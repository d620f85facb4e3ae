"""tconv chain / unet: sizes against PyTorch's modules (meta device), parsing, no tracebacks."""

from __future__ import annotations

import json
import random

import pytest
from helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv_cli import network
from tconv_cli.errors import NoAnswer, ParameterError


def _random_layer(rng: random.Random, rank: int) -> str:
    kind = rng.choice(["Conv", "ConvTranspose", "MaxPool", "AvgPool", "Upsample", "ReLU"])
    k, s, d = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 2)
    if kind == "Conv":
        return f"nn.Conv{rank}d(2, 2, {k}, stride={s}, padding={rng.randint(0, 2)}, dilation={d})"
    if kind == "ConvTranspose":
        op = rng.randint(0, max(s, d) - 1)
        return (
            f"nn.ConvTranspose{rank}d(2, 2, kernel_size={k}, stride={s}, "
            f"padding={rng.randint(0, 2)}, output_padding={op}, dilation={d})"
        )
    if kind == "MaxPool":
        return (
            f"nn.MaxPool{rank}d({k}, stride={s}, padding={rng.randint(0, k // 2 + 1)}"
            f", dilation={d}, ceil_mode={rng.random() < 0.5})"
        )
    if kind == "AvgPool":
        return (
            f"nn.AvgPool{rank}d({k}, {s}, padding={rng.randint(0, k // 2)}, "
            f"ceil_mode={rng.random() < 0.5})"
        )
    if kind == "Upsample":
        return f"nn.Upsample(scale_factor={rng.choice([2, 3, 1.5])})"
    return "nn.ReLU()"


def _torch_sizes(torch, texts, sizes):
    """The real modules on a meta tensor: output sizes per layer, or None where one fails."""
    nn = torch.nn  # noqa: F841 - the constructors' texts name it
    x = torch.empty(1, 2, *sizes, device="meta")
    out = []
    for text in texts:
        module = eval(text, {"nn": torch.nn})  # our own generated text, not user input
        try:
            x = module.to("meta")(x)
        except RuntimeError:
            return out, True
        if 0 in x.shape:  # ConvTranspose3d makes an empty tensor when only some axes are 0;
            return out, True  # tconv, like geometry.check_output, calls that a failure
        out.append(tuple(x.shape[2:]))
    return out, False


@pytest.mark.slow
def test_random_stacks_equal_pytorch(torch):
    rng = random.Random(7)
    failures = 0
    for _ in range(300):
        rank = rng.randint(1, 3)
        sizes = tuple(rng.randint(1, 12) for _ in range(rank))
        texts = [_random_layer(rng, rank) for _ in range(rng.randint(1, 4))]
        expected, failed = _torch_sizes(torch, texts, sizes)
        if failed:  # a rule of the sizes (exit 1) or of the parameters (exit 2)
            failures += 1
            with pytest.raises((NoAnswer, ParameterError)):
                network.chain(sizes, network.parse_layers(texts))
            specs = network.parse_layers(texts[: len(expected)])
            assert [s.output for s in network.chain(sizes, specs[: len(expected)])] == expected
        else:
            specs = network.parse_layers(texts)
            assert [s.output for s in network.chain(sizes, specs)] == expected, (texts, sizes)
    assert 10 < failures < 290


def test_random_unets_concatenate_in_pytorch(torch):
    rng = random.Random(3)
    for _ in range(60):
        rank = rng.randint(1, 3)
        sizes = tuple(rng.randint(8, 70) for _ in range(rank))
        depth = rng.randint(1, 3)
        s = rng.randint(2, 3)
        down = rng.choice(
            [
                f"nn.MaxPool{rank}d({s}, ceil_mode={rng.random() < 0.5})",
                f"nn.Conv{rank}d(2, 2, 3, stride={s}, padding=1)",
            ]
        )
        d = rng.randint(1, 2)
        up = f"nn.ConvTranspose{rank}d(2, 2, 3, stride={s}, padding=1, dilation={d})"
        try:
            net = network.unet(sizes, depth, network.parse_layer(down), network.parse_layer(up))
        except NoAnswer:
            continue
        x = torch.empty(1, 2, *sizes, device="meta")
        skips = [x]
        for _ in range(depth):
            x = eval(down, {"nn": torch.nn}).to("meta")(x)
            skips.append(x)
        assert [tuple(t.shape[2:]) for t in skips] == list(net.levels)
        for step, skip in zip(net.decoder, reversed(skips[:-1])):
            assert tuple(x.shape[2:]) == step.input
            if step.output_padding is None:
                assert not step.matches
                x = torch.empty(*skip.shape, device="meta")
                continue
            ops = step.output_padding
            module = eval(up.replace(")", f", output_padding={ops})"), {"nn": torch.nn})
            x = module.to("meta")(x)
            torch.cat([x, skip], 1)  # the skip concatenates
            assert tuple(x.shape[2:]) == step.output


def test_nearest_and_valid_against_brute_force():
    down, up = (
        network.parse_layer("MaxPool1d(2)"),
        network.parse_layer("ConvTranspose1d(1, 1, 2, stride=2)"),
    )
    net = network.unet((101,), 3, down, up, [(1, 200)])
    brute = [i for i in range(1, 201) if i % 8 == 0]
    assert list(net.valid[0]) == brute
    assert net.below == (96,) and net.above == (104,)
    conv = network.parse_layer("Conv1d(1, 1, 3, stride=2, padding=1)")
    tconv = network.parse_layer("ConvTranspose1d(1, 1, 3, stride=2, padding=1)")
    net = network.unet((50,), 2, conv, tconv, [(1, 120)])

    def exact(i):
        levels = [i]
        for _ in range(2):
            levels.append((levels[-1] + 2 - 3) // 2 + 1)
        return all((levels[n] - 1) * 2 - 2 + 3 == levels[n - 1] for n in (2, 1))

    assert list(net.valid[0]) == [i for i in range(1, 121) if exact(i)]
    assert net.below[0] == max(i for i in range(1, 51) if exact(i))
    assert net.above[0] == min(i for i in range(50, 200) if exact(i))


def test_overlap_against_conv_transpose_of_ones(torch):
    texts = [
        "nn.ConvTranspose1d(1, 1, 4, stride=2, padding=1)",
        "nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1, output_padding=1)",
        "nn.ConvTranspose1d(1, 1, 5, stride=3, dilation=2)",
    ]
    x = torch.ones(1, 1, 9, dtype=torch.float64)
    for text in texts:
        module = eval(text, {"nn": torch.nn}).double()
        torch.nn.init.ones_(module.weight)
        torch.nn.init.zeros_(module.bias)
        x = module(x).detach()
    spread = network.overlap((9,), network.parse_layers(texts))
    assert spread.min == (int(x.min()),) and spread.max == (int(x.max()),)


MODELS = {
    "unet": (
        """
class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),  # Conv2d( in a comment is not a layer
        )
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
""",
        [6, 7, 8, 10, 11],
        (64, 64),
        (64, 64),
    ),
    "dcgan": (
        """
main = nn.Sequential(
    nn.ConvTranspose2d( nz, ngf * 8, 4, 1, 0, bias=False),
    nn.BatchNorm2d(ngf * 8),
    nn.ReLU(True),
    nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
    nn.Tanh()
)
""",
        [3, 4, 5, 6, 7],
        (1, 1),
        (8, 8),
    ),
    "vocoder": (
        """
ups = nn.ModuleList()
ups.append(weight_norm(ConvTranspose1d(512, 256, 16, 8, padding=(16 - 8) // 2)))
ups.append(weight_norm(ConvTranspose1d(256, 128, 16, 8, padding=4)))
ups.append(torch.nn.utils.weight_norm(Conv1d(128, 1, 7, 1, padding=3)))
""",
        None,
        (32,),
        None,
    ),
}


@pytest.mark.parametrize("name", ["unet", "dcgan"])
def test_models_are_read_in_order(name):
    source, lines, sizes, out = MODELS[name]
    specs = network.from_text(source)
    assert [s.line for s in specs] == lines
    assert network.chain(sizes, specs)[-1].output == out


def test_an_expression_in_a_size_argument_is_a_clear_error(tmp_path):
    path = tmp_path / "vocoder.py"
    path.write_text(MODELS["vocoder"][0])
    result = run("chain", "--in", "32", "--file", str(path))
    assert result.exit_code == 2
    assert "line 3" in result.output and "padding is not a literal" in result.output


def test_chain_json_and_failure():
    result = run(
        "chain",
        "--in",
        "7,7",
        "nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)",
        "ConvTranspose2d(64, 3, 3, 1, 1)",
        "--json",
        "--overlap",
    )
    data = json.loads(result.output)
    assert data["output"] == [14, 14] and data["layers"][0]["input"] == [7, 7]
    assert data["overlap"]["max"] == [6, 6]  # 2 from the first, times 3 from the second
    result = run("chain", "--in", "3", "MaxPool1d(2)", "MaxPool1d(2)")
    assert result.exit_code == 1 and "layer 2 'MaxPool1d(2)' fails" in result.output


def test_keras_layers():
    specs = network.parse_layers(
        [
            'layers.Conv2DTranspose(32, 3, strides=2, padding="same")',
            "layers.Conv2D(8, 3, strides=2)",
            "MaxPooling2D()",
            "UpSampling2D(size=(2, 3))",
        ]
    )
    assert [s.output for s in network.chain((10, 9), specs)] == [(20, 18), (9, 8), (4, 4), (8, 12)]


def test_unet_json():
    data = json.loads(
        run("unet", "--in", "101,75", "--depth", "4", "--valid", "90:130", "--json").output
    )
    assert data["levels"][-1] == [6, 4] and data["decoder"][0]["output_padding"] == [0, 1]
    assert data["nearest_exact"] == {"below": [96, 64], "above": [112, 80]}
    assert data["valid"] == [[96, 112, 128]] * 2


@pytest.mark.parametrize(
    "text",
    [
        "nn.Foo(3)",
        "Conv2d(1, 1)",
        "Conv2d(1, 1, k)",
        "1 + 2",
        "Conv2d(1, 1, 3, bogus=2)",
        "Conv2d(*a)",
        "ConvTranspose2d(",
    ],
)
def test_unreadable_layers_exit_2(text):
    result = run("chain", "--in", "8,8", text)
    assert result.exit_code == 2 and result.output.startswith("Error: layer 1")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda name, args: f"{name}({', '.join(args)})",
            st.sampled_from(
                [
                    "Conv2d",
                    "ConvTranspose1d",
                    "MaxPool3d",
                    "Upsample",
                    "AvgPool2d",
                    "Conv2DTranspose",
                    "ReLU",
                    "UpSampling2D",
                ]
            ),
            st.lists(
                st.one_of(
                    st.integers(-3, 9).map(str),
                    st.sampled_from(
                        [
                            "(2, 3)",
                            "'same'",
                            "stride=2",
                            "padding=-1",
                            "scale_factor=0",
                            "size=(0,)",
                            "ceil_mode=True",
                            "dilation=0",
                            "output_padding=5",
                            "1e999",
                            "[]",
                            "x",
                        ]
                    ),
                ),
                max_size=5,
            ),
        ),
    ),
    st.sampled_from(["5", "8,8", "3,4,5", "0", "x"]),
)
@pytest.mark.slow
def test_random_text_never_gives_a_traceback(text, sizes):
    result = run("chain", "--in", sizes, text)
    assert result.exit_code in (0, 1, 2)
    result = run("unet", "--in", sizes, "--down", text, "--depth", "2")
    assert result.exit_code in (0, 1, 2)


def test_output_size_is_not_offered_where_pytorch_refuses_it(torch):
    """A dilated up layer whose skip needs output_padding ≥ stride: output_padding does it,
    forward(x, output_size=…) does not (PyTorch ignores dilation there), so tconv does not
    offer it."""
    up = network.parse_layer("ConvTranspose1d(4, 4, kernel_size=3, stride=1, dilation=2)")
    step = network.decoder_step(up, (5,), (10,), "--up")
    assert step.output_padding == (1,) and not step.output_size_ok
    layer = torch.nn.ConvTranspose1d(4, 4, 3, stride=1, dilation=2, output_padding=1)
    assert layer(torch.zeros(1, 4, 5)).shape[-1] == 10
    with pytest.raises(ValueError):
        torch.nn.ConvTranspose1d(4, 4, 3, stride=1, dilation=2)(
            torch.zeros(1, 4, 5), output_size=[10]
        )
