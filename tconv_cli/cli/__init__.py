"""The `tconv` command line: one small module per command, registered on one app.

A command module parses its options, calls the library and prints. Domain errors become one
line on stderr and an exit code in one place (`errors.reported_errors`). A command's module is
imported only when that command runs, so `tconv shape` does not pay for animate's options.
"""

from __future__ import annotations

from importlib import import_module
from typing import Annotated

import typer
from typer.core import TyperGroup

from .. import __version__
from .errors import written_output
from .terminal import prepare_streams

SETTINGS = {"help_option_names": ["-h", "--help"]}
#: The commands, in the order --help lists them; each lives in the module of its name.
COMMANDS = (
    "shape",
    "inverse",
    "compute",
    "explain",
    "animate",
    "port",
    "chain",
    "unet",
    "design",
    "inspect",
)


class LazyGroup(TyperGroup):
    """Imports a command's module, and builds its options, only when it is used."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, name: str):
        if name not in COMMANDS:
            return None
        module = import_module(f"{__name__}.{name}")
        return typer.main.get_command(module.app)

    def main(self, *args, **kwargs):
        prepare_streams()  # before --help is printed: COLUMNS=0 would print nothing
        with written_output():  # --help and --version too
            return super().main(*args, **kwargs)


def command(function):
    """The Typer app of one command (the module's `app`)."""
    single = typer.Typer(add_completion=False, context_settings=SETTINGS)
    single.command(name=function.__name__)(function)
    return single


app = typer.Typer(
    cls=LazyGroup,
    help="Shapes of transposed convolutions, exactly as PyTorch computes them.",
    context_settings=SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        print(f"tconv {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Shapes of transposed convolutions, exactly as PyTorch computes them.

    Example: tconv shape --in 3 -k 3 -s 2 -p 1
    """
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit()
