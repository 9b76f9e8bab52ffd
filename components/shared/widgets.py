"""Small Streamlit widgets every page uses."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.shared import glossary, presentation
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


def page_header(title: str, intro: str, weights: str) -> None:
    """Title, the weights label and a one-paragraph intro, with hover help on the glossary terms
    they use first (components/shared/glossary.py)."""
    glossary.title(title)
    weights_badge(weights)
    glossary.markdown(intro)


def plot(fig: go.Figure, key: str | None = None) -> None:
    """A plotly chart in the session's style: presentation sizes, and the download format chosen."""
    if presentation.is_on():
        fig = for_presentation(fig)
    config = {**PLOT_CONFIG, "toImageButtonOptions": {**PLOT_CONFIG["toImageButtonOptions"],
                                                      "format": presentation.download_format()}}
    st.plotly_chart(fig, config=config, key=key)
