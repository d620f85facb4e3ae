"""`tconv design`: every listed layer upsamples exactly (PyTorch says so), the list is complete,
`--check` agrees with PyTorch, trims and causal trims hold, and stacks multiply out."""

from __future__ import annotations

import json
import random

import pytest
from helpers import run

from tconv_cli import upsamplers as d
from tconv_cli.geometry import Axis

LENGTHS = range(1, 65)


def torch_output(torch, c: d.Candidate, x):
    """PyTorch's output of the layer `c` (channels 1, weights random), its trim applied."""
    w = torch.randn(1, 1, c.kernel, dtype=torch.float64)
    y = torch.nn.functional.conv_transpose1d(
        x,
        w,
        stride=c.stride,
        padding=c.padding,
        output_padding=c.output_padding,
        dilation=c.dilation,
    )
    left, right = c.trim or (0, 0)
    return y[..., left : y.shape[-1] - right]


def torch_length(torch, c: d.Candidate, length: int) -> int:
    return torch_output(torch, c, torch.ones(1, 1, length, dtype=torch.float64)).shape[-1]


@pytest.mark.parametrize("factor, dilation", [(1, 1), (2, 1), (3, 1), (5, 1), (8, 1), (3, 2)])
def test_every_candidate_is_exact_in_pytorch(torch, factor, dilation):
    found = d.exact_layers(factor, dilation=dilation, trims=True)
    assert found
    for c in found:
        assert [torch_length(torch, c, n) for n in LENGTHS] == [factor * n for n in LENGTHS], c


@pytest.mark.parametrize("factor, dilation", [(f, 1) for f in range(1, 7)] + [(2, 2), (3, 2)])
def test_the_list_is_complete(factor, dilation):
    """Brute force over kernel ≤ 4F, padding and output_padding: the exact layers it finds (by
    geometry's output formula, which test_torch_shapes checks against PyTorch) are the list."""
    brute = set()
    for k in range(factor, 4 * factor + 1):
        for p in range(0, dilation * k + 1):
            for op in range(max(factor, dilation)):
                if all(
                    Axis(n, k, factor, p, p, dilation, op).output == factor * n for n in LENGTHS
                ):
                    brute.add((k, p, op))
    listed = [
        (c.kernel, c.padding, c.output_padding) for c in d.exact_layers(factor, dilation=dilation)
    ]
    assert len(listed) == len(set(listed))
    assert set(listed) == brute


def test_order_even_overlap_first_then_smaller_kernels():
    found = d.exact_layers(5)
    keys = [(not c.even, c.kernel) for c in found]
    assert keys == sorted(keys)
    assert (found[0].kernel, found[0].padding) == (5, 0)
    assert [c.kernel for c in found if not c.even][0] == 6


def test_families():
    by_layer = {(c.kernel, c.padding, c.output_padding): c.families for c in d.exact_layers(2)}
    assert by_layer[(4, 1, 0)] == ("DCGAN", "HiFi-GAN", "ESPnet", "DAC")
    assert by_layer[(2, 0, 0)] == ("nnU-Net",)
    assert by_layer[(3, 1, 1)] == ("MONAI",)
    five = {(c.kernel, c.padding, c.output_padding): c.families for c in d.exact_layers(5)}
    assert five[(10, 3, 1)] == ("ESPnet", "DAC")  # HiFi-GAN's p=(k−u)//2 is not exact for odd u
    trims = [c for c in d.exact_layers(5, trims=True) if c.trim and c.kernel == 10]
    assert trims[0].families == ("EnCodec",) and trims[0].trim == (3, 2)


@pytest.mark.parametrize("factor", [2, 3, 5, 8])
def test_trims_give_exact_lengths_and_causal_trims_see_no_future(torch, factor):
    centred = [c for c in d.exact_layers(factor, trims=True) if c.trim]
    causal = d.exact_layers(factor, causal=True)
    assert all(c.trim[0] == 0 for c in causal) and all(c.padding == 0 for c in causal)
    assert {c.kernel for c in causal} == set(range(factor, 4 * factor + 1))
    for c in centred + list(causal):
        assert c.padding == 0 and c.output_padding == 0
        assert [torch_length(torch, c, n) for n in (1, 2, 7, 64)] == [
            factor * n for n in (1, 2, 7, 64)
        ]
    length, step = 12, 5  # the input jumps at index 5: outputs before 5·F must not see it
    flat = torch.zeros(1, 1, length, dtype=torch.float64)
    jump = flat.clone()
    jump[..., step:] = 1.0
    for c in causal:
        torch.manual_seed(0)
        before = torch_output(torch, c, flat)
        torch.manual_seed(0)
        after = torch_output(torch, c, jump)
        assert torch.equal(before[..., : step * factor], after[..., : step * factor]), c
    for c in centred:  # a left trim looks ahead: the test can tell the difference
        torch.manual_seed(0)
        before = torch_output(torch, c, flat)
        torch.manual_seed(0)
        after = torch_output(torch, c, jump)
        changed = not torch.equal(before[..., : step * factor], after[..., : step * factor])
        assert changed == (c.trim[0] > 0), c


def test_causal_delay_is_the_centred_left_trim():
    for c in d.exact_layers(8, causal=True):
        total = c.kernel - 8
        assert c.trim == (0, total) and c.delay == total - total // 2


def test_hifigan_public_case(torch):
    layer, channels = d.read_constructor("nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)")
    assert channels == (512, 256)
    result = d.check(layer, channels)
    assert not result.exact and result.formulas == ("5L+1",)
    assert result.failing == (1, 2, 3, 4, 5)
    assert "HiFi-GAN" in result.meant
    assert result.fixes and all(all(c.exact for c in fix) for fix in result.fixes)
    first = result.fixes[0][0]
    assert (first.padding, first.output_padding) == (3, 1)
    assert any(fix[0].trim == (0, 1) for fix in result.fixes)
    for fix in result.fixes:
        assert [torch_length(torch, fix[0], n) for n in LENGTHS] == [5 * n for n in LENGTHS]


@pytest.mark.parametrize("s", [3, 5, 7, 9])
def test_dac_public_case(torch, s):
    text = (
        f"torch.nn.ConvTranspose1d(64, 32, kernel_size={2 * s}, stride={s}, padding={-(-s // 2)})"
    )
    result = d.check(*d.read_constructor(text))
    assert result.formulas == (f"{s}L-1",)
    assert "DAC" in result.meant
    fix = result.fixes[0][0]
    assert (fix.padding, fix.output_padding) == (-(-s // 2), 1)  # DAC's fix: output_padding=s%2
    assert torch_length(torch, fix, 10) == 10 * s


def test_check_agrees_with_pytorch_on_random_layers(torch):
    rng = random.Random(10)
    for _ in range(150):
        s, d_ = rng.randint(1, 6), rng.choice([1, 1, 2])
        k = rng.randint(1, 13)
        p, op = rng.randint(0, 6), rng.randint(0, max(s, d_) - 1)
        text = (
            f"nn.ConvTranspose1d(2, 3, {k}, {s}, padding={p}, output_padding={op}, dilation={d_})"
        )
        result = d.check(*d.read_constructor(text))
        c = result.layer[0]
        module = torch.nn.ConvTranspose1d(2, 3, k, s, padding=p, output_padding=op, dilation=d_)
        outputs = {}
        for n in range(1, 9):
            try:
                outputs[n] = module(torch.zeros(1, 2, n)).shape[-1]
            except RuntimeError:  # PyTorch refuses an output below 1
                assert c.output(n) < 1
        assert all(c.output(n) == size for n, size in outputs.items()), text
        assert result.exact == (outputs == {n: s * n for n in range(1, 9)}), text
        for fix in result.fixes:
            assert [torch_length(torch, fix[0], n) for n in (1, 2, 9)] == [s, 2 * s, 9 * s]


def test_reading_a_constructor():
    layer, channels = d.read_constructor("ConvTranspose2d(8, 4, (4, 3), (2, 1), 1, bias=False)")
    assert channels == (8, 4)
    assert [(c.kernel, c.stride, c.padding) for c in layer] == [(4, 2, 1), (3, 1, 1)]
    for bad in (
        "nn.Conv1d(1, 1, 3)",
        "ConvTranspose1d(1, 1)",
        "__import__('os')",
        "ConvTranspose1d(1, 1, 3, strides=2)",
        "ConvTranspose1d(1, 1, x)",
        "ConvTranspose2d(1, 1, (3, 3, 3))",
        "ConvTranspose1d(1, 1, 3, stride=2, stride=2)",
    ):
        with pytest.raises(d.ParameterError):
            d.read_constructor(bad)


def _apply_stack(torch, stack, x):
    """Run a stack on `x` (N, C, *sizes), one stage after another, trims applied."""
    for stage in stack:
        w = torch.randn(1, 1, *(c.kernel for c in stage), dtype=torch.float64)
        conv = getattr(torch.nn.functional, f"conv_transpose{len(stage)}d")
        x = conv(
            x,
            w,
            stride=[c.stride for c in stage],
            padding=[c.padding for c in stage],
            output_padding=[c.output_padding for c in stage],
            dilation=[c.dilation for c in stage],
        )
        for axis, c in enumerate(stage):
            left, right = c.trim or (0, 0)
            x = x.narrow(2 + axis, left, x.shape[2 + axis] - left - right)
    return x


@pytest.mark.parametrize(
    "start, end",
    [((7,), (28,)), ((3,), (96,)), ((7, 5), (28, 10)), ((7,), (30,)), ((7,), (27,)), ((4,), (6,))],
)
def test_stacks_multiply_out_in_pytorch(torch, start, end):
    found = d.stacks(start, end)
    assert found.stacks
    for stack in found.stacks:
        y = _apply_stack(torch, stack, torch.ones(1, 1, *start, dtype=torch.float64))
        made = tuple(y.shape[2:])
        assert made == tuple(a * r for a, r in zip(start, found.ratio))
        assert tuple(m - adjust for m, adjust in zip(made, found.adjust)) == end
        assert all(all(c.exact for c in stage) for stage in stack)


def test_hops_multiply_out_largest_first(torch):
    split = d.hop_stacks(300, 3)
    assert split[0] == (10, 6, 5) and (10, 10, 3) in split
    for factors in split:
        assert list(factors) == sorted(factors, reverse=True) and len(factors) == 3
        stack = [(d.best(f),) for f in factors]
        assert _apply_stack(torch, stack, torch.ones(1, 1, 3, dtype=torch.float64)).shape[-1] == 900
    assert d.hop_stacks(256, 4)[0] == (4, 4, 4, 4)
    with pytest.raises(d.ParameterError, match="use --stages 1"):
        d.hop_stacks(7, 3)


# ---------------------------------------------------------------------------------------------
# The command.


def test_cli_factor_json():
    result = run("design", "--factor", "5", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["factor"] == 5
    first = data["candidates"][0]
    assert set(first) >= {
        "kernel_size",
        "stride",
        "padding",
        "output_padding",
        "dilation",
        "exact",
        "overlap",
        "family",
        "code",
        "trim",
    }
    assert first["code"] == "nn.ConvTranspose1d(C_in, C_out, kernel_size=5, stride=5)"
    assert all(c["exact"] and c["stride"] == 5 for c in data["candidates"])
    trimmed = [c for c in data["candidates"] if c["trim"]]
    assert trimmed[0]["trim"] == {"left": 3, "right": 2} and trimmed[0]["family"] == "EnCodec"
    only = json.loads(run("design", "--factor", "5", "-k", "10", "--json").stdout)
    assert {c["kernel_size"] for c in only["candidates"]} == {10}


def test_cli_check_json_and_text():
    layer = "nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)"
    data = json.loads(run("design", "--check", layer, "--json").stdout)
    assert data["exact"] is False and data["output"] == "5L+1"
    assert data["failing"][:3] == [1, 2, 3] and data["family"] == "HiFi-GAN"
    assert data["fixes"][0]["code"] == (
        "nn.ConvTranspose1d(512, 256, kernel_size=10, stride=5, padding=3, output_padding=1)"
    )
    text = run("design", "--check", layer).stdout
    assert "5L+1" in text and "HiFi-GAN" in text
    keras = run("design", "--check", layer, "-c", "keras").stdout
    assert "keras.layers.Conv1DTranspose" in keras


@pytest.mark.parametrize(
    "args",
    [
        ["--factor", "5"],
        ["--factor", "2", "-c", "keras"],
        ["--factor", "8", "--causal"],
        ["--factor", "3", "--dims", "2"],
        ["--from", "7", "--to", "28"],
        ["--from", "7,7", "--to", "30,27"],
        ["--hop", "300", "--stages", "3"],
        ["--check", "nn.ConvTranspose3d(64, 32, 4, stride=(2, 2, 1), padding=1)"],
    ],
)
def test_cli_text_fits_80_columns(args):
    result = run("design", *args)
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    if "--check" not in args:
        assert json.loads(run("design", *args, "--json").stdout)


@pytest.mark.parametrize(
    "args, says",
    [
        (["--factor", "0"], "--factor 0: factor must be ≥ 1"),
        (["--hop", "7", "--stages", "3"], "use --stages 1"),
        (["--factor", "5", "-k", "3"], "try --kernel-size 5 or 10"),
        (["--from", "7", "--to", "5"], "tconv shape --conv"),
        (["--check", "nn.Conv1d(1, 1, 3)"], "ConvTranspose1d/2d/3d"),
        (["--check", "__import__('os').system('x')"], "--check"),
        ([], "give one"),
        (["--factor", "2", "--hop", "4"], "give one"),
        (["--hop", "12"], "--stages"),
        (["--factor", "1024"], "--kernel-size or --max-kernel"),
    ],
)
def test_cli_bad_requests_exit_2_saying_what_works(args, says):
    result = run("design", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error:") and says in result.stderr
    assert result.stderr.count("\n") == 1
