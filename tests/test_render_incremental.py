"""Frames are drawn incrementally (only what changed is repainted, connectors are moved, each
written file holds only the rectangle that changed): every frame must still be exactly the
frame drawn alone, on a fresh canvas, whatever the layer, view, style and format."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import transposed_layers
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tconv_cli import scene
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
    """`raster.OVER_LINE` against the rule written out: a connector's ink over a pixel's fill,
    at the pixel's own line level where that is stronger."""
    from tconv_cli.render.raster import FAINT_INK, LEVELS, LINE_INK, OVER_LINE, PER_FILL

    entries, levels = np.meshgrid(np.arange(256), np.arange(1, LEVELS + 1), indexing="ij")
    fill, code = np.divmod(entries, PER_FILL)
    on_line = (code >= LINE_INK) & (code < FAINT_INK)
    ink = np.where(on_line, np.maximum(levels, code - LINE_INK + 1), levels)
    expected = np.minimum(fill * PER_FILL + LINE_INK + ink - 1, 255)
    assert np.array_equal(OVER_LINE[:, 1:], expected)
    assert OVER_LINE[LINE_INK + LEVELS - 1, 1] == LINE_INK + LEVELS - 1  # a solid edge stays


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
