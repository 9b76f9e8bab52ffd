"""HTML tables without pandas: escaped cells, aligned numbers, links."""
import pytest

from components.shared.tables import cell_text, html_table, shape_columns
from testkit.apptest import TableReader


def _read(markup: str) -> TableReader:
    reader = TableReader()
    reader.feed(markup)
    return reader


def test_cells_are_escaped_never_markup():
    markup = html_table({"token": ["<script>alert(1)</script>", "a & b", '" onmouseover="x']})
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert _read(markup).rows[1:] == [["<script>alert(1)</script>"], ["a & b"], ['" onmouseover="x']]


def test_numbers_are_formatted_and_right_aligned():
    markup = html_table({"name": ["x", "y"], "count": [1234567, 2], "score": [0.12345, -2.0]})
    assert _read(markup).rows == [["name", "count", "score"], ["x", "1,234,567", "0.123"], ["y", "2", "-2.000"]]
    assert markup.count("text-align:right") == 2 * 3  # two numeric columns: header and two rows


def test_links_escape_their_target_and_show_the_given_text():
    markup = html_table({"card": ['neurons?layer=1&neuron=2"><b>']}, links={"card": "open card"})
    reader = _read(markup)
    assert reader.rows[1] == ["open card"] and reader.hrefs == ['neurons?layer=1&neuron=2"><b>']
    assert "<b>" not in markup


def test_columns_must_be_the_same_length():
    with pytest.raises(ValueError, match="differ in length"):
        html_table({"a": [1, 2], "b": [1]})


def test_cell_text():
    assert [cell_text(v) for v in (True, 3, 2.5, "s")] == ["True", "3", "2.500", "s"]


def test_a_shape_walk_reads_the_same_everywhere():
    walk = [("input x", (2, 8, 64)), ("up_proj(x)", (2, 8, 256))]
    assert _read(html_table(shape_columns(walk))).rows == [["after", "shape"], ["input x", "(2, 8, 64)"],
                                                           ["up_proj(x)", "(2, 8, 256)"]]
