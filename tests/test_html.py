"""The HTML player, in a real headless Chromium (Debian's `chromium`, driven by Playwright,
which never downloads a browser here): it loads from disk without console errors or network
requests, steps, plays and pauses, and on hovering an output cell highlights exactly the cells
the scene's provenance names, with their sum. Without Chromium these tests skip, except in CI
(`CI=true`), where they fail. Also: the provenance the player shows is the layer's arithmetic.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import numpy as np
import pytest
from helpers import run

from tconv_cli import numeric, scene
from tconv_cli.geometry import Axis
from tconv_cli.numeric import sample_values
from tconv_cli.picture import PictureOptions
from tconv_cli.render import encode
from tconv_cli.render import palette as p
from tconv_cli.render.layout import number_text
from tconv_cli.render.raster import FILL_COLOURS, plane_state
from tconv_cli.render.svg import colour

CLASSIC = (Axis(3, 3, 2, 1, 1),) * 2  # 25 frames
ODD = (Axis(3, 3, 2, 1, 1, 1, 1),) * 2  # inserted zeros and output_padding (dotted)
CROPPED = (Axis(3, 3, 2, 3, 3, 1, 1),) * 2
RECTANGLE = (Axis(3, 3, 2, 1, 1), Axis(5, 2, 1, 0, 0))
CHROMIUM = os.environ.get("TCONV_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# ---------------------------------------------------------------------------------------------
# The provenance the page shows (no browser needed).


@pytest.mark.parametrize("layer", [CLASSIC, CROPPED, RECTANGLE, (Axis(4, 3, 2, 0, 1, 1, 1),)])
@pytest.mark.parametrize("view", ["gather", "scatter"])
def test_provenance_sums_to_the_layers_output(layer, view):
    x, w = sample_values(layer, 1)
    s = scene.build(layer, view, x, w)
    y = numeric.conv_transpose(x[None], w[None, None], layer)[0]
    found = scene.provenance(s)
    assert len(found) == s.upper.roles.size
    named = 0
    for source in found.values():
        assert source.value == pytest.approx(sum(t.product for t in source.terms))
        for t in source.terms:
            assert (x[t.x_index], w[t.w_index]) == (t.x, t.w)
            assert s.lower.roles[t.source] == scene.Role.INPUT
        if source.index is not None:
            named += 1
            assert y[source.index] == pytest.approx(source.value)
    assert named == y.size  # every output cell, once


def test_provenance_without_values_names_the_taps():
    s = scene.build(CLASSIC)
    source = scene.provenance(s)[(1, 2)]
    assert source.value is None and source.index == (1, 2)
    assert [(t.x_index, t.w_index) for t in source.terms] == [((0, 1), (2, 1)), ((1, 1), (0, 1))]


# ---------------------------------------------------------------------------------------------
# The page in Chromium.


@pytest.fixture(scope="module")
def browser():
    """Chromium driven by Playwright; skipped without them, except in CI."""
    if os.environ.get("CI") != "true":
        pytest.importorskip("playwright.sync_api")
        if not shutil.which(CHROMIUM):
            pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def player(tmp_path, layer=CLASSIC, view="gather", values=True, **options):
    x, w = sample_values(layer, 0) if values else (None, None)
    s = scene.build(layer, view, x, w)
    path = tmp_path / "player.html"
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(view=view, format="html", **options))
    path.write_bytes(stream.getvalue())
    return s, path


def open_page(browser, path):
    """The page, with every console message, page error and request it made."""
    page = browser.new_page(viewport={"width": 900, "height": 900})
    seen = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri())
    return page, seen


def fills(page, plane: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#plane-{plane} polygon.cell", "cells => cells.map(c => c.getAttribute('fill'))"
    )


def expected_fills(s: scene.Scene, n: int, plane: str) -> list[str]:
    state = plane_state(s.states(s.frame(n))[plane])
    return [colour(FILL_COLOURS[f]) for f in state.fills.ravel()]


def frame_number(page) -> str:
    return page.inner_text("#frame-number")


def test_loads_from_disk_with_no_errors_and_no_network(browser, tmp_path):
    s, path = player(tmp_path)
    page, seen = open_page(browser, path)
    assert frame_number(page) == "frame 1 / 25"
    assert seen["errors"] == [] and [m for m in seen["console"] if m[0] == "error"] == []
    assert seen["requests"] == [path.as_uri()]  # the file itself, nothing else
    for plane in ("lower", "upper"):
        assert fills(page, plane) == expected_fills(s, 0, plane)
    html = path.read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    page.close()


def test_stepping_shows_the_scenes_frames(browser, tmp_path):
    s, path = player(tmp_path, RECTANGLE, "scatter")
    page, seen = open_page(browser, path)
    count = s.frame_count
    for n in (1, 2):
        page.keyboard.press("ArrowRight")
        assert frame_number(page) == f"frame {n + 1} / {count}"
        assert fills(page, "upper") == expected_fills(s, n, "upper")
        assert fills(page, "lower") == expected_fills(s, n, "lower")
    page.keyboard.press("End")
    assert frame_number(page) == f"frame {count} / {count}"
    assert fills(page, "upper") == expected_fills(s, count - 1, "upper")
    numbers = page.eval_on_selector_all(
        "#plane-upper .texts > g",
        "gs => gs.map(g => "
        "Array.from(g.querySelectorAll('text')).map(t => "
        "t.textContent).join(''))",
    )
    frame = s.frame(count - 1)
    shown = frame.upper_numbers.ravel()
    subs = np.full(shown.size, np.nan)
    subs[[r * s.upper.shape[1] + c for r, c in frame.marks]] = frame.weights
    assert numbers == [
        "" if np.isnan(v) else number_text(v) + ("" if np.isnan(sub) else number_text(sub))
        for v, sub in zip(shown, subs)
    ]
    page.keyboard.press("ArrowLeft")  # back: a frame rebuilt from the first one
    assert fills(page, "upper") == expected_fills(s, count - 2, "upper")
    page.keyboard.press("Home")
    assert frame_number(page) == f"frame 1 / {count}"
    assert fills(page, "upper") == expected_fills(s, 0, "upper")
    page.fill("#scrub", "4")
    page.dispatch_event("#scrub", "input")
    assert frame_number(page) == f"frame 5 / {count}"
    assert fills(page, "lower") == expected_fills(s, 4, "lower")
    assert seen["errors"] == []
    page.close()


def cell_texts(page, plane: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#plane-{plane} .texts > g",
        "gs => gs.map(g => "
        "Array.from(g.querySelectorAll('text')).map(t => "
        "t.textContent).join(''))",
    )


def expected_texts(s: scene.Scene, n: int, plane: str) -> list[str]:
    """Each cell's number (and subscript), else its role's glyph."""
    roles = getattr(s, plane).roles
    out = [p.LOOKS[scene.Role(role)].glyph or "" for role in roles.ravel()]
    for row, col, main, sub in s.states(s.frame(n))[plane].labels():
        out[row * roles.shape[1] + col] = main + (sub or "")
    return out


@pytest.mark.parametrize("values", [False, True])
def test_glyphs_dots_and_kernels_as_the_svg_draws_them(browser, tmp_path, values):
    s, path = player(tmp_path, ODD, values=values)
    page, seen = open_page(browser, path)
    inserted = int((s.lower.roles == scene.Role.INSERTED).sum())
    for n in (0, 4, s.frame_count - 1):  # a "0" in each inserted zero not under a number
        page.evaluate(f"window.tconvPlayer.show({n})")
        for plane in ("lower", "upper"):
            assert cell_texts(page, plane) == expected_texts(s, n, plane), (n, plane)
        if not values:  # under the kernel an inserted zero's 0 carries its tap's name
            assert sum(t[:1] == "0" for t in cell_texts(page, "lower")) == inserted
    dotted = page.eval_on_selector_all(
        "#plane-lower .dots > path",
        "ps => ps.flatMap((p, i) => p.getAttribute('display') === 'inline' ? [i] : [])",
    )
    assert dotted == np.flatnonzero(s.lower.roles == scene.Role.OUTPUT_PADDING).tolist()
    assert (
        page.eval_on_selector_all(
            "#plane-lower .hatches > path",
            "ps => ps.filter(p => p.getAttribute('display') === 'inline').length",
        )
        == 0
    )
    period = page.get_attribute("#plane-lower .dots", "fill")
    assert page.locator(f"pattern#{period[5:-1]} > rect").count() == 1
    kernels = page.eval_on_selector_all(
        "g.kernel",
        "gs => gs.map(g => [g.querySelectorAll("
        "'polygon').length, Array.from(g.querySelectorAll("
        "'text')).map(t => t.textContent).join('')])",
    )
    w = s.kernels[0].values
    assert kernels == [
        [9, "abcdefghi" if w is None else "".join(map(number_text, w.ravel()))],
        [9, "ihgfedcba" if w is None else "".join(map(number_text, w[::-1, ::-1].ravel()))],
    ]
    # the connectors lie over the lower plane's cells, under its numbers
    order = page.evaluate(
        "Array.from(document.getElementById('plane-lower').children)"
        ".map(e => e.id || e.getAttribute('class'))"
    )
    assert order == ["cells", "hatches", "dots", "edges", "connectors", "texts"]
    assert seen["errors"] == []
    page.close()


def test_play_and_pause(browser, tmp_path):
    s, path = player(tmp_path, values=False, fps=50, frame=3)
    page, _ = open_page(browser, path)
    assert frame_number(page) == "frame 3 / 25"  # opens at --frame
    page.click("#play")
    page.wait_for_function("document.body.dataset.frame > 6")
    page.keyboard.press(" ")  # space pauses
    assert page.get_attribute("body", "data-playing") == "false"
    stopped = frame_number(page)
    page.wait_for_timeout(150)
    assert frame_number(page) == stopped
    n = int(re.match(r"frame (\d+)", stopped)[1]) - 1
    assert fills(page, "upper") == expected_fills(s, n, "upper")
    page.keyboard.press(" ")
    assert page.get_attribute("body", "data-playing") == "true"
    page.click("#play")
    assert page.get_attribute("body", "data-playing") == "false"
    page.close()


def highlighted(page) -> tuple[list[str], list[str]]:
    cells = page.eval_on_selector_all(
        "#highlights polygon",
        "ps => ps.map(p => [p.getAttribute('class'), p.dataset.plane + ':' + p.dataset.cell])",
    )
    return (
        sorted(c for kind, c in cells if kind == "hl-target"),
        sorted(c for kind, c in cells if kind == "hl-source"),
    )


def highlighted_taps(page) -> list[str]:
    """The taps outlined in the panel of the kernel that slides, "row,col"."""
    return sorted(
        page.eval_on_selector_all("#highlights polygon.hl-tap", "ps => ps.map(p => p.dataset.cell)")
    )


@pytest.mark.parametrize(("layer", "view"), [(CLASSIC, "gather"), (CROPPED, "scatter")])
def test_hovering_an_output_cell_shows_where_it_comes_from(browser, tmp_path, layer, view):
    s, path = player(tmp_path, layer, view)
    page, seen = open_page(browser, path)
    found = scene.provenance(s)
    cells = [c for c, source in found.items() if len(source.terms) > 1][:3]
    cells += [c for c, source in found.items() if source.index is None][:1]
    for row, col in cells:
        page.hover(f'#plane-upper polygon.cell[data-cell="{row},{col}"]', force=True)
        source = found[(row, col)]
        assert highlighted(page) == (
            [f"upper:{row},{col}"],
            sorted(f"lower:{r},{c}" for r, c in {t.source for t in source.terms}),
        )
        assert highlighted_taps(page) == sorted(
            f"{r},{c}" for r, c in {t.tap for t in source.terms}
        )
        text = page.inner_text("#explain")
        name = (
            "this cropped cell"
            if source.index is None
            else (f"y[{','.join(map(str, source.index))}]")
        )
        products = " + ".join(f"{number_text(t.x)}·{number_text(t.w)}" for t in source.terms)
        assert text.startswith(f"{name} = Σ x·w = ")
        assert f"= {products}\n" in text
        assert text.split("\n")[3 if len(source.terms) > 1 else 2] == (
            f"  = {number_text(source.value)}"
        )
    page.mouse.move(0, 0)
    assert highlighted(page) == ([], []) and page.inner_text("#explain") == ""
    page.click(
        f'#plane-upper polygon.cell[data-cell="{cells[0][0]},{cells[0][1]}"]', force=True
    )  # a tap pins it
    page.mouse.move(0, 0)
    assert highlighted(page)[0] == [f"upper:{cells[0][0]},{cells[0][1]}"]
    assert seen["errors"] == []
    page.close()


def test_without_values_the_formula_names_the_taps(browser, tmp_path):
    s, path = player(tmp_path, values=False)
    page, _ = open_page(browser, path)
    page.hover('#plane-upper polygon.cell[data-cell="1,2"]', force=True)
    assert page.inner_text("#explain") == "y[1,2] = Σ x·w = x[0,1]·w[2,1] + x[1,1]·w[0,1]"
    assert highlighted(page) == (["upper:1,2"], ["lower:1,3", "lower:3,3"])
    page.close()


def test_the_page_embeds_compact_data(tmp_path):
    _, path = player(tmp_path, values=False)
    html = path.read_text()
    blob = re.search(r'<script type="application/json" id="scene-data">(.*?)</script>', html, re.S)[
        1
    ]
    data = json.loads(blob)
    assert len(data["frames"]) == 25
    first, second = data["frames"][:2]
    assert len(first["lower"]["f"]) == 2 * 49  # the first frame whole
    assert len(second["lower"]["f"]) < len(first["lower"]["f"]) / 3  # then what changed
    assert len(html) < 100_000  # the font (17 kB) included


def test_cli_writes_the_player(tmp_path):
    out = tmp_path / "figure.html"
    result = run("animate", "--values", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: 25 frames, 479×523 px, 1 frame a second, the last held 3 s\n"
    )
    result = run("animate", "-o", str(out))
    assert result.exit_code == 1 and "pass --force" in result.stderr
    result = run(
        "animate",
        "--in",
        "64",
        "--cell",
        "12",
        "-o",
        str(tmp_path / "big.html"),
        "--max-frames",
        "20000",
    )  # refused before anything is drawn
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: an HTML player of this picture would be at least ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.html"]


def test_a_notebook_shows_the_player_in_a_frame_of_its_own(browser):
    from tconv_cli import ConvTranspose

    shown = (
        ConvTranspose(kernel_size=3, stride=2, padding=1)
        .scene((3, 3), values=True)
        .player(fps=2)
        ._repr_html_()
    )
    assert shown.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(f"<p>a notebook</p>{shown}")
    player = page.frame_locator("iframe")
    assert player.locator("#frame-number").inner_text() == "frame 1 / 25"
    player.locator("#next").click()
    assert player.locator("#frame-number").inner_text() == "frame 2 / 25"
    assert errors == []
    page.close()


def test_an_animated_svg_plays_in_the_browser(browser, tmp_path):
    s = scene.build(CLASSIC)
    path = tmp_path / "animated.svg"
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(format="svg", animated=True, fps=20))
    path.write_bytes(stream.getvalue())
    page = browser.new_page()
    page.goto(path.as_uri())
    shown = (
        "Array.from(document.querySelectorAll('svg > g > g:has(> animate)'))"
        ".flatMap((g, i) => getComputedStyle(g).display === 'none' ? [] : [i])"
    )
    page.wait_for_function(
        f"(() => {{ const s = {shown}; return s.length === 1 && s[0] >= 3; }})()"
    )  # frame 4 or later, alone
    assert len(page.evaluate(shown)) == 1  # one frame at a time
    page.close()


def test_every_renderer_reads_the_scenes_cell_states():
    s = scene.build(CLASSIC)
    states = s.states(s.frame(7))  # output cell (1, 2): the kernel over rows 1…3, cols 2…4
    lower, upper = states["lower"], states["upper"]
    assert np.argwhere(lower.active).tolist() == [[r, c] for r in (1, 2, 3) for c in (2, 3, 4)]
    assert (lower.box.row0, lower.box.col0, lower.box.row1, lower.box.col1) == (1, 2, 4, 5)
    assert np.argwhere(upper.active).tolist() == [[1, 2]]
    assert (upper.keys.ravel()[:8] == scene.Role.OUTPUT).all()  # done, and now
    assert (upper.keys.ravel()[8:] == scene.Mark.PENDING).all()
    assert (lower.keys == s.lower.roles).all()
    # without values, each cell under the kernel carries its tap's name as in flip(W) (i … a),
    # an inserted zero its 0 with the name as subscript; the other cells no text
    flipped = s.kernels[1].taps
    for (r, c), name in zip([(r, c) for r in (1, 2, 3) for c in (2, 3, 4)], flipped.ravel()):
        zero = s.lower.roles[r, c] == scene.Role.INSERTED
        assert (lower.texts[r, c], lower.seconds[r, c]) == (("0", name) if zero else (name, ""))
    assert (lower.texts[~lower.active] == "").all()


def sum_shown(page) -> str:
    return page.eval_on_selector(
        "#sum", "g => Array.from(g.querySelectorAll('text')).map(t => t.textContent).join('\\n')"
    )


def test_playback_shows_each_frames_sum(browser, tmp_path):
    """Playing, every frame shown carries its running sum, as the scene writes it."""
    s, path = player(tmp_path, fps=20)
    page, seen = open_page(browser, path)
    wrapped = {n: scene.sum_text(s, n) for n in range(s.frame_count)}
    assert sum_shown(page).replace("\n", " ") == wrapped[0]
    page.click("#play")
    page.wait_for_function("document.body.dataset.frame > 5")
    page.click("#play")  # pause
    n = int(page.get_attribute("body", "data-frame")) - 1
    assert n >= 5 and sum_shown(page).replace("\n", " ") == wrapped[n]
    assert seen["errors"] == []
    page.close()


def test_hovering_moves_the_kernels_shadow_and_shows_that_sum(browser, tmp_path):
    s, path = player(tmp_path, frame=3)
    page, seen = open_page(browser, path)
    cols = s.upper.shape[1]
    for row, col in ((3, 4), (0, 0), (4, 1)):
        n = row * cols + col  # gather: frame n computes output cell n
        page.hover(f'#plane-upper polygon.cell[data-cell="{row},{col}"]', force=True)
        assert frame_number(page) == f"frame {n + 1} / {s.frame_count}"
        # the kernel's shadow stands over that cell's window, as the scene's frame n has it
        assert fills(page, "lower") == expected_fills(s, n, "lower")
        assert fills(page, "lower") != expected_fills(s, 2, "lower")
        assert sum_shown(page).replace("\n", " ") == scene.sum_text(s, n)
    page.mouse.move(0, 0)  # leaving: back to the frame shown before
    assert frame_number(page) == f"frame 3 / {s.frame_count}"
    assert fills(page, "lower") == expected_fills(s, 2, "lower")
    assert sum_shown(page).replace("\n", " ") == scene.sum_text(s, 2)
    assert seen["errors"] == []
    page.close()


def test_hovering_outlines_the_weight_in_both_kernel_panels(browser, tmp_path):
    """The formula names w[…] of W; its cell is outlined in W's panel, and the same weight,
    flipped, in flip(W)'s."""
    _, path = player(tmp_path, values=False)
    page, _ = open_page(browser, path)
    page.hover('#plane-upper polygon.cell[data-cell="1,2"]', force=True)
    w_taps = sorted(
        page.eval_on_selector_all("#highlights polygon.hl-w", "ps => ps.map(p => p.dataset.cell)")
    )
    assert w_taps == ["0,1", "2,1"]  # w[2,1] and w[0,1], as the formula says
    assert highlighted_taps(page) == ["0,1", "2,1"]  # flipped: (2−r, 2−c)
    page.close()
