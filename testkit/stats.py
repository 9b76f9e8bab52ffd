"""The one percentile rule of the benchmarks and the load test."""
from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank: the smallest value with at least a share q of the values at
    or below it (the 95th of 20 is the 19th smallest); nan for none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]
