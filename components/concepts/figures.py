"""Figures for the concept pages (why an FFN, position-wise, gating, MoE)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import DIVERGING, GROUP_COLOURS, NEGATIVE, PALETTE, POSITIVE, layout


def mixing(names: list[str], values: np.ndarray, weights: np.ndarray, output: np.ndarray,
           hull: np.ndarray) -> go.Figure:
    ring = np.vstack([hull, hull[:1]])
    traces = [
        go.Scatter(x=ring[:, 0], y=ring[:, 1], fill="toself", fillcolor="rgba(0,114,178,0.12)", mode="lines",
                   line=dict(color=PALETTE[0], dash="dot"), name="everything a weighted average of these values can reach"),
        go.Scatter(x=values[:, 0], y=values[:, 1], mode="markers+text", text=[f"{n} ({w:.0%})" for n, w in zip(names, weights)],
                   textposition="top center", marker=dict(size=14, color=PALETTE[0]), name="value vectors"),
        go.Scatter(x=[output[0]], y=[output[1]], mode="markers+text", text=["output"], textposition="bottom center",
                   marker=dict(size=18, color=POSITIVE, symbol="star"), name="weighted sum"),
    ]
    return go.Figure(traces, layout("Attention output = Σ weight × value: always inside the hull", height=420,
                                    xaxis=dict(zeroline=True, range=[-3, 5]),
                                    yaxis=dict(zeroline=True, range=[-3, 4.5], scaleanchor="x")))


def decision_boundary(grid: np.ndarray, prob: np.ndarray, x: np.ndarray, y: np.ndarray, title: str) -> go.Figure:
    traces = [go.Contour(x=grid, y=grid, z=prob, colorscale=DIVERGING, zmin=0, zmax=1, opacity=0.75,
                         contours=dict(start=0, end=1, size=0.1), colorbar=dict(title=dict(text="P(class 1)")),
                         hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.2f}<extra></extra>")]
    for label, colour in ((0, NEGATIVE), (1, POSITIVE)):
        pts = x[y == label]
        traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {label}",
                                 marker=dict(color=colour, size=7, line=dict(color="white", width=1))))
    return go.Figure(traces, layout(title, height=420,
                                    legend=dict(orientation="h", yanchor="top", y=-0.16),  # below the tick labels
                                    margin=dict(l=10, r=10, t=56, b=70),
                                    xaxis=dict(range=[grid[0], grid[-1]]),
                                    yaxis=dict(range=[grid[0], grid[-1]], scaleanchor="x")))


def loss_curve(losses: np.ndarray) -> go.Figure:
    return go.Figure([go.Scatter(y=losses, mode="lines", line=dict(color=PALETTE[1], width=3), name="loss")],
                     layout("Training loss", height=300,
                            xaxis=dict(title=dict(text="step")),
                            yaxis=dict(title=dict(text="binary cross-entropy"), rangemode="tozero")))


def change_per_position(ffn: list[float], attn: list[float], changed: int) -> go.Figure:
    labels = [f"pos {i}" + (" (changed)" if i == changed else "") for i in range(len(ffn))]
    traces = [go.Bar(x=labels, y=ffn, name="FFN output change", marker=dict(color=GROUP_COLOURS["ffn"])),
              go.Bar(x=labels, y=attn, name="attention output change", marker=dict(color=GROUP_COLOURS["attention"]))]
    return go.Figure(traces, layout("How much each position's output moved", height=360,
                                    barmode="group", yaxis=dict(title=dict(text="‖after − before‖"))))



def change_after_attention(ffn: list[float], after: list[float], changed: int) -> go.Figure:
    """The FFN alone beside the FFN run after causal attention, per position."""
    labels = [f"pos {i}" + (" (changed)" if i == changed else "") for i in range(len(ffn))]
    traces = [go.Bar(x=labels, y=ffn, name="FFN alone", marker=dict(color=GROUP_COLOURS["ffn"])),
              go.Bar(x=labels, y=after, name="FFN after causal attention", marker=dict(color=GROUP_COLOURS["head"]))]
    return go.Figure(traces, layout("The FFN's output change, alone and after attention", height=360,
                                    barmode="group",
                                    yaxis=dict(title=dict(text="‖after − before‖"))))

def gate_up_product(neurons: list[int], gate: np.ndarray, act_gate: np.ndarray, up: np.ndarray, product: np.ndarray,
                    act_label: str) -> go.Figure:
    labels = [f"n{n}" for n in neurons]
    traces = [go.Bar(x=labels, y=gate, name="gate·x", marker=dict(color=PALETTE[5])),
              go.Bar(x=labels, y=act_gate, name=f"{act_label}(gate·x)", marker=dict(color=PALETTE[0])),
              go.Bar(x=labels, y=up, name="up·x", marker=dict(color=PALETTE[2])),
              go.Bar(x=labels, y=product, name="product = coefficient", marker=dict(color=PALETTE[3]))]
    return go.Figure(traces, layout("One token through a gated FFN, neuron by neuron", height=380, barmode="group"))


def routing_heatmap(tokens: list[str], probs: np.ndarray, chosen: np.ndarray) -> go.Figure:
    n_experts = probs.shape[1]
    heat = go.Heatmap(z=probs, x=[f"expert {e}" for e in range(n_experts)], y=[f"{i}:{t}" for i, t in enumerate(tokens)],
                      colorscale="Blues", zmin=0, colorbar=dict(title=dict(text="router p")),
                      hovertemplate="%{y} → %{x}: %{z:.2f}<extra></extra>")
    rows, cols = np.repeat(np.arange(len(tokens)), chosen.shape[1]), chosen.flatten()
    marks = go.Scatter(x=[f"expert {e}" for e in cols], y=[f"{i}:{tokens[i]}" for i in rows], mode="markers",
                       marker=dict(symbol="x", size=12, color=POSITIVE), name="chosen (top-k)")
    return go.Figure([heat, marks], layout("Router: which experts each token is sent to", height=max(360, 26 * len(tokens) + 120),
                                           yaxis=dict(autorange="reversed", type="category"),
                                           legend=dict(orientation="h", y=-0.1)))


def expert_load(load: np.ndarray) -> go.Figure:
    bar = go.Bar(x=[f"expert {e}" for e in range(len(load))], y=load, marker=dict(color=GROUP_COLOURS["ffn"]))
    return go.Figure([bar], layout("Tokens per expert", height=300,
                                   yaxis=dict(title=dict(text="tokens routed"))))
