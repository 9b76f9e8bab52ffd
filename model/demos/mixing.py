"""Attention's output is a weighted average of value vectors: it can mix, not transform.

With softmax weights (non-negative, summing to one) the output always lies inside
the convex hull of the values, whatever the weights are. Toy 2-D values make it visible.
"""
from __future__ import annotations

import numpy as np

TOY_VALUES = {"cat": (1.0, 3.0), "sat": (3.5, 1.0), "down": (-1.5, -0.5), "on": (0.5, -2.0)}
EXAMPLE_WEIGHTS = (0.6, 0.3, 0.1, 0.0)  # the tour's weights on them (its prediction asks where they land)


def normalise(weights: np.ndarray) -> np.ndarray:
    """Raw slider values -> attention weights (non-negative, sum 1); all zero -> uniform."""
    w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    return w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))


def mix(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return normalise(weights) @ np.asarray(values, dtype=float)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Vertices of the 2-D convex hull, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(map(tuple, np.asarray(points, dtype=float)))
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def inside_hull(point: np.ndarray, hull: np.ndarray, tol: float = 1e-9) -> bool:
    """True if `point` is inside or on the counter-clockwise hull."""
    for a, b in zip(hull, np.roll(hull, -1, axis=0)):
        if (b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0]) < -tol:
            return False
    return True
