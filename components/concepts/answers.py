"""The figures that settle the concept pages' predictions (content/predictions.py), each computed
by the same cached view function that draws the view it settles."""
from __future__ import annotations

from components.concepts import views as concept_views
from content.predictions import Truth

XOR_SETTING = ("xor", 8, 0.05, 300, 0)  # data, width, learning rate, steps, seed: the tour's and the page's default


def xor_accuracy(activation: str) -> float:
    dataset, hidden, lr, steps, seed = XOR_SETTING
    return concept_views.xor_view(dataset, hidden, activation, lr, steps, seed)[0].accuracy


def xor_no_activation() -> Truth:
    linear, relu = xor_accuracy("none"), xor_accuracy("relu")
    return Truth(round(100 * linear, 1), {"linear": f"{linear:.1%}", "relu": f"{relu:.1%}"})
