"""A pre-binned histogram on a log scale, bars coloured by the sign of their bin."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.shared.theme import layout, sign_colours


def signed_histogram(counts: np.ndarray, edges: np.ndarray, title: str, x_title: str, y_title: str,
                     height: int = 340) -> go.Figure:
    centres = (edges[:-1] + edges[1:]) / 2
    bars = go.Bar(x=centres, y=counts, width=np.diff(edges), marker=dict(color=sign_colours(centres)),
                  hovertemplate="%{x:.3f}: %{y}<extra></extra>")
    return go.Figure([bars], layout(title, height=height, bargap=0,
                                    xaxis=dict(title=dict(text=x_title)),
                                    yaxis=dict(title=dict(text=y_title + " (log scale)"), type="log")))
