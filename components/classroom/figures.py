"""The teacher's view of a class's answers: pure functions from answers to a figure and its words."""
from __future__ import annotations

from collections import Counter

import plotly.graph_objects as go

from components.shared.theme import PALETTE, layout

BINS = 20  # a number's range in twentieths: the width predict counts as right (Prediction.correct)


def _wrap(label: str, width: int = 28) -> str:
    words, lines, line = label.split(), [], ""
    for w in words:
        if line and len(line) + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "<br>".join(lines + [line])


def choice_counts(n_options: int, values: list) -> list[int]:
    counted = Counter(int(v) for v in values)
    return [counted.get(i, 0) for i in range(n_options)]


def number_bins(lo: float, hi: float, values: list, bins: int = BINS) -> tuple[list[float], list[int]]:
    """Left edges and counts of `bins` equal bins over [lo, hi]; hi itself falls in the last."""
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((float(v) - lo) / width), bins - 1)] += 1
    return [lo + i * width for i in range(bins)], counts


def distribution(kind: str, options: tuple[str, ...], values: list, lo: float = 0.0, hi: float = 100.0,
                 unit: str = "", truth=None) -> tuple[go.Figure, str]:
    """Bars for a choice (or an ordering), a histogram for a number; the caption in words."""
    n = len(values)
    if kind == "number":
        edges, counts = number_bins(lo, hi, values)
        width = (hi - lo) / BINS
        fig = go.Figure(go.Bar(x=[e + width / 2 for e in edges], y=counts, width=width * 0.95,
                               marker_color=PALETTE[0], hovertemplate="%{y} students<extra></extra>"),
                        layout=layout(height=420, xaxis=dict(title=f"answer ({unit})" if unit else "answer",
                                                             range=[lo, hi]),
                                      yaxis=dict(title="students", rangemode="tozero", dtick=max(1, max(counts) // 8 or 1))))
        if truth is not None:
            fig.add_vline(x=float(truth), line_color=PALETTE[3], line_width=4)
        top = max(range(BINS), key=counts.__getitem__) if n else None
        said = (f"the most, {counts[top]}, from {edges[top]:g} to {edges[top] + width:g}{unit}" if n else "none yet")
        return fig, f"Histogram of the class's {n} answers in {BINS} bins from {lo:g} to {hi:g}{unit}: {said}."
    if kind == "order":
        ranked = Counter(tuple(v) for v in values).most_common(6)
        labels = [_wrap(" → ".join(options[i] for i in order), 40) for order, _ in ranked]
        counts = [c for _, c in ranked]
    else:
        labels = [_wrap(o) for o in options]
        counts = choice_counts(len(options), values)
    colours = [PALETTE[3] if truth is not None and i == truth and kind == "choice" else PALETTE[0]
               for i in range(len(counts))]
    fig = go.Figure(go.Bar(x=counts, y=labels, orientation="h", marker_color=colours, text=counts,
                           textposition="auto", hovertemplate="%{x} students<extra></extra>"),
                    layout=layout(height=110 + 70 * len(labels), yaxis=dict(autorange="reversed"),
                                  xaxis=dict(title="students", rangemode="tozero")))
    words = "; ".join(f"{label.replace('<br>', ' ')}: {c}" for label, c in zip(labels, counts))
    return fig, f"Bars of the class's {n} answers: {words}."
