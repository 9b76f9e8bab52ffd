"""Small tables as escaped HTML, without pandas.

`st.table` and `st.dataframe` convert their data through pandas and pyarrow, which
cost every server process 67 MB of resident memory (and a second to import on first
use) for tables of a few dozen rows. These tables are plain HTML in Streamlit's own
Markdown style instead: every cell is escaped, so text from the vocabulary or the
user is shown, never interpreted.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import streamlit as st

SHORT = 16  # characters: a cell this short is never broken across lines


def cell_text(value) -> str:
    """Integers with thousands separators, other numbers to 3 decimals, the rest as str."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        return f"{float(value):.3f}"
    return str(value)


def _is_numeric(values: Sequence) -> bool:
    return bool(values) and all(isinstance(v, Real) and not isinstance(v, bool) for v in values)


def html_table(columns: Mapping[str, Sequence], links: Mapping[str, str] | None = None) -> str:
    """<table> markup for equal-length columns. `links` maps a column whose values are
    URLs to the text each link shows. Numeric columns are right-aligned."""
    links = links or {}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns differ in length: {sorted(lengths)}")
    right = {name for name, values in columns.items() if _is_numeric(values)}

    def style(name: str, text: str) -> str:
        # Labels and numbers stay on one line; long text wraps anywhere rather than
        # widening the table past its column (a token such as '\n\t\t\t' has no spaces).
        wrap = "white-space:nowrap" if name in right or len(text) <= SHORT else "overflow-wrap:anywhere"
        return wrap + (";text-align:right" if name in right else "")

    def td(name: str, value) -> str:
        text = cell_text(value)
        if name in links:
            inner = f'<a href="{html.escape(text, quote=True)}" target="_self">{html.escape(links[name])}</a>'
        else:
            inner = html.escape(text)
        return f'<td style="{style(name, text)}">{inner}</td>'

    head = "".join(f'<th style="{style(name, name)}">{html.escape(name)}</th>' for name in columns)
    rows = "".join("<tr>" + "".join(td(name, columns[name][i]) for name in columns) + "</tr>"
                   for i in range(lengths.pop() if lengths else 0))
    # tabindex: a table wider than its column scrolls, and keyboard users scroll it by focusing it
    return (f'<div style="overflow-x:auto" tabindex="0"><table style="font-variant-numeric:tabular-nums">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def table(columns: Mapping[str, Sequence], links: Mapping[str, str] | None = None) -> None:
    st.markdown(html_table(columns, links), unsafe_allow_html=True)


def shape_columns(walk: Sequence[tuple[str, tuple[int, ...]]]) -> dict[str, list[str]]:
    """The columns of a shape walk, (step, shape) pairs: the tensor's shape after each step."""
    return {"after": [step for step, _ in walk], "shape": [str(shape) for _, shape in walk]}


def shape_table(walk: Sequence[tuple[str, tuple[int, ...]]]) -> None:
    """Every page's table of the shapes a run went through, with the same headings."""
    table(shape_columns(walk))
