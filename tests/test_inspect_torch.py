"""tconv inspect on PyTorch modules: shapes against the test's own forward hooks, failures that
name the right layers, fixes that make forward work, and every way a source can be wrong."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest
from helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv_cli.errors import NoAnswer, ParameterError
from tconv_cli.models import inspect
from tconv_cli.models.record import error_record

BLOCKS = """
import torch.nn as nn


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))
"""

# milesial/Pytorch-UNet's shape (inc, down1..4, up1..4, outc; ConvTranspose2d(k=2, s=2) ups and
# torch.cat skips), without its F.pad: an odd size fails in torch.cat.
UNET = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from blocks import DoubleConv  # a sibling file


class Down(nn.Module):
    def __init__(self, cin, cout, down="pool"):
        super().__init__()
        first = nn.MaxPool2d(2) if down == "pool" else nn.Conv2d(cin, cin, 3, 2, 1)
        self.maxpool_conv = nn.Sequential(first, DoubleConv(cin, cout))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, cin, cout, bilinear, output_padding, up=(2, 0)):
        super().__init__()
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = DoubleConv(cin + cin // 2, cout)
        else:
            self.up = nn.ConvTranspose2d(cin, cin // 2, kernel_size=up[0], stride=2,
                                         padding=up[1], output_padding=tuple(output_padding))
            self.conv = DoubleConv(cin, cout)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        return self.conv(torch.cat([x2, x1], dim=1))


class UNet(nn.Module):
    def __init__(self, n_channels=3, n_classes=2, width=2, depth=4, bilinear=False,
                 output_padding=None, down="pool", up=(2, 0)):
        super().__init__()
        ops = output_padding or [[0, 0]] * depth
        widths = [width * 2 ** n for n in range(depth + 1)]
        self.inc = DoubleConv(n_channels, width)
        for n in range(depth):
            setattr(self, f"down{n + 1}", Down(widths[n], widths[n + 1], down))
            setattr(self, f"up{n + 1}", Up(widths[depth - n], widths[depth - n - 1], bilinear,
                                           ops[n], up))
        self.depth = depth
        self.outc = nn.Conv2d(width, n_classes, kernel_size=1)

    def forward(self, x):
        skips = [self.inc(x)]
        for n in range(self.depth):
            skips.append(getattr(self, f"down{n + 1}")(skips[-1]))
        x = skips.pop()
        for n in range(self.depth):
            x = getattr(self, f"up{n + 1}")(x, skips.pop())
        return self.outc(x)


def make_unet(**options):
    return UNet(**options)


def not_a_factory():
    return 42


class NotAModule:
    pass


ANSWER = 42
"""

# A stack built from JSON: [["ConvTranspose2d", {...}], ["ReLU", {}], ...].
STACK = """
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self, layers, channels=2):
        super().__init__()
        modules = []
        for name, options in layers:
            kind = getattr(nn, name)
            if name.startswith("Conv"):
                modules.append(kind(channels, channels, **options))
            else:
                modules.append(kind(**options))
        self.body = nn.Sequential(*modules)

    def forward(self, x):
        return self.body(x)
"""

# Only importing the file and calling NAME (then forward) may run: each leaves a line.
WITNESS = """
import os
import torch.nn as nn

LOG = os.path.join(os.path.dirname(__file__), "log.txt")


def note(what):
    print(what)
    with open(LOG, "a") as log:
        log.write(what + "\\n")


note("imported")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        note("built")
        self.up = nn.ConvTranspose1d(1, 1, 3, stride=2)

    def forward(self, x):
        note("forward")
        return self.up(x)


def train():
    note("train")


if __name__ == "__main__":
    note("main")
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    for name, text in (("blocks.py", BLOCKS), ("unet.py", UNET), ("stack.py", STACK)):
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _hooked(torch, model, shape, device="cpu"):
    """The test's own record: (name, class, input shape, output shape) of every conv-like
    module, in call order, from a forward on real (cpu) or meta tensors."""
    nn, seen = torch.nn, []
    kinds = (
        nn.modules.conv._ConvNd,
        nn.modules.pooling._MaxPoolNd,
        nn.modules.pooling._AvgPoolNd,
        nn.modules.pooling._AdaptiveAvgPoolNd,
        nn.modules.pooling._AdaptiveMaxPoolNd,
        nn.Upsample,
    )
    handles = [
        module.register_forward_hook(
            lambda m, i, o, name=name: seen.append(
                (name, type(m).__name__, list(i[0].shape), list(o.shape))
            )
        )
        for name, module in model.named_modules()
        if isinstance(module, kinds)
    ]
    try:
        with torch.no_grad():
            y = model(torch.zeros(shape, device=device))
    finally:
        for handle in handles:
            handle.remove()
    return seen, list(y.shape)


def _load(path, name):
    spec = importlib.util.spec_from_file_location(f"_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop("blocks", None)
    return getattr(module, name)


def _rows(inspection):
    return [(layer.name, layer.op, layer.input, layer.output) for layer in inspection.layers]


# ---------------------------------------------------------------------------------------------
# Shapes: equal to forward hooks on real tensors.


@pytest.mark.parametrize("shape", [(1, 3, 32, 48), (2, 1, 16, 16)])
@pytest.mark.slow
def test_unet_that_works_reports_the_hooks_shapes(torch, models, shape):
    found = inspect(f"{models}/unet.py:UNet", input_shape=shape, args={"n_channels": shape[1]})
    assert found.error is None
    unet = _load(models / "unet.py", "UNet")(n_channels=shape[1])
    seen, _ = _hooked(torch, unet, shape)
    assert _rows(found) == seen
    ups = [layer for layer in found.layers if layer.op == "ConvTranspose2d"]
    assert [layer.name for layer in ups] == ["up1.up", "up2.up", "up3.up", "up4.up"]
    assert all(
        layer.kernel_size == [2, 2]
        and layer.stride == [2, 2]
        and layer.padding == [[0, 0], [0, 0]]
        and layer.output_padding == [0, 0]
        and layer.dilation == [1, 1]
        and layer.groups == 1
        for layer in ups
    )
    pools = [layer for layer in found.layers if layer.op == "MaxPool2d"]
    assert len(pools) == 4 and all(p.kernel_size == [2, 2] and p.stride == [2, 2] for p in pools)


@pytest.mark.slow
def test_odd_unet_names_the_decoder_step_and_its_skip(torch, models):
    found = inspect(f"{models}/unet.py:UNet", input_shape=(1, 3, 101, 75))
    error = found.error
    # 101×75 → 50×37 → 25×18 → 12×9 → 6×4; up1 gives 12×8 where down3's output is 12×9
    assert error["layers"] == ["up1.up", "down3"]
    assert error["sizes"] == {"up1.up": [1, 16, 12, 8], "down3": [1, 16, 12, 9]}
    assert error["message"] == (
        "torch.cat fails in up1: up1.up (ConvTranspose2d) gives "
        "1×16×12×8; the skip from down3 is 1×16×12×9"
    )
    # the layers up to the failure are listed, as the hooks saw them before torch.cat failed
    unet = _load(models / "unet.py", "UNet")()
    seen, _ = _hooked(torch, unet, (1, 3, 96, 64))
    assert [row[:2] for row in _rows(found)] == [row[:2] for row in seen][: len(found.layers)]
    assert found.layers[-1].name == "up1.up" and found.layers[-1].output == [1, 16, 12, 8]
    steps = {step["layer"]: step["output_padding"] for step in error["steps"]}
    assert steps == {"up1.up": [0, 1], "up2.up": [1, 0], "up3.up": [0, 1], "up4.up": [1, 1]}
    assert error["fix"][0] == (
        "up1.up: ConvTranspose2d(kernel_size=2, stride=2, "
        "output_padding=(0, 1)), or call it with output_size=[12, 9]"
    )
    assert error["inputs"] == {"below": [1, 3, 96, 64], "above": [1, 3, 112, 80]}
    assert error["fix"][-1] == "or an input that needs no change: 1×3×96×64 or 1×3×112×80"


@pytest.mark.parametrize("sizes", [(101, 75), (33, 50), (47, 47), (18, 66)])
def test_suggested_output_padding_makes_forward_work(torch, models, sizes):
    shape = (1, 3, *sizes)
    error = inspect(f"{models}/unet.py:UNet", input_shape=shape).error
    assert error is not None
    ops = {step["layer"]: step["output_padding"] for step in error["steps"]}
    assert None not in ops.values()
    given = [ops.get(f"up{n}.up", [0, 0]) for n in range(1, 5)]
    fixed = inspect(f"{models}/unet.py:UNet", input_shape=shape, args={"output_padding": given})
    assert fixed.error is None
    unet = _load(models / "unet.py", "UNet")(output_padding=given)
    seen, out = _hooked(torch, unet, shape)  # real tensors, real values
    assert out == [1, 2, *sizes] and _rows(fixed) == seen
    # and the model as written works at the suggested inputs
    for key in ("below", "above"):
        if error["inputs"][key] is not None:
            plain = _load(models / "unet.py", "UNet")()
            assert (
                _hooked(torch, plain, error["inputs"][key], "meta")[1][2:]
                == (error["inputs"][key][2:])
            )


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    depth=st.integers(1, 3),
    sizes=st.tuples(st.integers(4, 70), st.integers(4, 70)),
    down=st.sampled_from(["pool", "conv"]),
    up=st.sampled_from([[2, 0], [3, 1], [4, 1]]),
)
@pytest.mark.slow
def test_random_unets_fixed_as_told(torch, models, depth, sizes, down, up):
    """Whatever fails, the fix is right: the output_padding told makes forward work, a step
    told to have none has none in PyTorch's range, and the inputs told work as written."""
    shape, options = (1, 1, *sizes), {"n_channels": 1, "depth": depth, "down": down, "up": up}
    found = inspect(f"{models}/unet.py:UNet", input_shape=shape, args=options)
    make = _load(models / "unet.py", "UNet")
    if found.error is None:
        assert _rows(found) == _hooked(torch, make(**options), shape, "meta")[0]
        return
    error = found.error
    for key in ("below", "above"):
        if error.get("inputs", {}).get(key):
            assert (
                _hooked(torch, make(**options), error["inputs"][key], "meta")[1][2:]
                == (error["inputs"][key][2:])
            )
    steps = error.get("steps", [])
    if not steps:
        return
    ops = {step["layer"]: step["output_padding"] for step in steps}
    given = [ops.get(f"up{n}.up") or [0, 0] for n in range(1, depth + 1)]
    if None not in ops.values():
        fixed = make(**options, output_padding=given)
        assert _hooked(torch, fixed, shape, "meta")[1] == [1, 2, *sizes]
    else:  # no output_padding PyTorch takes (0 or 1 at stride 2) joins that step
        name = next(layer for layer, op in ops.items() if op is None)
        n = int(name[2:].split(".")[0])
        for op in ([0, 0], [0, 1], [1, 0], [1, 1]):
            tried = make(**options, output_padding=given[: n - 1] + [op] + given[n:])
            with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
                _hooked(torch, tried, shape, "meta")


def test_bilinear_unet_fails_at_its_upsample_and_gets_input_sizes(torch, models):
    found = inspect(
        f"{models}/unet.py:UNet", input_shape=(1, 3, 50, 40), args={"bilinear": True, "depth": 2}
    )
    error = found.error
    # 50×40 → 25×20 → 12×10; up1 gives 24×20 where down1's output is 25×20
    assert error["layers"] == ["up1.up", "down1"]
    assert error["sizes"]["up1.up"][2:] == [24, 20] and error["sizes"]["down1"][2:] == [25, 20]
    assert error["steps"][0]["output_padding"] is None
    assert error["inputs"] == {"below": [1, 3, 48, 40], "above": [1, 3, 52, 40]}
    unet = _load(models / "unet.py", "UNet")(bilinear=True, depth=2)
    assert _hooked(torch, unet, (1, 3, 52, 40))[1] == [1, 2, 52, 40]


def test_an_input_the_first_layer_cannot_take_is_the_inputs_fault(torch, models):
    """As for an ONNX file: other channels than the weights take, or too few dimensions, is a
    bad --input-shape (exit 2), not the model's failure."""
    with pytest.raises(ParameterError) as error:
        inspect(f"{models}/unet.py:UNet", input_shape=(1, 1, 32, 32))
    assert error.value.param == "input_shape" and error.value.rule == (
        "gives 1 channels, but the model's weights take 3 (inc.0, Conv2d)"
    )
    with pytest.raises(ParameterError) as error:
        inspect(f"{models}/unet.py:UNet", input_shape=(32, 32))  # sizes only
    assert error.value.rule.startswith(
        "has 2 dimensions, but inc.0 (Conv2d) takes batch, channels and 2 sizes"
    )
    result = run("inspect", f"{models}/unet.py:UNet", "--input", "1,1,32,32")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: --input-shape 1,1,32,32: ")


def test_a_step_only_dilation_can_fix_has_no_output_size(torch, tmp_path):
    (tmp_path / "dilated.py").write_text(
        textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Dilated(nn.Module):
            def __init__(self, output_padding=0):
                super().__init__()
                self.pool = nn.MaxPool1d(2)
                self.up = nn.ConvTranspose1d(1, 1, 3, stride=1, dilation=2,
                                             output_padding=output_padding)

            def forward(self, x):
                return torch.cat([x, self.up(self.pool(x))], 1)
    """)
    )
    # 9 → pool 4 → up 8, where the skip is 9: output_padding 1 ≥ stride 1, legal by dilation 2
    error = inspect(f"{tmp_path}/dilated.py:Dilated", input_shape=(1, 1, 9)).error
    assert error["steps"] == [
        {
            "layer": "up",
            "op": "ConvTranspose1d",
            "input": [1, 1, 4],
            "output": [1, 1, 8],
            "target": [9],
            "output_padding": [1],
            "output_size": None,
        }
    ]
    assert error["fix"][0] == "up: ConvTranspose1d(kernel_size=3, dilation=2, output_padding=1)"
    with torch.device("meta"):
        up = torch.nn.ConvTranspose1d(1, 1, 3, stride=1, dilation=2)
    with pytest.raises(ValueError, match="requested an output size of"):
        up(torch.empty(1, 1, 4, device="meta"), output_size=[9])  # as tconv says
    fixed = inspect(
        f"{tmp_path}/dilated.py:Dilated", input_shape=(1, 1, 9), args={"output_padding": 1}
    )
    assert fixed.error is None and fixed.layers[1].output == [1, 1, 9]
    assert any("ONNX Runtime" in warning for warning in fixed.layers[1].warnings)


def test_an_up_layer_whose_output_padding_changes_nothing(torch, tmp_path):
    (tmp_path / "sized_up.py").write_text(
        textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.pool = nn.MaxPool1d(2)
                self.up = nn.ConvTranspose1d(1, 1, 2, stride=2)

            def forward(self, x):
                y = self.up(self.pool(x), output_size=[2 * (x.shape[-1] // 2)])
                return torch.cat([x, y], 1)
    """)
    )
    error = inspect(f"{tmp_path}/sized_up.py:Net", input_shape=(1, 1, 9)).error
    assert [step["output_padding"] for step in error["steps"]] == [None]
    assert error["fix"] == [
        "up (ConvTranspose1d) gives 8 where the skip needs 9, whatever its output_padding (does "
        "forward give it output_size=, or change the size after it?)",
        "or an input that needs no change: 1×1×8 or 1×1×10",
    ]


def test_skip_from_the_input_through_an_upsample(torch, tmp_path):
    (tmp_path / "upnet.py").write_text(
        textwrap.dedent("""
        import torch
        import torch.nn as nn

        class UpNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.down = nn.Conv2d(3, 3, 3, stride=2, padding=1)
                self.up = nn.Upsample(scale_factor=2)

            def forward(self, x):
                return torch.cat([x, self.up(self.down(x))], 1)
    """)
    )
    error = inspect(f"{tmp_path}/upnet.py:UpNet", input_shape=(1, 3, 7, 8)).error
    assert error["message"] == (
        "torch.cat fails in UpNet: up (Upsample) gives 1×3×8×8; the "
        "skip (the model's input) is 1×3×7×8"
    )
    assert error["layers"] == ["up"] and error["sizes"]["input"] == [1, 3, 7, 8]
    assert "F.interpolate(x, size=skip.shape[2:])" in error["fix"][0]
    assert error["steps"][0]["output_padding"] is None
    assert error["inputs"] == {"below": [1, 3, 6, 8], "above": [1, 3, 8, 8]}


def test_too_small_input_names_the_layer_that_fails(torch, models):
    found = inspect(f"{models}/unet.py:UNet", input_shape=(1, 3, 12, 12))
    error = found.error
    # 12 → 6 → 3 → 1, and down4's pool gets 1×1
    assert error["layers"] == ["down4.maxpool_conv.0"]
    assert found.layers[-1].name == "down4.maxpool_conv.0"
    assert found.layers[-1].input == [1, 16, 1, 1] and found.layers[-1].output is None
    assert "Output size is too small" in error["message"]
    assert "its output would have size 0 from input 1" in error["fix"][0]
    assert error["inputs"] == {"below": None, "above": [1, 3, 16, 16]}
    assert error["fix"][-1] == "the nearest input that works: 1×3×16×16"
    unet = _load(models / "unet.py", "UNet")()
    assert _hooked(torch, unet, (1, 3, 16, 16), "meta")[1] == [1, 2, 16, 16]
    with pytest.raises(RuntimeError):
        _hooked(torch, unet, (1, 3, 15, 16), "meta")


# ---------------------------------------------------------------------------------------------
# Random stacks: every reported shape equals the hooks', every failure names the layer.


def _layer(rank, kind, k, s, p, d, op, scale):
    """One random layer as the Stack fixture takes it: [class name, keyword arguments]."""
    name = f"{kind}{rank}d"
    if kind == "ConvTranspose":
        return [
            name,
            {
                "kernel_size": k,
                "stride": s,
                "padding": p,
                "dilation": d,
                "output_padding": min(op, max(s, d) - 1),
            },
        ]
    if kind == "Conv":
        return [name, {"kernel_size": k, "stride": s, "padding": p, "dilation": d}]
    if kind == "ConvSame":
        return [f"Conv{rank}d", {"kernel_size": k, "padding": "same", "dilation": d}]
    if kind == "MaxPool":
        return [
            name,
            {
                "kernel_size": k,
                "stride": s,
                "padding": min(p, k // 2),
                "dilation": d,
                "ceil_mode": bool(op),
            },
        ]
    if kind == "AvgPool":
        return [name, {"kernel_size": k, "stride": s, "padding": min(p, k // 2)}]
    return ["Upsample", {"scale_factor": scale}]


@st.composite
def stacks(draw):
    rank = draw(st.integers(1, 3))
    layer = st.builds(
        _layer,
        st.just(rank),
        st.sampled_from(["ConvTranspose", "Conv", "ConvSame", "MaxPool", "AvgPool", "Upsample"]),
        st.integers(1, 4),
        st.integers(1, 3),
        st.integers(0, 2),
        st.integers(1, 2),
        st.integers(0, 2),
        st.sampled_from([2, 3, 1.5]),
    )
    sizes = draw(st.tuples(*[st.integers(1, 10)] * rank))
    return draw(st.lists(layer, min_size=1, max_size=4)), sizes


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stack=stacks())
@pytest.mark.slow
def test_random_stacks_equal_the_hooks(torch, models, stack):
    from tconv_cli import geometry as g

    layers, sizes = stack
    shape = (1, 2, *sizes)
    found = inspect(f"{models}/stack.py:Stack", input_shape=shape, args={"layers": layers})
    model = _load(models / "stack.py", "Stack")(layers)
    try:
        seen, _ = _hooked(torch, model, shape, "meta")
        failed = False
    except RuntimeError:
        failed = True
    if not failed:
        assert found.error is None and _rows(found) == seen
    else:
        assert found.error is not None
        name = found.error["layers"][0]
        assert found.layers[-1].name == name and found.layers[-1].output is None
        assert [row[3] for row in _rows(found)[:-1]] == _hooked_until(torch, model, shape)
    for layer in found.layers:  # tconv's geometry gives PyTorch's sizes from the record
        if layer.output is None or not layer.op.startswith("Conv"):
            continue
        built = g.make_layer(
            layer.input[2:],
            layer.kernel_size,
            layer.stride,
            [tuple(p) for p in layer.padding],
            layer.dilation,
            layer.output_padding or 0,
        )
        got = [a.output if "Transpose" in layer.op else a.conv_output for a in built]
        assert got == layer.output[2:]


def _hooked_until(torch, model, shape):
    """The hooks' outputs of the layers that ran before forward failed."""
    seen = []
    handles = [
        m.register_forward_hook(lambda m, i, o: seen.append(list(o.shape))) for m in model.body
    ]
    try:
        model(torch.zeros(shape, device="meta"))
    except RuntimeError:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return seen


def test_decoder_with_output_padding_dilation_and_same(torch, tmp_path):
    (tmp_path / "decoder.py").write_text(
        textwrap.dedent("""
        import torch.nn as nn

        def decoder(output_padding=1):
            return nn.Sequential(
                nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=output_padding),
                nn.ReLU(),
                nn.ConvTranspose2d(4, 2, 3, stride=1, dilation=2, output_padding=1),
                nn.Upsample(size=(40, 30)),
                nn.Conv3d(1, 1, (2, 3, 4), padding="same"),
            )
    """)
    )
    found = inspect(f"{tmp_path}/decoder.py:decoder", input_shape=(1, 8, 5, 5))
    first, second, up = found.layers[:3]
    assert (first.name, first.input, first.output) == ("0", [1, 8, 5, 5], [1, 4, 10, 10])
    assert first.output_padding == [1, 1] and first.padding == [[1, 1], [1, 1]]
    assert second.output == [1, 2, 15, 15] and second.dilation == [2, 2]
    assert any("dilation" in w and "ONNX Runtime" in w for w in second.warnings)
    assert first.warnings == []
    assert up.op == "Upsample" and up.output == [1, 2, 40, 30] and up.scale == [40 / 15, 2.0]
    # the Conv3d reads the 4-d tensor as an unbatched volume, with 'same' resolved as PyTorch
    conv = found.layers[3]
    assert conv.padding == [[0, 1], [1, 1], [1, 2]] and conv.resolved_from == {"padding": "same"}
    assert conv.output == [1, 2, 40, 30]
    assert found.error is None


def test_output_size_in_forward_is_the_padding_reported(torch, tmp_path):
    (tmp_path / "sized.py").write_text(
        textwrap.dedent("""
        import torch.nn as nn

        class Sized(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1)

            def forward(self, x):
                return self.up(x, output_size=[2 * x.shape[-1]])
    """)
    )
    layer = inspect(f"{tmp_path}/sized.py:Sized", input_shape=(1, 1, 7)).layers[0]
    assert layer.output == [1, 1, 14] and layer.output_padding == [1]
    assert layer.warnings == [
        "forward(x, output_size=…) makes output_padding 1 (the module's is 0)"
    ]


def test_what_the_model_catches_is_no_failure_and_other_failures_are_said(torch, tmp_path):
    (tmp_path / "careful.py").write_text(
        textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Careful(nn.Module):
            def __init__(self, fail=False):
                super().__init__()
                self.up = nn.ConvTranspose1d(1, 1, 2, stride=2)
                self.fail = fail

            def forward(self, x):
                y = self.up(x)
                try:
                    y = torch.cat([x, y], 1)
                except RuntimeError:
                    pass
                if self.fail:
                    raise ValueError("no shapes today")
                return y
    """)
    )
    found = inspect(f"{tmp_path}/careful.py:Careful", input_shape=(1, 1, 5))
    assert found.error is None and found.layers[0].output == [1, 1, 10]
    failed = inspect(f"{tmp_path}/careful.py:Careful", input_shape=(1, 1, 5), args={"fail": True})
    assert failed.error == {  # every key, as every failure has (ONNX's too)
        "message": "forward fails in Careful: ValueError: no shapes today",
        "join": None,
        "layers": ["Careful"],
        "upstream": [],
        "sources": [],
        "sizes": {},
        "fix": [],
        "changes": [],
        "inputs": {"below": None, "above": None},
        "steps": [],
    }
    assert failed.layers[0].output == [1, 1, 10]


def test_a_failure_tconvs_analysis_cannot_work_out_still_has_every_key(
    torch, tmp_path, monkeypatch
):
    """Should tconv's own analysis fail on a model it did not foresee, the failure is said as
    PyTorch says it, with a note, and the error has every key as any failure's has."""
    import tconv_cli.models.torch as torch_models

    def unforeseen(*args):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(torch_models, "diagnose", unforeseen)
    (tmp_path / "two.py").write_text(
        "import torch\nimport torch.nn as nn\n\n"
        "class Two(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a, self.b = nn.Conv2d(1, 2, 1), nn.Conv2d(1, 3, 1)\n\n"
        "    def forward(self, x):\n"
        "        return self.a(x) + self.b(x)\n",
        encoding="utf-8",
    )
    found = inspect(f"{tmp_path}/two.py:Two", input_shape=(1, 1, 4, 4))
    assert set(found.error) == set(error_record("")) and "Tensor.add" in found.error["message"]
    assert any("could not work out a fix: RuntimeError: unforeseen" in n for n in found.notes)


# ---------------------------------------------------------------------------------------------
# Sources: a file, a package module, a factory; and every way one is wrong.


def test_factory_and_package_module_forms(torch, models, tmp_path, monkeypatch):
    package = tmp_path / "tconv_fixture_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(
        textwrap.dedent("""
        import torch.nn as nn

        def tiny(k=2):
            return nn.Sequential(nn.ConvTranspose2d(1, 1, k, stride=2))
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = inspect("tconv_fixture_pkg.nets:tiny", input_shape=(1, 1, 3, 3), args={"k": 3})
    assert _rows(found) == [("0", "ConvTranspose2d", [1, 1, 3, 3], [1, 1, 7, 7])]
    factory = inspect(f"{models}/unet.py:make_unet", input_shape=(1, 3, 32, 32))
    plain = inspect(f"{models}/unet.py:UNet", input_shape=(1, 3, 32, 32))
    assert _rows(factory) == _rows(plain) and factory.error is None


def test_sibling_files_of_two_folders_do_not_mix(torch, tmp_path):
    for name, kernel in (("a", 2), ("b", 3)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "parts.py").write_text(f"import torch.nn as nn\nKERNEL = {kernel}\n")
        (folder / "net.py").write_text(
            textwrap.dedent("""
            import torch.nn as nn
            from parts import KERNEL

            def net():
                return nn.ConvTranspose1d(1, 1, KERNEL)
        """)
        )
    outputs = [
        inspect(f"{tmp_path}/{name}/net.py:net", input_shape=(1, 1, 4)).layers[0].output
        for name in ("a", "b")
    ]
    assert outputs == [[1, 1, 5], [1, 1, 6]]


def test_nothing_runs_but_the_import_the_call_and_forward(torch, tmp_path, capsys):
    (tmp_path / "witness.py").write_text(textwrap.dedent(WITNESS))
    found = inspect(f"{tmp_path}/witness.py:Net", input_shape=(1, 1, 4))
    assert found.layers[0].output == [1, 1, 9]
    assert (tmp_path / "log.txt").read_text().split() == ["imported", "built", "forward"]
    said = capsys.readouterr()  # what it prints goes to stderr: stdout is tconv's (--json)
    assert said.out == "" and said.err.split() == ["imported", "built", "forward"]


@pytest.mark.parametrize(
    "source, said",
    [
        ("unet.py", "names no class or function: write file.py:Name or package.module:Name"),
        ("missing.py:Net", "missing.py does not exist"),
        ("unet.py:Nope", "has no Nope (nn.Module classes there: Down, Up, UNet)"),
        ("unet.py:NotAModule", "NotAModule is a class but not an nn.Module"),
        (
            "unet.py:ANSWER",
            "ANSWER is a value of type int, not an nn.Module class nor a function returning one",
        ),
        ("unet.py:not_a_factory", "not_a_factory() returned a value of type int, not an nn.Module"),
        (
            "broken.py:Net",
            "importing {folder}/broken.py raised ZeroDivisionError: division by zero",
        ),
        ("leaves.py:Net", "importing {folder}/leaves.py called exit(3)"),
        ("builds.py:Net", "Net(**args) raised ValueError: no weights here"),
    ],
)
def test_bad_sources_are_one_line_parameter_errors(torch, models, source, said):
    (models / "broken.py").write_text("import torch\nx = 1 / 0\nNet = None\n")
    (models / "leaves.py").write_text("import sys\nsys.exit(3)\nNet = None\n")
    (models / "builds.py").write_text(
        textwrap.dedent("""
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                raise ValueError("no weights here")
    """)
    )
    where = source if source.startswith("missing") else f"{models}/{source}"
    with pytest.raises(ParameterError) as error:
        inspect(where, input_shape=(1, 3, 8, 8))
    assert error.value.param == "source" and error.value.value == where
    assert said.format(folder=models) in error.value.rule
    assert "\n" not in str(error.value) and "Traceback" not in str(error.value)


def test_bad_package_module(torch):
    with pytest.raises(ParameterError) as error:
        inspect("no_such_package_xyz.nets:Net", input_shape=(1, 3, 8, 8))
    assert error.value.rule == (
        "no module no_such_package_xyz.nets (No module named "
        "'no_such_package_xyz'), in the current folder or on sys.path"
    )


@pytest.mark.parametrize(
    "args, said",
    [
        (
            {"n_chanels": 3},
            "give 'n_chanels', which UNet does not take (it takes n_channels, "
            "n_classes, width, depth, bilinear, output_padding, down, up)",
        ),
        ({"width": "wide"}, "do not suit UNet: TypeError: "),
    ],
)
def test_arguments_the_class_refuses(torch, models, args, said):
    with pytest.raises(ParameterError) as error:
        inspect(f"{models}/unet.py:UNet", input_shape=(1, 3, 8, 8), args=args)
    assert error.value.param == "args" and error.value.value == json.dumps(args)
    assert error.value.rule.startswith(said) and "\n" not in error.value.rule


@pytest.mark.parametrize(
    "shape, said",
    [
        (None, "is needed for a PyTorch module"),
        ((1, 0, 8), "must be sizes between 1 and"),
    ],
)
def test_input_shape_is_needed_and_positive(models, shape, said):
    with pytest.raises(ParameterError) as error:
        inspect(f"{models}/unet.py:UNet", input_shape=shape)
    assert error.value.param == "input_shape" and said in error.value.rule


def test_missing_torch_names_the_extra(models, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    with pytest.raises(NoAnswer, match=r"pip install 'tconv\[torch\]'"):
        inspect(f"{models}/unet.py:UNet", input_shape=(1, 3, 8, 8))


def test_import_tconv_cli_imports_no_torch():
    code = (
        "import sys, tconv_cli, tconv_cli.models; "
        "print([m for m in ('torch', 'numpy') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# The command line (its module is written in another branch; the lead removes the skip).


def test_cli_reports_the_failure_and_exits_1(torch, models):
    result = run("inspect", f"{models}/unet.py:UNet", "--input", "1,3,101,75")
    assert result.exit_code == 1
    assert "torch.cat fails in up1: up1.up (ConvTranspose2d) gives 1×16×12×8" in result.stdout
    assert "output_padding=(0, 1)" in result.stdout and "1×3×96×64" in result.stdout
    assert "Traceback" not in result.output


def test_cli_json_and_args(torch, models):
    args = json.dumps({"output_padding": [[0, 1], [1, 0], [0, 1], [1, 1]]})
    result = run(
        "inspect", f"{models}/unet.py:UNet", "--input", "1,3,101,75", "--args", args, "--json"
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["error"] is None and data["source"] == f"{models}/unet.py:UNet"
    last = [layer for layer in data["layers"] if layer["op"] == "ConvTranspose2d"][-1]
    assert last["name"] == "up4.up" and last["output"] == [1, 2, 101, 75]
    assert last["output_padding"] == [1, 1] and last["padding"] == [[0, 0], [0, 0]]


def test_cli_bad_source_is_exit_2_in_one_line(torch, models):
    result = run("inspect", f"{models}/unet.py:Nope", "--input", "1,3,8,8")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "has no Nope" in result.stderr
