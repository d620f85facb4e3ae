"""Design upsamplers: the transposed layers whose output is exactly `L·F` for every length L.

Pure Python (no numpy). The output of a transposed layer is
`(L−1)·s − p_lo − p_hi + d·(k−1) + op + 1`, a line in L of slope s and intercept
`c = d·(k−1) + 1 + op − p_lo − p_hi − s`. It is `L·F` for every L ≥ 1 exactly when `s = F` and
`c = 0`: with PyTorch's symmetric padding, `d·(k−1) + 1 + op − 2p = F`. So for each kernel the
exact layers are the output_paddings `0 ≤ op ≤ max(s, d) − 1` of the right parity, with
`p = (d·(k−1) + 1 + op − F) / 2 ≥ 0`. With `p = 0` instead, the output is `c` samples too long,
and trimming them (EnCodec's way) is exact too.

>>> [(c.kernel, c.padding, c.output_padding) for c in exact_layers(2, max_kernel=4)]
[(2, 0, 0), (4, 1, 0), (3, 1, 1)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from math import isqrt

from .errors import ParameterError
from .geometry import MAX_WINDOW, Axis, interior_overlap, output_padding_limit
from .words import counted

#: Lengths every answer is verified on (the output formula is a line, so two would do).
VERIFIED = range(1, 65)
#: Most stacks or factorizations listed.
MOST = 12
#: Largest factor of one layer, and most stages in a stack: beyond them no upsampler goes.
MAX_FACTOR = 1024
MAX_STAGES = 8
#: Most factorizations examined (a number with many divisors has millions).
_SEARCHED = 20_000
#: Most layers listed at once.
_LISTED = 10_000


@dataclass(frozen=True)
class Candidate:
    """One exact (or checked) ×stride layer on one axis; `trim` is (left, right) samples to drop
    from the output of the `padding=0` layer, None when the padding itself crops."""

    kernel: int
    stride: int
    padding: int
    output_padding: int = 0
    dilation: int = 1
    trim: tuple[int, int] | None = None

    @property
    def axis(self) -> Axis:
        return Axis(
            1,
            self.kernel,
            self.stride,
            self.padding,
            self.padding,
            self.dilation,
            self.output_padding,
        )

    @property
    def intercept(self) -> int:
        """`c` in the output `s·L + c` (after the trim): geometry's output at L = 1, less s."""
        return self.axis.output - self.stride - sum(self.trim or (0, 0))

    @property
    def exact(self) -> bool:
        return self.intercept == 0

    def output(self, length: int) -> int:
        """The output length for input `length` (after the trim)."""
        return self.stride * length + self.intercept

    @property
    def overlap(self) -> tuple[int, int]:
        """Kernel taps per output cell far from the borders (min, max): uneven is a checkerboard."""
        return interior_overlap(self.axis)

    @property
    def even(self) -> bool:
        low, high = self.overlap
        return low == high

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(name for name, rule in FAMILIES.items() if rule(self))

    @property
    def delay(self) -> int:
        """Samples the causal trim (all on the right) lags the centred one (EnCodec's split)."""
        total = sum(self.trim or (0, 0))
        return total - total // 2


def _fam(kernel, padding, output_padding=lambda c: 0, trim=None):
    """A family's rule: kernel, padding and output_padding as functions of the stride."""

    def matches(c: Candidate) -> bool:
        if c.dilation != 1 or not kernel(c.stride, c.kernel):
            return False
        if trim is None:
            return (
                c.trim is None
                and c.padding == padding(c.stride, c.kernel)
                and c.output_padding == output_padding(c)
            )
        return c.trim is not None and c.padding == 0 and c.output_padding == 0

    return matches


#: The families in public use (issue 10), each as the rule its code applies.
FAMILIES = {
    "DCGAN": _fam(lambda s, k: s == 2 and k == 4, lambda s, k: 1),
    "HiFi-GAN": _fam(lambda s, k: k == 2 * s, lambda s, k: (k - s) // 2),
    "ESPnet": _fam(lambda s, k: k == 2 * s, lambda s, k: s // 2 + s % 2, lambda c: c.stride % 2),
    "DAC": _fam(lambda s, k: k == 2 * s, lambda s, k: -(-s // 2), lambda c: c.stride % 2),
    "EnCodec": _fam(lambda s, k: k == 2 * s, lambda s, k: 0, trim=True),
    "nnU-Net": _fam(lambda s, k: k == s, lambda s, k: 0),
    "MONAI": _fam(lambda s, k: (k - 1) % 2 == 0, lambda s, k: (k - 1) // 2, lambda c: c.stride - 1),
}
#: What each family's code writes, for `--check`'s "probably meant".
RULES = {
    "DCGAN": "k=4, s=2, p=1",
    "HiFi-GAN": "k=2u, p=(k−u)//2",
    "ESPnet": "k=2u, p=u//2+u%2, op=u%2",
    "DAC": "k=2s, p=⌈s/2⌉, op=s%2",
    "EnCodec": "k=2r, p=0, trim k−r",
    "nnU-Net": "k=s, p=0",
    "MONAI": "p=(k−1)d/2, op=s−1",
}


def _check_factor(factor: int, param: str = "factor") -> None:
    if not isinstance(factor, int) or factor < 1:
        raise ParameterError(param, factor, "must be ≥ 1: the upsampling factor, e.g. 2 or 5")
    if factor > MAX_FACTOR:
        raise ParameterError(
            param, factor, f"must be ≤ {MAX_FACTOR}: split it into stages (--hop H --stages N)"
        )


def exact_layers(
    factor: int,
    *,
    kernel_size: int | None = None,
    max_kernel: int | None = None,
    dilation: int = 1,
    trims: bool = False,
    causal: bool = False,
) -> tuple[Candidate, ...]:
    """Every layer of stride `factor` whose output is `L·factor` for every L ≥ 1, kernels from
    `factor` to `max_kernel` (default 4·factor): even overlap first, then smaller kernels.
    `trims` adds the pad-0-and-trim layers; `causal` lists only those, trimmed on the right."""
    _check_factor(factor)
    if type(dilation) is not int or not 1 <= dilation <= MAX_WINDOW:
        raise ParameterError("dilation", dilation, f"must be from 1 to {MAX_WINDOW}")
    top = 4 * factor if max_kernel is None else max_kernel
    if max_kernel is not None and not factor <= max_kernel <= 16 * factor:
        raise ParameterError(
            "max_kernel",
            max_kernel,
            f"must be from the factor {factor} (a smaller kernel leaves gaps) to {16 * factor}",
        )
    if kernel_size is not None:
        if not factor <= kernel_size <= 16 * factor:
            raise ParameterError(
                "kernel_size",
                kernel_size,
                f"must be from the factor {factor}"
                f" to {16 * factor}: try --kernel-size {factor} or {2 * factor}",
            )
        kernels = range(kernel_size, kernel_size + 1)
        if output_padding_limit(factor, dilation) > _LISTED:
            raise ParameterError(
                "dilation",
                dilation,
                f"gives {output_padding_limit(factor, dilation)} "
                f"output_paddings to list; at most {_LISTED}: a smaller one",
            )
    else:
        kernels = range(factor, top + 1)
        count = len(kernels) * output_padding_limit(factor, dilation) // 2
        if count > _LISTED:
            raise ParameterError(
                "factor",
                factor,
                f"has about {count} exact layers with "
                f"kernels up to {top}: give --kernel-size or --max-kernel",
            )
    found: list[Candidate] = []
    for k in kernels:
        extent = Axis(1, k, factor, dilation=dilation).extent
        if not causal:
            for op in range(output_padding_limit(factor, dilation)):
                twice = extent + op - factor
                if twice >= 0 and twice % 2 == 0:
                    found.append(Candidate(k, factor, twice // 2, op, dilation))
        if (trims or causal) and extent >= factor and (causal or extent > factor):
            total = extent - factor
            trim = (0, total) if causal else (total - total // 2, total // 2)
            found.append(Candidate(k, factor, 0, 0, dilation, trim))
    found.sort(key=lambda c: (not c.even, c.trim is not None, c.kernel, c.output_padding))
    return tuple(found)


def best(factor: int, *, dilation: int = 1, causal: bool = False) -> Candidate:
    """The first exact layer of `exact_layers`: a stack's stage. The kernel `factor` comes first
    whenever its overlap is even, so it is tried alone before the full list."""
    first = exact_layers(factor, kernel_size=factor, dilation=dilation, causal=causal)
    if first and first[0].even:
        return first[0]
    return exact_layers(factor, dilation=dilation, causal=causal)[0]


# ---------------------------------------------------------------------------------------------
# Stacks: stages whose factors multiply out.


def factorizations(
    n: int, stages: int | None = None, largest: int = MAX_FACTOR
) -> Iterator[tuple[int, ...]]:
    """The ways to write n as a product of factors from 2 to `largest`, largest first (exactly
    `stages` of them when given, else at most MAX_STAGES)."""
    if n == 1:
        if stages in (None, 0):
            yield ()
        return
    left = MAX_STAGES if stages is None else stages
    if left == 0:
        return
    for f in _divisors(n, largest):
        for rest in factorizations(n // f, None if stages is None else stages - 1, f):
            if stages is not None or len(rest) < MAX_STAGES:
                yield (f, *rest)


def _divisors(n: int, largest: int) -> list[int]:
    """The divisors of n from `largest` down to 2."""
    small = [f for f in range(2, min(isqrt(n), largest) + 1) if n % f == 0]
    found = set(small) | {n // f for f in small} | {n}
    return sorted((f for f in found if 2 <= f <= largest), reverse=True)


def _balanced(factors: tuple[int, ...]) -> tuple:
    return (max(factors) - min(factors), len(factors), factors)


def _primes(n: int) -> list[int]:
    primes, p = [], 2
    while p * p <= n:
        while n % p == 0:
            primes.append(p)
            n //= p
        p += 1
    return primes + ([n] if n > 1 else [])


def hop_stacks(hop: int, stages: int) -> list[tuple[int, ...]]:
    """The factorizations of `hop` into `stages` factors ≥ 2, largest first, most balanced first."""
    if not 1 <= hop <= MAX_WINDOW**2:
        raise ParameterError("hop", hop, f"must be from 2 to {MAX_WINDOW**2}")
    if stages < 1:
        raise ParameterError("stages", stages, "must be ≥ 1")
    primes = _primes(hop)
    if stages > len(primes):
        most = len(primes)
        listed = "·".join(map(str, primes))
        rule = (
            f"is more than the {counted(most, 'prime factor')} of {hop} "
            f"({listed}): use --stages {most} or fewer"
            if most
            else "needs a hop ≥ 2"
        )
        raise ParameterError("stages", stages, rule)
    found = list(islice(factorizations(hop, stages), _SEARCHED))
    if not found:
        raise ParameterError(
            "stages", stages, f"leaves a factor above {MAX_FACTOR}: use more stages"
        )
    return sorted(found, key=lambda fs: (max(fs), -min(fs), fs))[:MOST]


@dataclass(frozen=True)
class Stacks:
    """Stacks of exact stages from `start` to `end` per axis: each stack is a tuple of stages,
    each stage one Candidate per axis; `adjust[i]` > 0 is a crop at the end of axis i, < 0 zeros
    to add, after the stack (when end/start is not an integer)."""

    start: tuple[int, ...]
    end: tuple[int, ...]
    ratio: tuple[int, ...]
    adjust: tuple[int, ...]
    stacks: tuple[tuple[tuple[Candidate, ...], ...], ...]


def _ratio(a: int, b: int, axis: int | None) -> tuple[int, int]:
    if b < a:
        raise ParameterError(
            "to",
            b,
            f"is smaller than --from {a}: that shrinks; a direct "
            "convolution does it (tconv shape --conv)",
            axis,
        )
    if b == a:
        raise ParameterError("to", b, f"equals --from {a}: nothing to upsample", axis)
    low, high = b // a, -(-b // a)
    if b - a * low < a * high - b and low >= 2:
        return low, a * low - b  # pad
    return high, a * high - b  # crop


def stacks(start: tuple[int, ...], end: tuple[int, ...], *, causal: bool = False) -> Stacks:
    """Stacks of exact stages taking sizes `start` to `end` (per axis), balanced factors first;
    when end/start is not an integer, the closest ratio and the crop or pad it needs."""
    if len(start) != len(end):
        raise ParameterError(
            "to", ",".join(map(str, end)), f"has {len(end)} axes, --from has {len(start)}"
        )
    for name, sizes in (("start", start), ("to", end)):
        for i, size in enumerate(sizes):
            if size < 1:
                raise ParameterError(name, size, "must be ≥ 1", i if len(sizes) > 1 else None)
    axis = None if len(start) == 1 else 0
    pairs = [_ratio(a, b, axis if axis is None else i) for i, (a, b) in enumerate(zip(start, end))]
    ratio = tuple(r for r, _ in pairs)
    per_axis = [sorted(islice(factorizations(r), _SEARCHED), key=_balanced)[:MOST] for r in ratio]
    for i, options in enumerate(per_axis):
        if not options:
            raise ParameterError(
                "to",
                end[i],
                f"is more than {MAX_STAGES} stages of at most ×{MAX_FACTOR} from {start[i]}",
                axis if axis is None else i,
            )
    count = max(len(options) for options in per_axis)
    built = []
    for n in range(count):
        chosen = [options[min(n, len(options) - 1)] for options in per_axis]
        depth = max(len(fs) for fs in chosen)
        stages = tuple(
            tuple(best(fs[j] if j < len(fs) else 1, causal=causal) for fs in chosen)
            for j in range(depth)
        )
        if stages not in built:
            built.append(stages)
    return Stacks(tuple(start), tuple(end), ratio, tuple(a for _, a in pairs), tuple(built))


# ---------------------------------------------------------------------------------------------
# --check: is one layer exact, and if not, how to fix it.


@dataclass(frozen=True)
class Check:
    """`layer` (one Candidate per axis) checked: its output per axis as `s·L + c`, the first
    lengths where it is not `L·s`, the families it was probably meant to be, and verified fixes
    (each a tuple of one Candidate per axis)."""

    layer: tuple[Candidate, ...]
    channels: tuple[int | str, int | str]
    failing: tuple[int, ...]
    meant: tuple[str, ...]
    fixes: tuple[tuple[Candidate, ...], ...]

    @property
    def exact(self) -> bool:
        return all(c.exact for c in self.layer)

    @property
    def formulas(self) -> tuple[str, ...]:
        return tuple(formula(c) for c in self.layer)


def formula(c: Candidate) -> str:
    """`5L+1`: the output length as a line in L."""
    slope = "L" if c.stride == 1 else f"{c.stride}L"
    return slope if c.intercept == 0 else f"{slope}{c.intercept:+d}"


def _axis_fixes(c: Candidate) -> list[Candidate]:
    """Exact layers of the same kernel, stride and dilation, nearest first, then a trim."""
    near = sorted(
        exact_layers(c.stride, kernel_size=c.kernel, dilation=c.dilation)
        if c.kernel >= c.stride
        else (),
        key=lambda e: (
            abs(e.padding - c.padding) + abs(e.output_padding - c.output_padding),
            e.output_padding,
        ),
    )[:2]
    if c.intercept > 0:  # too long: cut the extra samples off the end
        near.append(
            Candidate(c.kernel, c.stride, c.padding, c.output_padding, c.dilation, (0, c.intercept))
        )
    return near


def check(
    layer: tuple[Candidate, ...], channels: tuple[int | str, int | str] = ("C_in", "C_out")
) -> Check:
    """Check a layer for exact ×stride upsampling at every length, with fixes when it is not."""
    for c in layer:
        if not (
            1 <= c.kernel <= MAX_WINDOW
            and 1 <= c.stride <= MAX_WINDOW
            and 1 <= c.dilation <= MAX_WINDOW
        ):
            raise ParameterError(
                "check", c.kernel, f"needs kernel_size, stride and dilation from 1 to {MAX_WINDOW}"
            )
        if c.padding < 0 or not 0 <= c.output_padding < output_padding_limit(c.stride, c.dilation):
            raise ParameterError(
                "check",
                c.output_padding,
                "needs padding ≥ 0 and 0 ≤ output_padding < max(stride, dilation)",
            )
    failing = []
    for length in VERIFIED:
        if any(c.output(length) != c.stride * length for c in layer):
            failing.append(length)
            if len(failing) == 5:
                break
    meant = tuple(
        dict.fromkeys(
            name
            for c in layer
            for name, rule in FAMILIES.items()
            if c.dilation == 1 and (rule(c) or _padding_only(rule, c))
        )
    )
    options = [_axis_fixes(c) if not c.exact else [c] for c in layer]
    width = max(len(o) for o in options)
    fixes = tuple(tuple(o[min(n, len(o) - 1)] for o in options) for n in range(width))
    fixes = tuple(f for f in fixes if all(c.exact for c in f)) if failing else ()
    return Check(tuple(layer), channels, tuple(failing), meant, fixes)


def _padding_only(rule, c: Candidate) -> bool:
    """`rule` matches `c` but for its output_padding (the DAC case before its fix)."""
    return any(
        rule(Candidate(c.kernel, c.stride, c.padding, op, c.dilation))
        for op in range(output_padding_limit(c.stride, c.dilation))
    )


# ---------------------------------------------------------------------------------------------
# Reading the layer to check: network's reader (tconv chain), one ConvTranspose call.


def read_constructor(text: str) -> tuple[tuple[Candidate, ...], tuple[int | str, int | str]]:
    """`nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)` → one Candidate per axis and the
    channels (`C_in`/`C_out` where they are not numbers), read with `ast`, never run."""
    from .network import parse_layer
    from .network.stack import axes

    example = 'e.g. "nn.ConvTranspose1d(512, 256, 10, stride=5, padding=2)"'
    try:
        spec = parse_layer(text, "is unreadable:")
    except ParameterError as error:  # its rule is "is unreadable: 'TEXT' WHY"
        raise ParameterError("check", text, error.rule) from None
    if spec.kind != "transposed":
        raise ParameterError("check", text, f"is not a ConvTranspose1d/2d/3d call: {example}")
    layer = tuple(
        Candidate(a.kernel, a.stride, a.pad_lo, a.output_padding, a.dilation)
        for a in axes(spec, (1,) * (spec.rank or 1))
    )
    return layer, (spec.in_channels or "C_in", spec.out_channels or "C_out")


# ---------------------------------------------------------------------------------------------
# Code lines and JSON records.


def code(
    layer: tuple[Candidate, ...],
    convention: str = "torch",
    channels: tuple[int | str, int | str] = ("C_in", "C_out"),
) -> str:
    """The code line(s) of `layer` in `convention` (PyTorch's, Keras's…), then the trim."""
    from .frameworks import stack_code

    return stack_code(
        [c.kernel for c in layer],
        [c.stride for c in layer],
        [c.padding for c in layer],
        [c.output_padding for c in layer],
        [c.dilation for c in layer],
        [c.trim for c in layer],
        convention,
        channels,
    )


def _one(values: list[int]) -> int | list[int]:
    return values[0] if len(set(values)) == 1 else values


def record(
    layer: tuple[Candidate, ...],
    convention: str = "torch",
    channels: tuple[int | str, int | str] = ("C_in", "C_out"),
) -> dict:
    """The JSON record of a layer (issue 10): an int per parameter when every axis agrees."""
    trims = [c.trim for c in layer]
    overlap = [c.overlap for c in layer]
    families = [set(c.families) for c in layer]
    common = [name for name in FAMILIES if all(name in f for f in families)]
    return {
        "kernel_size": _one([c.kernel for c in layer]),
        "stride": _one([c.stride for c in layer]),
        "padding": _one([c.padding for c in layer]),
        "output_padding": _one([c.output_padding for c in layer]),
        "dilation": _one([c.dilation for c in layer]),
        "exact": all(c.exact for c in layer),
        "overlap": {"min": min(o[0] for o in overlap), "max": max(o[1] for o in overlap)},
        "family": common[0] if common else None,
        "families": common,
        "code": code(layer, convention, channels),
        "trim": None
        if all(t is None for t in trims)
        else {
            "left": _one([(t or (0, 0))[0] for t in trims]),
            "right": _one([(t or (0, 0))[1] for t in trims]),
        },
    }
