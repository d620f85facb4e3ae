"""Words for numbers in messages and captions: one rule for "1 layer", "2 layers"."""

from __future__ import annotations


def plural(noun: str, n: int) -> str:
    """`noun` as it reads after the number `n`: "layer" for 1, "layers" otherwise; each part
    of "row and column" takes its own s ("rows and columns")."""
    if n == 1:
        return noun
    return " and ".join(part + "s" for part in noun.split(" and "))


def counted(n: int, noun: str) -> str:
    """ "1 layer", "2 layers", "0 layers"."""
    return f"{n} {plural(noun, n)}"
