"""Figures for the key-value memory page."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import DIVERGING, GROUP_COLOURS, PALETTE, layout, stacked_rows
from components.shared.token_html import shown


def predictions_bar(tokens: list[str], probs: list[float], title: str) -> go.Figure:
    bar = go.Bar(x=probs, y=[repr(t) for t in tokens], orientation="h", marker=dict(color=PALETTE[0]),
                 text=[f"{p:.1%}" for p in probs], textposition="auto",
                 hovertemplate="%{y}: %{x:.2%}<extra></extra>")
    return go.Figure([bar], layout(title, height=320,
                                   xaxis=dict(title=dict(text="probability"), tickformat=".0%"),
                                   yaxis=dict(autorange="reversed")))


def before_after(tokens: list[str], before: list[float], after: list[float]) -> go.Figure:
    labels = [repr(t) for t in tokens]
    traces = [go.Bar(x=before, y=labels, orientation="h", name="before", marker=dict(color=PALETTE[0])),
              go.Bar(x=after, y=labels, orientation="h", name="after", marker=dict(color=PALETTE[1]))]
    return go.Figure(traces, layout("Next-token probability before and after", height=420, barmode="group",
                                    xaxis=dict(title=dict(text="probability"), tickformat=".0%"),
                                    yaxis=dict(autorange="reversed")))


def neuron_heatmap(coeffs: np.ndarray, neurons: list[int], pieces: list[str], layer: int) -> go.Figure:
    """coeffs: (neurons, tokens) coefficients m of the chosen neurons."""
    limit = float(np.abs(coeffs).max()) or 1.0
    heat = go.Heatmap(z=coeffs, x=[f"{i}:{shown(p)}" for i, p in enumerate(pieces)], y=[f"n{n}" for n in neurons],
                      colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit,
                      colorbar=dict(title=dict(text="m")),
                      hovertemplate="neuron %{y}<br>token %{x}<br>m = %{z:.3f}<extra></extra>")
    return go.Figure([heat], layout(f"Layer {layer}: the most active neurons (keys) on each token",
                                    height=max(320, 18 * len(neurons) + 140),
                                    yaxis=dict(autorange="reversed", type="category"),
                                    xaxis=dict(type="category", tickangle=-45)))


def attribution_bar(labels: list[str], values: list[float], title: str,
                    x_title: str = "direct contribution to the logit") -> go.Figure:
    colours = [GROUP_COLOURS["ffn"] if v >= 0 else GROUP_COLOURS["attention"] for v in values]
    bar = go.Bar(x=values, y=labels, orientation="h", marker=dict(color=colours),
                 hovertemplate="%{y}: %{x:+.3f}<extra></extra>")
    return go.Figure([bar], layout(title, height=max(320, 22 * len(labels) + 120),
                                   xaxis=dict(title=dict(text=x_title)),
                                   yaxis=dict(autorange="reversed", type="category")))


def lens_figure(lens, top_labels: list[str], target: str) -> go.Figure:
    """Two rows on one layer axis: p(target) if the model stopped after each sub-layer (the logit
    lens), and what each attention and each FFN wrote into the target's centred logit."""
    n_layers = len(lens.ffn)
    xs = [-0.6] + [layer + offset for layer in range(n_layers) for offset in (-0.2, 0.2)]
    hover = [f"after {stage}: p = {p:.2%}, rank {r:,}, top guess {t!r}"
             for stage, p, r, t in zip(lens.stages, lens.prob.tolist(), lens.rank.tolist(), top_labels)]
    colours = ["#999999"] + [GROUP_COLOURS["attention"], GROUP_COLOURS["ffn"]] * n_layers
    layers = list(range(n_layers))
    traces = [
        go.Scatter(x=xs, y=lens.prob.clamp_min(1e-6).tolist(), mode="lines+markers", name=f"p({target!r})",
                   line=dict(color="#555555", width=2), marker=dict(color=colours, size=8),
                   hovertext=hover, hoverinfo="text"),
        go.Bar(x=[x - 0.2 for x in layers], y=lens.attention.tolist(), width=0.38, name="attention wrote",
               marker=dict(color=GROUP_COLOURS["attention"]), xaxis="x2", yaxis="y2",
               hovertemplate="attention of layer %{customdata}: %{y:+.2f}<extra></extra>", customdata=layers),
        go.Bar(x=[x + 0.2 for x in layers], y=lens.ffn.tolist(), width=0.38, name="FFN wrote",
               marker=dict(color=GROUP_COLOURS["ffn"]), xaxis="x2", yaxis="y2",
               hovertemplate="FFN of layer %{customdata}: %{y:+.2f}<extra></extra>", customdata=layers),
    ]
    extra = stacked_rows([f"p({target!r}) if the model stopped after each sub-layer (log scale)",
                          f"what each layer wrote into the centred logit of {target!r}"], x_title="layer")
    # below one in a million the curve only says "not yet": the axis stops there (hover keeps the value)
    extra["yaxis"].update(type="log", range=[-6.2, 0.05], tickvals=[1e-6, 1e-4, 1e-2, 1],
                          ticktext=["≤0.0001%", "0.01%", "1%", "100%"], title=dict(text="probability"))
    extra["yaxis2"].update(title=dict(text="direct part"), zeroline=True)
    extra["xaxis2"].update(dtick=1 if n_layers <= 32 else 4, range=[-1, n_layers])
    return go.Figure(traces, layout(None, height=560, barmode="overlay",
                                    legend=dict(orientation="h", y=-0.12), **extra))


def update_norms(attn: np.ndarray, ffn: np.ndarray) -> go.Figure:
    layers = list(range(len(attn)))
    traces = [go.Scatter(x=layers, y=attn, name="attention update", mode="lines+markers",
                         line=dict(color=GROUP_COLOURS["attention"], width=3)),
              go.Scatter(x=layers, y=ffn, name="FFN update", mode="lines+markers",
                         line=dict(color=GROUP_COLOURS["ffn"], width=3))]
    return go.Figure(traces, layout("Size of what each layer writes into the residual stream", height=340,
                                    xaxis=dict(title=dict(text="layer")),
                                    yaxis=dict(title=dict(text="mean ‖update‖ over tokens"))))


def lens_pair(curves: list[tuple[str, str, object]]) -> go.Figure:
    """Several models' logit lens on one axis of depth: for each (model name, its predicted token,
    its logit_lens.Lens), p(token) after every sub-layer, placed at its share of the model's depth
    (0 = the embedding, 1 = after the last FFN), so models with different numbers of layers meet."""
    traces = []
    for i, (name, token, lens) in enumerate(curves):
        n = len(lens.stages) - 1
        hover = [f"{name}, after {stage} (depth {j / n:.0%}): p({token!r}) = {p:.2%}, rank {r + 1:,}"
                 for j, (stage, p, r) in enumerate(zip(lens.stages, lens.prob.tolist(), lens.rank.tolist()))]
        traces.append(go.Scatter(x=[j / n for j in range(n + 1)], y=lens.prob.clamp_min(1e-6).tolist(),
                                 mode="lines+markers", name=f"{name}: p({token!r})",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2,
                                           dash="solid" if i == 0 else "dash"),
                                 marker=dict(size=5, symbol="circle" if i == 0 else "diamond"),
                                 hovertext=hover, hoverinfo="text"))
    return go.Figure(traces, layout("Where each model's prediction forms", height=380,
                                    legend=dict(orientation="h", y=-0.25),
                                    xaxis=dict(title=dict(text="share of the model's depth (0 = embedding, "
                                                               "1 = after its last FFN)"), tickformat=".0%",
                                               range=[-0.02, 1.02]),
                                    yaxis=dict(type="log", range=[-6.2, 0.05], tickvals=[1e-6, 1e-4, 1e-2, 1],
                                               ticktext=["≤0.0001%", "0.01%", "1%", "100%"],
                                               title=dict(text="probability (log scale)"))))
