"""Finding and building the module a source names (`file.py:Name`, `package.module:Name`): a
missing file or name is answered before torch is imported; the user's code runs quietly.

Importing the file runs its code (as `python file.py` would, but not its `__main__` block); then
only `Name(**args)` runs, on the meta device (a constructor the meta device cannot run is built
on the CPU, and a note says so).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect as pyinspect
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any, Optional

from ...errors import NoAnswer, ParameterError

EXTRA = "pip install 'tconv[torch]'"
_modules = count()
#: What the user's code may raise that is no ordinary exception, and is still theirs to see.
STOPS = (KeyboardInterrupt, SystemExit)


def torch_or_extra():
    """torch, or NoAnswer naming the extra."""
    try:
        import torch  # noqa: PLC0415 - the optional extra, only where a module is inspected
    except ImportError:
        raise NoAnswer(f"inspecting a PyTorch module needs PyTorch: {EXTRA}") from None
    return torch


@dataclass(frozen=True)
class Where:
    """A source, found: the file (`path`) or the module (`dotted`), and the name in it."""

    source: str
    name: str
    path: Optional[Path] = None
    dotted: Optional[str] = None


def find(source: str) -> Where:
    """Where `source`'s file or module is, and that it defines its name, read without running it
    (nor importing torch) where Python's own finder and parser can tell."""
    where, colon, name = source.rpartition(":")
    if not colon or not where or not name:
        raise ParameterError(
            "source",
            source,
            "names no class or function: write file.py:Name or "
            "package.module:Name (a class or a function returning an nn.Module)",
        )
    if where.endswith(".py") or "/" in where or os.sep in where:
        path = Path(where)
        if not path.is_file():
            what = "is a directory" if path.is_dir() else "does not exist"
            raise ParameterError("source", source, f"{path} {what}")
        _check_defines(source, path, where, name)
        return Where(source, name, path=path)
    with _cwd_on_path(), _importing(source, where):
        try:
            spec = importlib.util.find_spec(where)
        except ModuleNotFoundError as error:
            raise ParameterError(
                "source",
                source,
                f"no module {where} ({error}), in the current folder or on sys.path",
            ) from None
    if spec is None:
        raise ParameterError(
            "source",
            source,
            f"no module {where} in the current folder ({os.getcwd()}) or on sys.path",
        )
    if spec.origin and spec.origin.endswith(".py") and Path(spec.origin).is_file():
        _check_defines(source, Path(spec.origin), where, name)
    return Where(source, name, dotted=where)


def _check_defines(source: str, path: Path, where: str, name: str) -> None:
    """ParameterError when the file surely lacks `name`: no top-level definition, import or
    assignment of it, and nothing that could make one (`import *`, `__getattr__`, `globals()`)."""
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
        return  # importing it says what is wrong, in Python's words
    names: set[str] = set()
    classes: dict[str, bool] = {}
    unsure = False
    statements = list(tree.body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
            unsure |= node.name == "__getattr__"
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            classes[node.name] = any(_module_base(base, classes) for base in node.bases)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                unsure |= alias.name == "*"
                names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            targets += [item.optional_vars for item in getattr(node, "items", [])]
            names.update(
                n.id
                for t in targets
                if t is not None
                for n in ast.walk(t)
                if isinstance(n, ast.Name)
            )
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in ("body", "orelse", "finalbody"):
                statements[:0] = getattr(node, block, [])
            for handler in getattr(node, "handlers", []):
                statements[:0] = handler.body
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            unsure |= any(
                isinstance(n, ast.Name)
                and n.id in ("globals", "exec", "setattr", "vars", "__builtins__")
                for n in ast.walk(node)
            )
        unsure |= isinstance(node, (ast.NamedExpr, ast.Global))
    first = name.partition(".")[0]
    if unsure or first in names:
        return
    found = [key for key, module in classes.items() if module][:6]
    hint = f" (nn.Module classes there: {', '.join(found)})" if found else ""
    raise ParameterError("source", source, f"{where} has no {name}{hint}")


def _module_base(base: ast.expr, classes: dict[str, bool]) -> bool:
    """Whether a class base reads as an nn.Module (or a class of the file that is one)."""
    last = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
    return last.endswith(("Module", "Sequential", "ModuleList", "ModuleDict")) or classes.get(
        last, False
    )


@contextmanager
def _cwd_on_path() -> Iterator[None]:
    """The current folder first on sys.path, as `python -m` has it (the `tconv` script does not),
    for as long as the import runs."""
    folder = os.getcwd()
    added = not any(entry in ("", ".", folder) for entry in sys.path)
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def load(where: Where) -> Any:
    """Import the file or module and return the object its name names."""
    if where.path is not None:
        module = _import_file(where.source, where.path)
        label = str(where.path)
    else:
        with _cwd_on_path(), _importing(where.source, where.dotted):
            module = importlib.import_module(where.dotted)
        label = where.dotted
    target: Any = module
    for part in where.name.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            found = _modules_in(module)
            hint = f" (nn.Module classes there: {', '.join(found)})" if found else ""
            raise ParameterError(
                "source", where.source, f"{label} has no {where.name}{hint}"
            ) from None
        except Exception as error:  # a module's __getattr__ is the user's code
            raise ParameterError(
                "source", where.source, f"reading {where.name} raised {one_line(error)}"
            ) from None
    return target


@contextmanager
def _importing(source: str, what) -> Iterator[None]:
    """Run the user's import of `what`: whatever it raises (or an exit) is theirs to see, in
    one line naming `source`."""
    try:
        with user_code():
            yield
    except ParameterError:
        raise
    except Exception as error:  # the user's code: any exception is theirs to see, in one line
        raise ParameterError(
            "source", source, f"importing {what} raised {one_line(error)}"
        ) from None
    except SystemExit as error:
        raise ParameterError(
            "source", source, f"importing {what} called exit({error.code})"
        ) from None
    except KeyboardInterrupt:
        raise ParameterError(
            "source", source, f"importing {what} raised KeyboardInterrupt"
        ) from None


def _import_file(source: str, path: Path):
    folder = str(path.resolve().parent)
    stem = re.sub(r"\W", "_", path.stem)
    name = f"_tconv_inspect_{next(_modules)}_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ParameterError("source", source, f"{path} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.modules[name] = module
    sys.path.insert(0, folder)
    try:
        with _importing(source, path):
            spec.loader.exec_module(module)
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        sys.modules.pop(name, None)
        for other in set(sys.modules) - before:  # its sibling files and packages, so that
            top = other.partition(".")[0]  # another folder's of the same name load afresh
            found = _file_of(sys.modules.get(other))
            if (
                found
                and top
                and (Path(folder, f"{top}.py").is_file() or Path(folder, top).is_dir())
                and Path(found).resolve().is_relative_to(folder)
            ):
                sys.modules.pop(other, None)
    return module


def _file_of(module) -> Optional[str]:
    """A module's file, without running a lazy module's __getattr__ (which may raise)."""
    try:
        found = vars(module).get("__file__") if module is not None else None
    except TypeError:
        return None
    return found if isinstance(found, str) else None


def _modules_in(module) -> list[str]:
    torch = torch_or_extra()
    found = []
    for key, value in list(vars(module).items()):
        if (
            pyinspect.isclass(value)
            and issubclass(value, torch.nn.Module)
            and vars(value).get("__module__") == module.__name__
        ):
            found.append(key)
    return found[:6]


@contextmanager
def user_code() -> Iterator[None]:
    """Around the user's code: what it prints goes to stderr (stdout is tconv's report, or its
    JSON), and its warnings and PyTorch's notes on speed are not shown."""
    with redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def one_line(error: BaseException) -> str:
    try:
        text = " ".join(str(error).split())
    except Exception:  # the user's __str__
        text = ""
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def build(torch, target: Any, name: str, source: str, args: dict) -> tuple[Any, list[str]]:
    """`target(**args)` on the meta device (an nn.Module without memory or weights), or on the
    CPU when its constructor cannot run on meta; and the notes to show."""
    if not isinstance(args, dict) or not all(isinstance(key, str) for key in args):
        raise ParameterError("args", _shown(args), "must be keyword arguments (a JSON object)")
    if isinstance(target, torch.nn.Module):
        return target, []
    if pyinspect.isclass(target) and not issubclass(target, torch.nn.Module):
        raise ParameterError("source", source, f"{name} is a class but not an nn.Module")
    if not callable(target):
        raise ParameterError(
            "source",
            source,
            f"{name} is a value of type "
            f"{type(target).__name__}, not an nn.Module class nor a function "
            "returning one",
        )
    _check_arguments(target, name, args)
    notes = []
    try:
        model = _construct(torch, target, name, source, args, "meta")
    except _MetaOnly as why:
        model = _construct(torch, target, name, source, args, "cpu")
        notes.append(f"{name}(**args) cannot run on the meta device ({why}): built on the CPU")
    if not isinstance(model, torch.nn.Module):
        raise ParameterError(
            "source",
            source,
            f"{name}() returned a value of type {type(model).__name__}, not an nn.Module",
        )
    return model, notes


class _MetaOnly(Exception):
    """The constructor failed on the meta device in a way the CPU may not."""


def meta_only(error: BaseException) -> bool:
    """Whether an error is the meta device's (no data: `.item()`, a copy, data-dependent code)."""
    text = str(error).lower()
    return isinstance(error, NotImplementedError) or "meta" in text or "data-dependent" in text


def _construct(torch, target, name: str, source: str, args: dict, device: str):
    try:
        with torch.device(device), user_code():
            return target(**args)
    except TypeError as error:
        if device == "meta" and meta_only(error):
            raise _MetaOnly(one_line(error)) from None
        raise ParameterError(
            "args", json.dumps(args), f"do not suit {name}: {one_line(error)}"
        ) from None
    except Exception as error:  # the user's constructor: one line
        if device == "meta" and meta_only(error):
            raise _MetaOnly(one_line(error)) from None
        raise ParameterError("source", source, f"{name}(**args) raised {one_line(error)}") from None
    except STOPS as error:
        raise ParameterError("source", source, f"{name}(**args) raised {one_line(error)}") from None


def _shown(value) -> str:
    try:
        return repr(value)[:80]
    except RecursionError:
        return type(value).__name__


def _check_arguments(target: Any, name: str, args: dict) -> None:
    try:
        signature = pyinspect.signature(target)
    except (TypeError, ValueError):
        return  # no signature to check against: the call says
    try:
        signature.bind(**args)
    except TypeError as error:
        bad = [key for key in args if key not in signature.parameters]
        takes = [
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if bad and not any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
            rule = (
                f"give {bad[0]!r}, which {name} does not take (it takes "
                f"{', '.join(takes) or 'no arguments'})"
            )
        else:
            rule = f"do not suit {name}: {error}"
        raise ParameterError("args", json.dumps(args), rule) from None
