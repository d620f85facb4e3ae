"""Arrays from the command line: a literal like `[[2,3],[1,3]]` or a `.npy` file.

NumPy is imported here, never on the path of `tconv shape`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from .errors import ParameterError


def load_array(text: str, flag: str) -> np.ndarray:
    """The array an option names: a nested-list literal, or the path of a `.npy` file."""
    stripped = text.strip()
    if stripped.startswith("[") or _is_number(stripped):
        return _from_literal(stripped, flag)
    return _from_file(Path(text), flag)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _from_literal(text: str, flag: str) -> np.ndarray:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ParameterError(
            flag, text, "is not a nested list of numbers, like [[2,3],[1,3]]"
        ) from None
    shape = _shape(value, flag, text, ())
    if not shape:
        raise ParameterError(flag, text, "is a single number; give a list, like [1,2,3]")
    try:
        array = np.array(value)  # int64 when every number is an integer, else float64
    except OverflowError:
        array = np.array(value, dtype=object)
    if array.dtype.kind not in "iuf":
        raise ParameterError(flag, text, "has numbers too large for 64 bits")
    return array


def _shape(value: object, flag: str, text: str, where: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a nested list; a ragged or non-numeric one is an error that says where."""
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        raise ParameterError(flag, text, f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return ()
    if not value:
        raise ParameterError(flag, text, f"has an empty list{_at(where)}")
    shapes = [_shape(item, flag, text, where + (n,)) for n, item in enumerate(value)]
    for n, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ParameterError(
                flag, text,
                f"is ragged: item {_at(where + (n,), bare=True)} has shape {shape}, "
                f"item {_at(where + (0,), bare=True)} has shape {shapes[0]}",
            )
    return (len(value), *shapes[0])


def _at(where: tuple[int, ...], bare: bool = False) -> str:
    index = "[" + "][".join(map(str, where)) + "]"
    return index if bare else (f" at {index}" if where else "")


def _from_file(path: Path, flag: str) -> np.ndarray:
    if not path.exists():
        raise ParameterError(
            flag, str(path), "is neither a list literal like [1,2,3] nor an existing .npy file"
        )
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ParameterError(flag, str(path), f"is not a .npy array file ({error})") from None
    if not isinstance(array, np.ndarray):
        raise ParameterError(flag, str(path), "holds several arrays (.npz); give one .npy array")
    if array.dtype.kind not in "iuf" or array.ndim == 0:
        raise ParameterError(
            flag, str(path), f"holds a {array.dtype} array of shape {array.shape}; "
            "give numbers with at least one dimension"
        )
    return array
