"""Figures for the anatomy page: down_proj's spikes per layer, massive values through the layers,
and kinds of neurons per layer."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import PALETTE, layout


def spikes_figure(max_in: np.ndarray, max_out: np.ndarray, chosen: int | None) -> go.Figure:
    """Each layer's largest |input| (the coefficients m) and |output| of down_proj, on a log axis."""
    layers = list(range(len(max_in)))
    traces = [go.Scatter(x=layers, y=max_in, mode="lines+markers", name="largest |input| (a coefficient m)",
                         marker=dict(color=PALETTE[0]), hovertemplate="layer %{x}: %{y:,.1f}<extra>input</extra>"),
              go.Scatter(x=layers, y=max_out, mode="lines+markers", name="largest |output|",
                         marker=dict(color=PALETTE[1], symbol="diamond"),
                         hovertemplate="layer %{x}: %{y:,.1f}<extra>output</extra>")]
    shapes = [] if chosen is None else [dict(type="line", x0=chosen, x1=chosen, y0=0, y1=1, yref="paper",
                                             line=dict(dash="dot", color="#777777"))]
    return go.Figure(traces, layout("down_proj's largest input and output in each layer, on this text", height=360,
                                    xaxis=dict(title=dict(text="layer"), dtick=1 if len(layers) <= 32 else None),
                                    yaxis=dict(title=dict(text="largest absolute value (log scale)"), type="log"),
                                    shapes=shapes, legend=dict(orientation="h", y=-0.25)))


def massive_figure(values: np.ndarray, medians: np.ndarray, label: str) -> go.Figure:
    """One residual value after every block against the median |value| of that layer's stream."""
    layers = list(range(len(values)))
    traces = [go.Scatter(x=layers, y=np.abs(values), mode="lines+markers", name=f"|{label}|",
                         marker=dict(color=PALETTE[1]), hovertemplate="after layer %{x}: %{y:,.1f}<extra></extra>"),
              go.Scatter(x=layers, y=medians, mode="lines", name="median |value| of the residual stream",
                         line=dict(color=PALETTE[0], dash="dash"),
                         hovertemplate="after layer %{x}: %{y:,.2f}<extra>median</extra>")]
    return go.Figure(traces, layout(f"{label} through the layers", height=340,
                                    xaxis=dict(title=dict(text="after layer")),
                                    yaxis=dict(title=dict(text="absolute value (log scale)"), type="log"),
                                    legend=dict(orientation="h", y=-0.25)))


def kinds_figure(counts: dict[str, list[int]]) -> go.Figure:
    """How many neurons of each kind every layer has."""
    traces = [go.Bar(x=list(range(len(c))), y=c, name=kind, marker=dict(color=PALETTE[i % len(PALETTE)]),
                     hovertemplate=f"layer %{{x}}: %{{y}} {kind} neurons<extra></extra>")
              for i, (kind, c) in enumerate(counts.items())]
    return go.Figure(traces, layout("Kinds of neurons in each layer", height=360, barmode="stack",
                                    xaxis=dict(title=dict(text="layer")),
                                    yaxis=dict(title=dict(text="neurons")), legend=dict(orientation="h", y=-0.25)))
