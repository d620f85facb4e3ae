"""The README is the first test a newcomer runs: every `$ tconv …` example prints what it shows,
and every `>>>` example of its Python blocks answers what it shows."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tconv_cli.cli import COMMANDS, app

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    """(command, expected output) for every `$ tconv` line of the README's console blocks."""
    found = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if chunk.strip():
                command, _, output = chunk.partition("\n")
                found.append((command.removeprefix("$ "), output))
    return found


def test_the_readme_has_examples_of_every_command():
    commands = {shlex.split(command)[1] for command, _ in examples()}
    wanted = set(COMMANDS)  # every command the app has: a new one needs an example
    assert wanted <= commands


@pytest.mark.parametrize(("command", "expected"), examples(), ids=lambda v: v[:60])
def test_readme_example(command, expected, tmp_path, monkeypatch):
    words = shlex.split(command)
    if {"-o", "--output"} & set(words):  # a picture: written in a folder of its own
        monkeypatch.chdir(tmp_path)
    assert words[0] == "tconv", command
    result = CliRunner().invoke(app, words[1:])
    assert result.output == expected
    if expected.startswith("Error:"):
        assert result.exit_code in (1, 2)
    elif re.search(r"^error: ", expected, re.MULTILINE):  # tconv inspect: the model fails
        assert result.exit_code == 1
    else:
        assert result.exit_code == 0
    assert result.exception is None or isinstance(result.exception, SystemExit)


PYTHON = re.compile(r"```pycon\n(.*?)```", re.DOTALL)


def test_readme_python_examples(tmp_path, monkeypatch):
    """The Python API section, run as a doctest (in a temporary folder: it writes a picture)."""
    blocks = PYTHON.findall(README.read_text(encoding="utf-8"))
    assert blocks, "the README has a Python API section with >>> examples"
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 8
