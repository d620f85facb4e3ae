"""Writing files safely: never half-written (temporary file, then rename), never overwritten
without being asked, and a path that cannot be written is a one-line `NoAnswer` naming the path
and the operating system's reason. A device node or FIFO given with --force is written into,
never replaced (`-o /dev/null --force` as root must leave /dev/null a device)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import NoAnswer, ParameterError


def check_writable(path: Path, force: bool, flag: str, forcing: str = "--force") -> None:
    """Fail before any work if `path` cannot be written: an existing file (or a symlink, even a
    dangling one) needs `force` (asked for as `forcing` says: --force, force=True); the folder
    must exist, accept files, and allow the name."""
    try:
        _check_writable(path, force, flag, forcing)
    except OSError as error:  # a stat that fails (a name too long, a folder without access)
        raise _unwritable(path, error) from None


def _check_writable(path: Path, force: bool, flag: str, forcing: str) -> None:
    if path.is_dir():
        raise ParameterError(flag, str(path), "is a directory; give a file name")
    if (path.is_symlink() or path.exists()) and not force:
        raise NoAnswer(f"{shown(path)} exists; pass {forcing} to overwrite it")
    parent = path.parent
    if not parent.is_dir():
        raise NoAnswer(f"cannot write {shown(path)}: {shown(parent)} is not a folder")
    try:
        longest = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    length = len(os.fsencode(path.name))
    if length > longest:
        raise NoAnswer(
            f"cannot write {shown(path)}: {os.strerror(errno.ENAMETOOLONG)} "
            f"({length} bytes; at most {longest} here)"
        )
    if is_special(path):
        return  # written into, not beside: its folder need not take files
    handle, probe = _temporary(path)  # what really happens (read-only, /proc, quota, …)
    os.close(handle)
    Path(probe).unlink(missing_ok=True)


def is_special(path: Path) -> bool:
    """A device node, FIFO or socket (followed through symlinks): a path to write into, never
    to rename over."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write` on a temporary file beside `path`, then rename it over `path`.

    The file gets the permissions a plain `open` would give it (mkstemp's are private). An
    `OSError` becomes `NoAnswer` naming the path and the reason; nothing is left behind. A
    device node or FIFO is opened and written into (a FIFO waits for its reader, as a shell's
    `>` does), so it stays what it is.
    """
    if is_special(path):
        try:
            with os.fdopen(_open_special(path), "wb") as stream:
                write(stream)
        except OSError as error:
            raise _unwritable(path, error) from None
        return
    try:
        handle, temporary = _temporary(path)
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, _new_file_mode())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _unwritable(path, error) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def shown(path: Path | str, limit: int = 160) -> str:
    """A path for a one-line message: its middle elided when longer than `limit` characters."""
    text = str(path)
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def _temporary(path: Path) -> tuple[int, str]:
    # A short name: the temporary file must fit where `path` itself fits.
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:24]}.", suffix=".part")


#: Seconds a FIFO may take to get its reader before writing into it is given up.
FIFO_WAIT = 5.0


def _open_special(path: Path) -> int:
    """A descriptor writing into a device or FIFO. A FIFO waits for its reader (as a shell's
    `>` does) for at most FIFO_WAIT seconds, then `NoAnswer`: never a hang."""
    deadline = time.monotonic() + FIFO_WAIT
    while True:
        try:
            handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: a FIFO that no one reads yet
                raise
            if time.monotonic() > deadline:
                raise NoAnswer(
                    f"cannot write {shown(path)}: a FIFO that nothing reads "
                    f"(waited {FIFO_WAIT:g} s)"
                ) from None
            time.sleep(0.02)
            continue
        os.set_blocking(handle, True)
        return handle


def _unwritable(path: Path, error: OSError) -> NoAnswer:
    reason = error.strerror or str(error)
    return NoAnswer(f"cannot write {shown(path)}: {reason}")


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
