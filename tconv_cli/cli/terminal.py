"""Streams that any terminal can show: ASCII stand-ins where the encoding lacks tconv's symbols
(a legacy code page, PYTHONIOENCODING=ascii), and a sane width when COLUMNS is not one."""

from __future__ import annotations

import codecs
import os
import sys

#: ASCII for every symbol tconv prints; anything else unencodable becomes "?".
ASCII = {
    "→": "->",
    "×": "x",
    "−": "-",
    "–": "-",
    "—": "-",
    "⌊": "floor(",
    "⌋": ")",
    "·": ".",
    "…": "...",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "ᵀ": "^T",
    "′": "'",
    "■": "#",
    "□": "_",
    "∘": "o",
    "○": "_",
    "●": "*",
    "‹": "<",
    "›": ">",
    "×̶": "x",
    "✕": "x",
    "⋅": ".",
    "│": "|",
    "─": "-",
    "┌": "+",
    "┐": "+",
    "└": "+",
    "┘": "+",
    "┬": "+",
    "┴": "+",
    "├": "+",
    "┤": "+",
    "┼": "+",
}
_HANDLER = "tconv-ascii"


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII.get(char, "?") for char in text), error.end


def prepare_streams() -> None:
    """Make stdout and stderr degrade to ASCII instead of raising UnicodeEncodeError."""
    if (
        os.environ.get("COLUMNS", "1").strip().lstrip("-").isdigit()
        and int(os.environ.get("COLUMNS", "1")) < 1
    ):
        del os.environ["COLUMNS"]  # COLUMNS=0 would make Rich print nothing at all
    try:
        codecs.lookup_error(_HANDLER)
    except LookupError:
        codecs.register_error(_HANDLER, _stand_in)
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "".join(ASCII).encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors=_HANDLER)
