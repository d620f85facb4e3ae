"""Writing files safely: never half-written (temporary file, then rename), never overwritten
without being asked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import NoAnswer, ParameterError


def check_writable(path: Path, force: bool, flag: str) -> None:
    """Fail before any work if `path` cannot be written: an existing file needs `force`."""
    if path.is_dir():
        raise ParameterError(flag, str(path), "is a directory; give a file name")
    if not path.parent.is_dir():
        raise ParameterError(flag, str(path), f"cannot be written: {path.parent} does not exist")
    if path.exists() and not force:
        raise NoAnswer(f"{path} exists; pass --force to overwrite it")


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write` on a temporary file beside `path`, then rename it over `path`.

    The file gets the permissions a plain `open` would give it (mkstemp's are private).
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, _new_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
