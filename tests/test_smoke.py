"""Every command once, through the real app: the quick check that .ci/run also runs on the
oldest versions pyproject.toml allows (typer, rich, numpy, pillow), without the oracles."""

from __future__ import annotations

import json

import pytest
from helpers import run

COMMANDS = [
    ["shape", "--in", "32,24", "-k", "4", "--in-channels", "8", "--out-channels", "4"],
    ["shape", "--conv", "--in", "64"],
    ["inverse", "--target", "64x48", "-k", "4"],
    [
        "compute",
        "--input",
        "[[2,3],[1,3]]",
        "--weight",
        "[[0,1,1],[0,1,0],[1,0,1]]",
        "-s",
        "1",
        "-p",
        "0",
    ],
    ["explain", "--random", "--matrix", "--dims", "1"],
    ["animate", "--terminal", "--frame", "3"],
    ["port", "--from", "keras", "--to", "torch", "-p", "same", "--in", "8"],
    ["design", "--factor", "5"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_every_command_runs(args):
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    json_result = run(*args, "--json") if args[0] in ("shape", "inverse", "compute") else None
    if json_result is not None:
        assert isinstance(json.loads(json_result.stdout), dict)


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp"])
def test_pictures_are_written(tmp_path, suffix):
    path = tmp_path / f"classic{suffix}"
    result = run("animate", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    from PIL import Image

    with Image.open(path) as image:
        assert getattr(image, "n_frames", 1) == 25


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_vector_and_player_files_are_written(tmp_path, suffix):
    """The installed package carries what these need (the player's page is package data)."""
    path = tmp_path / f"classic{suffix}"
    result = run("animate", "--values", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "ConvTranspose2d(kernel_size=3, stride=2, padding=1)" in text


def test_inspect_without_its_extra_names_the_extra(tmp_path):
    """Without onnx installed (as on the smoke run's minimum versions) the message says which
    extra to install; with it, the example model is read."""
    import importlib.util
    from pathlib import Path

    model = Path(__file__).parents[1] / "examples" / "models" / "decoder.onnx"
    result = run("inspect", str(model))
    if importlib.util.find_spec("onnx") is None:
        assert result.exit_code == 1 and "tconv[onnx]" in result.stderr
    else:
        assert result.exit_code == 0 and "ConvTranspose" in result.stdout
