"""Every figure comes with a caption that says in words what it shows: every chart is drawn by
widgets.plot, which requires one and puts it right below the chart."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(p for folder in ("lessons", "components") for p in (ROOT / folder).rglob("*.py"))
WIDGETS = ROOT / "components" / "shared" / "widgets.py"


def calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            yield node, func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def test_the_scan_sees_the_pages_charts():
    plots = [path for path in SOURCES for _, name in calls(path) if name == "plot"]
    assert len(plots) >= 10, "the scan found too few plot() calls: has widgets.plot been renamed?"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_chart_goes_through_plot_with_a_caption(path):
    for node, name in calls(path):
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name == "plotly_chart":
            assert path == WIDGETS, f"{where} draws a chart directly: use widgets.plot(fig, caption)"
        if name == "plot":
            caption = node.args[1] if len(node.args) > 1 else next(
                (kw.value for kw in node.keywords if kw.arg == "caption"), None)
            assert caption is not None, f"{where}: plot() without a caption"
            if isinstance(caption, ast.Constant):
                assert isinstance(caption.value, str) and len(caption.value.split()) >= 4, f"{where}: {caption.value!r}"


def _page(caption: str) -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from components.shared.widgets import plot

    try:
        plot(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), caption)
    except ValueError as error:
        st.error(str(error))


def _run(caption: str) -> AppTest:
    at = AppTest.from_function(_page, args=(caption,), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_plot_shows_its_caption_below_the_chart():
    at = _run("A line falling from 1 at x = 0 to 0 at x = 1, with <b>tags</b> shown as text.")
    kinds = [type(e).__name__ + ":" + getattr(e, "type", "") for e in at.main]
    assert len(at.get("plotly_chart")) == 1 and len(at.caption) == 1, kinds
    assert "A line falling from 1" in at.caption[0].value
    assert "<b>" not in at.caption[0].value  # markup in a caption is escaped, never rendered


@pytest.mark.parametrize("caption", ["", "   ", "A chart."])
def test_plot_refuses_a_figure_without_a_real_caption(caption):
    at = _run(caption)
    assert not at.get("plotly_chart")
    assert "caption that says in words what it shows" in at.error[0].value
