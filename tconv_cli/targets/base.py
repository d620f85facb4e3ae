"""What every deploy-target module shares: the verdict (`Plan`), the facts it rests on (`Fact`,
each with where it was measured), the `Target` interface, and the search for the target's
closest native layer and the crop or zero-padding after it.

A target's plan is worked out on tconv's canonical record (`geometry.Layer`), so a layer
written in any framework's words, or read from an ONNX node, gets the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from ..choices import Convention
from ..frameworks import FRAMEWORKS, FrameworkWords, Pairs, _step, crop_words
from ..geometry import Axis, Layer

NATIVE, REWRITTEN, REFUSED = "native", "rewritten", "refused"

#: How a fact was established (the README's table says the same).
RUN = "run here"
CONVERTED = "converted only"
DOCUMENTED = "from the target's documentation and source"


@dataclass(frozen=True)
class Fact:
    """One rule of a target, and how it is known: `how` is RUN, CONVERTED or DOCUMENTED,
    `where` the versions or the sources."""

    rule: str
    how: str
    where: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "how": self.how, "where": self.where}


@dataclass(frozen=True)
class Step:
    """One step of the printed form: what it does, and its code on the converter's path."""

    what: str
    code: str

    def as_json(self) -> dict:
        return {"what": self.what, "code": self.code}


# C_in or C_out, alone or divided by a number (the groups): what `Plan.with_channels` fills in
_CHANNEL = re.compile(r"\b(?P<name>C_in|C_out)\b(?:\s*//?\s*(?P<divisor>\d+|groups)\b)?")


@dataclass(frozen=True)
class Plan:
    """A transposed convolution on one target.

    - `verdict`: NATIVE (one op of the target computes it), REWRITTEN (the `steps` compute it,
      PyTorch's numbers), REFUSED (no form runs there; `why` says the target's rule);
    - `op`, `attributes`, `output_shape`, `weights`: the target's own words for its layer
      (the output-shape input where the op takes one; the weight layout);
    - `ops`: the target's ops the printed form becomes, in order (what a test finds in the
      converted model);
    - `steps`: the printed form, each step as code for the target's usual converter path;
    - `facts`: the rules this answer rests on, each with how it is known.
    """

    target: str
    verdict: str
    layer: Layer
    op: str = ""
    attributes: dict = field(default_factory=dict)
    output_shape: list | None = None
    weights: str = ""
    ops: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    converter: str = ""
    why: str = ""
    notes: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    # what the printed form is made of, for tests and --fix: the native layer in the
    # converter's framework, the crop after it (per axis, negative: zeros to add), the groups
    # run one by one, the dilated kernel written out with zeros
    native: FrameworkWords | None = None
    crop: Pairs = ()
    split_groups: int = 1
    materialise_dilation: bool = False

    def code(self) -> str:
        return "\n".join(step.code for step in self.steps)

    def with_channels(
        self, in_channels: int | None, out_channels: int | None, groups: int = 1
    ) -> Plan:
        """The plan with the channel counts given written in place of C_in and C_out (and of
        their quotients by the groups), as `geometry.check_channels` allows them."""
        counts = {"C_in": in_channels, "C_out": out_channels}

        def said(text: str) -> str:
            def number(match: re.Match) -> str:
                value = counts[match["name"]]
                if value is None:
                    return match[0]
                if match["divisor"]:
                    divisor = match["divisor"]
                    return str(value // (groups if divisor == "groups" else int(divisor)))
                return str(value)

            return _CHANNEL.sub(number, text)

        def value(item):
            if isinstance(item, str):
                item = said(item)
                return int(item) if item.isdigit() else item
            if isinstance(item, list):
                return [value(x) for x in item]
            return item

        return replace(
            self,
            attributes={key: value(item) for key, item in self.attributes.items()},
            output_shape=value(self.output_shape),
            weights=said(self.weights),
            steps=tuple(Step(said(s.what), said(s.code)) for s in self.steps),
            notes=tuple(said(note) for note in self.notes),
        )

    def as_json(self) -> dict:
        return {
            "target": self.target,
            "verdict": self.verdict,
            "op": self.op,
            "attributes": self.attributes,
            "output_shape": self.output_shape,
            "weights": self.weights,
            "ops": list(self.ops),
            "steps": [s.as_json() for s in self.steps],
            "converter": self.converter,
            "crop": [list(c) for c in self.crop],
            "split_groups": self.split_groups,
            "materialise_dilation": self.materialise_dilation,
            "why": self.why,
            "notes": list(self.notes),
            "facts": [f.as_json() for f in self.facts],
        }


@dataclass(frozen=True)
class NodeFact:
    """Where a target computes an ONNX node as written (auto_pad, output_shape) otherwise than
    the spec: `applies(attributes, record)`, with the node's `{"auto_pad", "output_shape"}` and
    the spec's record of it."""

    applies: Callable[[dict, Layer], bool]
    says: str


class Target:
    """One deploy target's knowledge. Subclasses set the attributes and implement `plan`."""

    name: str  # the word on the command line
    title: str  # "OpenVINO 2026.4.1"
    path: str  # its usual converter path, one line
    facts: tuple[Fact, ...] = ()  # its table rows
    node_facts: tuple[NodeFact, ...] = ()  # what it does with ONNX nodes as written

    def plan(self, layer: Layer, groups: int) -> Plan:
        raise NotImplementedError

    def refused(self, layer: Layer, why: str, facts: Sequence[Fact] = ()) -> Plan:
        return Plan(self.name, REFUSED, layer, why=why, converter=self.path, facts=tuple(facts))


# ---------------------------------------------------------------------------------------------
# The search: the target's layer closest to `want`, and the crop after it.


def fit(
    want: Layer, candidates: Iterator[tuple[FrameworkWords, Layer]]
) -> tuple[FrameworkWords, Layer, Pairs]:
    """The candidate (a framework layer and its record) whose output, cropped or padded with
    zeros at the ends, is `want`'s with the fewest elements moved; the crop per axis
    (negative: zeros to add). ValueError when none can (never for a sane candidate list)."""
    best = None
    for fl, have in candidates:
        steps = [_step(w, h) for w, h in zip(want, have)]
        if None in steps:
            continue
        cost = sum(abs(lo) + abs(hi) for lo, hi in steps)
        if best is None or cost < best[0]:
            best = cost, fl, have, tuple(steps)
        if cost == 0:
            break
    if best is None:
        raise ValueError("no candidate layer covers this output")
    return best[1], best[2], best[3]


def materialised(layer: Layer) -> Layer:
    """`layer` with each dilated kernel written out as a larger one (zeros between the taps):
    kernel `d·(k−1)+1`, dilation 1; the same output, element for element."""
    return tuple(replace(a, kernel=a.extent, dilation=1) for a in layer)


def dilate_kernel_code(layer: Layer, weight: str = "w") -> str:
    """numpy code that writes a dilated kernel out with zeros (PyTorch's layout)."""
    d = [a.dilation for a in layer]
    shape = ", ".join(str(a.extent) for a in layer)
    taps = ", ".join(f"::{x}" for x in d)
    return (
        f"{weight}_full = np.zeros({weight}.shape[:2] + ({shape},), {weight}.dtype); "
        f"{weight}_full[:, :, {taps}] = {weight}  # dilation {','.join(map(str, d))} written "
        "out with zeros"
    )


# ---------------------------------------------------------------------------------------------
# The ONNX path (OpenVINO and TensorRT read ONNX files).


def onnx_layer(
    layer: Layer,
    groups: int,
    pads: Pairs | None = None,
    output_padding: Sequence[int] | None = None,
) -> FrameworkWords:
    """An ONNX ConvTranspose of `layer`'s sizes with these pads and output_padding (by default
    `layer`'s own)."""
    from ..frameworks.base import candidate

    return candidate(
        Convention.onnx,
        layer,
        padding=pads if pads is not None else tuple((a.pad_lo, a.pad_hi) for a in layer),
        output_padding=tuple(
            output_padding if output_padding is not None else (a.output_padding for a in layer)
        ),
        groups=groups,
    )


def onnx_record(fl: FrameworkWords) -> Layer:
    """The record of an ONNX ConvTranspose with explicit pads, without ONNX Runtime's rule
    on output_padding (a target may run what ONNX Runtime refuses)."""
    return tuple(
        Axis(i, k, s, lo, hi, d, op)
        for i, k, s, d, (lo, hi), op in zip(
            fl.size, fl.kernel, fl.stride, fl.dilation, fl.padding, fl.output_padding
        )
    )


def onnx_code(fl: FrameworkWords, crop: Pairs) -> list[Step]:
    """The ONNX nodes: the ConvTranspose node, then a Pad and a Slice node where `crop` has
    them. Written from the attributes (a target may take output_padding ≥ strides)."""
    fw = FRAMEWORKS[Convention.onnx]
    node = fw.call.format(
        n=fl.rank, cin="C_in", cout="C_out", args=fw.listed(fw.arguments(fl, "C_out"))
    )
    steps = [Step("the ConvTranspose node", node)]
    if any(lo or hi for lo, hi in crop):
        steps.append(Step(crop_words(crop), "\n".join(fw.step(crop))))
    return steps
