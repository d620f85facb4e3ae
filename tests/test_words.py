"""One rule for a number's noun (tconv_cli.words), and the messages that use it."""

from __future__ import annotations

from helpers import run

from tconv_cli.words import counted, plural


def test_a_noun_takes_an_s_except_after_one():
    assert [counted(n, "layer") for n in (0, 1, 2)] == ["0 layers", "1 layer", "2 layers"]
    assert plural("prime factor", 3) == "prime factors"
    assert plural("row and column", 1) == "row and column"
    assert plural("row and column", 2) == "rows and columns"


def test_a_weight_of_one_dimension_is_said_so():
    result = run("compute", "--input", "[[1,2]]", "--weight", "[1]")
    assert result.exit_code == 2
    assert "has 1 dimension but --input has 2" in result.stderr, result.stderr


def test_two_rows_and_columns_of_output_padding_read_as_english():
    """The figure's caption: `--op 2` adds two rows and two columns."""
    from tconv_cli import scene
    from tconv_cli.geometry import Axis

    layer = (Axis(3, 3, 3, 1, 1, 1, 2),) * 2
    words = scene.build(layer).explanation
    assert "output_padding 2: 2 more rows and columns at the end" in words, words
