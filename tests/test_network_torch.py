"""tconv unet and chain against real PyTorch modules run on the CPU: the layers exactly as
written (output_padding, dilation, padding included), at the sizes tconv says run and at the
sizes it says fail."""

from __future__ import annotations

import pytest
from helpers import require_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv_cli import network
from tconv_cli.errors import NoAnswer, ParameterError

torch = require_torch()
nn = torch.nn


@st.composite
def pairs(draw, rank: int) -> tuple[str, str]:
    """A down layer and an up layer: half the time the up mirrors the down (the same k, s, p,
    d and any output_padding, or an Upsample by the stride), else any up layer."""
    s = draw(st.integers(1, 3))
    k = draw(st.integers(max(1, s - 1), 4))
    if draw(st.booleans()):
        p, d = draw(st.integers(0, 2)), draw(st.integers(1, 2))
        down = f"nn.Conv{rank}d(1, 1, {k}, stride={s}, padding={p}, dilation={d})"
    else:
        p, d = draw(st.integers(0, k // 2)), 1
        down = f"nn.MaxPool{rank}d({k}, stride={s}, padding={p}, ceil_mode={draw(st.booleans())})"
    if draw(st.booleans()):
        if "Max" in down or draw(st.integers(0, 4)) == 0:
            return down, (
                f"nn.Upsample(scale_factor={s})"
                if draw(st.booleans())
                else f"nn.ConvTranspose{rank}d(1, 1, {s}, stride={s})"
            )
    else:
        s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        k, p = draw(st.integers(1, 4)), draw(st.integers(0, 2))
    op = draw(st.integers(0, max(s, d) - 1))
    return down, (
        f"nn.ConvTranspose{rank}d(1, 1, kernel_size={k}, stride={s}, padding={p}, "
        f"output_padding={op}, dilation={d})"
    )


class UNet(nn.Module):
    """`depth` downs, then as many ups, each concatenated with its skip (channels kept at 1)."""

    def __init__(self, down: str, up: str, depth: int):
        super().__init__()
        self.downs = nn.ModuleList(eval(down, {"nn": nn}) for _ in range(depth))
        self.ups = nn.ModuleList(eval(up, {"nn": nn}) for _ in range(depth))

    def forward(self, x):
        skips = []
        for down in self.downs:
            skips.append(x)
            x = down(x)
        for up, skip in zip(self.ups, reversed(skips)):
            x = torch.cat([up(x), skip], 1)[:, :1]
        return x


def runs(model: UNet, sizes: tuple[int, ...]) -> bool:
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, *sizes))
    except RuntimeError:
        return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_unet_as_written_runs_exactly_where_tconv_says(data):
    rank = data.draw(st.integers(1, 2))
    down, up = data.draw(pairs(rank))
    depth = data.draw(st.integers(1, 3))
    sizes = tuple(data.draw(st.integers(4, 60)) for _ in range(rank))
    model = UNet(down, up, depth)
    try:
        net = network.unet(
            sizes, depth, network.parse_layer(down), network.parse_layer(up), [(1, 70)]
        )
    except (NoAnswer, ParameterError):  # a down fails at this size: so does PyTorch
        assert not runs(model, sizes)
        return
    assert runs(model, sizes) == net.runs, (down, up, depth, sizes)
    for axis, found in enumerate(net.valid):  # every size in 1..70 of one axis, the others
        other = list(net.below)  # at a size that runs (or the input's)
        other = [sizes[a] if v is None else v for a, v in enumerate(other)]
        for size in range(1, 71):
            probe = tuple(size if a == axis else other[a] for a in range(rank))
            if all(v is not None for v in net.below):
                assert runs(model, probe) == (size in found), (down, up, depth, probe)
    for nearest in (net.below, net.above):
        if None not in nearest:
            assert runs(model, nearest), (down, up, depth, nearest)


def test_the_issues_pasted_layers():
    """Issue 17: output_padding=(1, 1) as pasted: 96 and 112 run, 97 and 113 do not."""
    down = network.parse_layer("Conv2d(64, 384, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))")
    up = network.parse_layer(
        "ConvTranspose2d(384, 64, kernel_size=(3, 3), stride=(2, 2), "
        "padding=(1, 1), output_padding=(1, 1))"
    )
    model = UNet(
        "nn.Conv2d(1, 1, 3, stride=2, padding=1)",
        "nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)",
        1,
    )
    for sizes, works in (((96, 112), True), ((97, 113), False)):
        net = network.unet(sizes, 1, down, up)
        assert net.runs == works == runs(model, sizes)
        assert net.below == (96, 112)
    assert network.unet((97, 113), 1, down, up).decoder[0].output_padding == (0, 0)


@st.composite
def stack_layers(draw, rank: int) -> str:
    kind = draw(st.sampled_from(["up", "interp", "tconv", "pool"]))
    if kind == "up":
        factor = draw(st.sampled_from([0.25, 0.5, 1, 1.5, 2, 3]))
        return f"nn.Upsample(scale_factor={factor})"
    if kind == "interp":
        mode = draw(
            st.sampled_from(
                ["nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"]
            )
        )
        how = draw(
            st.sampled_from(
                [
                    f"size={draw(st.integers(1, 9))}",
                    f"size={tuple(draw(st.integers(1, 9)) for _ in range(rank))}",
                    "size=(3,)",
                    "scale_factor=(2, 3)",
                    "scale_factor=2",
                ]
            )
        )
        align = ", align_corners=True" if draw(st.booleans()) else ""
        name = draw(st.sampled_from(["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]))
        if name != "Upsample":
            return f"nn.{name}({how})"
        return f"nn.Upsample({how}, mode={mode!r}{align})"
    if kind == "tconv":
        return f"nn.ConvTranspose{rank}d(1, 1, {draw(st.integers(1, 3))}, stride=2)"
    return f"nn.MaxPool{rank}d(2)"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_chain_refuses_exactly_what_pytorch_refuses(data):
    """Interpolation modes against ranks, sizes per axis, outputs of size 0: tconv answers
    exactly where the real modules run, with the same sizes."""
    rank = data.draw(st.integers(1, 3))
    sizes = tuple(data.draw(st.integers(1, 6)) for _ in range(rank))
    texts = data.draw(st.lists(stack_layers(rank), min_size=1, max_size=3))
    x = torch.zeros(1, 1, *sizes)
    expected, error = [], None
    try:
        for text in texts:
            x = eval(text, {"nn": nn})(x)
            if 0 in x.shape:
                raise RuntimeError("an empty tensor")
            expected.append(tuple(x.shape[2:]))
    except (RuntimeError, ValueError, NotImplementedError) as why:
        error = why
    try:
        steps = network.chain(sizes, network.parse_layers(texts))
    except (NoAnswer, ParameterError):
        assert error is not None, (texts, sizes)
        return
    assert error is None, (texts, sizes, error)
    assert [s.output for s in steps] == expected


def test_the_issues_wrong_answers():
    with pytest.raises(NoAnswer, match="greater than 0"):
        network.chain(
            (1, 1),
            network.parse_layers(
                ["nn.Upsample(scale_factor=0.5)", "nn.ConvTranspose2d(1,1,3,stride=2)"]
            ),
        )
    with pytest.raises(ParameterError, match="mode 'bilinear' takes 2-d"):
        network.chain((8,), network.parse_layers(["nn.Upsample(scale_factor=2, mode='bilinear')"]))
    with pytest.raises(ParameterError, match="is 3-d but its input has 2"):
        network.unet(
            (32, 32),
            2,
            network.parse_layer("nn.MaxPool3d(2)"),
            network.parse_layer("nn.ConvTranspose3d(1, 1, 2, 2)"),
        )


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(["BatchNorm", "GroupNorm", "BatchNormKw"]),
)
def test_normalisations_check_what_pytorch_checks(rank, n, channels, features, kind):
    """BatchNormNd takes N spatial axes and its num_features channels; GroupNorm its
    num_channels (split in groups): tconv refuses exactly where PyTorch does."""
    text = {
        "BatchNorm": f"nn.BatchNorm{n}d({features})",
        "BatchNormKw": f"nn.BatchNorm{n}d(num_features={features}, eps=1e-5)",
        "GroupNorm": f"nn.GroupNorm(1, {features})",
    }[kind]
    module = eval(text, {"nn": nn})
    try:
        module(torch.zeros(2, channels, *(3,) * rank))
        runs_in_pytorch = True
    except (RuntimeError, ValueError):
        runs_in_pytorch = False
    try:
        network.chain((3,) * rank, network.parse_layers([text]), channels)
        runs_in_tconv = True
    except (NoAnswer, ParameterError):
        runs_in_tconv = False
    assert runs_in_tconv == runs_in_pytorch, (text, rank, channels)
