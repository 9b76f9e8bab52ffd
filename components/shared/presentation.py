"""Classroom presentation mode: big type everywhere, plotly included, a collapsed
sidebar, and figure downloads in the format a teacher's slides need.

The mode is session-wide (it survives page changes) and mirrored in the URL as
`present=true`, so a teacher can bookmark it.
"""
from __future__ import annotations

import streamlit as st

from components.shared import theme
from components.shared.params import BoolParam, ChoiceParam

PRESENT = BoolParam("present", False)
DOWNLOAD = ChoiceParam("download", "png", options=["png", "svg"])
_STATE = {PRESENT.name: "presentation.on", DOWNLOAD.name: "presentation.download"}

CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], label, [data-testid="stMetricLabel"] { font-size: 1.15rem !important; }
[data-testid="stMetricValue"] { font-size: 2.6rem !important; }
h1 { font-size: 3.2rem !important; } h2 { font-size: 2.4rem !important; } h3 { font-size: 1.9rem !important; }
[data-testid="stSidebarContent"] [data-testid="stCaptionContainer"] { display: none; }
[data-testid="stToolbar"] { display: none; }
.block-container { padding-top: 3rem; max-width: 96vw; }
</style>
"""


def init() -> bool:
    """Read the URL once per session; return whether presentation mode is on."""
    for param in (PRESENT, DOWNLOAD):
        key = _STATE[param.name]
        if key not in st.session_state:
            st.session_state[key] = param.parse(st.query_params.get(param.name))[0]
    return is_on()


def is_on() -> bool:
    return bool(st.session_state.get(_STATE[PRESENT.name], False))


def download_format() -> str:
    return st.session_state.get(_STATE[DOWNLOAD.name], "png")


def controls() -> None:
    st.toggle("Presentation mode", key=_STATE[PRESENT.name],
              help="Large type and figures for a projector; bookmark the URL to start in it.")
    st.segmented_control("Figure download format", ["png", "svg"], key=_STATE[DOWNLOAD.name], required=True,
                         format_func=str.upper, help="The camera icon on every figure saves it in this format.")


def apply() -> None:
    """The page's own CSS: accessible colours always (theme.PAGE_CSS), large type when presenting."""
    st.html(theme.PAGE_CSS + (CSS if is_on() else ""))


def publish() -> None:
    """Keep the URL in step: `present=true` while on, absent while off (likewise the format)."""
    for param, default in ((PRESENT, False), (DOWNLOAD, "png")):
        value = st.session_state[_STATE[param.name]]
        if value == default:
            if param.name in st.query_params:
                del st.query_params[param.name]
        elif st.query_params.get(param.name) != param.serialize(value):
            st.query_params[param.name] = param.serialize(value)
