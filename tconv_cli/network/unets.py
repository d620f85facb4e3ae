"""U-Nets: each level's size, what each decoder step needs to equal its skip, inputs that need none.

An encoder of `depth` downs, a decoder of as many ups, each concatenated with its skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .. import geometry as g
from ..errors import NoAnswer, ParameterError
from .layers import Spec, parse_layer
from .stack import TooLarge, axes, chain, output_sizes


@dataclass(frozen=True)
class Decoder:
    """One decoder step: the up layer's input, its skip, the output_padding that makes them
    equal (None: none is legal), the output with it (else with output_padding 0), the crop
    (negative) or pad per axis that would match otherwise, and `given`: the output of the up
    layer as written (its own output_padding), None where it fails."""

    input: tuple[int, ...]
    skip: tuple[int, ...]
    output_padding: tuple[int, ...] | None
    output: tuple[int, ...]
    matches: bool
    output_size_ok: bool
    difference: tuple[int, ...]
    given: tuple[int, ...] | None = None
    transposed: bool = True  # a PyTorch ConvTranspose: output_padding can change it
    written: tuple[int, ...] | None = None  # its own output_padding, as written

    @property
    def runs(self) -> bool:
        """The up layer as written gives the skip's size: the concatenation works."""
        return self.given == tuple(self.skip)


@dataclass(frozen=True)
class UNet:
    """Every level's size (the input first), the decoder steps (bottleneck first), the nearest
    inputs per axis below and above that run with the layers as written (None: none near),
    and with a `valid` range, every such input in it per axis."""

    levels: tuple[tuple[int, ...], ...]
    decoder: tuple[Decoder, ...]
    below: tuple[int | None, ...]
    above: tuple[int | None, ...]
    valid: tuple[tuple[int, ...], ...] | None = None

    @property
    def runs(self) -> bool:
        return all(step.runs for step in self.decoder)


DEFAULT_DOWN = "MaxPool2d(2)"
DEFAULT_UP = "ConvTranspose2d(kernel_size=2, stride=2)"
#: The widest --valid range.
SCAN_LIMIT = 100_000
#: Candidate bottleneck sizes tried each way from the nearest, and most layer calls --valid makes.
_TRIES = 256
_VALID_CALLS = 150_000


def default(text: str, rank: int) -> Spec:
    """A default layer (written 2-d) at the rank of the input: MaxPool2d(2) is MaxPool1d(2)
    on a 1-d input. A layer the user gives keeps its rank, as PyTorch does."""
    spec = parse_layer(text, "--down" if text == DEFAULT_DOWN else "--up")
    args = tuple(
        (k, v[:1] * rank if isinstance(v, tuple) and len(set(v)) == 1 else v) for k, v in spec.args
    )
    return replace(spec, rank=rank, args=args)


def levels_of(sizes: Sequence[int], depth: int, down: Spec) -> list[tuple[int, ...]]:
    """The input and the size after each of `depth` downs; NoAnswer at one that fails."""
    levels = [tuple(sizes)]
    for level in range(depth):
        levels.append(output_sizes(down, levels[-1], f"down {level + 1}"))
    return levels


def decoder_step(up: Spec, x: tuple[int, ...], skip: tuple[int, ...], position: str) -> Decoder:
    """The up layer at `x`, as written and made to match `skip` when an output_padding can."""
    try:
        given = output_sizes(up, x, position)
    except NoAnswer:
        given = None
    if up.kind != "transposed":
        if given is None:
            output_sizes(up, x, position)  # its NoAnswer: nothing else to say
        return Decoder(
            x,
            skip,
            None,
            given,
            given == tuple(skip),
            False,
            tuple(t - o for t, o in zip(skip, given)),
            given,
            transposed=False,
        )
    bare = no_output_padding(up)
    out = output_sizes(bare, x, position)
    layer = axes(bare, x)
    # forward(x, output_size=…) ignores dilation: it takes only sizes below a stride more
    fits = all(t in g.torch_output_size_range(a) for a, t in zip(layer, skip))
    written = tuple(up.params["output_padding"])
    try:
        solved = g.solve(layer, skip, given_input=True)
    except (NoAnswer, ParameterError):
        return Decoder(
            x,
            skip,
            None,
            out,
            False,
            fits,
            tuple(t - o for t, o in zip(skip, out)),
            given,
            written=written,
        )
    ops = tuple(a.output_padding for a in solved)
    return Decoder(x, skip, ops, tuple(skip), True, fits, (0,) * len(x), given, written=written)


def no_output_padding(up: Spec) -> Spec:
    """The layer with output_padding 0 (Keras's None, its default, stays None)."""
    args = tuple(
        (k, (0,) * len(v) if k == "output_padding" and v is not None else v) for k, v in up.args
    )
    return replace(up, args=args)


def exact(size: int, axis_down: Spec, axis_up: Spec, depth: int) -> bool:
    """One axis: every down works and every decoder step, as written, equals its skip."""
    try:
        levels = levels_of((size,), depth, axis_down)
        for level in range(depth, 0, -1):
            if output_sizes(axis_up, levels[level], "up") != levels[level - 1]:
                return False
    except (NoAnswer, ParameterError):
        return False
    return True


def axis_spec(spec: Spec, axis: int) -> Spec:
    """One axis of a layer, as a layer of any rank (its size rule on that axis alone)."""
    args = tuple(
        (
            k,
            v[axis : axis + 1]
            if isinstance(v, tuple) and len(v) > 1
            else None
            if k == "mode"
            else v,
        )
        for k, v in spec.args
    )
    return replace(spec, rank=None if spec.rank is None else 1, args=args)


def unet(
    sizes: Sequence[int],
    depth: int,
    down: Spec | None = None,
    up: Spec | None = None,
    valid: Sequence[tuple[int, int]] | None = None,
) -> UNet:
    """Levels, decoder steps (bottleneck first), the nearest inputs that run as written, and
    those in each `valid` range per axis. `down`/`up` default to MaxPool and
    ConvTranspose(kernel_size=2, stride=2) of the input's rank."""
    if type(depth) is not int or not 1 <= depth <= 64:
        raise ParameterError("depth", depth, "must be between 1 and 64")
    chain(sizes, [])  # checks the sizes
    rank = len(sizes)
    down = default(DEFAULT_DOWN, rank) if down is None else down
    up = default(DEFAULT_UP, rank) if up is None else up
    levels = levels_of(sizes, depth, down)
    decoder = tuple(
        decoder_step(up, levels[n], levels[n - 1], f"up {depth - n + 1}")
        for n in range(depth, 0, -1)
    )
    per_axis = [(axis_spec(down, axis), axis_spec(up, axis)) for axis in range(rank)]
    below = tuple(
        nearest_exact(sizes[axis], -1, d, u, depth) for axis, (d, u) in enumerate(per_axis)
    )
    above = tuple(
        nearest_exact(sizes[axis], 1, d, u, depth) for axis, (d, u) in enumerate(per_axis)
    )
    found = None
    if valid is not None:
        ranges = g.broadcast(valid, rank)
        for lo, hi in ranges:
            if not 1 <= lo <= hi or hi - lo > SCAN_LIMIT:
                raise ParameterError(
                    "valid",
                    f"{lo}:{hi}",
                    f"must be a range A:B with 1 ≤ A ≤ B and at most {SCAN_LIMIT} sizes",
                )
        found = tuple(exact_in(lo, hi, d, u, depth) for (lo, hi), (d, u) in zip(ranges, per_axis))
    return UNet(tuple(levels), decoder, below, above, found)


# ---------------------------------------------------------------------------------------------
# The inputs that run: each is the up layer applied `depth` times to a bottleneck size b (the
# up layers are non-decreasing in their input), so search b, not the inputs one by one.


def _image(b: int, up: Spec, depth: int) -> int | None:
    """The input size whose decoder starts from bottleneck `b`: None where an up fails on it,
    geometry.MAX_VALUE + 1 where it grows beyond the largest size."""
    size = b
    try:
        for _ in range(depth):
            size = output_sizes(up, (size,), "up")[0]
    except TooLarge:
        return g.MAX_VALUE + 1
    except (NoAnswer, ParameterError):
        return None
    return size


def _first_at_least(target: int, up: Spec, depth: int) -> int:
    """The smallest bottleneck b ≥ 1 whose image is ≥ `target` (g.MAX_VALUE + 1: none is)."""

    def low(b: int) -> bool:
        image = _image(b, up, depth)
        return image is None or image < target

    lo, hi = 1, 1
    while low(hi):
        if hi > g.MAX_VALUE:
            return g.MAX_VALUE + 1
        lo, hi = hi + 1, hi * 2
    while lo < hi:
        middle = (lo + hi) // 2
        if low(middle):
            lo = middle + 1
        else:
            hi = middle
    return lo


def _weight(down: Spec, up: Spec) -> int:
    """What a layer call of this pair costs, in calls of a PyTorch layer: a Keras transposed
    layer is resolved through its framework's words (some 20 times slower)."""
    return 20 if "keras_transposed" in (down.kind, up.kind) else 1


def nearest_exact(start: int, step: int, down: Spec, up: Spec, depth: int) -> int | None:
    """One axis: the nearest input from `start` in direction `step` (−1, 1), `start` itself
    included, whose every decoder step as written equals its skip; None when none is near."""
    b = _first_at_least(start + (step < 0), up, depth) + (-1 if step < 0 else 0)
    for _ in range(max(4, min(_TRIES, 6000 // (depth * _weight(down, up))))):  # 3·depth calls
        if not 1 <= b <= g.MAX_VALUE:
            return None
        size = _image(b, up, depth)
        if size is not None and size > g.MAX_VALUE:
            if step > 0:
                return None
        elif size is not None and exact(size, down, up, depth):
            return size
        b += step
    return None


def exact_in(lo: int, hi: int, down: Spec, up: Spec, depth: int) -> tuple[int, ...]:
    """One axis: every input from `lo` to `hi` whose decoder steps as written equal their skips
    (each image of the up layers once: where it repeats, the search jumps past it)."""
    found, calls, previous, weight = set(), 0, None, _weight(down, up)
    b = _first_at_least(lo, up, depth)
    while b <= g.MAX_VALUE:
        size = _image(b, up, depth)
        if size is None:
            b += 1
            continue
        if size > hi:
            break
        if size == previous:
            b = _first_at_least(size + 1, up, depth)
            calls += 64 * depth * weight  # a binary search over b: some 2·log2(b) images
            continue
        previous = size
        calls += 3 * depth * weight
        if calls > _VALID_CALLS:  # (the message counts candidates as if none repeated)
            most = _VALID_CALLS // (3 * depth * weight)
            raise ParameterError(
                "valid",
                f"{lo}:{hi}",
                f"holds more than {most} candidate sizes at depth {depth}: give a narrower range",
            )
        if exact(size, down, up, depth):
            found.add(size)
        b += 1
    return tuple(sorted(found))
