"""Figures for the key-value memory page."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import DIVERGING, GROUP_COLOURS, PALETTE, layout
from components.shared.token_html import VISIBLE


def _label(piece: str, i: int) -> str:
    return f"{i}:{''.join(VISIBLE.get(c, c) for c in piece)}"


def predictions_bar(tokens: list[str], probs: list[float], title: str, presentation: bool = False) -> go.Figure:
    bar = go.Bar(x=probs, y=[repr(t) for t in tokens], orientation="h", marker=dict(color=PALETTE[0]),
                 text=[f"{p:.1%}" for p in probs], textposition="auto",
                 hovertemplate="%{y}: %{x:.2%}<extra></extra>")
    return go.Figure([bar], layout(title, height=320, presentation=presentation,
                                   xaxis=dict(title=dict(text="probability"), tickformat=".0%"),
                                   yaxis=dict(autorange="reversed")))


def before_after(tokens: list[str], before: list[float], after: list[float], presentation: bool = False) -> go.Figure:
    labels = [repr(t) for t in tokens]
    traces = [go.Bar(x=before, y=labels, orientation="h", name="before", marker=dict(color=PALETTE[0])),
              go.Bar(x=after, y=labels, orientation="h", name="after", marker=dict(color=PALETTE[1]))]
    return go.Figure(traces, layout("Next-token probability before and after", height=420,
                                    presentation=presentation, barmode="group",
                                    xaxis=dict(title=dict(text="probability"), tickformat=".0%"),
                                    yaxis=dict(autorange="reversed")))


def neuron_heatmap(coeffs: np.ndarray, neurons: list[int], pieces: list[str], layer: int,
                   presentation: bool = False) -> go.Figure:
    """coeffs: (neurons, tokens) coefficients m of the chosen neurons."""
    limit = float(np.abs(coeffs).max()) or 1.0
    heat = go.Heatmap(z=coeffs, x=[_label(p, i) for i, p in enumerate(pieces)], y=[f"n{n}" for n in neurons],
                      colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit,
                      colorbar=dict(title=dict(text="m")),
                      hovertemplate="neuron %{y}<br>token %{x}<br>m = %{z:.3f}<extra></extra>")
    return go.Figure([heat], layout(f"Layer {layer}: the most active neurons (keys) on each token",
                                    height=max(320, 18 * len(neurons) + 140), presentation=presentation,
                                    yaxis=dict(autorange="reversed", type="category"),
                                    xaxis=dict(type="category", tickangle=-45)))


def attribution_bar(labels: list[str], values: list[float], title: str, presentation: bool = False) -> go.Figure:
    colours = [GROUP_COLOURS["ffn"] if v >= 0 else GROUP_COLOURS["attention"] for v in values]
    bar = go.Bar(x=values, y=labels, orientation="h", marker=dict(color=colours),
                 hovertemplate="%{y}: %{x:+.3f}<extra></extra>")
    return go.Figure([bar], layout(title, height=max(320, 22 * len(labels) + 120), presentation=presentation,
                                   xaxis=dict(title=dict(text="direct contribution to the logit")),
                                   yaxis=dict(autorange="reversed", type="category")))


def update_norms(attn: np.ndarray, ffn: np.ndarray, presentation: bool = False) -> go.Figure:
    layers = list(range(len(attn)))
    traces = [go.Scatter(x=layers, y=attn, name="attention update", mode="lines+markers",
                         line=dict(color=GROUP_COLOURS["attention"], width=3)),
              go.Scatter(x=layers, y=ffn, name="FFN update", mode="lines+markers",
                         line=dict(color=GROUP_COLOURS["ffn"], width=3))]
    return go.Figure(traces, layout("Size of what each layer writes into the residual stream", height=340,
                                    presentation=presentation, xaxis=dict(title=dict(text="layer")),
                                    yaxis=dict(title=dict(text="mean ‖update‖ over tokens"))))
