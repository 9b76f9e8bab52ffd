"""Figures for the parameter-budget page."""
from __future__ import annotations

import plotly.graph_objects as go

from components.shared.theme import GROUP_COLOURS, layout

GROUP_LABELS = {"embeddings": "Embeddings", "attention": "Attention", "ffn": "FFN",
                "norms": "Norms", "head": "LM head (untied)", "pooler": "Pooler"}
FLOPS_COLOURS = {"attention projections": GROUP_COLOURS["attention"], "attention scores": "#56B4E9",
                 "ffn": GROUP_COLOURS["ffn"], "lm head": GROUP_COLOURS["head"], "pooler": GROUP_COLOURS["pooler"]}


def share_pie(values: dict[str, int], title: str) -> go.Figure:
    """A pie of parameter counts by group; empty groups are left out."""
    items = [(g, v) for g, v in values.items() if v > 0]
    total = sum(v for _, v in items)
    # Label slices big enough to hold text; slivers (norms: ~0.01%) live in the legend and hover.
    text = [f"{GROUP_LABELS[g]}<br>{v / total:.1%}" if v >= 0.03 * total else "" for g, v in items]
    pie = go.Pie(labels=[GROUP_LABELS[g] for g, _ in items], values=[v for _, v in items],
                 marker=dict(colors=[GROUP_COLOURS[g] for g, _ in items]), sort=False, hole=0.35,
                 text=text, textinfo="text", textposition="inside", insidetextorientation="horizontal",
                 hovertemplate="%{label}: %{value:,} parameters (%{percent:.2%})<extra></extra>")
    return go.Figure([pie], layout(title, height=360,
                                   legend=dict(orientation="h", y=-0.05)))


def flops_bar(flops: dict[str, int]) -> go.Figure:
    items = [(k, v) for k, v in flops.items() if v > 0]
    bar = go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h",
                 marker=dict(color=[FLOPS_COLOURS[k] for k, _ in items]),
                 hovertemplate="%{y}: %{x:,.0f} FLOPs<extra></extra>")
    return go.Figure([bar], layout("Forward FLOPs per token", height=300,
                                   xaxis=dict(title=dict(text="FLOPs")), yaxis=dict(autorange="reversed")))
