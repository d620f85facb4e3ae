"""The user's own code, run by `tconv inspect`: a time limit on it, file descriptor 1 kept for
the report, and the threads it leaves behind."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import ParameterError


@contextmanager
def time_limit(seconds: float, source: str) -> Iterator[None]:
    """The model's code may loop forever (or wait on a thread it started): after `seconds`, one
    line on stderr and the process ends with exit 1, as nothing else can stop such code."""
    if not 0 < seconds <= 86_400:
        raise ParameterError("--timeout", f"{seconds:g}", "must be between 0 and 86400 seconds")

    def expire() -> None:
        os.write(
            2,
            f"Error: {source}: no answer within {seconds:g} s (--timeout {seconds:g}): "
            "the model's code is still running\n".encode(),
        )
        os._exit(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@contextmanager
def quiet_fd() -> Iterator[None]:
    """What the model's code writes to file descriptor 1 itself (C extensions, os.write,
    subprocesses) goes to stderr too: stdout is the report's, or its JSON's."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no such descriptors (an embedding host): nothing to keep apart
        yield
        return
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def leave(threads: set[threading.Thread], code: int) -> None:
    """End the process now when the model's code left threads running, which would keep it
    alive after the report."""
    if any(t.is_alive() and not t.daemon for t in set(threading.enumerate()) - threads):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
