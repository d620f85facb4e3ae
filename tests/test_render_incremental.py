"""Frames are drawn incrementally (only what changed is repainted, connectors are moved, each
written file holds only the rectangle that changed): every frame must still be exactly the
frame drawn alone, on a fresh canvas, whatever the layer, view, style and format."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import transposed_layers
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from tconv_cli import scene
from tconv_cli.geometry import Axis
from tconv_cli.picture import PictureOptions
from tconv_cli.render import encode
from tconv_cli.render.raster import RasterFrames, frame_image


def _random_values(layer, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(-3, 4, [a.size for a in layer]),
        rng.integers(-3, 4, [a.kernel for a in layer]),
    )


@settings(max_examples=40, deadline=None)
@pytest.mark.slow
@given(
    transposed_layers(max_in=3),
    st.sampled_from(["gather", "scatter", "conv"]),
    st.sampled_from(["arithmetic", "flat"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_frames_drawn_in_turn_are_the_frames_drawn_alone(layer, view, style, values, seed):
    if view == "conv":
        from tconv_cli import geometry as g

        try:
            g.check_conv(layer)
        except g.ParameterError:
            return
    x, w = _random_values(layer, seed) if values else (None, None)
    s = scene.build(layer, view, x, w)
    picture = RasterFrames(s, style, 14, True)
    for n, _ in enumerate(picture.frames()):
        alone = np.asarray(frame_image(s, n, style=style, cell=14))
        assert np.array_equal(picture.canvas, alone), n


def _unshared(picture: RasterFrames) -> RasterFrames:
    """`picture` drawn as before sprites: every cell a class of its own (no sprite serves two
    cells) and no glyph or text inside a sprite (each written after the cells, in turn), as
    when a glyph does not fit its cell (then no glyph has a class)."""
    from tconv_cli.render import raster

    for drawer in picture.planes.values():
        classes = drawer.pixels.classes(drawer.grid.cols)
        classes.of = np.arange(len(classes.of))
        classes.first = list(range(len(classes.of)))
        drawer._class_of = classes.of.tolist()
        drawer._glyph_classes = lambda size=drawer.glyphs.size: (np.full(size, -1), False)
        assert isinstance(drawer, raster._PlaneDrawer)
    return picture


@settings(max_examples=25, deadline=None)
@given(
    transposed_layers(max_in=4, asymmetric=True),
    st.sampled_from(["gather", "scatter"]),
    st.sampled_from(["arithmetic", "flat"]),
    st.sampled_from([None, "integers", "decimals"]),
    st.sampled_from([12, 17, 28]),
    st.integers(0, 2**32 - 1),
)
@example(  # a number spills over the next cell's number: both are written in turn
    (Axis(3, 1, 1, 0, 0, 1, 0),), "gather", "flat", "decimals", 17, 0
)
def test_sprites_draw_what_each_cell_drawn_on_its_own_draws(layer, view, style, values, cell, seed):
    """A cell is drawn from its class's sprite (cells equal up to a whole-pixel move share
    one, with the text or glyph that stays inside the cell): frame after frame the canvas is
    the one drawn with no sprite shared and every text written on its own, large numbers
    that spill into the next cells, patterns under texts and small cells included."""
    rng = np.random.default_rng(seed)
    x = w = None
    if values == "integers":
        x, w = _random_values(layer, seed)
    elif values == "decimals":  # long numbers: in small cells they reach the next cells
        x = np.round(rng.normal(0, 40, [a.size for a in layer]), 2)
        w = np.round(rng.normal(0, 3, [a.kernel for a in layer]), 3)
    s = scene.build(layer, view, x, w)
    drawn = RasterFrames(s, style, cell, True)
    alone = _unshared(RasterFrames(s, style, cell, True))
    for n, (_, _) in enumerate(zip(drawn.frames(), alone.frames())):
        assert np.array_equal(drawn.canvas, alone.canvas), n


@settings(max_examples=8, deadline=None)
@pytest.mark.slow
@given(
    transposed_layers(max_in=3),
    st.sampled_from(["GIF", "PNG", "WEBP"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_every_format_decodes_to_the_frames_drawn_alone(layer, fmt, values, seed):
    x, w = _random_values(layer, seed) if values else (None, None)
    s = scene.build(layer, "gather", x, w)
    stream = io.BytesIO()
    encode.write(s, stream, PictureOptions(format=fmt.lower(), cell=14, max_frames=10**6))
    with Image.open(stream) as image:
        assert image.n_frames == s.frame_count
        for n in range(image.n_frames):
            image.seek(n)
            decoded = np.asarray(image.convert("RGB"))
            alone = np.asarray(frame_image(s, n, cell=14).convert("RGB"))
            assert np.array_equal(decoded, alone), (fmt, n)


def test_a_connector_over_a_line_keeps_the_stronger_ink():
    """`raster.ink_lines` against the rule written out: a connector's ink over a pixel's fill,
    at the pixel's own line level where that is stronger; what it covered is given back."""
    from tconv_cli.render.raster import FAINT_INK, LEVELS, LINE_INK, PER_FILL, ink_lines

    entries, levels = np.meshgrid(np.arange(256), np.arange(1, LEVELS + 1), indexing="ij")
    fill, code = np.divmod(entries, PER_FILL)
    on_line = (code >= LINE_INK) & (code < FAINT_INK)
    ink = np.where(on_line, np.maximum(levels, code - LINE_INK + 1), levels)
    expected = np.minimum(fill * PER_FILL + LINE_INK + ink - 1, 255)
    canvas = entries.astype(np.uint8)  # each entry once for each level
    where = np.arange(canvas.size)
    under = ink_lines(canvas, where, levels.ravel() * 256)
    assert np.array_equal(canvas, expected)
    assert np.array_equal(under, entries.ravel())
    assert expected[LINE_INK + LEVELS - 1, 0] == LINE_INK + LEVELS - 1  # a solid edge stays


@settings(max_examples=15, deadline=None)
@given(
    transposed_layers(max_in=3),
    st.sampled_from(["gather", "scatter"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
    st.data(),
)
def test_a_full_redraw_after_forget_is_the_frame_drawn_in_turn(layer, view, values, seed, data):
    x, w = _random_values(layer, seed) if values else (None, None)
    s = scene.build(layer, view, x, w)
    in_turn = RasterFrames(s, "arithmetic", 14, True)
    frames = [in_turn.canvas.copy() for _ in in_turn.frames()]
    whole = RasterFrames(s, "arithmetic", 14, True)
    for n in data.draw(st.lists(st.integers(0, s.frame_count - 1), min_size=1, max_size=4)):
        whole.forget()
        whole.show(n)
        assert np.array_equal(whole.canvas, frames[n]), n
