"""Cached views of the activation-functions page: model/ results and the figures built from them.

Building a plotly figure costs 20-40 ms, more than the computation behind most
of ours, so figures are cached by their inputs with `st.cache_resource` (shared,
never copied). Nothing mutates a cached figure: st.plotly_chart serialises it.
"""
from __future__ import annotations

import streamlit as st

from components.activations import figures as af
from model.ffn import curves, hidden_stats
from model.ffn.activations import GLU_LABELS, GLU_VARIANTS, get


@st.cache_resource(max_entries=64, show_spinner=False)
def curves_figure(names: tuple[str, ...], x_range: float, derivative: bool):
    data = curves.curves(list(names), -x_range, x_range)
    return af.activation_curves(data, list(names), show_derivative=derivative)


@st.cache_resource(max_entries=4, show_spinner=False)
def gelu_figures():
    return (af.gelu_exact_vs_tanh(curves.curves(["gelu", "gelu_tanh"], -4.0, 4.0)),
            af.near_zero(curves.curves(["relu", "gelu"], -3.0, 2.0)))


@st.cache_resource(max_entries=8, show_spinner=False)
def glu_figure(glu: str):
    act = GLU_VARIANTS[glu]
    return af.glu_heatmap(*curves.glu_surface(act), title=f"{GLU_LABELS[glu]}: {get(act).label}(g) × u")


def live_title(n_tokens: int, kind: str) -> str:
    """The live FFN histogram's title."""
    label = get(kind).label if kind not in GLU_VARIANTS else GLU_LABELS[kind]
    return f"Hidden coefficients of {n_tokens} random tokens ({label})"


@st.cache_resource(max_entries=64, show_spinner=False)
def random_ffn(d_model: int, d_ff: int, kind: str, n_tokens: int, seed: int, title: str):
    stats = hidden_stats.random_ffn_hidden(d_model, d_ff, kind, n_tokens, seed)
    return stats, af.hidden_histogram(stats.counts, stats.edges, title)
