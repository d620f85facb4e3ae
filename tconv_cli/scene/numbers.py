"""Numbers as a figure prints them: a true minus, one number format per figure
(`decimals_for`), the terms and factors of a sum, and each cell's text."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

MINUS = "\u2212"  # a true minus sign: "-" reads as a dot in a small subscript
MAX_DECIMALS = 3


def number_text(value: float, decimals: int | None = None) -> str:
    """A value as printed in a cell, with a true minus: 3, −2, 5.5, 0.333; with `decimals`
    (a figure's one format, `decimals_for`), that many: 3.00 beside 12.25."""
    return _number_text(float(value), decimals)


@lru_cache(maxsize=65536)  # an animation's frames print the same values again and again
def _number_text(value: float, decimals: int | None) -> str:
    if decimals is not None:
        body = f"{abs(value):.{decimals}f}"
    elif value.is_integer() and abs(value) < 1e6:
        body = str(int(abs(value)))
    else:
        body = f"{abs(value):.3g}"
    return (MINUS if value < 0 and body.strip("0.") else "") + body


def decimals_for(*arrays) -> int | None:
    """The one number format of a figure showing `arrays`: the fewest decimals (at most
    MAX_DECIMALS) that print every value exactly; None without values."""
    values = np.concatenate(
        [np.ravel(np.asarray(a, float)) for a in arrays if a is not None] or [np.zeros(0)]
    )
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    for decimals in range(MAX_DECIMALS + 1):
        scaled = values * 10**decimals
        if np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1, np.abs(scaled))):
            return decimals
    return MAX_DECIMALS


def _signed(value: float, decimals: int | None = None) -> str:
    """A term of a sum: +6, −2."""
    return (MINUS if value < 0 else "+") + number_text(abs(value), decimals)


def _factor(value: float, decimals: int | None = None) -> str:
    """A factor after "·": 2, (−2)."""
    text = number_text(value, decimals)
    return f"({text})" if value < 0 else text


def _texts(numbers: np.ndarray, decimals: int | None = None) -> np.ndarray:
    """Each number as a cell's text ("" for NaN); each distinct value formatted once."""
    text = np.full(numbers.shape, "", object)
    shown = ~np.isnan(numbers)
    if shown.any():
        values, inverse = np.unique(numbers[shown], return_inverse=True)
        text[shown] = np.array([number_text(v, decimals) for v in values], object)[inverse.ravel()]
    return text
