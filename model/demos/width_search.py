"""The smallest hidden width that fits XOR, circles or spirals: universal approximation, measured.

A two-layer network with enough hidden neurons can approximate any continuous function on a
bounded region (Cybenko 1989; Hornik, Stinchcombe and White 1989). The theorem says nothing
about *how many* neurons a task needs; this search measures it for the toy datasets of
model/demos/xor.py: widths are tried in increasing order, each with a few fixed seeds, and
the first width at which some seed reaches a target training accuracy is reported.
"""
from __future__ import annotations

from dataclasses import dataclass

from model.demos import xor

WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
SEEDS = (0, 1, 2)
STEPS, LR = 300, 0.05  # the why-FFN page's default training run
TARGETS = (0.95, 1.0)


@dataclass(frozen=True)
class WidthSearch:
    dataset: str
    activation: str
    tried: dict[int, float]  # width -> best training accuracy over the seeds tried at that width
    smallest: dict[float, int | None]  # target accuracy -> smallest width reaching it (None: none tried did)
    seed: dict[float, int | None]  # target -> the seed that reached it at that width


def smallest_width(dataset: str, activation: str = "relu", widths: tuple[int, ...] = WIDTHS,
                   seeds: tuple[int, ...] = SEEDS, steps: int = STEPS, lr: float = LR,
                   targets: tuple[float, ...] = TARGETS) -> WidthSearch:
    """Scan `widths` upwards, training each with `seeds` in turn (a seed that reaches the
    highest target ends that width); stop at the first width that reaches every target."""
    if dataset not in xor.DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {xor.DATASETS}")
    top = max(targets)
    tried: dict[int, float] = {}
    smallest: dict[float, int | None] = dict.fromkeys(targets)
    seed_of: dict[float, int | None] = dict.fromkeys(targets)
    for width in widths:
        best = 0.0
        for seed in seeds:
            accuracy = xor.train(dataset, width, activation, lr, steps, seed).accuracy
            for t in targets:
                if smallest[t] is None and accuracy >= t:
                    smallest[t], seed_of[t] = width, seed
            best = max(best, accuracy)
            if accuracy >= top:
                break
        tried[width] = best
        if all(w is not None for w in smallest.values()):
            break
    return WidthSearch(dataset, activation, tried, smallest, seed_of)
