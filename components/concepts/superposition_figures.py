"""Figures for the superposition page: feature directions, WᵀW, feature norms, the phase change,
and a toy neuron's responses (model/demos/superposition.py trains what they draw)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import DIVERGING, NEGATIVE, PALETTE, POSITIVE, layout
from model.demos.superposition import FIRES, REPRESENTED, AbsModel, PhasePoint, ToyModel

# one colour per kind of feature, the same in every figure of the page
KINDS = {"own dimension": PALETTE[0], "in superposition": PALETTE[1], "dropped": "#999999"}


def kinds(t: ToyModel) -> list[str]:
    return ["dropped" if not r else "in superposition" if s else "own dimension"
            for r, s in zip(t.represented, t.shared)]


def directions(t: ToyModel) -> go.Figure:
    """m = 2: each feature's column Wᵢ as an arrow from the origin, coloured by its kind."""
    reach = max(1.3, float(t.norms.max()) * 1.2)
    circle = np.linspace(0, 2 * np.pi, 121)
    traces = [go.Scatter(x=np.cos(circle), y=np.sin(circle), mode="lines", hoverinfo="skip",
                         line=dict(color="#999999", dash="dot", width=1), name="length 1")]
    shown = set()
    for i, ((x, y), kind) in enumerate(zip(t.W.T, kinds(t))):
        traces.append(go.Scatter(
            x=[0, x], y=[0, y], mode="lines+markers+text", text=["", f"feature {i}"], textposition="top center",
            line=dict(color=KINDS[kind], width=3), marker=dict(size=[0, 9], color=KINDS[kind]),
            name=kind, legendgroup=kind, showlegend=kind not in shown,
            hovertemplate=f"feature {i}: ‖W‖ = {t.norms[i]:.2f}<extra></extra>"))
        shown.add(kind)
    axis = dict(range=[-reach, reach], zeroline=True, title=dict(text="hidden dimension 1"))
    return go.Figure(traces, layout(f"{t.n} features in 2 dimensions at sparsity {t.sparsity:g}", height=440,
                                    xaxis=axis, yaxis={**axis, "scaleanchor": "x",
                                                       "title": dict(text="hidden dimension 2")},
                                    legend=dict(orientation="h", y=-0.15)))


def gram(t: ToyModel) -> go.Figure:
    labels = [f"f{i}" for i in range(t.n)]
    top = max(1.0, float(np.abs(t.gram).max()))
    heat = go.Heatmap(z=t.gram, x=labels, y=labels, colorscale=DIVERGING, zmid=0, zmin=-top, zmax=top,
                      colorbar=dict(title=dict(text="Wᵢ·Wⱼ")),
                      hovertemplate="features %{y} and %{x}: %{z:.2f}<extra></extra>")
    return go.Figure([heat], layout("WᵀW: how much each pair of features overlaps", height=440,
                                    yaxis=dict(autorange="reversed", scaleanchor="x"),
                                    xaxis=dict(side="bottom")))


def norms(t: ToyModel) -> go.Figure:
    """‖Wᵢ‖ per feature, coloured by kind, with the superposition measure in each bar's hover."""
    ks = kinds(t)
    traces = [go.Bar(x=[f"f{i}" for i in range(t.n) if ks[i] == kind],
                     y=[t.norms[i] for i in range(t.n) if ks[i] == kind],
                     customdata=[t.superposition[i] for i in range(t.n) if ks[i] == kind],
                     marker=dict(color=colour), name=kind,
                     hovertemplate="%{x}: ‖W‖ = %{y:.2f}, Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² = %{customdata:.2f}<extra></extra>")
              for kind, colour in KINDS.items() if kind in ks]
    return go.Figure(traces, layout("Which features are represented: ‖Wᵢ‖", height=320,
                                    xaxis=dict(categoryorder="array", categoryarray=[f"f{i}" for i in range(t.n)],
                                               title=dict(text="feature (most important first)")),
                                    yaxis=dict(title=dict(text="‖Wᵢ‖"), rangemode="tozero"),
                                    shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=REPRESENTED,
                                                 y1=REPRESENTED, line=dict(dash="dot", color="#666666"))],
                                    legend=dict(orientation="h", y=-0.3)))


def phase_change(points: list[PhasePoint], chosen: float) -> go.Figure:
    """Stacked counts of features with a dimension of their own, in superposition and dropped, per
    sparsity; dimensions per feature on the right axis."""
    x = [f"{p.sparsity:g}" + (" ◀" if p.sparsity == chosen else "") for p in points]
    traces = [go.Bar(x=x, y=[getattr(p, field) for p in points], name=kind, marker=dict(color=KINDS[kind]),
                     hovertemplate=f"S = %{{x}}: %{{y}} {kind}<extra></extra>")
              for field, kind in (("alone", "own dimension"), ("shared", "in superposition"), ("dropped", "dropped"))]
    traces.append(go.Scatter(x=x, y=[p.dims_per_feature for p in points], yaxis="y2", mode="lines+markers",
                             name="dimensions per feature", line=dict(color=PALETTE[7], width=2),
                             hovertemplate="S = %{x}: %{y:.2f} dimensions per feature<extra></extra>"))
    return go.Figure(traces, layout("The phase change: from dropping features to superposition", height=400,
                                    barmode="stack", xaxis=dict(title=dict(text="sparsity S"), type="category"),
                                    yaxis=dict(title=dict(text="features")),
                                    yaxis2=dict(title=dict(text="dimensions per feature, m / ‖W‖²"), overlaying="y",
                                                side="right", range=[0, 1.05], tickmode="linear", tick0=0,
                                                dtick=0.2, showgrid=False),
                                    legend=dict(orientation="h", y=-0.25, traceorder="normal")))


def _feature_labels(n: int) -> list[str]:
    return [f"x{i} = +1" for i in range(n)] + [f"x{i} = −1" for i in range(n)]


def signed(x: float) -> str:
    """+0.42 or −0.42, with a true minus sign."""
    return f"{x:+.2f}".replace("-", "−")


def abs_weights(a: AbsModel) -> go.Figure:
    top = float(np.abs(a.W1).max()) or 1.0
    heat = go.Heatmap(z=a.W1, x=[f"x{i}" for i in range(a.n)], y=[f"neuron {k}" for k in range(a.m)],
                      colorscale=DIVERGING, zmid=0, zmin=-top, zmax=top, colorbar=dict(title=dict(text="weight")),
                      hovertemplate="%{y} reads %{x} with weight %{z:.2f}<extra></extra>")
    return go.Figure([heat], layout("W₁: what each hidden neuron reads", height=300 + 12 * a.m,
                                    yaxis=dict(autorange="reversed")))


def neuron_response(a: AbsModel, neuron: int) -> go.Figure:
    """The neuron's activation for each feature alone at +1 and at −1, with the FIRES line."""
    r = a.response[neuron]
    bar = go.Bar(y=_feature_labels(a.n), x=r, orientation="h",
                 marker=dict(color=[POSITIVE if v >= FIRES else NEGATIVE for v in r]),
                 hovertemplate="%{y} alone: neuron fires %{x:.2f}<extra></extra>", showlegend=False)
    return go.Figure([bar], layout(f"Neuron {neuron}: what makes it fire, one feature at a time",
                                   height=120 + 16 * 2 * a.n,
                                   xaxis=dict(title=dict(text="ReLU activation"), rangemode="tozero"),
                                   yaxis=dict(type="category", autorange="reversed"),
                                   shapes=[dict(type="line", yref="paper", y0=0, y1=1, x0=FIRES, x1=FIRES,
                                                line=dict(dash="dot", color="#666666"))]))
