"""Texts are fitted to their cells by measuring them (`lettering.text_shape`,
`cell_text_shape`) and drawn once, at the size found: the measured shapes must be the drawn
ones, or a text would be fitted at one size and drawn overflowing at another."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tconv_cli.render.layout import lettering
from tconv_cli.render.layout.marks import fit_cell_text
from tconv_cli.render.layout.parts import Grid
from tconv_cli.scene import MINUS

# digits, signs, a decimal point, letters with subscripts, the sum's dot and brackets
characters = st.sampled_from(list("0123456789.+=·()yhwabΣ₀₁₂ ") + [MINUS])
texts = st.text(characters, min_size=1, max_size=12)


@settings(max_examples=120, deadline=None)
@given(
    texts,
    st.one_of(st.none(), texts),
    st.integers(5, 30),
    st.booleans(),
)
@example("0", "=", 8, False)  # a subscript ending above the main text's foot
def test_a_cell_text_is_the_shape_it_was_measured_at(main, second, size, notes):
    assert lettering.cell_text_shape(main, second, size, notes) == (
        lettering.cell_text(main, second, size, notes).shape
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(texts, min_size=1, max_size=3).map("\n".join),
    st.integers(5, 30),
    st.sampled_from(["center", "left", "right"]),
)
def test_a_text_is_the_shape_it_was_measured_at(text, size, align):
    assert lettering.text_shape(text, size, align) == lettering.text_mask(text, size, align).shape


@settings(max_examples=60, deadline=None)
@given(texts, st.one_of(st.none(), texts), st.integers(8, 40), st.integers(8, 20))
def test_a_fitted_text_is_the_largest_drawn_size_that_fits(main, second, cell, size):
    """`fit_cell_text` against fitting by drawing every size from the largest down."""
    grid = Grid(1, 1, (0.0, 0.0), (float(cell), 0.0), (0.0, float(cell)))
    expected = size
    while expected > 6:
        shape = lettering.cell_text(main, second, expected).shape
        if grid.fits(shape[1], shape[0], 1.0):
            break
        expected -= 1
    mask, fitted = fit_cell_text(grid, main, second, size, 1.0)
    assert fitted == expected
    assert (mask == lettering.cell_text(main, second, expected)).all()


def test_a_grid_given_lists_still_answers_whether_a_text_fits():
    """`Grid.fits` keeps its answers by the cell's steps: a grid built with lists (as a
    notebook may) is answered as one built with tuples."""
    as_lists = Grid(1, 1, (0.0, 0.0), [20.0, 0.0], [0.0, 20.0])  # type: ignore[arg-type]
    as_tuples = Grid(1, 1, (0.0, 0.0), (20.0, 0.0), (0.0, 20.0))
    for width, height in ((5, 5), (17, 17), (19, 3)):
        assert as_lists.fits(width, height, 1.0) == as_tuples.fits(width, height, 1.0)
    assert as_lists.fits(5, 5, 1.0) and not as_lists.fits(19, 5, 1.0)
