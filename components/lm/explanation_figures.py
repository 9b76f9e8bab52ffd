"""The figures of the explanations by layer: how well the lines score against the three baselines,
and how many of their neurons' strongest held-out firings they name."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import PALETTE, layout
from model.lm import explanation_words as ew

# (LayerScores field, legend name, colour, dash): the baselines a line's score must be read against
BASELINES = (("shuffled_top_random", "shuffled lines", "#777777", "dash"),
             ("lookup_top_random", "full token look-up table (not a short line)", PALETTE[1], "dot"),
             ("random_init_top_random", "random-weight model's lines", PALETTE[3], "dashdot"))


def _gaps(values: np.ndarray) -> list:
    """NaN (a layer with no line kept by the filter) as a gap in a line."""
    return [None if np.isnan(v) else float(v) for v in values]


def layer_scores_figure(per: ew.LayerScores) -> go.Figure:
    """Per layer: the median line's held-out correlation over top plus random excerpts with the
    middle half shaded, over all held-out tokens, and the three baselines' medians."""
    layers = list(range(per.layers))
    q1, q3 = _gaps(per.q1_top_random), _gaps(per.q3_top_random)
    traces = [
        go.Scatter(x=layers + layers[::-1], y=q3 + q1[::-1], fill="toself", name="middle half of the lines",
                   line=dict(width=0), fillcolor="rgba(31,119,180,0.18)", hoverinfo="skip"),
        go.Scatter(x=layers, y=_gaps(per.median_top_random), mode="lines+markers",
                   name="lines, top + random excerpts (median)", marker=dict(color=PALETTE[0]),
                   hovertemplate="layer %{x}: median %{y:.2f}<extra>lines, top + random</extra>"),
        go.Scatter(x=layers, y=_gaps(per.median_corr), mode="lines", name="lines, all held-out tokens (median)",
                   line=dict(color=PALETTE[0], width=1),
                   hovertemplate="layer %{x}: median %{y:.2f}<extra>lines, all tokens</extra>"),
    ]
    for field, name, colour, dash in BASELINES:
        traces.append(go.Scatter(x=layers, y=_gaps(getattr(per, field)), mode="lines", name=name,
                                 line=dict(color=colour, dash=dash),
                                 hovertemplate=f"layer %{{x}}: %{{y:.2f}}<extra>{name}</extra>"))
    low = min(-0.05, float(np.nanmin([np.nanmin(getattr(per, f)) for f, *_ in BASELINES] + [0.0])) - 0.02)
    title = "Each line's held-out correlation with its own sign, by layer"
    if per.min_named:
        title += f" (lines naming ≥ {per.min_named} of 8 held-out firings)"
    return go.Figure(traces, layout(title, height=420,
                                    xaxis=dict(title=dict(text="layer"), dtick=2, range=[-0.5, per.layers - 0.5]),
                                    yaxis=dict(title=dict(text="held-out correlation (median)"), range=[low, 1]),
                                    legend=dict(orientation="h", y=-0.25)))


def coverage_figure(per: ew.LayerScores) -> go.Figure:
    """Per layer: the share of lines naming none of their neuron's 8 strongest held-out firings
    (bars), and the median share they name, held out and on the card (lines)."""
    layers = list(range(per.layers))
    traces = [
        go.Bar(x=layers, y=_gaps(per.none_held_out), name="lines naming none (held out)",
               marker=dict(color=PALETTE[3]), opacity=0.6,
               hovertemplate="layer %{x}: %{y:.0%} name none<extra></extra>"),
        go.Scatter(x=layers, y=_gaps(per.held_out_coverage), mode="lines+markers",
                   name="named, held-out firings (median)", marker=dict(color=PALETTE[0]),
                   hovertemplate="layer %{x}: %{y:.0%} named<extra>held out</extra>"),
        go.Scatter(x=layers, y=_gaps(per.card_coverage), mode="lines", name="named, the card's firings (median)",
                   line=dict(color=PALETTE[2], dash="dot"),
                   hovertemplate="layer %{x}: %{y:.0%} named<extra>card</extra>"),
        go.Scatter(x=layers, y=_gaps(per.random_init_held_out_coverage), mode="lines",
                   name="random-weight model's lines, held out (median)", line=dict(color="#777777", dash="dash"),
                   hovertemplate="layer %{x}: %{y:.0%} named<extra>random weights</extra>"),
    ]
    return go.Figure(traces, layout("How many of its neuron's 8 strongest firings a line names, by layer", height=400,
                                    xaxis=dict(title=dict(text="layer"), dtick=2, range=[-0.5, per.layers - 0.5]),
                                    yaxis=dict(title=dict(text="share"), range=[0, 1], tickformat=".0%"),
                                    legend=dict(orientation="h", y=-0.25)))
