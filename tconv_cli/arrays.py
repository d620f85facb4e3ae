"""Arrays from the command line: a literal like `[[2,3],[1,3]]` or a `.npy` file.

Bounded: a literal has at most `MAX_DIMS` levels, and a `.npy` file's header is read before its
data, so a file that claims more than `numeric.BUDGET_BYTES` is refused without being loaded.
Only integers and float16/32/64 are accepted (their values convert to JSON exactly).
NumPy is imported here, never on the path of `tconv shape`.
"""

from __future__ import annotations

import ast
from math import prod
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .numeric import BUDGET_BYTES, size_text
from .words import counted

#: Most dimensions an array may have: (N, C, 3 spatial axes) needs 5; NumPy stops at 64.
MAX_DIMS = 8


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
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
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
    if len(where) >= MAX_DIMS:
        raise ParameterError(
            flag,
            text,
            f"nests lists more than {MAX_DIMS} deep; an array has at most {MAX_DIMS} dimensions",
        )
    shapes = [_shape(item, flag, text, where + (n,)) for n, item in enumerate(value)]
    for n, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ParameterError(
                flag,
                text,
                f"is ragged: item {_at(where + (n,), bare=True)} has shape {shape}, "
                f"item {_at(where + (0,), bare=True)} has shape {shapes[0]}",
            )
    return (len(value), *shapes[0])


def _at(where: tuple[int, ...], bare: bool = False) -> str:
    index = "[" + "][".join(map(str, where)) + "]"
    return index if bare else (f" at {index}" if where else "")


def _from_file(path: Path, flag: str) -> np.ndarray:
    try:
        is_file = path.is_file()
    except OSError:  # a name too long to look up
        is_file = False
    if not is_file:
        raise ParameterError(
            flag, str(path), "is neither a list literal like [1,2,3] nor an existing .npy file"
        )
    try:
        with path.open("rb") as stream:
            _check_header(stream, path, flag)
            stream.seek(0)
            array = np.load(stream, allow_pickle=False)
    except ParameterError:
        raise
    except (OSError, ValueError, EOFError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ParameterError(flag, str(path), f"is not a .npy array file ({reason})") from None
    if not isinstance(array, np.ndarray):
        raise ParameterError(flag, str(path), "holds several arrays (.npz); give one .npy array")
    return array


def _check_header(stream, path: Path, flag: str) -> None:
    """Refuse, from the header alone, what should not be loaded: zip (.npz), other dtypes than
    integers and float16/32/64, no dimension, or more data than the memory budget."""
    if stream.read(6) != np.lib.format.MAGIC_PREFIX:
        if stream.seek(0) == 0 and stream.read(2) == b"PK":
            raise ParameterError(
                flag, str(path), "holds several arrays (.npz); give one .npy array"
            )
        raise ParameterError(flag, str(path), "is not a .npy array file (no NumPy header)")
    stream.seek(0)
    major, _ = np.lib.format.read_magic(stream)
    read = {1: np.lib.format.read_array_header_1_0}.get(major, np.lib.format.read_array_header_2_0)
    shape, _, dtype = read(stream)
    if dtype.kind not in "iuf" or dtype.itemsize > 8 or not shape:
        raise ParameterError(
            flag,
            str(path),
            f"holds a {dtype} array of shape {shape}; give integers or "
            "float16/32/64 with at least one dimension",
        )
    if len(shape) > MAX_DIMS:
        raise ParameterError(
            flag, str(path), f"has {counted(len(shape), 'dimension')}; at most {MAX_DIMS}"
        )
    if 0 in shape:
        raise ParameterError(
            flag, str(path), f"has shape {shape}: every dimension must be at least 1"
        )
    needed = prod(shape) * dtype.itemsize
    if needed > BUDGET_BYTES:
        raise ParameterError(
            flag,
            str(path),
            f"holds a {dtype} array of shape {shape}: {size_text(needed)}, "
            f"more than the {size_text(BUDGET_BYTES)} tconv loads; give a smaller array",
        )
