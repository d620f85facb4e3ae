"""`print(model)` and `nn.Sequential(...)` text as one stack, refused where branches make it moot.

`print(model)` lists modules by registration, not by call: a `Sequential` runs its children in
that order, but a model class's or a `ModuleList`'s parts can be called in any order, in
parallel or joined by skips. So a container other than `Sequential` may wrap at most one part
that holds layers (more, an encoder and a decoder or parallel branches, is refused with the
parts named), and a `ModuleDict`, whose keys name branches such as heads, at most one layer.
A parametrized layer (`ParametrizedConvTranspose1d(` under weight norm) is read as its layer;
its `(parametrizations)` block is not layers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import ParameterError
from .layers import _NAME, Spec, _closing, check_count, check_length, from_text, parse_layer

_CHILD = re.compile(r"\(([^()\s]+)\): (.*)")
_CALL = re.compile(r"(?:Parametrized)?([A-Za-z_][\w.]*)\((.*)")
_PRINTED = re.compile(r"^\s*\([^()\s]+\): [A-Za-z_][\w.]*\(", re.MULTILINE)
_PARAMETRIZED = re.compile(r"\bParametrized(?=\w+\()")
_SKIPPED = ("parametrizations",)
_CONTAINER = re.compile(r"(?:[A-Za-z_]\w*\.)*(?:Sequential|ModuleList)\s*\(")


@dataclass
class _Node:
    name: str | None
    kind: str
    line: int
    args: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    @property
    def is_layer(self) -> bool:
        return _NAME.fullmatch(self.kind + "(") is not None

    def text(self) -> str:
        return f"{self.kind}({' '.join(a for a in self.args if a).strip().rstrip(',')})"

    def layers(self) -> list[_Node]:
        """The layers under this node, in printed order (parametrizations skipped)."""
        if self.is_layer:
            return [self]
        return [
            layer
            for child in self.children
            if child.name not in _SKIPPED
            for layer in child.layers()
        ]


def is_printed(text: str) -> bool:
    """`(name): Module(` lines: the text of print(model)."""
    return _PRINTED.search(text) is not None


def read_text(text: str) -> list[Spec]:
    """Every layer of a text in order: print(model) by its tree, anything else (a model's
    source, `nn.Sequential(...)`, notes) by `layers.from_text`."""
    if not is_printed(text):
        return from_text(_PARAMETRIZED.sub("", text))
    check_length(text)
    roots = _tree(text)
    for root in roots:
        _check_branches(root)
    found = [layer for root in roots for layer in root.layers()]
    check_count(len(found))
    return [
        parse_layer(node.text(), f"layer {index + 1} (line {node.line})", node.line)
        for index, node in enumerate(found)
    ]


def parse_layers(texts: Sequence[str]) -> list[Spec]:
    """Constructors given one by one (the command line's arguments); one that is a whole text
    (`nn.Sequential(...)`, `print(model)`, a model's source) gives all of its layers."""
    specs: list[Spec] = []
    for index, text in enumerate(texts):
        if "\n" in text or is_printed(text) or _CONTAINER.match(text.strip()):
            specs += read_text(text)
        else:
            specs.append(parse_layer(text, f"layer {index + 1}"))
    return specs


def skipped(text: str) -> list[str]:
    """The modules of a print(model) text that are not layers tconv reads (Linear, Flatten,
    a custom module without children…), each kind once, in order: a stack read without them
    may not be the model's."""
    if not is_printed(text):
        return []
    found: list[str] = []

    def walk(node: _Node) -> None:
        if node.name in _SKIPPED or node.is_layer:
            return
        if not node.children and node.kind not in found:
            found.append(node.kind)
        for child in node.children:
            walk(child)

    for root in _tree(text):
        walk(root)
    return found


def _tree(text: str) -> list[_Node]:
    roots: list[_Node] = []
    open_: list[_Node] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line == ")":
            if open_:
                open_.pop()
            continue
        child = _CHILD.fullmatch(line)
        name, rest = (child.group(1), child.group(2)) if child else (None, line)
        call = _CALL.fullmatch(rest)
        if call is None or (child is None and open_ and open_[-1].is_layer):
            if open_:  # the arguments of an open (parametrized) layer
                open_[-1].args.append(line)
            continue
        kind, tail = call.group(1), call.group(2)
        start = rest.index("(")
        end = _closing(rest, start)
        node = _Node(name, kind, number)
        (open_[-1].children if open_ else roots).append(node)
        if end is not None:
            node.args.append(rest[start + 1 : end - 1])
        else:
            node.args.append(tail)
            open_.append(node)
    return roots


def _check_branches(node: _Node) -> None:
    """A container other than Sequential with two or more parts that hold layers: refused."""
    if node.is_layer or node.name in _SKIPPED:
        return
    parts = [
        child
        for child in node.children
        if child.name not in _SKIPPED
        and child.layers()
        and (node.kind == "ModuleDict" or not child.is_layer)
    ]  # a dict's keys: branches
    if node.kind != "Sequential" and len(parts) > 1:
        names = ", ".join(f"({part.name})" for part in parts[:6]) + (
            ", …" if len(parts) > 6 else ""
        )
        where = f"({node.name}): {node.kind}" if node.name else node.kind
        raise ParameterError(
            "layers",
            where,
            f"line {node.line}: {where} holds {len(parts)} parts with layers "
            f"({names}); print(model) does not say in which order forward calls them or how it "
            "joins them (skips, branches), so one stack of all its layers would mean nothing: "
            "give one part's layers, or tconv inspect the model's source",
        )
    for child in node.children:
        _check_branches(child)
