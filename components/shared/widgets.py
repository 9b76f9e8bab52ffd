"""Small Streamlit widgets every page uses."""
from __future__ import annotations

import functools
import html
from typing import Callable, Sequence

import plotly.graph_objects as go
import streamlit as st

from components.shared import glossary, presentation, url_state
from components.shared.params import Param
from components.shared.theme import PLOT_CONFIG, for_presentation

WEIGHT_LABELS = {
    "random": ("Random weights", "gray", "Freshly initialised, untrained: shapes and statistics are real, meanings are not."),
    "illustrative": ("Illustrative numbers", "blue", "Hand-picked toy values chosen to make one idea visible."),
    "analytic": ("Exact counts", "green", "Computed from published model configurations, checked against real torch modules."),
    "trained_here": ("Trained here", "violet", "Starts from random weights and trains live, for the steps shown."),
    "trained": ("Trained model", "orange", "Real weights of a trained language model."),
}


def weights_badge(weights: str) -> None:
    """An honest label of what the numbers in a view are."""
    label, colour, why = WEIGHT_LABELS[weights]
    st.badge(label, color=colour, help=why)


def page_header(title: str, intro: str, weights: str | None) -> None:
    """Title, the weights label (None: a page with no numbers to label, such as the quiz) and a
    one-paragraph intro, with hover help on the glossary terms they use first (components/shared/glossary.py)."""
    glossary.title(title)
    if weights is not None:
        weights_badge(weights)
    glossary.markdown(intro)


def page_start(page: str, title: str, intro: str, weights: str | None, params: Sequence[Param] = ()) -> Callable[[str], str]:
    """A lesson page's start: its header (page_header), its controls' values restored from the URL
    (`params`; a page that restores them another way passes none), and the function that names a
    control's session-state key on this page (`k("d_ff")`)."""
    page_header(title, intro, weights)
    if params:
        url_state.restore(page, params)
    return functools.partial(url_state.key, page)


def plot(fig: go.Figure, caption: str, key: str | None = None) -> None:
    """A plotly chart in the session's style (presentation sizes, the download format chosen) with
    its caption right below it: what the figure shows, in words, for readers who cannot see it.
    Every chart on every page goes through here (tests/components/shared/test_figure_captions.py)."""
    if not isinstance(caption, str) or len(caption.split()) < 4:
        raise ValueError(f"a figure needs a caption that says in words what it shows, got {caption!r}")
    if presentation.is_on():
        fig = for_presentation(fig)
    config = {**PLOT_CONFIG, "toImageButtonOptions": {**PLOT_CONFIG["toImageButtonOptions"],
                                                      "format": presentation.download_format()}}
    st.plotly_chart(fig, config=config, key=key)
    # escaped: a caption may quote the user's text or the model's tokens
    glossary.caption(html.escape(caption, quote=False))


def text_or_stop(page: str, params, label: str, *, max_chars: int, height: int, help: str, when_empty: str) -> str:
    """The page's text box (its URL parameter `text`); an empty or blank text shows `when_empty` and
    ends the page there, with its URL state published."""
    st.text_area(label, key=url_state.key(page, "text"), max_chars=max_chars, height=height, help=help)
    text = url_state.value(page, "text")
    if not text.strip():
        st.info(when_empty)
        url_state.publish(page, params)
        st.stop()
    return text
