"""The figure of the explanations' scores per layer."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import PALETTE, layout
from model.lm import explanation_words as ew


def layer_scores_figure(per: ew.LayerScores, q1: np.ndarray, q3: np.ndarray) -> go.Figure:
    """Per layer: the median held-out correlation with its middle half shaded, the shuffled
    explanations' median, and bars for the shares of neurons at or above 0.5 and 0.8."""
    layers = list(range(len(per.median_corr)))
    traces = [
        go.Bar(x=layers, y=per.share_05, name="share of neurons ≥ 0.5 (right axis)", marker=dict(color=PALETTE[2]),
               opacity=0.45, yaxis="y2", hovertemplate="layer %{x}: %{y:.1%} of neurons ≥ 0.5<extra></extra>"),
        go.Bar(x=layers, y=per.share_08, name="share ≥ 0.8 (right axis)", marker=dict(color=PALETTE[3]), opacity=0.9,
               yaxis="y2", hovertemplate="layer %{x}: %{y:.1%} of neurons ≥ 0.8<extra></extra>"),
        go.Scatter(x=layers + layers[::-1], y=list(q3) + list(q1[::-1]), fill="toself", name="middle half",
                   line=dict(width=0), fillcolor="rgba(31,119,180,0.18)", hoverinfo="skip"),
        go.Scatter(x=layers, y=per.median_corr, mode="lines+markers", name="median correlation",
                   marker=dict(color=PALETTE[0]), hovertemplate="layer %{x}: median %{y:.2f}<extra></extra>"),
        go.Scatter(x=layers, y=per.shuffled_median_corr, mode="lines", name="median, shuffled explanations",
                   line=dict(color="#777777", dash="dash"), hovertemplate="layer %{x}: %{y:.2f}<extra>shuffled</extra>"),
    ]
    low = min(-0.05, float(np.min(per.shuffled_median_corr)) - 0.02)
    share_top = max(0.05, float(np.max(per.share_05)) * 1.15)
    return go.Figure(traces, layout("How well each layer's neurons are explained (held-out text)", height=420,
                                    barmode="overlay",
                                    xaxis=dict(title=dict(text="layer"), dtick=2, range=[-0.5, len(layers) - 0.5]),
                                    yaxis=dict(title=dict(text="held-out correlation"), range=[low, 1]),
                                    yaxis2=dict(title=dict(text="share of the layer's neurons"), overlaying="y",
                                                side="right", range=[0, share_top], tickformat=".0%",
                                                showgrid=False),
                                    legend=dict(orientation="h", y=-0.25)))
