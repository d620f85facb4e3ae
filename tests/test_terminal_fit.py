"""Terminal frames fit the terminal: no line wider than it, a window around the kernel when a
grid is too large, the title and the cell being written always shown; distinct symbols for
input and written output; W and flip(W) side by side; ASCII stand-ins on a legacy stream."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from helpers import run, transposed_layers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tconv_cli import geometry as g
from tconv_cli.render import palette as p
from tconv_cli.render import terminal as t
from tconv_cli.scene import Mark, Role, build

CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def widest(lines) -> int:
    return max(line.cell_len for line in lines)


def plain(lines) -> list[str]:
    return [line.plain for line in lines]


# 1-d or 2-d layers from tiny to wider than a terminal (1-d up to 40 elements)
LAYERS = transposed_layers(max_in=10, max_in_1d=40, asymmetric=True)


def scene_of(layer, view, values, seed=0):
    x = w = None
    if values:
        rng = np.random.default_rng(seed)
        x = rng.integers(-12, 13, [a.size for a in layer]) / rng.choice([1, 2, 3])
        w = rng.integers(-3, 4, [a.kernel for a in layer]).astype(float)
    return build(layer, view, x, w)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    LAYERS,
    st.sampled_from(["gather", "scatter", "overlap"]),
    st.booleans(),
    st.integers(20, 130),
    st.none() | st.integers(6, 40),
    st.data(),
)
@pytest.mark.slow
def test_no_line_is_wider_than_the_terminal(layer, view, values, width, height, data):
    scene = scene_of(layer, view, values)
    n = data.draw(st.integers(0, scene.frame_count - 1))
    frame = t.frame_view(scene, n, width, height)
    for part in (
        t.caption_view(scene, width),
        t.kernel_view(scene, width),
        frame,
        t.frame_legend(scene, width),
    ):
        if part:
            assert widest(part) <= width, "\n".join(plain(part))
    if height is not None:
        assert len(frame) <= height, "\n".join(plain(frame))
    if view == "gather" and not values:  # the cell being written is on screen, bracketed
        assert sum(line.count("[●]") for line in plain(frame)) == 1


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(1, 60),
    st.integers(1, 60),
    st.integers(1, 6),
    st.integers(10, 130),
    st.none() | st.integers(1, 40),
    st.data(),
)
def test_a_window_keeps_its_focus_in_view(rows, cols, size, width, height, data):
    r0, c0 = data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1))
    r1, c1 = data.draw(st.integers(r0 + 1, rows)), data.draw(st.integers(c0 + 1, cols))
    block = t.Block(
        "a title, long", [[("x" * size, "", False)] * cols] * rows, size, (r0, r1, c0, c1)
    )
    w0, w1, v0, v1 = t.window(block, width, height)
    assert 0 <= w0 < w1 <= rows and 0 <= v0 < v1 <= cols
    if height is None or r1 - r0 <= height:
        assert w0 <= r0 and r1 <= w1
    if (c1 - c0) * (size + 2) + 2 <= width:
        assert v0 <= c0 and c1 <= v1
    if size + 4 <= width:
        assert widest(t.draw(block, width, height)) <= width


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(LAYERS, st.booleans(), st.integers(24, 130), st.integers(14, 50), st.data())
def test_a_screen_played_in_place_fits_the_terminal(layer, values, width, height, data):
    scene = scene_of(layer, "gather", values)
    fitted = t.fit_screen(scene, width, height)
    n = data.draw(st.integers(0, scene.frame_count - 1))
    lines = plain(t.screen(scene, n, fitted, width))
    assert len(lines) <= height and max(map(len, lines)) <= width
    caption = plain(t.caption_view(scene, width, explained=False))  # the rest if room
    assert lines[: len(caption)] == caption
    assert f"frame {n + 1}/{scene.frame_count}" in lines
    assert scene.titles[0].split()[-1] in "\n".join(lines) and "output" in "\n".join(lines)


def test_frames_at_80_by_24_show_the_title_and_the_row_being_written():
    scene = build(g.make_layer((6, 6), 4, 2, 1), "gather")
    fitted = t.fit_screen(scene, 80, 23)  # a 24-line terminal, the last line the cursor's
    for n in (0, 19, 77, 143):
        lines = plain(t.screen(scene, n, fitted, 80))
        assert len(lines) <= 23 and max(map(len, lines)) <= 80
        assert lines[0] == "ConvTranspose2d(kernel_size=4, stride=2, padding=1)"
        assert f"frame {n + 1}/144" in lines
        row, col = divmod(n, 12)  # output rows are 12 cells: the one written is bracketed
        written = [line for line in lines if "[●]" in line and "[●] now" not in line]
        assert len(written) == 1 and written[0].split("[●]")[0].count("●") == col
    # printed frames (not a TTY) at 80×24: nothing is cut, every line within 80 columns
    result = run(
        "animate",
        "--in",
        "6,6",
        "-k",
        "4",
        "--terminal",
        "--frame",
        "20",
        env={"COLUMNS": "80", "LINES": "24"},
    )
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and max(map(len, lines)) <= 80
    assert lines[0] == "ConvTranspose2d(kernel_size=4, stride=2, padding=1)"
    assert " ●  ●  ●  ●  ●  ●  ● [●] ○  ○  ○  ○" in lines


def test_playing_in_place_on_a_tty_fits_every_screen(monkeypatch):
    import time

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    result = run(
        "animate",
        "--in",
        "4,4",
        "--terminal",
        "--fps",
        "50",
        env={"TTY_COMPATIBLE": "1", "COLUMNS": "40", "LINES": "16", "NO_COLOR": "1"},
    )
    assert result.exit_code == 0
    *screens, last = CSI.sub("", result.stdout).split("\r")
    counters = []
    for screen in screens:
        lines = screen.split("\n")
        assert len(lines) <= 15 and max(map(len, lines)) <= 40
        assert lines[:2] == ["ConvTranspose2d(kernel_size=3, stride=2,", "padding=1)"]
        counters.append(lines[2])
        assert sum(line.count("[●]") for line in lines if "[●] now" not in line) == 1
    assert sorted(set(counters)) == sorted(f"frame {n}/49" for n in range(1, 50))
    assert max(map(len, last.split("\n"))) <= 40


def test_the_window_follows_the_kernel():
    scene = build(g.make_layer((12, 12), 4, 2, 1), "gather")  # a 27×27 grid, 24×24 output
    titles = set()
    for n in range(0, scene.frame_count, 25):
        lines = plain(t.frame_view(scene, n, 40, 30))
        blank = lines.index("")
        lower, upper = lines[1:blank], lines[blank + 1 :]
        assert lines[0] == f"frame {n + 1}/576" and max(map(len, lines)) <= 40
        # every tap of the kernel is in the window, bracketed, and the output cell too
        assert sum(line.count("[") for line in lower[1:]) == len(scene.frame(n).taps) == 16
        assert sum(line.count("[●]") for line in upper[1:] if "[●] now" not in line) == 1
        assert re.fullmatch(r"input \(rows \d+–\d+(/| of )27, cols \d+–\d+(/| of )27\)", lower[0])
        titles.add(lower[0])
        # hidden columns are marked on their side
        first, last = (int(v) for v in re.search(r"cols (\d+)–(\d+)", lower[0]).groups())
        assert lower[1].startswith("‹") == (first > 1)
        assert lower[1].endswith("›") == (last < 27)
    assert len(titles) > 5  # the window moved with the kernel


def test_side_by_side_when_wide_enough_stacked_when_not():
    wide = run(
        "animate", "--in", "3,3", "--terminal", "--frame", "1", env={"COLUMNS": "80"}
    ).stdout.splitlines()
    assert "zero-inserted, padded input    output" in wide
    narrow = run(
        "animate", "--in", "3,3", "--terminal", "--frame", "1", env={"COLUMNS": "40"}
    ).stdout.splitlines()
    assert "zero-inserted, padded input" in narrow and "output" in narrow
    assert max(map(len, narrow)) <= 40
    zero = run("animate", "--in", "3,3", "--terminal", "--frame", "1", env={"COLUMNS": "0"})
    assert zero.exit_code == 0 and zero.stdout.splitlines() == wide  # COLUMNS=0 is ignored


def test_input_and_written_output_have_their_own_symbols():
    symbols = {
        key: p.LOOKS[key].symbol
        for key in (Role.INPUT, Role.OUTPUT, Mark.DONE, Mark.NOW, Mark.PENDING, Mark.SOURCE)
    }
    assert symbols[Role.INPUT] == symbols[Mark.SOURCE] != symbols[Role.OUTPUT]
    assert symbols[Role.OUTPUT] == symbols[Mark.DONE] == symbols[Mark.NOW]
    assert len({symbols[Role.INPUT], symbols[Role.OUTPUT], symbols[Mark.PENDING]}) == 3
    lines = run(
        "animate", "--in", "3,3", "--op", "1", "--terminal", "--frame", "8", env={"NO_COLOR": "1"}
    ).stdout.splitlines()
    start = lines.index("zero-inserted, padded input    output")
    grids, cut = lines[start + 1 : start + 9], lines[start].index("output")
    lower, upper = "".join(line[:cut] for line in grids), "".join(line[cut:] for line in grids)
    assert lower.count("■") == 9 and "●" not in lower and "○" not in lower
    assert upper.count("●") == 8 and upper.count("[●]") == 1 and "■" not in upper
    assert lines[-2:] == [
        "■ input  0 inserted zero  · padding  ∘ output_padding  [ ] kernel  ● done",
        "[●] now  ○ to do",
    ]


def test_the_flip_panels_show_the_scenes_kernel_and_its_flip():
    result = run(
        "animate",
        "--in",
        "3,3",
        "-s",
        "1",
        "-p",
        "0",
        "--input",
        "[[1,2,3],[4,5,6],[7,8,9]]",
        "--weight",
        "[[1,2,3],[4,5,6],[7,8,10]]",
        "--terminal",
        "--frame",
        "1",
    )
    lines = result.stdout.splitlines()
    top = next(n for n, line in enumerate(lines) if line.split()[:2] == ["kernel", "W"])
    assert top >= 2 and "padding 0 in PyTorch = 2 cells around the input" in " ".join(lines[:top])
    assert lines[top].split() == ["kernel", "W", "flip(W)"]
    rows = lines[top + 1 : top + 4]
    weights = [[float(v) for v in line.split("[")[0].split()] for line in rows]
    flipped = [[float(v) for v in re.findall(r"\[ *(\S+)\]", line)] for line in rows]
    assert weights == [[1, 2, 3], [4, 5, 6], [7, 8, 10]]
    scene = build(g.make_layer((3, 3), 3, 1, 0), "gather", np.ones((3, 3)), np.array(weights))
    assert flipped == scene.kernel.tolist() == [[10, 8, 7], [6, 5, 4], [3, 2, 1]]
    # without values, the taps by name, read backwards in flip(W); none for the other views
    names = t.kernel_panels(build(g.make_layer(4, 2, 2, 0, rank=1)))
    assert [(title, a.tolist()) for title, a, _ in names] == [
        ("kernel W", [["a", "b"]]),
        ("flip(W)", [["b", "a"]]),
    ]
    assert t.kernel_panels(build(g.make_layer(4, 2, 2, 0, rank=1), "scatter")) == []


def test_a_legacy_stream_gets_one_ascii_character_per_symbol():
    for encoding in ("ascii", "cp1252"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tconv_cli",
                "animate",
                "--in",
                "6,6",
                "-k",
                "4",
                "--op",
                "1",
                "--terminal",
                "--frame",
                "30",
            ],
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "40"},
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr
        text = done.stdout.decode(encoding)
        lines = text.splitlines()
        assert "?" not in text and max(map(len, lines)) <= 40
        assert "# input" in text and "* done" in text and "[*] now" in text
        assert "_ to do" in text and "o output_padding" in text
        assert any(line.endswith(">") for line in lines) or encoding == "cp1252"


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    LAYERS,
    st.sampled_from(["gather", "scatter", "overlap", "conv"]),
    st.booleans(),
    st.integers(20, 130),
    st.integers(1, 3),
)
@pytest.mark.slow
def test_the_cli_prints_no_line_wider_than_columns(layer, view, values, columns, frame):
    def per_axis(attr):
        return ",".join(str(getattr(a, attr)) for a in layer)

    args = [
        "animate",
        "--in",
        per_axis("size"),
        "-k",
        per_axis("kernel"),
        "-s",
        per_axis("stride"),
        "-d",
        per_axis("dilation"),
        "-p",
        ",".join(f"{a.pad_lo}:{a.pad_hi}" for a in layer),
        "--dims",
        str(len(layer)),
        "--terminal",
        "--view",
        view,
        "--frame",
        str(frame),
    ]
    if view != "conv":
        args += ["--op", per_axis("output_padding")]
    if values:
        args.append("--values")
    result = run(*args, env={"COLUMNS": str(columns), "LINES": "24"})
    assert result.exit_code in (0, 2), result.stderr  # 2: no frame 3, or not a valid conv
    if result.exit_code == 0:
        assert max(map(len, result.stdout.splitlines())) <= columns, result.stdout
