"""The one place that turns the library's errors into the command line's: `Error: …` on one
line naming the option, the value given and the rule, on stderr, and the error's exit code."""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import typer

from ..errors import ParameterError, TconvError
from .flags import FLAGS

_ITEMS = re.compile(r"[,x×]")


def _shown(text: str, limit: int = 160) -> str:
    """A value on one line: quoted when empty or holding spaces, newlines or other unprintable
    characters; the middle of a long one elided."""
    if len(text) > limit:
        text = f"{text[: limit // 2]}…{text[-(limit // 2) :]}"
    return text if text and text.isprintable() and " " not in text else repr(text)


def error_message(error: TconvError, raw: Mapping[str, str]) -> str:
    """One line that names the option, the value the user gave, and the rule."""
    if not isinstance(error, ParameterError) or error.param is None:
        return str(error)
    if error.param.startswith("-"):  # raised while parsing the option's text
        if error.value == "":
            return f"{error.param} {error.rule}"
        return f"{error.param} {_shown(str(error.value))}: {error.rule}"
    flag = FLAGS.get(error.param)
    if flag is None:
        return str(error)
    if error.attribute:  # a property of an array: its shape or dtype
        return f"{flag}: {error.attribute} {error.value} {error.rule}"
    given = raw.get(flag, str(error.value))
    per_axis = error.axis is not None and len(_ITEMS.split(given)) > 1
    where = f" on axis {error.axis}" if per_axis else ""  # not when one value sets every axis
    if not given:  # an option left out: the rule says what it needs
        return f"{flag}: {error.param}{where} {error.rule}"
    return f"{flag} {_shown(given)}: {error.param}{where} {error.rule}"


@contextmanager
def reported_errors(raw: Mapping[str, str]) -> Iterator[None]:
    """Turn the domain's errors into `Error: …` on stderr and their exit code."""
    try:
        yield
    except TconvError as error:
        print(f"Error: {error_message(error, raw)}", file=sys.stderr)
        raise typer.Exit(error.exit_code) from None


@contextmanager
def written_output() -> Iterator[None]:
    """Standard output that cannot be written (`> /dev/full`, a full disk, an I/O error) is one
    line on stderr and exit 1, not a traceback; a closed pipe (`| head`) is left to Click, which
    exits quietly."""
    try:
        try:
            yield
        finally:
            sys.stdout.flush()
    except OSError as error:
        if error.errno == errno.EPIPE or error.filename is not None:
            raise
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing is left to flush at exit
        print(f"Error: cannot write the output: {error.strerror or error}", file=sys.stderr)
        sys.exit(1)  # around Click's main, which turns typer.Exit into this
