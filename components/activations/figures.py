"""Figures for the activation-functions page. Pure: arrays in, plotly figure out."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.histogram import signed_histogram
from components.shared.theme import DIVERGING, PALETTE, layout, stacked_rows
from model.ffn.activations import ACTIVATIONS

DEAD_ZONE = "#D55E00"


def activation_curves(data: dict[str, np.ndarray], names: list[str], *, show_derivative: bool,
                      mark_dead_zone: bool = True) -> go.Figure:
    """f(x) for each activation; with `show_derivative`, f'(x) in a second panel."""
    x = data["x"]
    traces = []
    for i, name in enumerate(names):
        colour, label = PALETTE[i % len(PALETTE)], ACTIVATIONS[name].label
        traces.append(go.Scatter(x=x, y=data[name], name=label, legendgroup=name,
                                 line=dict(color=colour, width=3)))
        if show_derivative:
            traces.append(go.Scatter(x=x, y=data[name + "'"], name=label + " ′", legendgroup=name,
                                     showlegend=False, xaxis="x2", yaxis="y2",
                                     line=dict(color=colour, width=3, dash="dot")))
    rows = ["f(x)", "f′(x)"] if show_derivative else ["f(x)"]
    extra = stacked_rows(rows)
    if mark_dead_zone and "relu" in names and x[0] < 0:
        extra["shapes"] = [dict(type="rect", xref="x", yref=f"{y} domain", x0=x[0], x1=min(0.0, x[-1]),
                                y0=0, y1=1, fillcolor=DEAD_ZONE, opacity=0.08, line_width=0)
                           for y in ("y", "y2")[: len(rows)]]
        extra.setdefault("annotations", []).append(
            dict(x=x[0], y=1.0, xref="x", yref="y domain", xanchor="left", yanchor="top", showarrow=False,
                 text="ReLU: gradient exactly 0 here", font=dict(color=DEAD_ZONE)))
    return go.Figure(traces, layout(f"Activation functions{' and their derivatives' if show_derivative else ''}",
                                    height=300 + 200 * (len(rows) - 1),
                                    hovermode="x unified", **extra))


def gelu_exact_vs_tanh(data: dict[str, np.ndarray]) -> go.Figure:
    """Exact GELU against its tanh approximation, and their (tiny) difference."""
    x = data["x"]
    traces = [
        go.Scatter(x=x, y=data["gelu"], name="exact (erf)", line=dict(width=4, color=PALETTE[0])),
        go.Scatter(x=x, y=data["gelu_tanh"], name="tanh approx.", line=dict(width=2, dash="dash", color=PALETTE[1])),
        go.Scatter(x=x, y=data["gelu"] - data["gelu_tanh"], name="exact − tanh", xaxis="x2", yaxis="y2",
                   line=dict(color=PALETTE[3])),
    ]
    extra = stacked_rows(["GELU: exact vs tanh approximation", "exact − tanh"])
    extra["yaxis2"]["exponentformat"] = "e"
    return go.Figure(traces, layout(None, height=420, **extra))


def near_zero(data: dict[str, np.ndarray]) -> go.Figure:
    """ReLU and GELU where they differ: GELU dips below zero and bends smoothly."""
    x = data["x"]
    i = int(np.argmin(data["gelu"]))
    traces = [
        go.Scatter(x=x, y=data["relu"], name="ReLU", line=dict(width=3, color=PALETTE[3])),
        go.Scatter(x=x, y=data["gelu"], name="GELU", fill="tonexty", fillcolor="rgba(0,114,178,0.15)",
                   line=dict(width=3, color=PALETTE[0])),
    ]
    note = dict(x=x[i], y=data["gelu"][i], text=f"min {data['gelu'][i]:.3f} at x = {x[i]:.2f}",
                showarrow=True, ay=40)
    return go.Figure(traces, layout("Zoom near zero: GELU dips below ReLU", height=340,
                                    xaxis=dict(title=dict(text="x")),
                                    annotations=[note]))


def glu_heatmap(g: np.ndarray, u: np.ndarray, z: np.ndarray, title: str) -> go.Figure:
    """act(g)·u over the (gate, up) plane, zero in white."""
    limit = float(np.abs(z).max()) or 1.0
    heat = go.Heatmap(x=g, y=u, z=z, colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit,
                      colorbar=dict(title=dict(text="output")),
                      hovertemplate="gate %{x:.2f}<br>up %{y:.2f}<br>out %{z:.3f}<extra></extra>")
    return go.Figure([heat], layout(title, height=380,
                                    xaxis=dict(title=dict(text="gate pre-activation g")),
                                    yaxis=dict(title=dict(text="up projection u"))))


def hidden_histogram(counts: np.ndarray, edges: np.ndarray, title: str) -> go.Figure:
    return signed_histogram(counts, edges, title, "hidden coefficient", "count")
