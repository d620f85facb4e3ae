"""U-Nets: each level's size, what each decoder step needs to equal its skip, and inputs that need nothing.

An encoder of `depth` downs, a decoder of as many ups, each concatenated with its skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .. import geometry as g
from ..errors import NoAnswer, ParameterError
from .layers import Spec
from .stack import axes, chain, output_sizes

@dataclass(frozen=True)
class Decoder:
    """One decoder step: the up layer's input, its skip, the output_padding that makes them
    equal (None: none is legal), the output, and the crop (negative) or pad per axis that
    would match otherwise."""

    input: tuple[int, ...]
    skip: tuple[int, ...]
    output_padding: tuple[int, ...] | None
    output: tuple[int, ...]
    matches: bool
    output_size_ok: bool
    difference: tuple[int, ...]


@dataclass(frozen=True)
class UNet:
    levels: tuple[tuple[int, ...], ...]
    decoder: tuple[Decoder, ...]
    below: tuple[int | None, ...]
    above: tuple[int | None, ...]
    valid: tuple[tuple[int, ...], ...] | None = None


DEFAULT_DOWN = "MaxPool2d(2)"
DEFAULT_UP = "ConvTranspose2d(kernel_size=2, stride=2)"
#: Most sizes scanned each way for the nearest exact input, and the widest --valid range.
SCAN_LIMIT = 100_000


def _with_rank(spec: Spec, rank: int) -> Spec:
    """`--down`/`--up` written for 2-d, applied to the rank of `--in` (the defaults)."""
    if spec.rank in (None, rank):
        return spec
    args = tuple((k, v[:1] * rank if isinstance(v, tuple) and len(set(v)) == 1 else v)
                 for k, v in spec.args)
    return replace(spec, rank=rank, args=args)


def levels_of(sizes: Sequence[int], depth: int, down: Spec) -> list[tuple[int, ...]]:
    levels = [tuple(sizes)]
    for level in range(depth):
        levels.append(output_sizes(down, levels[-1], f"down {level + 1}"))
    return levels


def decoder_step(up: Spec, x: tuple[int, ...], skip: tuple[int, ...], position: str) -> Decoder:
    """The up layer at `x`, made to match `skip` when an output_padding can."""
    out = output_sizes(up if up.kind != "transposed" else no_output_padding(up), x, position)
    if up.kind == "transposed":
        layer = axes(no_output_padding(up), x)
        # forward(x, output_size=…) ignores dilation: it takes only sizes below a stride more
        fits = all(t in g.torch_output_size_range(a) for a, t in zip(layer, skip))
        try:
            solved = g.solve(layer, skip, given_input=True)
            ops = tuple(a.output_padding for a in solved)
            return Decoder(x, skip, ops, tuple(skip), True, fits, (0,) * len(x))
        except (NoAnswer, ParameterError):
            return Decoder(x, skip, None, out, False, fits,
                           tuple(t - o for t, o in zip(skip, out)))
    return Decoder(x, skip, None, out, out == tuple(skip), False,
                   tuple(t - o for t, o in zip(skip, out)))


def no_output_padding(up: Spec) -> Spec:
    args = tuple((k, (0,) * len(v) if k == "output_padding" else v) for k, v in up.args)
    return replace(up, args=args)


def exact(size: int, axis_down: Spec, axis_up: Spec, depth: int) -> bool:
    """One axis: every decoder step equals its skip with output_padding 0 (and every down
    works)."""
    try:
        levels = levels_of((size,), depth, axis_down)
        for level in range(depth, 0, -1):
            out = output_sizes(no_output_padding(axis_up), levels[level], "up")
            if out != levels[level - 1]:
                return False
    except (NoAnswer, ParameterError):
        return False
    return True


def axis_spec(spec: Spec, axis: int) -> Spec:
    args = tuple((k, v[axis:axis + 1] if isinstance(v, tuple) and len(v) > 1 else v)
                 for k, v in spec.args)
    return replace(spec, rank=None if spec.rank is None else 1, args=args)


def unet(sizes: Sequence[int], depth: int, down: Spec, up: Spec,
         valid: Sequence[tuple[int, int]] | None = None) -> UNet:
    """Levels, decoder steps (bottleneck first), the nearest exact sizes, and the exact sizes
    in each `valid` range per axis."""
    rank = len(sizes)
    if not 1 <= depth <= 64:
        raise ParameterError("depth", depth, "must be between 1 and 64")
    chain(sizes, [])  # checks the sizes
    down, up = _with_rank(down, rank), _with_rank(up, rank)
    levels = levels_of(sizes, depth, down)
    decoder = tuple(decoder_step(up, levels[n], levels[n - 1], f"up {depth - n + 1}")
                    for n in range(depth, 0, -1))
    below, above = [], []
    for axis in range(rank):
        d, u = axis_spec(down, axis), axis_spec(up, axis)
        below.append(nearest_exact(sizes[axis], -1, d, u, depth))
        above.append(nearest_exact(sizes[axis], 1, d, u, depth))
    ranges = None
    if valid is not None:
        ranges = g.broadcast(valid, rank)
        for lo, hi in ranges:
            if not 1 <= lo <= hi or hi - lo > SCAN_LIMIT:
                raise ParameterError("valid", f"{lo}:{hi}", f"must be a range A:B with 1 ≤ A ≤ B "
                                     f"and at most {SCAN_LIMIT} sizes")
        ranges = tuple(tuple(i for i in range(lo, hi + 1)
                             if exact(i, axis_spec(down, axis), axis_spec(up, axis), depth))
                       for axis, (lo, hi) in enumerate(ranges))
    return UNet(tuple(levels), decoder, tuple(below), tuple(above), ranges)


def nearest_exact(start: int, step: int, down: Spec, up: Spec, depth: int) -> int | None:
    """The nearest exact size from `start` in direction `step`, scanning a bounded range."""
    stride = max(down.params.get("stride", (1,)) + down.params.get("scale", (1,)))
    size = start
    for _ in range(min(SCAN_LIMIT, 2 * int(stride) ** depth + 16)):
        if size < 1:
            return None
        if exact(size, down, up, depth):
            return size
        size += step
    return None
